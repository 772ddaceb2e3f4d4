"""Exports of a register entry to other registers' field names, and JSON Schemas for the
entry and each export (served at /insyn/api/schema, used by the tests).

- UK Algorithmic Transparency Recording Standard (ATRS 3.0): tier 1 + tier 2 sections.
- Dutch Algoritmeregister publication standard: the field names of its public API.
Fields Tillit cannot know are left empty (null), never invented."""

from __future__ import annotations

from typing import Any

ATRS_PHASE = {"under_utveckling": "Pre-deployment", "i_bruk": "Production", "ur_bruk": "Retired"}
NL_STATUS = {
    "under_utveckling": "In ontwikkeling",
    "i_bruk": "In gebruik",
    "ur_bruk": "Buiten gebruik",
}


def _joined(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _model_rows(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "model_name": m["name"],
            "model_version": m.get("version"),
            "model_task": m.get("role_label"),
            "model_input": "Text (fråga och utvalda avsnitt)"
            if m["role"] == "generation"
            else "Text",
            "model_output": "Text" if m["role"] == "generation" else "Rangordning av avsnitt",
            "model_architecture": m.get("remote_model"),
            "model_performance": None,
            "datasets": None,
            "dataset_purposes": None,
            "supplier": m.get("supplier"),
            "hosting": m.get("hosting_label"),
            "country_of_processing": m.get("country"),
            "licence": m.get("licence"),
        }
        for m in entry["models"]
    ]


def _data_rows(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "source_data_name": s["title"],
            "data_modality": "Text",
            "data_description": f"Kunskapssamlingen {s['name']} ({s['documents']} dokument)",
            "data_quantity": s["documents"],
            "sensitive_attributes": None,
            "source_data_url": s["page"],
            "data_collection": "Inläst från kommunens egna källor",
            "data_access_and_storage": f"Informationsklass {s['security_class']}",
            "owner": s.get("owner"),
            "last_indexed": s.get("last_indexed"),
        }
        for s in entry["sources"]
    ]


def to_atrs(entry: dict[str, Any]) -> dict[str, Any]:
    contact = entry["contact"]
    return {
        "schema": "ATRS 3.0 (mapped by Tillit)",
        "tier_1": {
            "name": entry["name"],
            "description": entry["purpose"],
            "website": entry["links"].get("service") or entry["links"]["page"],
            "contact_email": contact.get("email"),
        },
        "tier_2": {
            "owner_and_responsibility": {
                "organisation_or_department": entry["organisation"],
                "team": entry.get("department"),
                "senior_responsible_owner": entry["owner"].get("role"),
                "external_supplier": sorted(
                    {m["supplier"] for m in entry["models"] if m.get("supplier")}
                ),
            },
            "description_and_rationale": {
                "detailed_description": entry["how_it_works"],
                "scope": entry.get("scope_out"),
                "benefit": entry["purpose"],
                "previous_process": None,
                "alternatives_considered": None,
            },
            "deployment_context": {
                "integration_into_broader_operational_process": entry["not_a_decision"],
                "human_review": entry.get("human_oversight"),
                "frequency_and_scale_of_usage": entry.get("usage"),
                "required_training": None,
                "appeals_and_review": entry.get("appeal_route"),
            },
            "tool_specification": {
                "system_architecture": _joined(
                    entry["pipeline"]["steps"] + entry["pipeline"]["checks"]
                ),
                "phase": ATRS_PHASE[entry["status"]],
                "maintenance": None,
                "models": _model_rows(entry),
                "data": _data_rows(entry),
            },
            "risks_mitigations_and_impact_assessments": {
                "impact_assessment": [
                    {
                        "assessment_title": a["label"],
                        "assessment_description": a.get("summary") or a.get("outcome_label"),
                        "date_completed": a["date"],
                        "link": a.get("link"),
                    }
                    for a in entry["assessments"]
                ],
                "risks": [
                    {
                        "risk_title": r["name"],
                        "risk_description": r.get("description"),
                        "mitigations": r["mitigation"],
                    }
                    for r in entry["risks"]
                ],
            },
        },
        "source": {"id": entry["id"], "record_version": entry.get("record_version")},
    }


def _assessment(entry: dict[str, Any], kind: str) -> dict[str, Any] | None:
    found = [a for a in entry["assessments"] if a["kind"] == kind]
    return found[-1] if found else None


