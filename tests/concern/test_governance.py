"""The analysis of concern reports as a governed AI service: its own lifecycle and gates, a
re-review when a new classifier version is activated after approval, its register entry, and
what the case page and the analysis say about its approval."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.governance.lifecycle import (
    GATES,
    RECORD,
    SIGNATORIES,
    load_docs,
    pass_gate,
    promote,
    write_record,
)
from tests.support.factories import auth, make_key, make_user
from tests.support.pages import login
from tillit.apps.manifest import AssistantManifest
from tillit.apps.service import apply_manifest, list_apps
from tillit.apps.tables import App
from tillit.audit.tables import AuditEvent
from tillit.auth.service import get_tenant
from tillit.concern.governance import SERVICE_NAME, ensure_service, find_service, service_notice
from tillit.concern.models import make_card, store_version
from tillit.concern.register import register_report
from tillit.concern.schemas import Child, ReportIn
from tillit.errors import Conflict
from tillit.governance.service import transition
from tillit.governance.signoffs import sign_off
from tillit.governance.state import get_lifecycle, governed_app
from tillit.governance.status import status_dict
from tillit.platform import Platform
from tillit.runs.tables import Run

from .conftest import system

TEXT = (
    "Jag är lärare för Elias Nordström. Elias hade blåmärken på armarna och sa att pappa "
    "slog honom när han kom hem sent."
)


def _case(platform: Platform) -> str:
    report = ReportIn(text=TEXT, reporter_type="skola", child=Child(name="Elias Nordström"))
    with platform.session() as db:
        return register_report(db, platform.box, system(platform), report, "api").case.case_number


def service_status(platform: Platform) -> dict[str, Any]:
    with platform.session() as db:
        return status_dict(db, governed_app(db, 1, SERVICE_NAME))


def _new_version(platform: Platform, trained: Any, dev_reports: list[Any]) -> int:
    card = make_card(dev_reports, "dev.jsonl (ny version)")
    return store_version(platform, system(platform), trained, card).version


def retire(platform: Platform) -> None:
    """Approved, then retired with the owner's sign-off."""
    promote(platform, SERVICE_NAME)
    write_record(platform, SERVICE_NAME, record={**RECORD, "retire_reason": "Ersätts."})
    with platform.session() as db:
        service = governed_app(db, 1, SERVICE_NAME)
        sign_off(db, service, "owner", SIGNATORIES["owner"], None, retire=True)
    with platform.session() as db:
        transition(db, governed_app(db, 1, SERVICE_NAME), "avvecklad", None, "anna", "Ersätts")


def register_entry(client: TestClient, platform: Platform) -> dict[str, Any]:
    write_record(platform, SERVICE_NAME, record={**RECORD, "in_register": True})
    response = client.get(f"/insyn/api/services/{SERVICE_NAME}")
    assert response.status_code == 200, response.text
    return response.json()


def test_activating_a_classifier_puts_the_service_under_governance(
    platform: Platform, installed: int
) -> None:
    with platform.session() as db:
        service = find_service(db, 1)
        assert service is not None and service.name == SERVICE_NAME
        assert get_lifecycle(db, service).state == "ide"
        assert list_apps(db, 1) == []  # not an assistant: no chat, no manifest to apply
    status = service_status(platform)
    assert status["kind"] == "concern" and status["next_gate"]["to"] == "analys"


def test_the_service_goes_through_the_same_gates_as_an_assistant(
    platform: Platform, installed: int
) -> None:
    promote(platform, SERVICE_NAME, to="test")
    assert service_status(platform)["state"] == "test"
    pass_gate(platform, SERVICE_NAME, GATES[-1][0])
    status = service_status(platform)
    assert status["state"] == "produktion" and not status["under_review"]


def test_a_new_classifier_version_sends_an_approved_service_back_to_test(
    platform: Platform, installed: int, trained: Any, dev_reports: list[Any]
) -> None:
    promote(platform, SERVICE_NAME)
    number = _new_version(platform, trained, dev_reports)
    status = service_status(platform)
    assert number == installed + 1
    assert status["state"] == "test" and status["under_review"]
    assert status["review_reasons"] == ["klassificerarens version"]
    with platform.session() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "governance.rereview"))
        assert [e.detail["changed"] for e in events] == [["classifier"]]
        assert "granskas på nytt" in service_notice(db, 1)["text"]


