"""The audit log is append-only in the database itself, and its reading and export functions."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tillit.audit.service import (
    EXPORT_FIELDS,
    event_dict,
    export_csv,
    export_jsonl,
    list_events,
    record,
)
from tillit.audit.tables import AuditEvent
from tillit.auth.roles import Principal
from tillit.auth.service import get_tenant
from tillit.db.base import utcnow
from tillit.platform import Platform


@pytest.fixture
def tenant_id(platform: Platform) -> int:
    with platform.session() as db:
        return get_tenant(db, "default").id


def principal(platform: Platform) -> Principal:
    with platform.session() as db:
        tenant = get_tenant(db, "default")
        return Principal(tenant.id, tenant.slug, "key", 7, "e-tjänst", frozenset({"developer"}))


def add_event(
    platform: Platform,
    action: str = "model.add",
    outcome: str = "ok",
    detail: dict[str, object] | None = None,
) -> int:
    with platform.session() as db:
        event = record(
            db,
            principal(platform),
            action,
            object_type="model",
            object_id=3,
            outcome=outcome,
            detail=detail,
        )
        db.flush()
        return event.id


def stored_rows(platform: Platform) -> list[tuple[object, ...]]:
    with platform.engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text("SELECT id, actor, action, outcome FROM audit_events ORDER BY id")
            )
        ]


# --- append-only --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET outcome = 'ok', actor = 'någon annan' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
        "DELETE FROM audit_events",
    ],
    ids=["update", "delete-one", "delete-all"],
)
def test_database_refuses_to_change_audit_events(platform: Platform, statement: str) -> None:
    event_id = add_event(platform, outcome="denied")
    before = stored_rows(platform)
    with pytest.raises(DBAPIError, match="append-only"), platform.engine.begin() as conn:
        conn.execute(text(statement), {"id": event_id})
    assert stored_rows(platform) == before
    assert (event_id, "key:e-tjänst", "model.add", "denied") in before


def test_database_refuses_to_truncate_audit_events(platform: Platform) -> None:
    if platform.settings.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is tested above")
    add_event(platform)
    before = stored_rows(platform)
    with pytest.raises(DBAPIError, match="append-only"), platform.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))
    assert stored_rows(platform) == before


def test_orm_cannot_change_an_audit_event_either(platform: Platform) -> None:
    event_id = add_event(platform)
    with pytest.raises(DBAPIError, match="append-only"), platform.session() as db:
        event = db.get(AuditEvent, event_id)
        assert event is not None
        event.outcome = "error"
    with platform.session() as db:
        event = db.get(AuditEvent, event_id)
        assert event is not None and event.outcome == "ok"


def test_inserting_is_still_allowed(platform: Platform) -> None:
    first = add_event(platform)
    second = add_event(platform)
    assert second > first
    with platform.session() as db:
        assert db.scalars(select(func.count()).select_from(AuditEvent)).one() >= 2


# --- record and list ------------------------------------------------------------------------------


def test_record_takes_tenant_and_actor_from_the_principal(
    platform: Platform, tenant_id: int
) -> None:
    event_id = add_event(platform, detail={"name": "kommun-llm"})
    with platform.session() as db:
        event = db.get(AuditEvent, event_id)
        assert event is not None
    assert (event.tenant_id, event.actor, event.object_id) == (tenant_id, "key:e-tjänst", "3")
    assert event.detail == {"name": "kommun-llm"} and event.outcome == "ok"


def test_record_without_principal_is_anonymous(platform: Platform) -> None:
    with platform.session() as db:
        event = record(db, None, "user.login", outcome="denied")
        db.flush()
        assert (event.tenant_id, event.actor) == (None, "anonymous")


def test_list_events_filters_and_orders_newest_first(
    platform: Platform, tenant_id: int, second_tenant: str
) -> None:
    ids = [add_event(platform, action) for action in ("a.one", "a.two", "a.one", "a.one")]
    with platform.session() as db:
        other = get_tenant(db, second_tenant).id
        assert [e.id for e in list_events(db, tenant_id)] == ids[::-1]
        assert [e.id for e in list_events(db, tenant_id, action="a.one")] == [
            ids[3],
            ids[2],
            ids[0],
        ]
        assert [e.id for e in list_events(db, tenant_id, limit=2)] == [ids[3], ids[2]]
        assert [e.id for e in list_events(db, tenant_id, before_id=ids[2])] == [ids[1], ids[0]]
        assert list_events(db, tenant_id, before_id=0) == []
        assert list_events(db, other) == []
        assert list_events(db, tenant_id, since=utcnow() + timedelta(minutes=1)) == []
        assert len(list_events(db, None)) == 4


# --- export -----------------------------------------------------------------------------------


def events(platform: Platform) -> list[AuditEvent]:
    with platform.session() as db:
        return list_events(db, None)


def test_jsonl_export_is_one_json_object_per_line(platform: Platform) -> None:
    add_event(platform, detail={"text": 'rad\nbrytning och "citat" och åäö'})
    add_event(platform, "key.create")
    exported = "".join(export_jsonl(events(platform)))
    lines = exported.splitlines()
    assert len(lines) == 2 and exported.endswith("\n")
    parsed = [json.loads(line) for line in lines]
    assert parsed == [event_dict(e) for e in events(platform)]
    assert parsed[1]["detail"]["text"] == 'rad\nbrytning och "citat" och åäö'


def test_csv_export_has_header_and_one_row_per_event(platform: Platform) -> None:
    add_event(platform, detail={"name": "kommun-llm"})
    add_event(platform, "key.create")
    rows = list(csv.reader(io.StringIO("".join(export_csv(events(platform))))))
    assert rows[0] == list(EXPORT_FIELDS)
    assert [row[4] for row in rows[1:]] == ["key.create", "model.add"]
    assert json.loads(rows[2][8]) == {"name": "kommun-llm"}


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://evil.example")', "+1+1", "-2", "@SUM(A1)"])
def test_csv_export_neutralises_formulas(platform: Platform, formula: str) -> None:
    with platform.session() as db:
        record(db, principal(platform), formula, actor=formula, object_id=formula)
    rows = list(csv.DictReader(io.StringIO("".join(export_csv(events(platform))))))
    [row] = rows
    assert row["actor"] == row["action"] == row["object_id"] == "'" + formula


def test_csv_export_of_no_events_is_just_the_header() -> None:
    assert list(csv.reader(io.StringIO("".join(export_csv([]))))) == [list(EXPORT_FIELDS)]
