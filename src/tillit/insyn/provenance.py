""" "Hur skapades svaret?": per-answer provenance at an unguessable URL.

Every successful assistant answer gets a token (``secrets.token_urlsafe(24)``, 192 bits). The
page shows that AI produced it, the passages actually used with their sources, the models and
versions, the pipeline and prompt-template version, the limits, a human contact and the answer
id, time and language. The question is never shown or stored here (it may hold personal data).

Who may open it: answers of class K0 (open information) are public to anyone with the link;
answers of a higher class only to a signed-in user or API key of the same tenant. Anyone else
gets the same 404 as for a token that does not exist."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.apps.manifest import AssistantManifest
from tillit.apps.tables import App
from tillit.auth.roles import Principal
from tillit.auth.tables import Tenant
from tillit.errors import NotFound
from tillit.insyn.entry import (
    NOT_A_DECISION,
    app_collections,
    app_models,
    is_listed,
    model_summary,
    pipeline,
    register_path,
)
from tillit.insyn.tables import AnswerProvenance, RegisterVersion
from tillit.knowledge.documents import is_web_address
from tillit.knowledge.search import Hit
from tillit.knowledge.tables import Chunk, Collection, Document
from tillit.runs.tables import Run

PROVENANCE_VERSION = "tillit-provenance/1"
QUOTE_LIMIT = 2000
AI_LABEL = {
    "generative": "Svaret är skapat av AI: en språkmodell skrev det utifrån kommunens källor.",
    "extractive": "Svaret är sammanställt av AI-sökning: avsnitten valdes ut av en AI-modell, "
    "men ingen språkmodell skrev texten. Svaret består av citat ur källorna.",
    "not_covered": "Tjänsten hittade inget stöd i källorna och gav därför inget svar.",
}
LIMITS = [
    "Svaret är inte ett beslut och inte en myndighetsutövning.",
    "AI kan missförstå frågan eller välja fel avsnitt. Kontrollera mot källorna.",
    "Tjänsten har ingen tillgång till dina ärenden eller personuppgifter hos kommunen.",
]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def provenance_path(token: str) -> str:
    return f"/insyn/svar/{token}"


def provenance_url(base_url: str | None, token: str) -> str:
    return (base_url or "").rstrip("/") + provenance_path(token)


def _documents(db: Session, hits: list[Hit]) -> dict[int, tuple[Document, Collection]]:
    ids = [h.chunk_id for h in hits]
    if not ids:
        return {}
    rows = db.execute(
        select(Chunk.id, Document, Collection)
        .join(Document, Document.id == Chunk.document_id)
        .join(Collection, Collection.id == Chunk.collection_id)
        .where(Chunk.id.in_(ids))
    )
    return {chunk_id: (doc, col) for chunk_id, doc, col in rows}


def _passage(n: int, hit: Hit, found: tuple[Document, Collection] | None) -> dict[str, Any]:
    doc, col = found if found else (None, None)
    url = hit.source if is_web_address(hit.source) else None
    return {
        "n": n,
        "title": hit.title,
        "heading": " › ".join(hit.heading_path[1:]) or None,
        "owner": (doc.owner if doc else None) or (col.owner if col else None),
        "url": url,
        "version": hit.version,
        "indexed_at": doc.indexed_at.isoformat() if doc and doc.indexed_at else None,
        "collection": hit.collection,
        "document": hit.document,
        "quote": hit.text[:QUOTE_LIMIT],
        "score": round(hit.score, 4),
    }


def _snapshot(
    db: Session, tenant_id: int, manifest: AssistantManifest, run: Run, mode: str
) -> dict[str, Any]:
    """Models and pipeline as they were when the answer was made."""
    tenant = db.get(Tenant, tenant_id)
    slug = tenant.slug if tenant else "default"
    collections = app_collections(db, tenant_id, manifest)
    models = []
    for role, model in app_models(db, tenant_id, manifest, collections):
        if role == "generation" and run.model_name is None:
            continue  # the answer was not written by the model (not covered, or extractive)
        summary = model_summary(model, role, slug)
        if role == "generation":
            summary.update(version=run.model_version, response_model=run.response_model)
        models.append(summary)
    flow = pipeline(manifest, len(collections), mode)
    return {
        "models": models,
        "pipeline": flow,
        "tenant_slug": slug,
        "service_title": manifest.display_name,
    }


def record_provenance(
    db: Session,
    run: Run,
    manifest: AssistantManifest,
    mode: str,
    used: list[Hit],
) -> str:
    """Store the provenance of one answer (in the Run's transaction); returns the token."""
    app = (
        db.scalar(select(App).where(App.tenant_id == run.tenant_id, App.name == run.app))
        if run.app
        else None
    )
    found = _documents(db, used)
    token = new_token()
    db.add(
        AnswerProvenance(
            token=token,
            run_id=run.id,
            tenant_id=run.tenant_id,
            app_id=app.id if app else None,
            app_name=run.app,
            app_version=app.version if app else None,
            register_version=_register_version(db, app),
            language=manifest.language,
            mode=mode,
            security_class=manifest.security_class.value,
            passages=[_passage(n, h, found.get(h.chunk_id)) for n, h in enumerate(used, 1)],
            details=_snapshot(db, run.tenant_id, manifest, run, mode),
        )
    )
    return token


def _register_version(db: Session, app: App | None) -> int | None:
    if app is None:
        return None
    query = select(RegisterVersion.version).where(RegisterVersion.app_id == app.id)
    return db.scalar(query.order_by(RegisterVersion.version.desc()).limit(1))


def find_provenance(db: Session, token: str, viewer: Principal | None) -> AnswerProvenance:
    """The same 404 for a missing token and for one this viewer may not see."""
    found = db.get(AnswerProvenance, token) if 16 <= len(token) <= 64 else None
    if found is not None and found.security_class != "K0":
        allowed = viewer is not None and viewer.tenant_id == found.tenant_id
        found = found if allowed else None
    if found is None:
        raise NotFound("Svaret finns inte.", code="answer_not_found")
    return found


def provenance_dict(db: Session, item: AnswerProvenance, base_url: str | None) -> dict[str, Any]:
    run = db.get(Run, item.run_id)
    assert run is not None
    details = item.details or {}
    models = details.get("models", [])
    primary = next((m for m in models if m["role"] == "generation"), None)
    primary = primary or next((m for m in models if m["role"] == "retrieval"), None)
    return {
        "schema_version": PROVENANCE_VERSION,
        "answer_id": item.run_id,
        "url": provenance_url(base_url, item.token),
        "created_at": run.started_at.isoformat(),
        "language": item.language,
        "ai_generated": item.mode == "generative",
        "ai_involved": True,
        "ai_label": AI_LABEL.get(item.mode, AI_LABEL["generative"]),
        "mode": item.mode,
        "service": _service(db, item, details),
        "model": primary,
        "models": models,
        "sources": item.passages,
        "pipeline": {
            **details.get("pipeline", {}),
            "prompt_template_version": run.prompt_template_version,
            "app_version": item.app_version,
        },
        "limits": LIMITS,
        "not_a_decision": NOT_A_DECISION,
        **_human_route(db, item),
        "question": None,
        "question_note": "Frågan visas inte här, eftersom den kan innehålla personuppgifter.",
    }


def _service(db: Session, item: AnswerProvenance, details: dict) -> dict[str, Any] | None:
    if item.app_name is None:
        return None
    app = db.get(App, item.app_id) if item.app_id else None
    listed = False
    if app is not None:
        from tillit.governance.service import current_record

        listed = is_listed(app, current_record(db, app)[1])
    tenant = db.get(Tenant, item.tenant_id)
    slug = details.get("tenant_slug", "default")
    return {
        "name": details.get("service_title") or item.app_name,
        "organisation": tenant.name if tenant else None,
        "register_page": register_path(slug, f"/insyn/tjanster/{item.app_name}")
        if listed
        else None,
        "register_version": item.register_version,
    }


def _human_route(db: Session, item: AnswerProvenance) -> dict[str, Any]:
    from tillit.governance.service import current_record

    app = db.get(App, item.app_id) if item.app_id else None
    record = current_record(db, app)[1] if app else None
    email = record.contact_email if record else None
    mailto = f"mailto:{email}?subject={quote('Fel i AI-svar ' + item.run_id)}" if email else None
    return {
        "contact": {
            "email": email,
            "url": record.contact_url if record else None,
            "text": "Kontakta kommunen om du behöver hjälp med ett ärende eller vill ha svar "
            "av en människa.",
        },
        "report_error": {
            "url": (record.report_error_url if record else None) or mailto,
            "text": "Rapportera ett fel i svaret och ange svars-id.",
        },
        "complaints": record.appeal_route if record else None,
    }
