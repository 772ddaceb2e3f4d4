"""Migration 0011: approvals stored before audience, information class, privacy handling and
top_k were part of the approved configuration. Until the migration such an approval does not
hold those parts (no app drops out of production on upgrade); after it, it holds the manifest's
values and a later change sends the app back for review."""

from __future__ import annotations

from alembic import command

from tests.governance.lifecycle import apply, promote
from tests.governance.test_lifecycle import status
from tillit.db.migrate import alembic_config
from tillit.governance.tables import Lifecycle
from tillit.platform import Platform

NEW_PARTS = ("audience", "security_class", "privacy", "top_k")


def _approve_the_old_way(platform: Platform) -> None:
    with platform.session() as db:
        lifecycle = db.query(Lifecycle).one()
        approved = dict(lifecycle.approved_fingerprint or {})
        assert set(NEW_PARTS) <= set(approved)
        lifecycle.approved_fingerprint = {k: v for k, v in approved.items() if k not in NEW_PARTS}


def _approved(platform: Platform) -> dict:
    with platform.session() as db:
        return dict(db.query(Lifecycle).one().approved_fingerprint or {})


def test_old_approvals_do_not_hold_parts_they_never_recorded(platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    _approve_the_old_way(platform)
    apply(platform, top_k=9)
    assert status(platform, public_app)["state"] == "produktion"


def test_migration_completes_old_approvals_from_the_manifest(platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    _approve_the_old_way(platform)
    config = alembic_config(platform.engine)
    command.downgrade(config, "0010_app_evaluations")
    command.upgrade(config, "head")
    approved = _approved(platform)
    assert {k: approved[k] for k in NEW_PARTS} == {
        "audience": "public",
        "security_class": "K0",
        "privacy": "refuse",
        "top_k": 5,
    }
    apply(platform, audience="staff")
    now = status(platform, public_app)
    assert now["state"] == "analys"
    assert now["review_reasons"] == ["målgrupp (personal eller allmänheten)"]