def test_a_stored_but_inactive_version_changes_nothing(
    platform: Platform, installed: int, trained: Any, dev_reports: list[Any]
) -> None:
    promote(platform, SERVICE_NAME)
    card = make_card(dev_reports, "dev.jsonl (sämre)")
    store_version(platform, system(platform), trained, card, activate=False)
    status = service_status(platform)
    assert status["state"] == "produktion" and not status["under_review"]


def test_opening_its_governance_by_name_makes_the_service(platform: Platform) -> None:
    with platform.session() as db:
        assert find_service(db, 1) is None
        assert governed_app(db, 1, SERVICE_NAME).kind == "concern"
        assert find_service(db, 1) is not None


def test_an_assistant_cannot_take_the_services_name(platform: Platform, installed: int) -> None:
    manifest = AssistantManifest(name=SERVICE_NAME, purpose="Test.", collections=["webb"])
    load_docs(platform)
    with platform.session() as db, pytest.raises(Conflict) as refused:
        apply_manifest(db, 1, manifest)
    assert refused.value.code == "app_name_taken"


def test_an_assistant_that_had_the_name_first_keeps_it(platform: Platform) -> None:
    load_docs(platform)
    manifest = AssistantManifest(name=SERVICE_NAME, purpose="Test.", collections=["webb"])
    with platform.session() as db:
        apply_manifest(db, 1, manifest)
    with platform.session() as db:
        assert ensure_service(db, 1).name == f"{SERVICE_NAME}-2"
        assert governed_app(db, 1, SERVICE_NAME).kind == "assistant"
        names = {app.name: app.kind for app in db.scalars(select(App))}
        assert names == {SERVICE_NAME: "assistant", f"{SERVICE_NAME}-2": "concern"}


def test_the_register_describes_the_classifier_service(
    client: TestClient, platform: Platform, installed: int
) -> None:
    entry = register_entry(client, platform)
    assert entry["name"] == "Analysstöd för orosanmälningar"
    assert entry["security_class"] == "K3" and entry["audience"] == "staff"
    assert [(m["name"], m["role"]) for m in entry["models"]] == [
        (f"orosanmalan-passager-v{installed}", "classification")
    ]
    assert entry["sources"] == [] and entry["knowledge_sources"] == []
    assert entry["pipeline"]["classifier_version"] == str(installed)
    assert entry["pipeline"]["prompt_template_version"] is None
    assert "rollord" in " ".join(entry["pipeline"]["steps"])
    assert entry["usage"] == {"analyses_last_30_days": 0, "analyses_total": 0}
    assert entry["links"]["service"] is None and not entry["automated_decision"]
    assert entry["models"][0]["remote_model"] is None  # a folder on the server: internal
    model = client.get(f"/insyn/modeller/orosanmalan-passager-v{installed}")
    assert model.status_code == 200 and f'href="/insyn/tjanster/{SERVICE_NAME}"' in model.text
    page = client.get(f"/insyn/tjanster/{SERVICE_NAME}")
    assert page.status_code == 200
    assert "Tjänsten söker inte i några kunskapskällor." in page.text
    assert "analyserade anmälningar de senaste 30 dagarna" in page.text
    assert f"Klassificerare version {installed}." in page.text


def test_a_new_version_is_a_new_register_version(
    client: TestClient, platform: Platform, installed: int, trained: Any, dev_reports: list[Any]
) -> None:
    register_entry(client, platform)
    before = client.get(f"/insyn/api/services/{SERVICE_NAME}/versions").json()
    number = _new_version(platform, trained, dev_reports)
    after = client.get(f"/insyn/api/services/{SERVICE_NAME}/versions").json()
    assert len(after) == len(before) + 1
    latest = client.get(f"/insyn/api/services/{SERVICE_NAME}").json()
    assert latest["models"][0]["name"] == f"orosanmalan-passager-v{number}"


