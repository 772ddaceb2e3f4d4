"""Exports of a register entry to two other registers' formats, and JSON Schemas for the entry
and each export (served at /insyn/api/schema, used by the tests).

Each export carries a ``_tillit`` object that is not part of the other standard: which version
of it was followed, where that version was read, and which Tillit entry and register version it
came from. A consumer that wants the bare record drops that one key. Fields Tillit cannot know
are left empty (null), never invented.

Dutch Algoritmeregister, publication standard 1.0 (``ALGORITMEREGISTER``)
    Source: GitHub MinBZK/Algoritmeregister, ``backend/app/schemas/config/v1_0.json`` (commit
    559218f55d46e2fa89a3f97a36d1cb1414494409), the field list the register's own backend
    validates against (field names, required fields, maximum lengths, permitted values).
    Deviations, on purpose:
    - ``lang`` is ``"swe"`` (ISO 639-3, as the standard prescribes); version 1.0 permits only
      ``"nld"`` because the Dutch register is Dutch-only. Saying "nld" about Swedish text
      would be false.
    - ``publication_category`` is derived from the AI Act classification: high risk →
      "Hoog-risico AI-systeem"; any other classified service → "Overige algoritmes", because
      Tillit's services take no decisions (category B, "Impactvolle algoritmes", means legal
      or similarly significant effects on people). Not classified yet → null.
    - URLs are made absolute with ``public_base_url`` when it is configured; relative ones
      are left out (the standard asks for https:// URLs).

UK Algorithmic Transparency Recording Standard (``ATRS``)
    ``metadata``: the GOV.UK publishing schema of ATRS records, GitHub alphagov/
    specialist-publisher, ``lib/documents/schemas/algorithmic_transparency_records.json``
    (commit 00edfc625106eb32fb6f1958b23df5dec37c3b01): the keys and permitted values of the
    record's metadata (organisation type, function, capability, task, phase, region, date
    published, ATRS version). Values outside the UK lists (organisation, region) are left out.
    ``tier_1`` / ``tier_2``: the sections and fields of the ATRS v3.0 template. The template
    itself is a spreadsheet published by the UK government (linked from the GOV.UK guidance
    "Algorithmic Transparency Recording Standard – guidance for public sector bodies"); no
    machine-readable copy of it was found in a public repository, so the field names below
    follow the template's section and field labels (snake_cased) and are NOT checked against
    an official schema. Only the section structure (Tier 1 overview; Tier 2: owner and
    responsibility, description and rationale, decision-making process, tool specification,
    risks, mitigations and impact assessments) is taken from the template's own index page."""

from __future__ import annotations

from typing import Any

from tillit.governance.lifecycle import STATES
from tillit.governance.record import PERSONAL_DATA_LABELS_SV
from tillit.insyn.entry import model_suppliers, shorten
from tillit.knowledge.documents import is_web_address

ALGORITMEREGISTER = {
    "standard": "Algoritmeregister publicatiestandaard",
    "standard_version": "1.0",
    "source": {
        "repository": "MinBZK/Algoritmeregister",
        "path": "backend/app/schemas/config/v1_0.json",
        "commit": "559218f55d46e2fa89a3f97a36d1cb1414494409",
    },
    "deviations": [
        "lang is 'swe' (the standard permits only 'nld' in version 1.0)",
        "publication_category is derived from the AI Act classification",
    ],
}
ATRS = {
    "standard": "Algorithmic Transparency Recording Standard",
    "standard_version": "v3.0",
    "source": {
        "metadata": {
            "repository": "alphagov/specialist-publisher",
            "path": "lib/documents/schemas/algorithmic_transparency_records.json",
            "commit": "00edfc625106eb32fb6f1958b23df5dec37c3b01",
        },
        "tiers": {
            "document": "ATRS template v3.0 (spreadsheet), GOV.UK guidance for public "
            "sector bodies",
            "verified": "section structure only; field names follow the template's labels",
        },
    },
}

