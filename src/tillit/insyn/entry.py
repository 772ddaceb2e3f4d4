"""A register entry, built from live configuration (manifest, catalogue, collections, Runs)
plus the governance record. The same dict feeds the HTML page, the JSON API, the exports and
each stored version. Field names follow /work/shared/insyn-fields.md §2.1."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tillit.apps.evaluation import measured_evaluations
from tillit.apps.manifest import AssistantManifest
from tillit.apps.prompt import PROMPT_TEMPLATE_VERSION
from tillit.apps.tables import App
from tillit.auth.tables import Tenant
from tillit.catalog.service import resolve_by_name
from tillit.catalog.tables import CatalogModel
from tillit.errors import NotFound
from tillit.governance.lifecycle import (
    PUBLIC_STATUS,
    PUBLIC_STATUS_LABELS_SV,
    STATE_LABELS_SV,
)
from tillit.governance.record import (
    ASSESSMENT_LABELS_SV,
    OUTCOME_LABELS_SV,
    PERSONAL_DATA_LABELS_SV,
    RecordData,
)
from tillit.governance.service import Current, current
from tillit.knowledge.documents import is_web_address
from tillit.knowledge.tables import Collection, Document
from tillit.policy import CLASS_LABELS_SV, SecurityClass
from tillit.runs.tables import Run

SCHEMA_VERSION = "tillit-insyn/1"
VOLATILE = ("usage", "updated", "record_version", "first_published")
NOT_A_DECISION = (
    "Tjänsten fattar inga beslut och har ingen tillgång till dina ärenden. Svaren är inte "
    "beslut och kan inte överklagas; beslut fattas av en handläggare och motiveras."
)
LOCAL_CLASSIFIER = "local-classifier"  # its remote_model is a folder on the server: not shown
HOSTING_SV = {"own": "Egen drift", "external": "Extern tjänst"}
ROLE_SV = {
    "generation": "skriver svaret",
    "retrieval": "sökning",
    "rerank": "omrankning",
    "classification": "föreslår tecken i anmälan",
    "case_writing": "sammanfattar anmälan eller föreslår tecken, när handläggaren ber om det",
}
SUMMARY_LIMIT = 400
OUTPUT_MARKING_METHOD = (
    "Tjänstens sida säger från början att svaren skapas av AI. Varje svar har en länk, "
    "”Hur skapades svaret?”, till en sida som märker svaret som skapat av AI och visar vilka "
    "källor och vilken modell som användes och hur svaret togs fram, också som JSON. Svar "
    "som hämtas via API:t har samma länk."
)
OUTPUT_PROVIDED = {
    "generative": "Ett svar i text som en språkmodell skriver enbart utifrån kommunens källor, "
    "med hänvisningar till källorna. Räcker inte källorna ges inget svar.",
    "extractive": "Citat ur de avsnitt i kommunens källor som bäst matchar frågan, med "
    "hänvisningar till källorna. Räcker inte källorna ges inget svar.",
}
# Record fields published under their own name, exactly as people entered them (§2.1).
RECORD_FIELDS = (
    "national_id",
    "theme",
    "team",
    "goal_and_impact",
    "scope_in",
    "benefit",
    "previous_process",
    "alternatives",
    "proportionality",
    "processing_register_url",
    "privacy_notice_url",
    "process_integration",
    "frequency_scale",
    "staff_training",
    "architecture_url",
    "source_code_url",
    "data_categories",
    "personal_data",
    "special_categories",
    "data_collection",
    "sharing_agreements",
    "storage_location_retention",
    "non_discrimination",
    "protected_attributes_used",
    "assessments_not_done_reason",
    "eu_db_url",
    "accessibility_statement_url",
    "wcag_level",
    "review_schedule",
    "next_review",
    "monitoring_metrics",
)


def register_path(tenant_slug: str, path: str) -> str:
    """Register URLs name the municipality with ?kommun= (left out for the default tenant)."""
    return path if tenant_slug == "default" else f"{path}?kommun={tenant_slug}"


def is_listed(app: App, record: RecordData) -> bool:
    """Public apps are always in the register; staff apps when their record says so."""
    return app.manifest.get("audience") == "public" or record.in_register


def model_summary(model: CatalogModel, role: str, tenant_slug: str) -> dict[str, Any]:
    return {
        "name": model.name,
        "version": model.version,
        "remote_model": None if model.provider == LOCAL_CLASSIFIER else model.remote_model,
        "supplier": model.supplier,
        "hosting": model.hosting,
        "hosting_label": HOSTING_SV.get(model.hosting, model.hosting),
        "country": model.country,
        "licence": model.licence,
        "role": role,
        "role_label": ROLE_SV[role],
        "page": register_path(tenant_slug, f"/insyn/modeller/{model.name}"),
    }


def app_models(
    db: Session, tenant_id: int, manifest: AssistantManifest, collections: list[Collection]
) -> list[tuple[str, CatalogModel]]:
    wanted = [("generation", manifest.model), ("rerank", manifest.rerank_model)]
    wanted += [("retrieval", c.embedding_model) for c in collections]
    found: list[tuple[str, CatalogModel]] = []
    seen: set[str] = set()
    for role, name in wanted:
        if not name or name in seen:
            continue
        seen.add(name)
        try:
            found.append((role, resolve_by_name(db, tenant_id, name)))
        except NotFound:
            continue
    return found


def app_collections(db: Session, tenant_id: int, manifest: AssistantManifest) -> list[Collection]:
    rows = db.scalars(
        select(Collection).where(
            Collection.tenant_id == tenant_id, Collection.name.in_(manifest.collections)
        )
    )
    by_name = {c.name: c for c in rows}
    return [by_name[n] for n in manifest.collections if n in by_name]


def shorten(text: str | None, limit: int) -> str | None:
    """Texts longer than ``limit`` are shortened at a word, with an ellipsis."""
    if text is None or len(text) <= limit:
        return text
    head = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return head + "…"


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def public_address(url: str) -> str | None:
    """``url`` as the register may show it: no user name or password, query or fragment (an
    ingest address can carry a token), and None for an address residents cannot reach
    (loopback, private networks, single-label or local host names)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host or not _public_host(host):
        return None
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return None
    shown = host if ":" not in host else f"[{host}]"
    return f"{parts.scheme}://{shown}{port}{parts.path}"


