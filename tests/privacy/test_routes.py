"""The privacy API: detect, pseudonymise (irreversible or reversible, continuing a case) and
re-identification for authorised roles only, audited either way."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.factories import auth, make_key
from tillit.audit.tables import AuditEvent
from tillit.platform import Platform

TEXT = "Elias Nordström, 140621-2389, bor på Storgatan 12 i Umeå."


def test_detect_and_irreversible_preview(client: TestClient, platform: Platform) -> None:
    key = auth(make_key(platform, role="viewer"))
    found = client.post("/api/privacy/detect", headers=key, json={"text": TEXT}).json()
    assert {e["type"] for e in found["entities"]} >= {"PERSON", "PNR", "ADDRESS"}
    preview = client.post("/api/privacy/pseudonymise", headers=key, json={"text": TEXT}).json()
    assert "Elias" not in preview["text"] and "mapping" not in preview


def test_reversible_case_and_reidentification(client: TestClient, platform: Platform) -> None:
    caseworker = auth(make_key(platform, role="caseworker"))
    first = client.post(
        "/api/privacy/pseudonymise", headers=caseworker, json={"text": TEXT, "mode": "reversible"}
    ).json()
    later = client.post(
        "/api/privacy/pseudonymise",
        headers=caseworker,
        json={"text": "Elias Nordström ringde.", "mode": "reversible", "mapping": first["mapping"]},
    ).json()
    assert first["text"].split(",")[0] == later["text"].split(" ringde")[0] == "[Person 1]"
    back = client.post(
        "/api/privacy/reidentify",
        headers=caseworker,
        json={"text": first["text"], "mapping": later["mapping"]},
    )
    assert back.status_code == 200 and back.json()["text"] == TEXT


def test_reidentification_is_refused_to_other_roles_and_audited(
    client: TestClient, platform: Platform
) -> None:
    developer = auth(make_key(platform, role="developer"))
    made = client.post(
        "/api/privacy/pseudonymise", headers=developer, json={"text": TEXT, "mode": "reversible"}
    ).json()
    refused = client.post(
        "/api/privacy/reidentify",
        headers=developer,
        json={"text": made["text"], "mapping": made["mapping"]},
    )
    assert refused.status_code == 403
    with platform.session() as db:
        events = list(
            db.scalars(select(AuditEvent).where(AuditEvent.action == "privacy.reidentify"))
        )
    assert [e.outcome for e in events] == ["denied"]
    assert "Elias" not in str(events[0].detail)


def test_a_tampered_mapping_is_a_clear_error(client: TestClient, platform: Platform) -> None:
    caseworker = auth(make_key(platform, role="caseworker"))
    response = client.post(
        "/api/privacy/reidentify", headers=caseworker, json={"text": "x", "mapping": "gAAAAinte"}
    )
    assert response.status_code == 400


def test_a_mapping_works_only_in_its_own_organisation(
    client: TestClient, platform: Platform, second_tenant: str
) -> None:
    ours = auth(make_key(platform, role="caseworker"))
    made = client.post(
        "/api/privacy/pseudonymise", headers=ours, json={"text": TEXT, "mode": "reversible"}
    ).json()
    theirs = auth(make_key(platform, tenant=second_tenant, role="caseworker"))
    body = {"text": made["text"], "mapping": made["mapping"]}
    refused = client.post("/api/privacy/reidentify", headers=theirs, json=body)
    assert refused.status_code == 403 and "Elias" not in refused.text
    assert refused.json()["error"]["code"] == "mapping_other_tenant"
    more = {"text": "Elias ringde.", "mode": "reversible", "mapping": made["mapping"]}
    assert client.post("/api/privacy/pseudonymise", headers=theirs, json=more).status_code == 403
    assert client.post("/api/privacy/reidentify", headers=ours, json=body).status_code == 200