# Tillit's lifecycle states → ATRS phase (GOV.UK facet values and labels).
ATRS_PHASE = {
    "ide": "pre-deployment",
    "analys": "pre-deployment",
    "utveckling": "pre-deployment",
    "test": "beta-pilot",
    "produktion": "production",
    "avvecklad": "retired",
}
ATRS_PHASE_LABELS = {
    "pre-deployment": "Pre-deployment",
    "beta-pilot": "Beta/Pilot",
    "production": "Production",
    "retired": "Retired",
}
NL_STATUS = {
    "under_utveckling": "In ontwikkeling",
    "i_bruk": "In gebruik",
    "ur_bruk": "Buiten gebruik",
}
NL_PUBLICATION_CATEGORY = {
    "hög": "Hoog-risico AI-systeem",
    "begränsad": "Overige algoritmes",
    "minimal": "Overige algoritmes",
    "inte_ai_system": "Overige algoritmes",
}
ASSESSMENT_TITLES_NL = {
    "dpia": "Data Protection Impact Assessment (DPIA)",
    "fria": "Impact Assessment Mensenrechten en Algoritmes (IAMA)",
}


def _absolute(url: str | None, base_url: str | None) -> str | None:
    if not url:
        return None
    if is_web_address(url):
        return url
    return base_url.rstrip("/") + url if base_url else None


def _fits(url: str | None, limit: int) -> str | None:
    """A link longer than the field allows is left out: a shortened link leads nowhere."""
    return url if url and len(url) <= limit else None


def _month(iso: str | None) -> str | None:
    return iso[:7] if iso else None


def _supplier_rows(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The entry's suppliers; versions published before it had them: the model suppliers."""
    if "suppliers" in entry:
        return list(entry["suppliers"])
    return model_suppliers(entry["models"])


def _suppliers(entry: dict[str, Any]) -> list[str]:
    return [row["name"] for row in _supplier_rows(entry)]


def _lines(*parts: str | None, sep: str = "\n") -> str | None:
    """The parts that are filled, joined; None when none is."""
    return sep.join(p for p in parts if p) or None


def _labelled(label: str, items: list[str] | None) -> str | None:
    return f"{label}: {', '.join(items)}" if items else None


def _origin(entry: dict[str, Any], standard: dict[str, Any]) -> dict[str, Any]:
    return {
        **standard,
        "mapped_by": "Tillit",
        "entry": {"id": entry["id"], "record_version": entry.get("record_version")},
    }


def _joined(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


# --- UK ATRS ----------------------------------------------------------------------------------


MODEL_INPUT = {
    "generation": "Text (fråga och utvalda avsnitt)",
    "classification": "Text (en orosanmälan, personuppgifterna ersatta med rollord)",
    "case_writing": "Text (en orosanmälans avsnitt; för en modell i klass K2 pseudonymiserade)",
}
MODEL_OUTPUT = {
    "generation": "Text",
    "classification": "Förslag på tecken per avsnitt, med sannolikhet",
    "case_writing": "Text (sammanfattning) eller förslag på tecken per avsnitt",
}


def _atrs_models(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "model_name": m["name"],
            "model_version": m.get("version"),
            "model_task": m.get("role_label"),
            "model_input": MODEL_INPUT.get(m["role"], "Text"),
            "model_output": MODEL_OUTPUT.get(m["role"], "Rangordning av avsnitt"),
            "model_architecture": m.get("remote_model"),
            "model_performance": None,
            "datasets": None,
            "dataset_purposes": None,
        }
        for m in entry["models"]
    ]


def _atrs_data(entry: dict[str, Any], base_url: str | None) -> list[dict[str, Any]]:
    return [
        {
            "source_data_name": s["title"],
            "data_modality": "Text",
            "data_description": f"Kunskapssamlingen {s['name']} ({s['documents']} dokument)"
            + (f", ägd av {s['owner']}" if s.get("owner") else "")
            + (f", senast inläst {s['last_indexed'][:10]}" if s.get("last_indexed") else ""),
            "data_quantities": f"{s['documents']} dokument",
            "sensitive_attributes": _sensitive(entry),
            "data_completeness_and_representativeness": None,
            "source_data_url": _absolute(s["page"], base_url),
            "data_collection": entry.get("data_collection") or "Inläst från kommunens egna källor",
            "data_cleaning": None,
            "data_sharing_agreements": entry.get("sharing_agreements"),
            "data_access_and_storage": _lines(
                f"Informationsklass {s['security_class']}.",
                entry.get("storage_location_retention"),
                sep=" ",
            ),
        }
        for s in entry["sources"]
    ]


def _sensitive(entry: dict[str, Any]) -> str | None:
    return _lines(
        PERSONAL_DATA_LABELS_SV.get(entry.get("personal_data") or ""),
        _labelled("Känsliga personuppgifter", entry.get("special_categories")),
        _labelled("Skyddade egenskaper som används", entry.get("protected_attributes_used")),
        sep=". ",
    )


def _hosting(entry: dict[str, Any], supplier: str) -> str | None:
    models = [m for m in entry["models"] if m.get("supplier") == supplier]
    return ", ".join(sorted({m["hosting_label"] for m in models if m.get("hosting_label")})) or None


def _atrs_third_parties(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "third_party": row["name"],
            "companies_house_number": row.get("org_no"),
            "third_party_role": row.get("role"),
            "procurement_procedure_type": row.get("procurement_procedure"),
            "third_party_data_access_terms": row.get("data_access_terms")
            or _hosting(entry, row["name"]),
        }
        for row in _supplier_rows(entry)
    ]