_LOCAL_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home.arpa", ".intranet")


def _public_host(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host and not host.endswith(_LOCAL_SUFFIXES)
    return address.is_global


def _web_addresses(db: Session, collection: Collection, column: Any) -> list[str]:
    rows = db.scalars(
        select(column)
        .distinct()
        .where(
            Document.collection_id == collection.id,
            Document.status == "indexed",
            column.like("http%"),
        )
    )
    return [a for a in rows if is_web_address(a)]


def web_origin(db: Session, collection: Collection) -> str | None:
    """Where on the web the collection's documents come from: the one address it was fetched
    from, else the one site its pages share; None for files or several sites."""
    found = _web_addresses(db, collection, Document.origin) or _web_addresses(
        db, collection, Document.source
    )
    if len(found) == 1:
        return public_address(found[0])
    sites = {_site(a) for a in found}
    return public_address(sites.pop()) if len(sites) == 1 else None


def source_summary(db: Session, collection: Collection, tenant_slug: str) -> dict[str, Any]:
    count, last = db.execute(
        select(func.count(), func.max(Document.indexed_at)).where(
            Document.collection_id == collection.id, Document.status == "indexed"
        )
    ).one()
    return {
        "name": collection.name,
        "title": collection.description or collection.name,
        "owner": collection.owner,
        "url": web_origin(db, collection),
        "security_class": collection.security_class,
        "documents": int(count),
        "last_indexed": _iso(last),
        "page": register_path(tenant_slug, f"/insyn/kallor/{collection.name}"),
    }


def _collections(count: int) -> str:
    return "en godkänd källsamling" if count == 1 else f"{count} godkända källsamlingar"


def pipeline(manifest: AssistantManifest, sources: int, mode: str | None = None) -> dict[str, Any]:
    """How the service answers; with ``mode`` (one answer's: generative, extractive,
    not_covered), how *that* answer was made, so a page never says a model wrote an answer
    that no model wrote."""
    mode = mode or ("generative" if manifest.model else "extractive")
    steps = [
        "Din fråga tas emot. Den sparas inte i klartext i tjänstens logg, bara ett kontrollvärde.",
        f"Tjänsten söker i {_collections(sources)} från kommunen (ordsökning och "
        "semantisk sökning).",
    ]
    if manifest.rerank_model:
        steps.append(f"Modellen {manifest.rerank_model} sorterar avsnitten efter relevans.")
    step, writer = _writing(manifest, mode)
    steps.append(step)
    checks = [
        "Om källorna inte besvarar frågan ger tjänsten inget svar i stället för att gissa.",
        "Källtexterna behandlas som data, aldrig som instruktioner.",
        f"Informationsklassen ({manifest.security_class}) kontrolleras mot vad modellen är "
        "godkänd för.",
    ]
    if manifest.privacy == "pseudonymise":
        checks.append("Personuppgifter maskeras innan text lämnar kommunen.")
    return {
        "steps": steps,
        "checks": checks,
        "summary": f"Din fråga → sökning i {_collections(sources)} → {writer} → kontroller",
        "prompt_template_version": PROMPT_TEMPLATE_VERSION,
        "top_k": manifest.top_k,
        "generation": {"not_covered": "none"}.get(mode, mode),
    }


def _writing(manifest: AssistantManifest, mode: str) -> tuple[str, str]:
    """The writing step in full, and as a few words for the summary line."""
    if mode == "not_covered":
        return (
            "Källorna besvarade inte frågan, så inget svar skrevs.",
            "inget svar, eftersom källorna inte räckte",
        )
    if mode == "generative" and manifest.model:
        return (
            f"Språkmodellen {manifest.model} skriver ett svar enbart utifrån de hittade "
            "avsnitten och hänvisar till dem med [1], [2] …",
            f"modellen {manifest.model} skriver svaret bara utifrån källorna",
        )
    return (
        "Ingen språkmodell skriver text: svaret består av citat ur de avsnitt som bäst "
        "matchar frågan.",
        "svaret består av citat ur källorna",
    )


def usage(db: Session, app: App) -> dict[str, int]:
    base = select(func.count()).where(
        Run.tenant_id == app.tenant_id,
        Run.app == app.name,
        Run.kind == "assistant.ask",
        Run.status == "ok",
    )
    since = datetime.now(UTC) - timedelta(days=30)
    return {
        "answers_last_30_days": int(db.scalar(base.where(Run.started_at >= since)) or 0),
        "answers_total": int(db.scalar(base) or 0),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _assessments(record: RecordData) -> list[dict[str, Any]]:
    rows = [
        {
            "kind": a.kind,
            "label": ASSESSMENT_LABELS_SV[a.kind],
            "date": a.date.isoformat(),
            "outcome": a.outcome,
            "outcome_label": OUTCOME_LABELS_SV[a.outcome],
            "by": a.by,
            "summary": a.summary,
            "link": a.link,
        }
        for a in sorted(record.assessments, key=lambda a: a.date)
    ]
    if record.ai_act:
        rows.insert(
            0,
            {
                "kind": "ai_act",
                "label": ASSESSMENT_LABELS_SV["ai_act"],
                "date": str(record.ai_act.get("classified_at", ""))[:10],
                "outcome": record.ai_act.get("risk_group"),
                "outcome_label": record.ai_act.get("risk_label"),
                "by": "Beslutsstöd i Tillit",
                "summary": "; ".join(record.ai_act.get("transparency_labels", [])),
                "link": None,
            },
        )
    return rows


def _ai_act(record: RecordData) -> dict[str, Any] | None:
    if not record.ai_act:
        return None
    public = dict(record.ai_act)
    public.pop("classified_by", None)  # a user name: internal
    return public


def _governance(record: RecordData, now: Current) -> dict[str, Any]:
    lifecycle = now.lifecycle
    status = PUBLIC_STATUS[lifecycle.state]
    label = PUBLIC_STATUS_LABELS_SV[status]
    return {
        "status": status,
        "status_label": "Under ny granskning" if lifecycle.under_review else label,
        "lifecycle_state": lifecycle.state,
        "lifecycle_label": STATE_LABELS_SV[lifecycle.state],
        "under_review": lifecycle.under_review,
        "review_reasons": list(lifecycle.review_reasons or []),
        "in_use_from": _iso(lifecycle.in_use_from),
        "in_use_to": _iso(lifecycle.in_use_to),
        "governance_record_version": now.version,
        "risk_class": (record.ai_act or {}).get("risk_group", "ej_klassad"),
        "risk_label": (record.ai_act or {}).get("risk_label", "Inte klassad ännu"),
        "ai_act": _ai_act(record),
        "risks": [r.model_dump() for r in record.risks],
        "assessments": _assessments(record),
        "evaluation": [
            a for a in _assessments(record) if a["kind"] in ("evaluation", "red_teaming")
        ],
    }


def _people(record: RecordData) -> dict[str, Any]:
    return {
        "department": record.department,
        "owner": {"role": record.owner_role, "department": record.department},
        "contact": {
            "email": record.contact_email,
            "url": record.contact_url,
            "report_error_url": record.report_error_url,
            "owner_role": record.owner_role,
        },
        "legal_basis": {
            "text": record.legal_basis,
            "refs": [link.model_dump() for link in record.legal_refs],
        },
        "political_decision_ref": record.political_decision_ref,
        "scope_out": record.scope_out,
        "human_oversight": record.human_oversight,
        "appeal_route": record.appeal_route,
        "limitations": record.limitations,
        "en": record.en.model_dump(),
    }


def model_suppliers(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The suppliers of the models in use (catalogue), one row per supplier (§2.1 keys)."""
    by_name: dict[str, list[str]] = {}
    for m in models:
        if m.get("supplier"):
            by_name.setdefault(m["supplier"], []).append(f"{m['name']}, {m['role_label']}")
    return [
        {
            "name": name,
            "org_no": None,
            "role": f"Modellleverantör ({'; '.join(uses)})",
            "procurement_procedure": None,
            "data_access_terms": None,
        }
        for name, uses in by_name.items()
    ]


def suppliers(record: RecordData, models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The record's suppliers (without the internal contract reference), then the model
    suppliers it does not name; a record row without a role takes the model supplier's."""
    derived = {row["name"].casefold(): row for row in model_suppliers(models)}
    rows = []
    for supplier in record.suppliers:
        row = supplier.model_dump(exclude={"contract_ref"})
        auto = derived.pop(supplier.name.casefold(), None)
        row["role"] = row["role"] or (auto["role"] if auto else None)
        rows.append(row)
    return rows + list(derived.values())


def knowledge_sources(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The knowledge sources under their §2.1 keys (``update_freq``: Tillit re-indexes when
    someone ingests again, on no schedule it knows)."""
    return [
        {
            "name": s["name"],
            "title": s["title"],
            "owner": s["owner"],
            "url": s["url"],
            "scope": s["title"] if s["title"] != s["name"] else None,
            "update_freq": None,
            "last_indexed": s["last_indexed"],
            "page": s["page"],
        }
        for s in sources
    ]


def public_page_url(record: RecordData, service_path: str | None) -> str | None:
    """The record's page about the service, else the residents' page of a public app (a path;
    ``with_base_url`` makes it absolute)."""
    return record.public_page_url or service_path


def with_base_url(entry: dict[str, Any], base_url: str | None) -> dict[str, Any]:
    """The entry as served: ``public_page_url`` absolute when public_base_url is configured.
    Stored versions keep the path, so a new address does not make a new version."""
    url = entry.get("public_page_url")
    if not base_url or not url or is_web_address(url):
        return entry
    return {**entry, "public_page_url": base_url.rstrip("/") + url}


def _record_fields(record: RecordData) -> dict[str, Any]:
    fields = record.model_dump(mode="json", include=set(RECORD_FIELDS))
    return {
        **{key: fields[key] for key in RECORD_FIELDS},
        "personal_data_label": PERSONAL_DATA_LABELS_SV.get(record.personal_data or ""),
        "owner_role": record.owner_role,
        "lawful_basis": {
            "text": record.legal_basis,
            "refs": [link.model_dump() for link in record.legal_refs],
        },
    }


def _derived(record: RecordData, view: ServiceView, now: Current) -> dict[str, Any]:
    purpose = record.purpose_plain or view.purpose
    return {
        "summary_plain": record.summary_plain or shorten(purpose, SUMMARY_LIMIT),
        "archived": now.lifecycle.state == "avvecklad",
        "first_published": None,  # set from the published versions (insyn/publish.py)
        "output_provided": record.output_provided or view.output_provided,
        "output_marking_method": view.output_marking_method,
    }


def _model_rows(models: list[tuple[str, CatalogModel]], tenant_slug: str) -> list[dict[str, Any]]:
    return [
        {
            **model_summary(m, role, tenant_slug),
            "model_record_id": f"{tenant_slug}/{m.name}@{m.version or 'okänd'}",
        }
        for role, m in models
    ]


@dataclass
class ServiceView:
    """What the register takes from a service's live configuration, whatever its kind: an
    assistant (manifest, catalogue, collections) or the analysis of concern reports
    (``concern/governance.py``)."""

    name: str
    language: str
    purpose: str
    audience: str
    security_class: SecurityClass
    models: list[tuple[str, CatalogModel]]
    collections: list[Collection]
    flow: dict[str, Any]
    service_path: str | None
    usage: dict[str, int]
    output_provided: str | None
    output_marking_method: str
    ai_disclosure_text: str
    not_a_decision: str
    measured_evaluations: list[dict[str, Any]]


def service_view(db: Session, app: App, tenant_slug: str) -> ServiceView:
    if app.kind == "concern":
        return _concern_view(db, app)
    manifest = AssistantManifest.model_validate(app.manifest)
    collections = app_collections(db, app.tenant_id, manifest)
    flow = pipeline(manifest, len(collections))
    public = manifest.audience == "public"
    return ServiceView(
        name=manifest.display_name,
        language=manifest.language,
        purpose=manifest.purpose,
        audience=manifest.audience,
        security_class=SecurityClass(manifest.security_class),
        models=app_models(db, app.tenant_id, manifest, collections),
        collections=collections,
        flow=flow,
        service_path=f"/t/{tenant_slug}/assistent/{app.name}" if public else None,
        usage=usage(db, app),
        output_provided=OUTPUT_PROVIDED.get(flow["generation"]),
        output_marking_method=OUTPUT_MARKING_METHOD,
        ai_disclosure_text="Svaren skapas av AI och bygger bara på kommunens egna källor.",
        not_a_decision=NOT_A_DECISION,
        # Measured by `tillit apps evaluate` (apps/evaluation.py): the latest run per dataset.
        measured_evaluations=measured_evaluations(db, app),
    )


def _concern_view(db: Session, app: App) -> ServiceView:
    from tillit.concern import governance as concern
    from tillit.concern.language_models import allowed_models

    manifest = concern.manifest_of(app)
    model = concern.classifier_model(db, app.tenant_id)
    writers = allowed_models(db, app.tenant_id)
    return ServiceView(
        name=manifest.title,
        language=manifest.language,
        purpose=manifest.purpose,
        audience=manifest.audience,
        security_class=SecurityClass(manifest.security_class),
        models=([("classification", model)] if model else [])
        + [("case_writing", writer) for writer in writers],
        collections=[],
        flow=concern.pipeline(model, writers),
        service_path=None,
        usage=concern.usage(db, app.tenant_id),
        output_provided=concern.OUTPUT_PROVIDED,
        output_marking_method=concern.OUTPUT_MARKING_METHOD,
        ai_disclosure_text=concern.AI_DISCLOSURE_TEXT,
        not_a_decision=concern.NOT_A_DECISION,
        measured_evaluations=[],  # the classifier's figures are on its model card
    )


def build_entry(db: Session, app: App) -> dict[str, Any]:
    tenant = db.get(Tenant, app.tenant_id)
    assert tenant is not None
    view = service_view(db, app, tenant.slug)
    now = current(db, app)
    record = now.record
    page = register_path(tenant.slug, f"/insyn/tjanster/{app.name}")
    model_rows = _model_rows(view.models, tenant.slug)
    sources = [source_summary(db, c, tenant.slug) for c in view.collections]
    return {
        "schema_version": SCHEMA_VERSION,
        "id": f"{tenant.slug}/{app.name}",
        "slug": app.name,
        "name": view.name,
        "lang": view.language,
        "organisation": tenant.name,
        "purpose": record.purpose_plain or view.purpose,
        "purpose_en": record.en.purpose,
        "audience": view.audience,
        **_governance(record, now),
        "measured_evaluations": view.measured_evaluations,
        **_people(record),
        **_record_fields(record),
        **_derived(record, view, now),
        "public_page_url": public_page_url(record, view.service_path),
        "models": model_rows,
        "suppliers": suppliers(record, model_rows),
        "sources": sources,
        "knowledge_sources": knowledge_sources(sources),
        "how_it_works": view.flow["summary"],
        "pipeline": {**view.flow, "app_version": app.version},
        "security_class": view.security_class.value,
        "security_class_label": CLASS_LABELS_SV[view.security_class],
        "automated_decision": False,
        "not_a_decision": view.not_a_decision,
        "ai_disclosure_text": view.ai_disclosure_text,
        "usage": view.usage,
        "app_version": app.version,
        "created": _iso(app.created_at),
        "links": {
            "page": page,
            "json": register_path(tenant.slug, f"/insyn/api/services/{app.name}"),
            "versions": register_path(tenant.slug, f"/insyn/api/services/{app.name}/versions"),
            "service": view.service_path,
        },
    }


def stable_part(entry: dict[str, Any]) -> dict[str, Any]:
    """What a new version is made for: everything but counters and dates of re-indexing."""
    stable = {k: v for k, v in entry.items() if k not in VOLATILE}
    for key in ("sources", "knowledge_sources"):
        if key in entry:
            stable[key] = [
                {k: v for k, v in s.items() if k not in ("documents", "last_indexed")}
                for s in entry[key]
            ]
    return stable
