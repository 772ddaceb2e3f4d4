"""Governance through the JSON API, the staff page and the CLI: people sign in their own name,
a blocked gate answers with what is missing, and another tenant gets 404 on every route."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.governance.lifecycle import APP, CHATBOT_ANSWERS, RECORD, SIGNATORIES, promote
from tests.support.factories import auth, make_key, make_user
from tests.support.pages import login
from tillit.apps.service import get_app
from tillit.governance.state import get_lifecycle
from tillit.platform import Platform


def person(app: FastAPI, platform: Platform, username: str, role: str = "viewer") -> httpx.Client:
    """A logged-in user's own client; JSON calls carry the page's CSRF token."""
    make_user(platform, username, [role])
    client = TestClient(app)
    client.headers["x-csrf-token"] = login(client, username)
    return client


def put_record(client: httpx.Client, record: dict) -> httpx.Response:
    return client.put(
        f"/api/apps/{APP}/governance/record",
        content=yaml.safe_dump(record, allow_unicode=True).encode(),
        headers={"content-type": "application/yaml"},
    )


def test_api_flow_with_people_signing_in_their_own_name(app, client, platform, public_app):  # type: ignore[no-untyped-def]
    anna = person(app, platform, "anna", "developer")
    olle = person(app, platform, SIGNATORIES["owner"])
    saved = put_record(anna, RECORD)
    assert saved.status_code == 200, saved.text
    assert saved.json()["record_version"] == 1 and saved.json()["record_author"] == "anna"
    classified = anna.post(f"/api/apps/{APP}/governance/aiact", json={"answers": CHATBOT_ANSWERS})
    assert classified.json()["risk_group"] == "begränsad"
    blocked = anna.post(f"/api/apps/{APP}/governance/transition", json={"to": "analys"})
    assert blocked.status_code == 409
    assert blocked.json()["error"]["missing"] == ["Godkännande av tjänsteägare"]
    assert put_record(olle, RECORD).status_code == 403  # a viewer cannot write the record
    signed = olle.post(f"/api/apps/{APP}/governance/signoff", json={"role": "owner"})
    assert signed.status_code == 201, signed.text
    moved = anna.post(f"/api/apps/{APP}/governance/transition", json={"to": "analys"})
    assert moved.status_code == 200 and moved.json()["state"] == "analys"
    status = client.get(f"/api/apps/{APP}/governance", headers=auth(make_key(platform))).json()
    assert status["history"][0]["to"] == "analys" and status["next_gate"]["id"] == "G1"
    audit = client.get("/api/audit", headers=auth(make_key(platform, role="admin"))).json()
    outcomes = [(e["action"], e["outcome"]) for e in audit if e["action"].startswith("gov")]
    assert ("governance.transition", "blocked") in outcomes
    assert ("governance.transition", "ok") in outcomes


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'"text"', b"null", b"[" * 100_000 + b"]" * 100_000],
    ids=["list", "string", "null", "nested-too-deep"],
)
def test_a_json_record_that_is_no_object_is_refused_and_the_record_kept(  # type: ignore[no-untyped-def]
    client, platform, public_app, body: bytes
):
    headers = {**auth(make_key(platform, role="admin")), "content-type": "application/json"}
    route = f"/api/apps/{APP}/governance/record"
    assert client.put(route, json=RECORD, headers=headers).status_code == 200
    refused = client.put(route, content=body, headers=headers)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_record"
    status = client.get(f"/api/apps/{APP}/governance", headers=headers).json()
    assert status["record_version"] == 1
    assert status["record"]["purpose_plain"] == RECORD["purpose_plain"]


def test_an_api_key_cannot_approve(client, platform, public_app):  # type: ignore[no-untyped-def]
    response = client.post(
        f"/api/apps/{APP}/governance/signoff",
        headers=auth(make_key(platform, role="admin")),
        json={"role": "owner"},
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "person_required"


def test_staff_page_shows_what_is_missing_and_takes_signoffs(app, platform, public_app):  # type: ignore[no-untyped-def]
    anna = person(app, platform, "anna", "developer")
    put_record(anna, RECORD)
    anna.post(f"/api/apps/{APP}/governance/aiact", json={"answers": CHATBOT_ANSWERS})
    page = anna.get(f"/assistants/{APP}/styrning")
    assert page.status_code == 200 and "Godkännande av tjänsteägare" in page.text
    blocked = anna.post(
        f"/assistants/{APP}/styrning/overgang",
        data={"to": "analys", "csrf_token": anna.headers["x-csrf-token"]},
    )
    assert blocked.status_code == 409 and "Grinden G0 kan inte passeras" in blocked.text
    olle = person(app, platform, SIGNATORIES["owner"])
    form = olle.get(f"/assistants/{APP}/styrning").text
    assert "Godkänn grind G0" in form
    signed = olle.post(
        f"/assistants/{APP}/styrning/godkann",
        data={"role": "owner", "csrf_token": olle.headers["x-csrf-token"]},
    )
    assert signed.status_code == 200 and "Du godkände grind G0" in signed.text
    assert f"{SIGNATORIES['owner']} (tjänsteägare)" in signed.text  # roles in Swedish
    moved = anna.post(
        f"/assistants/{APP}/styrning/overgang",
        data={"to": "analys", "csrf_token": anna.headers["x-csrf-token"]},
    )
    assert "Appen är nu i läget Analys" in moved.text


def test_the_record_form_keeps_what_was_typed_and_lists_the_fields(app, platform, public_app):  # type: ignore[no-untyped-def]
    anna = person(app, platform, "anna", "developer")
    empty = anna.get(f"/assistants/{APP}/styrning").text
    assert "purpose_plain:" in empty and "signatories: {owner: olle" in empty
    csrf = anna.headers["x-csrf-token"]
    typed = "purpose_plain: Svarar om bygglov\nägare: Olle\n"
    refused = anna.post(
        f"/assistants/{APP}/styrning/underlag", data={"record": typed, "csrf_token": csrf}
    )
    assert refused.status_code == 400 and "ägare: okänt fält" in refused.text
    assert "ägare: Olle" in refused.text and "purpose_plain: Svarar om bygglov" in refused.text
    broken = anna.post(
        f"/assistants/{APP}/styrning/underlag", data={"record": "a: [1, 2", "csrf_token": csrf}
    )
    assert "inte giltig YAML på rad 1" in broken.text and "flow sequence" not in broken.text


def test_cli_flow_and_blocked_gate(settings, platform, public_app, tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    from tillit import cli_support
    from tillit.cli import app as cli

    monkeypatch.setitem(cli_support._state, "data_dir", None)
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(
            cli, ["governance", *args, "--data-dir", str(settings.data_dir)], env=env
        )
        assert result.exit_code == code, result.output
        return result.output

    record = tmp_path / "underlag.yaml"
    record.write_text(yaml.safe_dump(RECORD, allow_unicode=True), encoding="utf-8")
    run("record", APP, str(record), "--as", "anna")
    run("aiact", APP, "--answers", json.dumps(CHATBOT_ANSWERS), "--as", "anna")
    run("signoff", APP, "--role", "owner", "--as", SIGNATORIES["owner"])
    run("transition", APP, "analys", "--as", "anna")
    blocked = run("transition", APP, "utveckling", "--as", "anna", code=1)
    assert "Godkännande av dataskyddsombud" in blocked
    status = json.loads(run("status", APP, "--json"))
    assert status["state"] == "analys"
    assert "purpose_plain:" in run("show-record", APP)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/apps/{app}/governance", None),
        ("PUT", "/api/apps/{app}/governance/record", {"purpose_plain": "Kapat."}),
        ("POST", "/api/apps/{app}/governance/aiact", {"answers": CHATBOT_ANSWERS}),
        ("POST", "/api/apps/{app}/governance/signoff", {"role": "owner"}),
        ("POST", "/api/apps/{app}/governance/transition", {"to": "avvecklad"}),
    ],
)
def test_another_tenants_admin_gets_404_on_every_governance_route(  # type: ignore[no-untyped-def]
    app, client, platform, public_app, second_tenant, method, path, body
) -> None:
    promote(platform, public_app)
    foreign_key = make_key(platform, tenant=second_tenant, role="admin")
    foreign = client.request(method, path.format(app=APP), headers=auth(foreign_key), json=body)
    missing = client.request(
        method, path.format(app="finns-inte"), headers=auth(foreign_key), json=body
    )
    assert foreign.status_code == 404 and foreign.json() == missing.json()
    assert foreign.json()["error"]["code"] == "app_not_found"
    with platform.session() as db:
        assert get_lifecycle(db, get_app(db, 1, APP)).state == "produktion"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/assistants/{app}/styrning"),
        ("POST", "/assistants/{app}/styrning/underlag"),
        ("POST", "/assistants/{app}/styrning/aiact"),
        ("POST", "/assistants/{app}/styrning/godkann"),
        ("POST", "/assistants/{app}/styrning/overgang"),
        ("POST", "/assistants/{app}/styrning/sprakmodeller"),
    ],
)
def test_another_tenants_admin_gets_404_on_every_governance_page(  # type: ignore[no-untyped-def]
    app, platform, public_app, second_tenant, method, path
) -> None:
    make_user(platform, "beta-admin", ["admin"], tenant=second_tenant)
    browser = TestClient(app)
    csrf = login(browser, "beta-admin")
    response = browser.request(
        method,
        path.format(app=APP),
        data={"csrf_token": csrf, "to": "avvecklad", "role": "owner"} if method == "POST" else None,
        headers={"accept": "text/html"},
    )
    assert response.status_code == 404 and "<code>app_not_found</code>" in response.text
    assert RECORD["contact_email"] not in response.text


def test_an_assistant_has_no_language_models_to_choose(app, platform, public_app) -> None:  # type: ignore[no-untyped-def]
    """Only the analysis of concern reports has that section (see test_language_models)."""
    make_user(platform, "anna-admin", ["admin"])
    browser = TestClient(app)
    csrf = login(browser, "anna-admin")
    page = browser.get(f"/assistants/{APP}/styrning")
    assert page.status_code == 200 and "Språkmodeller som får läsa ärenden" not in page.text
    refused = browser.post(f"/assistants/{APP}/styrning/sprakmodeller", data={"csrf_token": csrf})
    assert refused.status_code == 404