def _scope(entry: dict[str, Any]) -> str | None:
    inside, outside = entry.get("scope_in"), entry.get("scope_out")
    return _lines(inside, f"Ingår inte: {outside}" if inside and outside else outside)


def _maintenance(entry: dict[str, Any]) -> str | None:
    review = entry.get("next_review")
    return _lines(
        entry.get("review_schedule"),
        f"Nästa granskning: {review}" if review else None,
        _labelled("Följs upp med", entry.get("monitoring_metrics")),
    )


def _atrs_metadata(entry: dict[str, Any]) -> dict[str, Any]:
    """Keys and values of the GOV.UK publishing schema (alphagov/specialist-publisher)."""
    linguistic = entry["pipeline"].get("generation") in ("generative", "classification")
    function = "social-protection" if _classifies(entry) else "general-public-services"
    return {
        "algorithmic_transparency_record_organisation_type": ["local-authority"],
        "algorithmic_transparency_record_function": [function],
        "algorithmic_transparency_record_capability": [
            "computer-linguistics" if linguistic else "discovery"
        ],
        "algorithmic_transparency_record_task": entry["purpose"],
        "algorithmic_transparency_record_phase": ATRS_PHASE[entry.get("lifecycle_state", "ide")],
        "algorithmic_transparency_record_date_published": (
            entry.get("first_published") or entry.get("updated") or ""
        )[:10]
        or None,
        "algorithmic_transparency_record_atrs_version": ATRS["standard_version"],
    }


def to_atrs(entry: dict[str, Any], base_url: str | None = None) -> dict[str, Any]:
    contact = entry["contact"]
    phase = ATRS_PHASE[entry.get("lifecycle_state", "ide")]
    suppliers = _atrs_third_parties(entry)
    website = entry.get("public_page_url") or entry["links"].get("service")
    website = website or entry["links"]["page"]
    return {
        "_tillit": _origin(entry, ATRS),
        "metadata": _atrs_metadata(entry),
        "tier_1": {
            "name": entry["name"],
            "description": entry["purpose"],
            "website_url": _absolute(website, base_url) or contact.get("url"),
            "contact_email": contact.get("email"),
        },
        "tier_2": {
            "owner_and_responsibility": {
                "organisation_or_department": entry["organisation"],
                "team": entry.get("team") or entry.get("department"),
                "senior_responsible_owner": entry["owner"].get("role"),
                "third_party_involvement": "Yes" if suppliers else "No",
                "third_parties": suppliers,
            },
            "description_and_rationale": {
                "detailed_description": entry["how_it_works"],
                "scope": _scope(entry),
                "benefit": entry.get("benefit") or entry["purpose"],
                "previous_process": entry.get("previous_process"),
                "alternatives_considered": entry.get("alternatives"),
            },
            "decision_making_process": {
                "process_integration": entry.get("process_integration") or entry["not_a_decision"],
                "provided_information": entry.get("output_provided")
                or entry.get("ai_disclosure_text"),
                "frequency_and_scale_of_usage": _lines(
                    entry.get("frequency_scale"), _usage_text(entry.get("usage")), sep=" "
                ),
                "human_decisions_and_review": entry.get("human_oversight"),
                "required_training": entry.get("staff_training"),
                "appeals_and_review": entry.get("appeal_route"),
            },
            "tool_specification": {
                "system_architecture": _joined(
                    entry["pipeline"]["steps"] + entry["pipeline"]["checks"]
                ),
                "phase": ATRS_PHASE_LABELS[phase],
                "maintenance": _maintenance(entry),
                "models": _atrs_models(entry),
                "data": _atrs_data(entry, base_url),
            },
            "risks_mitigations_and_impact_assessments": {
                "impact_assessments": [
                    {
                        "assessment_title": a["label"],
                        "assessment_description": a.get("summary") or a.get("outcome_label"),
                        "date_completed": a["date"] or None,
                        "link": a.get("link"),
                    }
                    for a in entry["assessments"]
                ],
                "risks": [
                    {
                        "risk_name": r["name"],
                        "risk_description": r.get("description") or None,
                        "mitigation": r["mitigation"],
                    }
                    for r in entry["risks"]
                ],
            },
        },
    }


