"""The ATRS and Algoritmeregister exports against JSON Schemas transcribed from the official
sources (tests/insyn/standards/, provenance in each file's $comment and in
src/tillit/insyn/exports.py): every field name, required field, length limit and permitted
value of the Dutch publication standard 1.0, and the GOV.UK metadata of ATRS records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.governance.lifecycle import RECORD, promote
from tillit.insyn.exports import ALGORITMEREGISTER, ATRS, to_algoritmeregister, to_atrs

jsonschema = pytest.importorskip("jsonschema")
STANDARDS = Path(__file__).parent / "standards"


def standard(name: str) -> dict[str, Any]:
    schema = json.loads((STANDARDS / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def bare(record: dict[str, Any]) -> dict[str, Any]:
    """The record without Tillit's origin object (the one key outside the standard)."""
    return {k: v for k, v in record.items() if k != "_tillit"}


def export(client: TestClient, app: str, fmt: str) -> dict[str, Any]:
    response = client.get(f"/insyn/api/services/{app}", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response.json()


def test_algoritmeregister_export_follows_publication_standard_1_0(client, platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    record = export(client, public_app, "algoritmeregister")
    schema = standard("algoritmeregister-1.0.schema.json")
    assert set(bare(record)) == set(schema["properties"]) - {"lars"}  # lars is set by the register
    # The one documented deviation: the text is Swedish; 1.0 permits only Dutch ("nld").
    assert record["lang"] == "swe"
    jsonschema.validate({**bare(record), "lang": "nld"}, schema)
    assert record["status"] == "In gebruik" and record["standard_version"] == "1.0"
    assert record["publication_category"] == "Overige algoritmes"  # limited risk, no decisions
    assert record["contact_email"] == RECORD["contact_email"]
    assert record["lawful_basis_grouping"] == [
        {"title": "Förvaltningslag (2017:900)", "link": "https://lagen.nu/2017:900"}
    ]
    assert record["begin_date"] and len(record["begin_date"]) == 7  # YYYY-MM
    assert record["source_id"] == f"default/{public_app}"
    origin = record["_tillit"]
    assert origin["source"] == ALGORITMEREGISTER["source"]
    assert origin["source"]["repository"] == "MinBZK/Algoritmeregister"
    assert origin["entry"]["record_version"] >= 1


def test_atrs_export_follows_the_gov_uk_metadata_and_the_template_sections(
    client, platform, public_app
):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    record = export(client, public_app, "atrs")
    jsonschema.validate(record, standard("atrs-v3.0.schema.json"))
    meta = record["metadata"]
    assert meta["algorithmic_transparency_record_phase"] == "production"
    assert meta["algorithmic_transparency_record_atrs_version"] == "v3.0"
    assert meta["algorithmic_transparency_record_organisation_type"] == ["local-authority"]
    assert record["tier_2"]["tool_specification"]["phase"] == "Production"
    owner = record["tier_2"]["owner_and_responsibility"]
    assert owner["senior_responsible_owner"] == RECORD["owner_role"]
    risks = record["tier_2"]["risks_mitigations_and_impact_assessments"]["risks"]
    assert risks[0]["risk_name"] == "Felaktigt svar"
    assert record["_tillit"]["source"] == ATRS["source"]
    assert "specialist-publisher" in record["_tillit"]["source"]["metadata"]["repository"]


def test_exports_of_a_service_in_development_still_name_their_phase(client, public_app):  # type: ignore[no-untyped-def]
    atrs = export(client, public_app, "atrs")
    jsonschema.validate(atrs, standard("atrs-v3.0.schema.json"))
    assert atrs["metadata"]["algorithmic_transparency_record_phase"] == "pre-deployment"
    nl = export(client, public_app, "algoritmeregister")
    assert nl["status"] == "In ontwikkeling"
    # No record and no AI Act classification yet: required fields stay empty, not guessed,
    # so the record is not yet valid for the Dutch register.
    assert nl["publication_category"] is None and nl["contact_email"] is None
    problems = jsonschema.Draft202012Validator(standard("algoritmeregister-1.0.schema.json"))
    errors = {e.path[0] for e in problems.iter_errors({**bare(nl), "lang": "nld"}) if e.path}
    assert errors == {"contact_email", "publication_category"}


def test_long_texts_are_cut_to_the_standards_limits_and_links_made_absolute(
    client, platform, public_app
):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    entry = client.get(f"/insyn/api/services/{public_app}").json()
    long = {**entry, "purpose": "Ord " * 400}
    nl = to_algoritmeregister(long, "https://tillit.kommun.example/")
    jsonschema.validate({**bare(nl), "lang": "nld"}, standard("algoritmeregister-1.0.schema.json"))
    assert len(nl["description_short"]) <= 350 and nl["description_short"].endswith("…")
    assert nl["url"] == f"https://tillit.kommun.example/insyn/api/services/{public_app}"
    assert nl["website"] == f"https://tillit.kommun.example/t/default/assistent/{public_app}"
    assert all(s["link"].startswith("https://") for s in nl["source_data_grouping"])
    relative = to_algoritmeregister(entry)  # no public_base_url: relative links are left out
    assert relative["url"] is None and relative["source_data_grouping"] == []
    atrs = to_atrs(entry, "https://tillit.kommun.example")
    assert atrs["tier_1"]["website_url"].startswith("https://tillit.kommun.example/t/default/")


def test_published_versions_export_like_live_entries(client, platform, public_app):  # type: ignore[no-untyped-def]
    promote(platform, public_app)
    for fmt, name in (("atrs", "atrs-v3.0"), ("algoritmeregister", "algoritmeregister-1.0")):
        body = client.get("/insyn/api/export", params={"format": fmt, "versions": "all"}).json()
        schema = standard(f"{name}.schema.json")
        for record in body["versions"][public_app]:
            data = bare(record) | ({"lang": "nld"} if fmt == "algoritmeregister" else {})
            if fmt == "algoritmeregister" and data["publication_category"] is None:
                continue  # versions from before the record and the AI Act classification
            jsonschema.validate(data, schema)
