"""A collection's information class: set from the CLI and the API (audited), and honoured by
every app that answers from it. An app may not answer from a collection classed above it, so a
collection raised after an app was applied stops the app instead of leaking its passages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.apps.test_assistant import load, manifest
from tests.governance.lifecycle import APP, apply, load_docs, promote
from tests.support.factories import auth, make_key
from tests.test_cli import cli  # noqa: F401 - the `tillit …` runner fixture, shared
from tillit.apps.assistant import ask
from tillit.apps.service import apply_manifest
from tillit.audit.tables import AuditEvent
from tillit.cli_support import system_principal
from tillit.errors import InvalidInput, PolicyViolation
from tillit.knowledge.service import classify_collection, get_collection
from tillit.platform import Platform

QUESTION = "Behöver jag bygglov för en altan?"


def _classify(platform: Platform, name: str, value: str) -> list[str]:
    with platform.session() as db:
        principal = system_principal(platform, "default")
        return classify_collection(db, principal, get_collection(db, 1, name), value)


def _classifications(platform: Platform) -> list[dict]:
    with platform.session() as db:
        query = select(AuditEvent).where(AuditEvent.action == "collection.classify")
        return [e.detail for e in db.scalars(query.order_by(AuditEvent.id))]


def test_a_class_change_is_audited_once_and_an_unknown_class_is_refused(platform) -> None:  # type: ignore[no-untyped-def]
    load(platform)
    assert _classify(platform, "kommun", "k2") == []
    assert _classify(platform, "kommun", "K2") == []  # unchanged: nothing more to audit
    with pytest.raises(InvalidInput) as refused:
        _classify(platform, "kommun", "K9")
    assert refused.value.code == "invalid_security_class"
    assert _classifications(platform) == [{"name": "kommun", "from": "K0", "to": "K2"}]


def test_an_app_below_its_collection_is_refused_when_applied(platform) -> None:  # type: ignore[no-untyped-def]
    load(platform)
    _classify(platform, "kommun", "K2")
    with platform.session() as db, pytest.raises(PolicyViolation) as refused:
        apply_manifest(db, 1, manifest())
    assert refused.value.code == "collection_class_exceeded"
    assert "K2" in refused.value.message
    with platform.session() as db:
        apply_manifest(db, 1, manifest(security_class="K2"))


def test_raising_a_collection_stops_the_apps_below_it_until_they_are_raised(platform) -> None:  # type: ignore[no-untyped-def]
    load(platform)
    with platform.session() as db:
        apply_manifest(db, 1, manifest())
    principal = system_principal(platform, "default")
    assert ask(platform, principal, manifest(), QUESTION).mode == "extractive"
    assert _classify(platform, "kommun", "K1") == ["kommunens-assistent"]
    with pytest.raises(PolicyViolation) as refused:
        ask(platform, principal, manifest(), QUESTION)
    assert refused.value.code == "collection_class_exceeded"
    assert ask(platform, principal, manifest(security_class="K1"), QUESTION).text


def test_the_cli_sets_the_class_and_an_ad_hoc_answer_page_follows_it(  # type: ignore[no-untyped-def]
    cli,  # noqa: F811
    client,
    tmp_path: Path,
) -> None:
    (tmp_path / "bygglov.txt").write_text("Du behöver bygglov för en altan över 1,2 meter.\n")
    folder = str(tmp_path)
    made = cli("ingest", folder, "--collection", "intern", "--security-class", "K2", "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["security_class"] == "K2"
    again = cli("ingest", str(tmp_path), "--collection", "intern", "--json")
    assert json.loads(again.stdout)["security_class"] == "K2"  # kept without the option
    answered = cli("ask", QUESTION, "--collection", "intern", "--json")
    assert answered.exit_code == 0, answered.output
    page = json.loads(answered.stdout)["provenance_url"]
    assert client.get(page).status_code == 404  # a K2 answer is not public
    wrong = cli("ingest", str(tmp_path), "--collection", "intern", "--security-class", "hemlig")
    assert wrong.exit_code != 0
    assert "använd K0, K1, K2 eller K3" in wrong.output


def test_the_api_sets_the_class(client, platform) -> None:  # type: ignore[no-untyped-def]
    headers = auth(make_key(platform, role="developer"))
    made = client.post(
        "/api/collections", headers=headers, json={"name": "avtal", "security_class": "K1"}
    )
    assert made.status_code == 201 and made.json()["security_class"] == "K1"
    bad = client.post(
        "/api/collections", headers=headers, json={"name": "avtal", "security_class": "K7"}
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_security_class"
    listed = client.get("/api/collections", headers=headers).json()
    assert [(c["name"], c["security_class"]) for c in listed] == [("avtal", "K1")]


def test_a_public_app_stops_listing_a_raised_collection(client, platform) -> None:  # type: ignore[no-untyped-def]
    load_docs(platform)
    apply(platform)
    promote(platform, APP)
    about = f"/t/default/assistent/{APP}/om"
    assert "Bygglov" in client.get(about).text
    _classify(platform, "webb", "K1")
    assert "Bygglov" not in client.get(about).text
    refused = client.post(f"/t/default/assistent/{APP}", data={"question": QUESTION})
    assert refused.status_code == 403
