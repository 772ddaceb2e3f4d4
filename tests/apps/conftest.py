"""A public assistant over a small collection, applied through the real services."""

from __future__ import annotations

import pytest

from tests.governance.lifecycle import APP, apply, load_docs
from tests.test_cli import cli  # noqa: F401 - the `tillit …` runner fixture, shared
from tillit.platform import Platform


@pytest.fixture
def public_app(platform: Platform) -> str:
    load_docs(platform)
    apply(platform)
    return APP
