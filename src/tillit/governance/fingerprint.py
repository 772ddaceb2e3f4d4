"""What the approval of an assistant covers: model (and its version and supplier), reranker,
knowledge sources, instructions and prompt template, purpose, audience (staff or the public),
information class, what happens to data above the model's class, and how many passages are
retrieved. For the analysis of concern reports: the classifier version, purpose, audience and
class (``concern/governance.py``). A change of any of these after the production gate sends
the app back for review: to analysis when the purpose, the audience or the information class
changed (the risk assessment no longer holds), otherwise to test.

Approvals stored before a part was covered do not hold that part (``changed_parts`` compares
only what the approval recorded); migration 0011 completed them from the manifest in force."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from tillit.apps.manifest import AssistantManifest
from tillit.apps.prompt import PROMPT_TEMPLATE_VERSION
from tillit.apps.tables import App
from tillit.catalog.service import resolve_by_name
from tillit.catalog.tables import CatalogModel
from tillit.errors import NotFound

LABELS_SV = {
    "model": "språkmodell eller modellversion",
    "rerank_model": "modell för omrankning",
    "collections": "kunskapskällor",
    "instructions": "instruktioner eller promptmall",
    "purpose": "syfte",
    "audience": "målgrupp (personal eller allmänheten)",
    "security_class": "informationsklass",
    "privacy": "hantering av uppgifter över modellens klass",
    "top_k": "antal hämtade textavsnitt",
    "classifier": "klassificerarens version",
    "language_models": "språkmodeller som får läsa ärenden",
}
ABSENT_MEANS: dict[str, Any] = {"language_models": []}
"""What a part added after an approval was recorded meant before it existed."""
BACK_TO_ANALYSIS = frozenset({"purpose", "audience", "security_class"})


def model_part(model: CatalogModel) -> dict[str, Any]:
    """What an approval records of a catalogue model."""
    return {"name": model.name, "version": model.version, "supplier": model.supplier}


def named_model_part(db: Session, tenant_id: int, name: str | None) -> dict[str, Any] | None:
    """``model_part`` of the model called ``name``; a name no longer in the catalogue is marked
    missing (which differs from any approval of it)."""
    if not name:
        return None
    try:
        return model_part(resolve_by_name(db, tenant_id, name))
    except NotFound:
        return {"name": name, "missing": True}


def live_fingerprint(db: Session, app: App, purpose_plain: str | None) -> dict[str, Any]:
    if app.kind == "concern":  # the analysis of concern reports (concern/governance.py)
        from tillit.concern.governance import live_fingerprint as concern_fingerprint

        return concern_fingerprint(db, app, purpose_plain)
    manifest = AssistantManifest.model_validate(app.manifest)
    instructions = hashlib.sha256(manifest.instructions.encode()).hexdigest()
    return {
        "model": named_model_part(db, app.tenant_id, manifest.model),
        "rerank_model": named_model_part(db, app.tenant_id, manifest.rerank_model),
        "collections": sorted(manifest.collections),
        "instructions": f"{PROMPT_TEMPLATE_VERSION}:{instructions}",
        "purpose": [manifest.purpose, purpose_plain or ""],
        "audience": manifest.audience,
        "security_class": str(manifest.security_class),
        "privacy": manifest.privacy,
        "top_k": manifest.top_k,
    }


def fingerprint_hash(fingerprint: dict[str, Any]) -> str:
    raw = json.dumps(fingerprint, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def changed_parts(approved: dict[str, Any], live: dict[str, Any]) -> list[str]:
    """Parts that differ, among those ``approved`` recorded (or knows the old meaning of)."""
    return [
        key
        for key in LABELS_SV
        if (key in approved or key in ABSENT_MEANS)
        and approved.get(key, ABSENT_MEANS.get(key)) != live.get(key, ABSENT_MEANS.get(key))
    ]
