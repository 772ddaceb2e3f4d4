"""Migration 0016: a case keeps its decision (investigation opened or not) in ``decision``.
Cases decided before the column existed get it from their status, or, once closed, from the
last status change to a decision in the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

from alembic import command
from fastapi.testclient import TestClient

from tests.concern.test_routes import _register, caseworker  # noqa: F401 - the fixture
from tillit.db.migrate import alembic_config
from tillit.platform import Platform


def _move(client: TestClient, headers: dict, number: str, *statuses: str) -> None:
    for status in statuses:
        moved = client.post(
            f"/api/concern/cases/{number}/status", headers=headers, json={"status": status}
        )
        assert moved.status_code == 200, moved.text


def _decisions(client: TestClient, headers: dict, numbers: list[str]) -> list[str | None]:
    return [
        client.get(f"/api/concern/cases/{n}", headers=headers).json()["decision"] for n in numbers
    ]


def test_decisions_are_kept_and_restored_by_the_migration(  # type: ignore[no-untyped-def]
    client: TestClient,
    platform: Platform,
    caseworker,  # noqa: F811
) -> None:
    numbers = [_register(client, caseworker, source_ref=f"x-{k}") for k in range(4)]
    _move(client, caseworker, numbers[0], "forhandsbedomning", "inleds_ej", "avslutad")
    _move(client, caseworker, numbers[1], "utredning_inleds", "avslutad")
    _move(client, caseworker, numbers[2], "utredning_inleds")
    expected = ["inleds_ej", "utredning_inleds", "utredning_inleds", None]
    assert _decisions(client, caseworker, numbers) == expected
    config = alembic_config(platform.engine)
    command.downgrade(config, "0015_annotation_withdrawal")  # the column, and what it held, go
    command.upgrade(config, "head")
    assert _decisions(client, caseworker, numbers) == expected


def test_migration_0017_dates_earlier_decisions_from_the_audit_log(  # type: ignore[no-untyped-def]
    client: TestClient,
    platform: Platform,
    caseworker,  # noqa: F811
) -> None:
    """``decided_at`` (the date the decision letters print) came after the decisions; cases
    decided before it get the time of their move to the decision."""
    numbers = [_register(client, caseworker, source_ref=f"y-{k}") for k in range(3)]
    _move(client, caseworker, numbers[0], "forhandsbedomning", "inleds_ej", "avslutad")
    _move(client, caseworker, numbers[1], "utredning_inleds")

    def decided() -> list[str | None]:
        return [
            client.get(f"/api/concern/cases/{n}", headers=caseworker).json()["decided_at"]
            for n in numbers
        ]

    before = decided()
    assert before[0] and before[1] and before[2] is None
    config = alembic_config(platform.engine)
    command.downgrade(config, "0016_case_decision")
    command.upgrade(config, "head")
    after = decided()
    assert after[2] is None
    for old, new in zip(before[:2], after[:2], strict=True):  # the audit event is a moment later
        gap = datetime.fromisoformat(new) - datetime.fromisoformat(old)
        assert timedelta(0) <= gap < timedelta(seconds=5)
