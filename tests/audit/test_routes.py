"""The audit log's JSON API: filters, paging, JSONL and CSV export, and who may read it."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.factories import auth, make_key
from tillit.audit.service import EXPORT_FIELDS, record
from tillit.audit.tables import AuditEvent
from tillit.auth.service import get_tenant
from tillit.platform import Platform


@pytest.fixture
def admin(platform: Platform) -> str:
    return make_key(platform, role="admin")


def make_events(client: TestClient, admin: str, keys: int = 3) -> None:
    """Real audited actions: ``keys`` key.create events and one key.revoke."""
    ids = []
    for i in range(keys):
        response = client.post("/api/keys", headers=auth(admin), json={"name": f"nyckel-{i}"})
        assert response.status_code == 201
        ids.append(response.json()["id"])
    assert client.delete(f"/api/keys/{ids[0]}", headers=auth(admin)).status_code == 200


def audit(client: TestClient, admin: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/audit", headers=auth(admin), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def export(client: TestClient, admin: str, fmt: str) -> Any:
    response = client.get("/api/audit/export", headers=auth(admin), params={"format": fmt})
    assert response.status_code == 200, response.text
    return response


def test_list_is_newest_first_with_the_recorded_fields(client: TestClient, admin: str) -> None:
    make_events(client, admin)
    events = audit(client, admin)
    assert [e["action"] for e in events] == ["key.revoke", *["key.create"] * 3]
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    assert set(events[0]) == set(EXPORT_FIELDS)
    assert events[-1]["detail"] == {"name": "nyckel-0", "role": "viewer", "default_class": "K1"}
    assert all(e["actor"].startswith("key:test-admin-") for e in events)


def test_filter_by_action(client: TestClient, admin: str) -> None:
    make_events(client, admin)
    assert [e["action"] for e in audit(client, admin, action="key.revoke")] == ["key.revoke"]
    assert len(audit(client, admin, action="key.create")) == 3
    assert audit(client, admin, action="finns.inte") == []


def test_limit_and_before_id_page_through_everything(client: TestClient, admin: str) -> None:
    make_events(client, admin, keys=6)
    everything = audit(client, admin)
    assert len(everything) == 7
    pages = [audit(client, admin, limit=3)]
    while pages[-1]:
        pages.append(audit(client, admin, limit=3, before_id=pages[-1][-1]["id"]))
    assert [len(page) for page in pages] == [3, 3, 1, 0]
    assert [e for page in pages for e in page] == everything


@pytest.mark.parametrize("limit", [0, 1001, "många"])
def test_bad_limit_is_400(client: TestClient, admin: str, limit: object) -> None:
    response = client.get("/api/audit", headers=auth(admin), params={"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("before_id", [0, -1])
def test_before_id_below_one_is_400(client: TestClient, admin: str, before_id: int) -> None:
    """Found as a bug: before_id=0 was taken as 'no filter' and returned the newest events."""
    make_events(client, admin)
    response = client.get("/api/audit", headers=auth(admin), params={"before_id": before_id})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_jsonl_export_parses_line_by_line(client: TestClient, admin: str) -> None:
    make_events(client, admin)
    response = export(client, admin, "jsonl")
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert 'filename="tillit-audit-default.jsonl"' in response.headers["content-disposition"]
    lines = response.text.splitlines()
    exported = [json.loads(line) for line in lines]
    assert all(isinstance(e, dict) and set(e) == set(EXPORT_FIELDS) for e in exported)
    listed = [e for e in audit(client, admin, limit=1000) if e["action"] != "audit.export"]
    assert exported == listed


def test_csv_export_has_header_and_every_event(client: TestClient, admin: str) -> None:
    make_events(client, admin)
    response = export(client, admin, "csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(EXPORT_FIELDS)
    assert [row[4] for row in rows[1:]] == ["key.revoke", *["key.create"] * 3]
    assert json.loads(rows[-1][8])["name"] == "nyckel-0"


def test_csv_export_neutralises_formulas(
    client: TestClient, admin: str, platform: Platform
) -> None:
    formula = '=HYPERLINK("http://evil.example","Klicka")'
    with platform.session() as db:
        tenant_id = get_tenant(db, "default").id
        record(db, None, "user.login", actor=formula, tenant_id=tenant_id, object_id="+46701234")
    rows = list(csv.DictReader(io.StringIO(export(client, admin, "csv").text)))
    [row] = [r for r in rows if r["action"] == "user.login"]
    assert row["actor"] == "'" + formula
    assert row["object_id"] == "'+46701234"


def test_export_is_itself_audited(client: TestClient, admin: str, platform: Platform) -> None:
    make_events(client, admin)
    rows = export(client, admin, "csv").text.splitlines()
    export(client, admin, "jsonl")
    with platform.session() as db:
        events = list(
            db.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "audit.export")
                .order_by(AuditEvent.id)
            )
        )
    assert [e.detail for e in events] == [
        {"format": "csv", "count": len(rows) - 1},
        {"format": "jsonl", "count": len(rows)},
    ]
    assert all(e.actor.startswith("key:test-admin-") for e in events)


def test_unknown_export_format_is_400(client: TestClient, admin: str) -> None:
    response = client.get("/api/audit/export", headers=auth(admin), params={"format": "xlsx"})
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["viewer", "developer", "caseworker"])
@pytest.mark.parametrize("path", ["/api/audit", "/api/audit/export"])
def test_only_admins_read_the_audit_log(
    client: TestClient, platform: Platform, role: str, path: str
) -> None:
    secret = make_key(platform, role=role)
    response = client.get(path, headers=auth(secret))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    with platform.session() as db:
        assert (
            db.scalars(select(AuditEvent).where(AuditEvent.action == "audit.export")).first()
            is None
        )