def to_algoritmeregister(entry: dict[str, Any]) -> dict[str, Any]:
    dpia = _assessment(entry, "dpia")
    fria = _assessment(entry, "fria")
    legal = entry["legal_basis"]
    return {
        "schema": "Algoritmeregister publicatiestandaard (mapped by Tillit)",
        "name": entry["name"],
        "organization": entry["organisation"],
        "description_short": entry["purpose"],
        "type": "AI-systeem",
        "category": None,
        "website": entry["links"].get("service") or entry["links"]["page"],
        "status": NL_STATUS[entry["status"]],
        "goal": entry["purpose"],
        "impact": entry["not_a_decision"],
        "proportionality": None,
        "decision_making_process": entry.get("human_oversight"),
        "documentation": entry["links"]["page"],
        "competent_authority": entry["organisation"],
        "lawful_basis": legal.get("text"),
        "lawful_basis_link": [ref.get("url") for ref in legal.get("refs", []) if ref.get("url")],
        "iama": fria is not None,
        "iama_description": fria.get("summary") if fria else None,
        "dpia": dpia is not None and dpia["outcome"] != "ej_nödvändig",
        "dpia_description": dpia.get("summary") if dpia else None,
        "objection_procedure": entry.get("appeal_route"),
        "source_data": ", ".join(s["title"] for s in entry["sources"]),
        "methods_and_models": entry["how_it_works"],
        "provider": ", ".join(
            sorted({m["supplier"] for m in entry["models"] if m.get("supplier")})
        ),
        "begin_date": entry.get("in_use_from"),
        "end_date": entry.get("in_use_to"),
        "contact_email": entry["contact"].get("email"),
        "lang": entry.get("lang", "sv"),
        "risk_group_ai_act": entry.get("risk_class"),
        "source": {"id": entry["id"], "record_version": entry.get("record_version")},
    }


EXPORTS = {"atrs": to_atrs, "algoritmeregister": to_algoritmeregister}

_STR = {"type": ["string", "null"]}
ENTRY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Tillit register entry (tillit-insyn/1)",
    "type": "object",
    "required": [
        "schema_version",
        "id",
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
        "lifecycle_state",
        "pipeline",
        "assessments",
        "risks",
        "organisation",
    ],
    "properties": {
        "schema_version": {"const": "tillit-insyn/1"},
        "slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        "name": {"type": "string", "minLength": 1},
        "purpose": {"type": "string", "minLength": 1},
        "status": {"enum": ["under_utveckling", "i_bruk", "ur_bruk"]},
        "lifecycle_state": {
            "enum": ["ide", "analys", "utveckling", "test", "produktion", "avvecklad"]
        },
        "under_review": {"type": "boolean"},
        "record_version": {"type": ["integer", "null"]},
        "updated": {"type": "string"},
        "risk_class": {"type": "string"},
        "how_it_works": {"type": "string", "minLength": 1},
        "contact": {
            "type": "object",
            "required": ["email"],
            "properties": {"email": _STR, "url": _STR, "report_error_url": _STR},
        },
        "models": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "name",
                    "version",
                    "supplier",
                    "hosting",
                    "country",
                    "licence",
                    "role",
                ],
            },
        },
        "sources": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "title", "owner", "page", "last_indexed", "documents"],
            },
        },
        "pipeline": {
            "type": "object",
            "required": ["steps", "checks", "prompt_template_version", "app_version"],
        },
        "assessments": {
            "type": "array",
            "items": {"type": "object", "required": ["kind", "date", "outcome"]},
        },
    },
}
ATRS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "ATRS 3.0 export (Tillit mapping)",
    "type": "object",
    "required": ["tier_1", "tier_2"],
    "properties": {
        "tier_1": {
            "type": "object",
            "required": ["name", "description", "website", "contact_email"],
        },
        "tier_2": {
            "type": "object",
            "required": [
                "owner_and_responsibility",
                "description_and_rationale",
                "deployment_context",
                "tool_specification",
                "risks_mitigations_and_impact_assessments",
            ],
        },
    },
}
ALGORITMEREGISTER_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Algoritmeregister export (Tillit mapping)",
    "type": "object",
    "required": [
        "name",
        "organization",
        "description_short",
        "status",
        "goal",
        "lawful_basis",
        "objection_procedure",
        "contact_email",
        "source_data",
        "methods_and_models",
    ],
    "properties": {"status": {"enum": list(NL_STATUS.values())}},
}
SCHEMAS = {
    "entry": ENTRY_SCHEMA,
    "atrs": ATRS_SCHEMA,
    "algoritmeregister": ALGORITMEREGISTER_SCHEMA,
}
