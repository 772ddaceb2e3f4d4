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
from tillit.concern.register import register_report
from tillit.concern.schemas import ReportIn
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


def register_text(platform: Platform, text: str) -> str:
    """A case registered through the API channel with only ``text``; returns its number."""
    with platform.session() as db:
        registered = register_report(db, platform.box, system(platform), ReportIn(text=text), "api")
        return registered.case.case_number


def all_cases(platform: Platform) -> list[dict]:
    """Every case of the database as the API shows it, oldest first."""
    with platform.session() as db:
        cases = db.scalars(select(ConcernCase).order_by(ConcernCase.id))
        return [detail_dict(db, platform.box, c) for c in cases]


def register_writer(
    platform: Platform,
    upstream: str,
    name: str,
    max_class: str = "K3",
    remote: str = "echo-1",
    tenant: str = "default",
) -> None:
    """A chat model in the catalogue, added to the language models the analysis support may
    use (``language_models.py``), as an administrator does."""
    from tests.support.factories import register_upstream_model
    from tillit.concern.language_models import allowed_names, set_language_models

    register_upstream_model(
        platform, upstream, name=name, remote=remote, max_class=max_class, tenant=tenant
    )
    principal = system(platform, tenant)
    with platform.session() as db:
        chosen = [*allowed_names(db, principal.tenant_id), name]
        set_language_models(db, principal, chosen)


def lower_clearance(platform: Platform, name: str, max_class: str) -> None:
    """The catalogue entry's clearance lowered after the model was chosen."""
    from tillit.catalog.tables import CatalogModel

    with platform.session() as db:
        db.scalar(select(CatalogModel).where(CatalogModel.name == name)).max_class = max_class
