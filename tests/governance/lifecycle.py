"""Take an app through the governance lifecycle with a complete record and sign-offs by
distinct named people (none of them the record's author), through the real services."""

from __future__ import annotations

from typing import Any

from tillit.apps.manifest import AssistantManifest
from tillit.apps.service import apply_manifest
from tillit.auth.service import get_tenant
from tillit.governance.record import RecordData
from tillit.governance.service import classify_ai_act, save_record, transition
from tillit.governance.signoffs import sign_off
from tillit.governance.state import governed_app
from tillit.knowledge.documents import Block, SourceDocument
from tillit.knowledge.ingest import ingest_items, start_job
from tillit.knowledge.service import backend_for, get_or_create_collection
from tillit.platform import Platform

APP = "fraga-kommunen"
DOCS = {
    "bygglov": ("Bygglov", "Du behöver bygglov för en altan som är högre än 1,2 meter."),
    "sophamtning": ("Sophämtning", "Sophämtning sker varannan vecka vid tomtgränsen."),
}


def load_docs(
    platform: Platform,
    tenant_id: int = 1,
    name: str = "webb",
    base: str = "https://kommun.example/",
) -> None:
    """Two documents in collection ``name``; ``base`` + key is each one's source."""
    docs = [
        SourceDocument(key=k, title=t, source=f"{base}{k}", blocks=[Block("paragraph", x)])
        for k, (t, x) in DOCS.items()
    ]
    with platform.session() as db:
        collection, _ = get_or_create_collection(db, tenant_id, name)
        collection.owner = "Kommunikationsavdelningen"
        collection.description = "Kommunens webbplats"
        collection_id = collection.id
    job = start_job(platform, tenant_id, collection_id, ["test"])
    ingest_items(platform, backend_for(platform), job, [("test", docs)])


def apply(platform: Platform, tenant_id: int = 1, **changes: object) -> None:
    fields: dict[str, object] = {
        "name": APP,
        "purpose": "Svarar på frågor om kommunens tjänster.",
        "collections": ["webb"],
        "audience": "public",
        **changes,
    }
    with platform.session() as db:
        apply_manifest(db, tenant_id, AssistantManifest.model_validate(fields))


