"""What the approval of an app covers: model (and its version and supplier), reranker,
knowledge sources, instructions and prompt template, purpose. A change of any of these after
the production gate sends the app back for review."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from tillit.apps.manifest import AssistantManifest
from tillit.apps.prompt import PROMPT_TEMPLATE_VERSION
from tillit.apps.tables import App
from tillit.catalog.service import resolve_by_name
from tillit.errors import NotFound

LABELS_SV = {
    "model": "språkmodell eller modellversion",
    "rerank_model": "modell för omrankning",
    "collections": "kunskapskällor",
    "instructions": "instruktioner eller promptmall",
    "purpose": "syfte",
}


def _model(db: Session, tenant_id: int, name: str | None) -> dict[str, Any] | None:
    if not name:
        return None
    try:
        model = resolve_by_name(db, tenant_id, name)
    except NotFound:
        return {"name": name, "missing": True}
    return {"name": model.name, "version": model.version, "supplier": model.supplier}


def live_fingerprint(db: Session, app: App, purpose_plain: str | None) -> dict[str, Any]:
    manifest = AssistantManifest.model_validate(app.manifest)
    instructions = hashlib.sha256(manifest.instructions.encode()).hexdigest()
    return {
        "model": _model(db, app.tenant_id, manifest.model),
        "rerank_model": _model(db, app.tenant_id, manifest.rerank_model),
        "collections": sorted(manifest.collections),
        "instructions": f"{PROMPT_TEMPLATE_VERSION}:{instructions}",
        "purpose": [manifest.purpose, purpose_plain or ""],
    }


def fingerprint_hash(fingerprint: dict[str, Any]) -> str:
    raw = json.dumps(fingerprint, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def changed_parts(approved: dict[str, Any], live: dict[str, Any]) -> list[str]:
    return [key for key in LABELS_SV if approved.get(key) != live.get(key)]
