"""Completing a case after intake (the child, the reporter type) and assigning it
(concern/case_details.py): through the API and the case page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.factories import auth, make_key, make_user
from tests.support.pages import login
from tillit.audit.tables import AuditEvent
from tillit.concern.cases import apply_retention
from tillit.concern.tables import ConcernCase
from tillit.platform import Platform

from .conftest import system

MAILED = {
    "text": "Grannen hör ett barn gråta varje natt i lägenheten bredvid.",
    "reporter_type": "annan",
}


@pytest.fixture
def caseworker(platform: Platform) -> dict[str, str]:
    return auth(make_key(platform, role="caseworker"))


def _case(client: TestClient, headers: dict[str, str]) -> str:
    return client.post("/api/concern/cases", headers=headers, json=MAILED).json()["case_number"]


def test_a_case_without_a_child_is_completed_and_can_then_get_a_letter(
    client: TestClient, platform: Platform, caseworker: dict
) -> None:
    number = _case(client, caseworker)
    base = f"/api/concern/cases/{number}"
    refused = client.post(
        f"{base}/letters",
        headers=caseworker,
        json={"kind": "guardian_info", "recipient_name": "Vh"},
    )
    assert refused.status_code == 400 and "komplettera ärendet" in refused.text
    details = {"child_name": "Elias Nordström", "child_personnummer": "140621-2389",
               "reporter_type": "granne"}  # fmt: skip
    done = client.post(f"{base}/details", headers=caseworker, json=details)
    assert done.status_code == 200, done.text
    child = done.json()["child"]
    assert (child["name"], child["birth_date"]) == ("Elias Nordström", "2014-06-21")
    assert done.json()["reporter_type"] == "granne"
    guardian = {"kind": "guardian_info", "recipient_name": "Johan Nordström"}
    letter = client.post(f"{base}/letters", headers=caseworker, json=guardian)
    assert letter.status_code == 201, letter.text
    later = {"text": "Ny anmälan.", "child": {"personnummer": "140621-2389"}}
    other = client.post("/api/concern/cases", headers=caseworker, json=later)
    history = client.get(f"/api/concern/cases/{other.json()['case_number']}", headers=caseworker)
    assert [h["case_number"] for h in history.json()["history"]] == [number]
    with platform.session() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "concern.case.details"))
    assert event.detail == {"fields": ["name", "personnummer", "birth_date", "reporter_type"]}
    assert "Elias" not in str(event.detail)


def test_a_nul_character_in_the_details_is_dropped(client: TestClient, caseworker: dict) -> None:
    number = _case(client, caseworker)
    details = {"child_name": "Elias\x00 Nordström"}
    done = client.post(f"/api/concern/cases/{number}/details", headers=caseworker, json=details)
    assert done.status_code == 200 and done.json()["child"]["name"] == "Elias Nordström"


@pytest.mark.parametrize(
    ("details", "code"),
    [
        ({"child_personnummer": "140621-2388"}, "child_pnr_invalid"),
        ({"child_personnummer": "140621-2389", "child_birth_date": "2014-06-22"},
         "child_birth_date_invalid"),
        ({"child_birth_date": "2999-01-01"}, "child_birth_date_invalid"),
        ({"reporter_type": "fax"}, "invalid_request"),
    ],
)  # fmt: skip
def test_impossible_details_are_refused_and_nothing_changes(
    client: TestClient, caseworker: dict, details: dict, code: str
) -> None:
    number = _case(client, caseworker)
    refused = client.post(f"/api/concern/cases/{number}/details", headers=caseworker, json=details)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == code
    case = client.get(f"/api/concern/cases/{number}", headers=caseworker).json()
    assert case["child"]["personnummer"] is None and case["reporter_type"] == "annan"


def test_a_case_erased_by_retention_gets_no_personal_data_back(
    client: TestClient, platform: Platform, caseworker: dict
) -> None:
    """Retention (gallring) erased the child; completing the case afterwards would store the
    child's name and personnummer again, and link it to new reports through the history."""
    number = _case(client, caseworker)
    base = f"/api/concern/cases/{number}"
    for status in ("inleds_ej", "avslutad"):
        client.post(f"{base}/status", headers=caseworker, json={"status": status})
    with platform.session() as db:
        later = datetime.now(UTC) + timedelta(days=365 * 6)
        assert apply_retention(db, platform.box, system(platform), now=later) == [number]
    details = {"child_name": "Elias Nordström", "child_personnummer": "140621-2389"}
    refused = client.post(f"{base}/details", headers=caseworker, json=details)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "case_purged"
    with platform.session() as db:
        case = db.scalar(select(ConcernCase).where(ConcernCase.case_number == number))
        assert case.child_enc is None and case.child_pnr_key is None


