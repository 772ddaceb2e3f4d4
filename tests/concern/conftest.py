"""A passage classifier trained once per test session on the shared dev set, and a way to
install it as a tenant's active version (the real store/register path, without retraining)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_cli import cli  # noqa: F401 - the `tillit …` runner fixture, shared
from tillit.auth.roles import Principal
from tillit.auth.service import get_tenant
from tillit.concern.models import make_card, store_version
from tillit.platform import Platform

DEV = Path(__file__).parents[3] / "shared" / "data" / "concern" / "dev.jsonl"


@pytest.fixture(scope="session")
def dev_reports() -> list[Any]:
    from tillit.concern.classifier import load_jsonl

    return load_jsonl(DEV)


@pytest.fixture(scope="session")
def trained(dev_reports: list[Any]) -> Any:
    from tillit.concern.classifier import train

    return train(dev_reports)


def system(platform: Platform, tenant: str = "default") -> Principal:
    with platform.session() as db:
        found = get_tenant(db, tenant)
        return Principal(found.id, found.slug, "system", None, "cli", frozenset({"admin"}))


@pytest.fixture
def installed(platform: Platform, trained: Any, dev_reports: list[Any]) -> int:
    """The session's classifier as the default tenant's active version; returns its number."""
    card = make_card(dev_reports, "dev.jsonl (tests)")
    return store_version(platform, system(platform), trained, card).version