AUTHOR = "anna"
SIGNATORIES = {"owner": "olle", "dpo": "dora", "infosec": "ivar", "legal": "lisa"}
RECORD: dict[str, Any] = {
    "purpose_plain": "Tjänsten svarar på frågor om kommunens service med hjälp av kommunens "
    "egna webbsidor.",
    "department": "Kontaktcenter",
    "owner_role": "Chef för kontaktcenter",
    "contact_email": "kontaktcenter@kommun.example",
    "contact_url": "https://kommun.example/kontakt",
    "legal_basis": "Allmän serviceskyldighet enligt 6 § förvaltningslagen (2017:900).",
    "legal_refs": [{"title": "Förvaltningslag (2017:900)", "url": "https://lagen.nu/2017:900"}],
    "human_oversight": "Kontaktcenter läser ett urval av svaren varje vecka.",
    "appeal_route": "Svaren är inga beslut. Kontakta kontaktcenter om du är missnöjd.",
    "limitations": "Tjänsten kan bara svara utifrån kommunens publicerade webbsidor.",
    "risks": [
        {
            "name": "Felaktigt svar",
            "description": "Modellen kan missförstå frågan.",
            "mitigation": "Svaren bygger bara på källorna och hänvisar till dem.",
        }
    ],
    "assessments": [
        {"kind": k, "date": "2026-01-15", "outcome": o, "by": "Kommunens granskningsgrupp"}
        for k, o in [
            ("dpia", "ej_nödvändig"),
            ("information_classification", "godkänd"),
            ("ethics", "godkänd"),
            ("evaluation", "godkänd"),
            ("accessibility", "godkänd"),
        ]
    ],
    "signatories": SIGNATORIES,
    "en": {"purpose": "Answers questions about municipal services from the council's own pages."},
}
# Every optional §2.1 field of the record, filled (tests/insyn/test_fields.py).
ENTERED: dict[str, Any] = {
    "national_id": "SE-AI-2026-0042",
    "summary_plain": "Du kan ställa frågor om kommunens service och få svar från kommunens webb.",
    "public_page_url": "https://kommun.example/ai/fraga-kommunen",
    "theme": ["Bygga och bo", "Avfall"],
    "team": "Digital service",
    "goal_and_impact": "Invånare ska snabbare hitta svar utan att vänta i telefonkö.",
    "scope_in": "Allmänna frågor om kommunens tjänster.",
    "benefit": "Kortare väntetider i kontaktcenter.",
    "previous_process": "Invånare ringde eller mejlade kontaktcenter.",
    "alternatives": "En bättre sökfunktion på webben utan språkmodell.",
    "proportionality": "Tjänsten fattar inga beslut och svarar bara utifrån publicerade sidor.",
    "processing_register_url": "https://kommun.example/behandlingar/kontaktcenter",
    "privacy_notice_url": "https://kommun.example/personuppgifter",
    "process_integration": "Svaren ersätter inte kontaktcenter; den som vill kan alltid ringa.",
    "output_provided": "Ett kort svar med länkar till kommunens sidor.",
    "frequency_scale": "Omkring 2 000 frågor i månaden.",
    "staff_training": "Kontaktcenter har gått kommunens kurs i AI-kunskap (art. 4).",
    "architecture_url": "https://kommun.example/ai/arkitektur",
    "source_code_url": "https://github.com/kommun/fraga-kommunen",
    "data_categories": "Kommunens publicerade webbsidor; frågan som invånaren skriver.",
    "personal_data": "pseudonymiserade",
    "special_categories": ["Hälsa"],
    "data_collection": "Webbsidorna hämtas från kommunens webbplats varje natt.",
    "sharing_agreements": "Inga uppgifter delas med andra.",
    "storage_location_retention": "Sverige; loggar sparas i sex månader.",
    "non_discrimination": "Svaren testas med frågor på lätt svenska och från olika grupper.",
    "protected_attributes_used": ["Ålder"],
    "assessments_not_done_reason": "Ingen FRIA: tjänsten är inte högrisk.",
    "eu_db_url": "https://ec.europa.eu/ai-database/0042",
    "accessibility_statement_url": "https://kommun.example/tillganglighet",
    "wcag_level": "WCAG 2.1 AA",
    "review_schedule": "Granskas varje halvår.",
    "next_review": "2026-12-31",
    "monitoring_metrics": ["Andel frågor utan svar", "Felrapporter per månad"],
}
SUPPLIERS = [
    {
        "name": "Drift AB",
        "org_no": "556000-0000",
        "role": "Driftleverantör",
        "procurement_procedure": "Avrop från ramavtal",
        "data_access_terms": "Ingen åtkomst till frågor eller svar",
        "contract_ref": "KS 2026/12-hemligt",
    },
    {"name": "Kommunförbundet", "org_no": "222000-1111"},  # also the model's supplier
]
FULL_RECORD = {**RECORD, **ENTERED, "suppliers": SUPPLIERS}
CHATBOT_ANSWERS = {
    "is_ai_system": True,
    "own_development": False,
    "prohibited": False,
    "annex_iii": "none",
    "interacts_with_people": True,
    "generates_public_text": False,
    "generates_media": False,
    "emotion_or_biometric_categorisation": False,
}
GATES = [
    ("analys", ("owner",)),
    ("utveckling", ("owner", "dpo", "infosec", "legal")),
    ("test", ("owner", "infosec")),
    ("produktion", ("owner", "dpo", "legal")),
]


def write_record(
    platform: Platform,
    app_name: str,
    tenant: str = "default",
    record: dict[str, Any] | None = None,
    answers: dict[str, Any] | None = None,
) -> None:
    with platform.session() as db:
        app = governed_app(db, get_tenant(db, tenant).id, app_name)
        save_record(db, app, RecordData.model_validate(record or RECORD), AUTHOR, None)
        classify_ai_act(db, app, answers or CHATBOT_ANSWERS, AUTHOR, None)


def pass_gate(platform: Platform, app_name: str, target: str, tenant: str = "default") -> None:
    signers = dict(GATES)[target]
    with platform.session() as db:
        app = governed_app(db, get_tenant(db, tenant).id, app_name)
        for role in signers:
            sign_off(db, app, role, SIGNATORIES[role], None)
    with platform.session() as db:
        app = governed_app(db, get_tenant(db, tenant).id, app_name)
        transition(db, app, target, None, AUTHOR, f"Grinden till {target} godkänd")


def promote(
    platform: Platform, app_name: str, to: str = "produktion", tenant: str = "default"
) -> None:
    """Write the record, classify, and pass every gate up to ``to``."""
    write_record(platform, app_name, tenant)
    for target, _signers in GATES:
        pass_gate(platform, app_name, target, tenant)
        if target == to:
            return