def _usage_text(usage: dict[str, int] | None) -> str | None:
    """An assistant counts answers; the analysis of concern reports counts analyses."""
    if not usage:
        return None
    if "analyses_total" in usage:
        return (
            f"{usage['analyses_last_30_days']} analyserade anmälningar de senaste 30 dagarna, "
            f"{usage['analyses_total']} totalt"
        )
    return (
        f"{usage['answers_last_30_days']} svar de senaste 30 dagarna, "
        f"{usage['answers_total']} totalt"
    )


def _classifies(entry: dict[str, Any]) -> bool:
    """The analysis of concern reports (a classifier for social services), not an assistant."""
    return entry["pipeline"].get("generation") == "classification"


NOT_SELF_LEARNING = "Systemet är inte självlärande: det lär sig inte av frågorna."
RETRAINED_ON_REVIEW = (
    "Systemet lär sig inte under användning. En ny version tränas bara när någon startar en "
    "träning på granskade annoteringar, och en ny aktiv version granskas på nytt innan den "
    "används i produktion."
)


# --- Dutch Algoritmeregister ------------------------------------------------------------------


def _latest(entry: dict[str, Any], kind: str) -> dict[str, Any] | None:
    found = [a for a in entry["assessments"] if a["kind"] == kind]
    return found[-1] if found else None