def test_the_service_exports_to_both_standards(
    client: TestClient, platform: Platform, installed: int
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from tests.insyn.test_exports import bare, standard

    register_entry(client, platform)
    url = f"/insyn/api/services/{SERVICE_NAME}"
    dutch = client.get(url, params={"format": "algoritmeregister"}).json()
    schema = standard("algoritmeregister-1.0.schema.json")
    jsonschema.validate({**bare(dutch), "lang": "nld"}, schema)  # the documented deviation
    assert dutch["source_id"] == f"default/{SERVICE_NAME}"
    british = client.get(url, params={"format": "atrs"}).json()
    jsonschema.validate(british, standard("atrs-v3.0.schema.json"))


def test_the_case_page_says_whether_the_analysis_is_approved(
    app: FastAPI, platform: Platform, installed: int
) -> None:
    number = _case(platform)
    make_user(platform, "handlaggare", ["caseworker"])
    client = TestClient(app)
    csrf = login(client, "handlaggare")
    page = client.post(f"/arenden/{number}/analys", data={"csrf_token": csrf})
    assert "Analysstödet har inte granskats och godkänts för användning (läge: Idé)" in page.text
    assert 'class="sign' in page.text  # the suggestions are still shown
    promote(platform, SERVICE_NAME)
    page = client.get(f"/arenden/{number}")
    assert page.status_code == 200 and "analysstod-granskning" not in page.text
    classifier = client.get("/klassificerare")
    assert "Läge: <strong>Produktion</strong>" in classifier.text
    assert f'href="/assistants/{SERVICE_NAME}/styrning"' in classifier.text


def test_each_analysis_run_records_where_the_service_stood(
    client: TestClient, platform: Platform, installed: int
) -> None:
    headers = auth(make_key(platform, role="caseworker"))
    number = _case(platform)
    first = client.post(f"/api/concern/cases/{number}/analyse", headers=headers).json()
    promote(platform, SERVICE_NAME, to="test")
    second = client.post(f"/api/concern/cases/{number}/analyse", headers=headers).json()
    assert (first["service_state"], second["service_state"]) == ("ide", "test")
    with platform.session() as db:
        runs = db.scalars(select(Run).where(Run.kind == "concern.analysis").order_by(Run.id))
        states = {run.id: run.policy["service_state"] for run in runs}
    assert states == {first["run_id"]: "ide", second["run_id"]: "test"}
    entry = register_entry(client, platform)
    assert entry["usage"]["analyses_total"] == 2


def test_a_retired_service_analyses_nothing(
    client: TestClient, platform: Platform, installed: int, cli: Any, tmp_path: Any
) -> None:
    headers = auth(make_key(platform, role="caseworker"))
    number = _case(platform)
    retire(platform)
    refused = client.post(f"/api/concern/cases/{number}/analyse", headers=headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "app_retired"
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "Pappa slog barnet."}\n', encoding="utf-8")
    result = cli("concern", "analyse", "--input", str(source), "--output", str(tmp_path / "o"))
    assert result.exit_code != 0 and "avvecklat" in result.output
    assert not (tmp_path / "o").exists()


def test_each_municipality_governs_its_own_service(
    platform: Platform, installed: int, second_tenant: str
) -> None:
    promote(platform, SERVICE_NAME)
    with platform.session() as db:
        other = get_tenant(db, second_tenant).id
        theirs = governed_app(db, other, SERVICE_NAME)
        assert theirs.tenant_id == other and theirs.id != governed_app(db, 1, SERVICE_NAME).id
        assert get_lifecycle(db, theirs).state == "ide"  # our approval is not theirs
        assert find_service(db, other).id == theirs.id


def test_its_governance_page_is_reached_from_the_assistants_page(
    app: FastAPI, platform: Platform
) -> None:
    make_user(platform, "utvecklare", ["developer"])
    client = TestClient(app)
    login(client, "utvecklare")
    listing = client.get("/assistants")
    assert f'href="/assistants/{SERVICE_NAME}/styrning"' in listing.text
    page = client.get(f"/assistants/{SERVICE_NAME}/styrning")
    assert page.status_code == 200 and 'href="/klassificerare"' in page.text
    assert "Till assistenten" not in page.text  # it has no chat
    assert client.get(f"/assistants/{SERVICE_NAME}").status_code == 404
