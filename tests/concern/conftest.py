"""A passage classifier trained once per test session on the shared dev set, and a way to
install it as a tenant's active version (the real store/register path, without retraining)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.test_cli import cli  # noqa: F401 - the `tillit …` runner fixture, shared
from tillit.auth.roles import Principal
from tillit.auth.service import get_tenant
from tillit.concern.cases import detail_dict
from tillit.concern.models import make_card, store_version
from tillit.concern.tables import ConcernCase
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


def all_cases(platform: Platform) -> list[dict]:
    """Every case of the database as the API shows it, oldest first."""
    with platform.session() as db:
        cases = db.scalars(select(ConcernCase).order_by(ConcernCase.id))
        return [detail_dict(db, platform.box, c) for c in cases]