def _impacttoetsen(entry: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """Assessments with their own title (required) and link; and the explanation field for
    those judged not needed (the standard's ``impacttoetsen``)."""
    done, not_needed = [], []
    for a in entry["assessments"]:
        if a["kind"] == "ai_act":
            continue
        title = ASSESSMENT_TITLES_NL.get(a["kind"], a["label"])
        if a["outcome"] == "ej_nödvändig":
            not_needed.append(f"{title}: {a['outcome_label']} ({a['date']}).")
            continue
        row = {"title": shorten(title, 100), "link": a.get("link")}
        done.append({k: v for k, v in row.items() if v is not None})
    return done, " ".join(not_needed) or None


def _risks_text(entry: dict[str, Any]) -> str | None:
    if not entry["risks"]:
        return None
    lines = [
        f"{r['name']}: {r['description'] + ' ' if r.get('description') else ''}"
        f"Åtgärd: {r['mitigation']}"
        for r in entry["risks"]
    ]
    return _joined(lines)


def _proportionality(entry: dict[str, Any]) -> str | None:
    """The standard asks for the alternatives that were considered in the same field."""
    alternatives = entry.get("alternatives")
    return _lines(
        entry.get("proportionality"),
        f"Alternativ som övervägdes: {alternatives}" if alternatives else None,
    )


def to_algoritmeregister(entry: dict[str, Any], base_url: str | None = None) -> dict[str, Any]:
    legal = entry["legal_basis"]
    toetsen, toetsen_text = _impacttoetsen(entry)
    suppliers = _suppliers(entry)
    sources = [
        {"title": shorten(s["title"], 500), "link": _absolute(s["page"], base_url)}
        for s in entry["sources"]
    ]
    record: dict[str, Any] = {
        "name": shorten(entry["name"], 100),
        "description_short": shorten(entry["purpose"], 350),
        "organization": shorten(entry["organisation"], 100),
        "category": None,
        "status": NL_STATUS[entry["status"]],
        "begin_date": _month(entry.get("in_use_from")),
        "end_date": _month(entry.get("in_use_to")),
        "contact_email": shorten(entry["contact"].get("email") or entry["contact"].get("url"), 500),
        "website": _absolute(
            entry.get("public_page_url") or entry["links"].get("service"), base_url
        ),
        "publication_category": NL_PUBLICATION_CATEGORY.get(entry.get("risk_class", "")),
        "url": _absolute(entry["links"]["json"], base_url),
        "goal": shorten(entry.get("goal_and_impact") or entry["purpose"], 2500),
        "proportionality": shorten(_proportionality(entry), 2500),
        "human_intervention": shorten(entry.get("human_oversight"), 2500),
        "risks": shorten(_risks_text(entry), 2500),
        "lawful_basis": shorten(legal.get("text"), 2500),
        "lawful_basis_grouping": [
            {"title": shorten(ref["title"], 100), "link": ref["url"]}
            for ref in legal.get("refs", [])
            if ref.get("url")
        ],
        "process_index_url": _fits(entry.get("processing_register_url"), 500),
        "impacttoetsen_grouping": toetsen,
        "impacttoetsen": shorten(
            _lines(toetsen_text, entry.get("assessments_not_done_reason")), 2500
        ),
        "source_data": shorten(
            _lines(", ".join(s["title"] for s in entry["sources"]), entry.get("data_categories")),
            2500,
        ),
        "source_data_grouping": [s for s in sources if s["link"]],
        "methods_and_models": shorten(
            entry["how_it_works"]
            + "\n"
            + _joined(entry["pipeline"]["steps"] + entry["pipeline"]["checks"])
            + "\n"
            + (RETRAINED_ON_REVIEW if _classifies(entry) else NOT_SELF_LEARNING),
            5000,
        ),
        "provider": shorten(", ".join(suppliers), 200) if suppliers else None,
        "publiccode": _fits(entry.get("source_code_url"), 500),
        "lang": "swe",
        "standard_version": ALGORITMEREGISTER["standard_version"],
        "source_id": shorten(entry["id"], 100),
        "tags": shorten(", ".join(entry.get("theme") or []) or None, 2500),
    }
    return {"_tillit": _origin(entry, ALGORITMEREGISTER), **record}


EXPORTS = {"atrs": to_atrs, "algoritmeregister": to_algoritmeregister}

# --- JSON Schemas -----------------------------------------------------------------------------

_STR = {"type": ["string", "null"]}
_URL = {"type": ["string", "null"], "pattern": "^https?://"}
_TEXTS = {"type": "array", "items": {"type": "string", "minLength": 1}}
# §2.1 fields added to tillit-insyn/1 later: described, not required, because versions
# published before them stay valid under the same schema version.
_TEXT_FIELDS = (
    "national_id",
    "team",
    "owner_role",
    "goal_and_impact",
    "scope_in",
    "benefit",
    "previous_process",
    "alternatives",
    "proportionality",
    "process_integration",
    "output_provided",
    "frequency_scale",
    "staff_training",
    "data_categories",
    "data_collection",
    "sharing_agreements",
    "storage_location_retention",
    "non_discrimination",
    "assessments_not_done_reason",
    "output_marking_method",
    "wcag_level",
    "review_schedule",
)
_URL_FIELDS = (
    "processing_register_url",
    "privacy_notice_url",
    "architecture_url",
    "source_code_url",
    "eu_db_url",
    "accessibility_statement_url",
)
_SUPPLIER = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "org_no", "role", "procurement_procedure", "data_access_terms"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "org_no": _STR,
        "role": _STR,
        "procurement_procedure": _STR,
        "data_access_terms": _STR,
    },
}
_KNOWLEDGE_SOURCE = {
    "type": "object",
    "required": ["title", "owner", "url", "scope", "update_freq", "last_indexed"],
    "properties": {"title": {"type": "string"}, "url": _URL, "last_indexed": _STR},
}
_ADDED_PROPERTIES: dict[str, Any] = {
    **{key: {**_STR, "maxLength": 4000} for key in _TEXT_FIELDS},
    **{key: _URL for key in _URL_FIELDS},
    "summary_plain": {**_STR, "maxLength": 400},
    "public_page_url": {"type": ["string", "null"], "pattern": "^(https?://|/)"},
    "first_published": _STR,
    "archived": {"type": "boolean"},
    "theme": _TEXTS,
    "special_categories": _TEXTS,
    "protected_attributes_used": _TEXTS,
    "monitoring_metrics": _TEXTS,
    "personal_data": {"enum": ["identifierade", "pseudonymiserade", "inga", None]},
    "next_review": {"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    "suppliers": {"type": "array", "items": _SUPPLIER},
    "knowledge_sources": {"type": "array", "items": _KNOWLEDGE_SOURCE},
    "lawful_basis": {
        "type": "object",
        "required": ["text", "refs"],
        "properties": {"text": _STR, "refs": {"type": "array"}},
    },
}
_ORIGIN = {
    "type": "object",
    "required": ["standard", "standard_version", "source", "entry"],
}
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
        "lifecycle_state": {"enum": list(STATES)},
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
                "properties": {"model_record_id": {"type": "string"}},
            },
        },
        "sources": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "title", "owner", "page", "last_indexed", "documents"],
                "properties": {"url": _URL},
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
        "measured_evaluations": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "dataset",
                    "dataset_sha256",
                    "date",
                    "questions",
                    "top1",
                    "recall_at_5",
                    "mrr",
                    "current_configuration",
                ],
                "properties": {
                    "questions": {"type": "integer", "minimum": 1},
                    "top1": {"type": "number", "minimum": 0, "maximum": 1},
                    "recall_at_5": {"type": "number", "minimum": 0, "maximum": 1},
                    "mrr": {"type": "number", "minimum": 0, "maximum": 1},
                    "current_configuration": {"type": ["boolean", "null"]},
                },
            },
        },
        **_ADDED_PROPERTIES,
    },
}
ATRS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "ATRS v3.0 export (Tillit mapping; metadata per the GOV.UK publishing schema)",
    "type": "object",
    "required": ["_tillit", "metadata", "tier_1", "tier_2"],
    "properties": {
        "_tillit": _ORIGIN,
        "metadata": {
            "type": "object",
            "required": [
                "algorithmic_transparency_record_organisation_type",
                "algorithmic_transparency_record_phase",
                "algorithmic_transparency_record_atrs_version",
            ],
            "properties": {
                "algorithmic_transparency_record_phase": {"enum": list(ATRS_PHASE_LABELS)},
            },
        },
        "tier_1": {
            "type": "object",
            "required": ["name", "description", "website_url", "contact_email"],
        },
        "tier_2": {
            "type": "object",
            "required": [
                "owner_and_responsibility",
                "description_and_rationale",
                "decision_making_process",
                "tool_specification",
                "risks_mitigations_and_impact_assessments",
            ],
        },
    },
}
ALGORITMEREGISTER_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Algoritmeregister publication standard 1.0 export (Tillit mapping)",
    "description": "Required fields of MinBZK/Algoritmeregister backend/app/schemas/config/"
    "v1_0.json, plus Tillit's _tillit origin object.",
    "type": "object",
    "required": [
        "_tillit",
        "name",
        "description_short",
        "organization",
        "status",
        "contact_email",
        "publication_category",
        "lang",
    ],
    "properties": {
        "_tillit": _ORIGIN,
        "status": {"enum": list(NL_STATUS.values())},
        "publication_category": {
            "enum": ["Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes", None]
        },
        "standard_version": {"const": "1.0"},
    },
}
SCHEMAS = {
    "entry": ENTRY_SCHEMA,
    "atrs": ATRS_SCHEMA,
    "algoritmeregister": ALGORITMEREGISTER_SCHEMA,
}