def test_a_case_is_assigned_to_a_caseworker_only(
    client: TestClient, platform: Platform, caseworker: dict
) -> None:
    make_user(platform, "anna", ["caseworker"])
    make_user(platform, "ivar", ["admin"])
    number = _case(client, caseworker)
    url = f"/api/concern/cases/{number}/assign"
    given = client.post(url, headers=caseworker, json={"user": "anna"})
    assert given.status_code == 200 and given.json()["assigned_to"] == "anna"  # as it was given
    [listed] = client.get("/api/concern/cases", headers=caseworker).json()
    assert listed["assigned_to"] == "anna"
    refused = client.post(url, headers=caseworker, json={"user": "ivar"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_assignee"
    cleared = client.post(url, headers=caseworker, json={"user": None})
    assert cleared.json()["assigned_to"] is None


def test_the_page_completes_assigns_and_lists_my_cases(app: FastAPI, platform: Platform) -> None:
    make_user(platform, "anna", ["caseworker"])
    browser = TestClient(app)
    csrf = login(browser, "anna")
    headers = auth(make_key(platform, role="caseworker"))
    mine, other = _case(browser, headers), _case(browser, headers)
    page = browser.get(f"/arenden/{mine}").text
    assert "Brev behöver barnets namn och födelsedatum." in page
    saved = browser.post(f"/arenden/{mine}/uppgifter", data={
        "csrf_token": csrf, "child_name": "Elsa Berg", "child_personnummer": "",
        "child_birth_date": "2015-03-05", "reporter_type": "granne"})  # fmt: skip
    assert (
        "Ärendets uppgifter är sparade." in saved.text
        and "Elsa Berg, född 2015-03-05" in saved.text
    )
    bad = browser.post(f"/arenden/{mine}/uppgifter", data={
        "csrf_token": csrf, "child_birth_date": "5 mars"})  # fmt: skip
    assert "Skriv födelsedatumet som ÅÅÅÅ-MM-DD." in bad.text and "Elsa Berg" in bad.text
    refused = browser.post(f"/arenden/{mine}/uppgifter", data={
        "csrf_token": csrf, "child_name": "Elsa Bergström", "child_personnummer": "150305-1202",
        "child_birth_date": "", "reporter_type": "skola"})  # fmt: skip
    assert refused.status_code == 400 and "Uppgifterna sparades inte" in refused.text
    assert 'value="Elsa Bergström"' in refused.text and 'value="150305-1202"' in refused.text
    assert '<option value="skola" selected>' in refused.text  # what was typed, not lost
    assert "Elsa Berg, född 2015-03-05" in refused.text  # and nothing was saved
    assigned = browser.post(f"/arenden/{mine}/tilldela", data={"csrf_token": csrf, "user": "anna"})
    assert "Ärendet är tilldelat anna." in assigned.text
    listed = browser.get("/arenden", params={"mina": "1"}).text
    assert mine in listed and other not in listed
    row = browser.get("/arenden").text.split(f">{mine}</a>", 1)[1].split("</tr>", 1)[0]
    assert "<td>anna</td>" in row
