"""Which language models the analysis support may use: the approved list.

Besides the classifier, a caseworker may ask a configured language model to summarise a case
(``model_summary.py``) or to suggest labels (``model_labels.py``). Those models are part of
the governed service (``governance.py``): an administrator names them
(``tillit concern language-models``, ``PUT /api/concern/language-models``); the list is kept in
the service's manifest, is part of what the approval covers (a change after production sends
the service back to test), and the public register names each model. A model not on the list
reads no case, whatever its clearance. An empty list (the default) means no language model.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tillit.audit.service import record
from tillit.auth.roles import Principal
from tillit.catalog.service import list_models, resolve_by_name
from tillit.catalog.tables import CatalogModel
from tillit.errors import InvalidInput, NotFound, PolicyViolation

READS_CASES = ("K2", "K3")  # K3 as it is, K2 pseudonymised (case_model.case_policy)


def allowed_names(db: Session, tenant_id: int) -> list[str]:
    from tillit.concern.governance import find_service, manifest_of

    app = find_service(db, tenant_id)
    return list(manifest_of(app).language_models) if app is not None else []


def allowed_models(db: Session, tenant_id: int) -> list[CatalogModel]:
    """The listed models still in the catalogue, in the list's order."""
    found = []
    for name in allowed_names(db, tenant_id):
        try:
            found.append(resolve_by_name(db, tenant_id, name))
        except NotFound:
            continue
    return found


def choices(db: Session, tenant_id: int) -> list[dict[str, Any]]:
    """For the governance page's form: each model that may be chosen (writes text, cleared for
    K2 or K3) and each chosen one, even one that no longer qualifies, so it can be removed."""
    chosen = set(allowed_names(db, tenant_id))
    return [
        {
            "name": model.name,
            "supplier": model.supplier or model.provider,
            "max_class": model.max_class,
            "hosting": model.hosting,
            "enabled": model.enabled,
            "chosen": model.name in chosen,
            "qualifies": _can_read_cases(model),
        }
        for model in list_models(db, tenant_id)
        if model.name in chosen or _can_read_cases(model)
    ]


def fingerprint_part(db: Session, tenant_id: int) -> list[dict[str, Any]]:
    """What the approval covers: each listed model's name, version and supplier."""
    from tillit.governance.fingerprint import named_model_part

    return [named_model_part(db, tenant_id, name) for name in sorted(allowed_names(db, tenant_id))]


def set_language_models(db: Session, principal: Principal, names: list[str]) -> list[str]:
    """Replace the list. Each model must exist, write text and be cleared for K2 or K3."""
    from tillit.concern.governance import ensure_service, manifest_of, service_changed

    principal.require("concern:configure")
    wanted = list(dict.fromkeys(name.strip() for name in names if name.strip()))
    for name in wanted:
        _check_can_read_cases(resolve_by_name(db, principal.tenant_id, name))
    app = ensure_service(db, principal.tenant_id)
    manifest = manifest_of(app)
    before = manifest.language_models
    if wanted == before:
        return wanted
    app.manifest = manifest.model_copy(update={"language_models": wanted}).model_dump(mode="json")
    app.version += 1
    db.flush()
    record(
        db,
        principal,
        "concern.language_models",
        object_type="app",
        object_id=app.id,
        detail={"before": before, "after": wanted},
    )
    service_changed(db, app, principal.actor, "Språkmodellerna för analysstödet ändrades")
    return wanted


def _can_read_cases(model: CatalogModel) -> bool:
    return "chat" in model.capabilities and model.max_class in READS_CASES


def _check_can_read_cases(model: CatalogModel) -> None:
    if "chat" not in model.capabilities:
        raise InvalidInput(
            f"Modellen '{model.name}' kan inte skriva text och kan inte sammanfatta ärenden.",
            code="model_cannot_write",
        )
    if model.max_class not in READS_CASES:
        raise InvalidInput(
            f"Modellen '{model.name}' är godkänd för högst {model.max_class}; ärenden är K3 och "
            "får bara läsas av en modell för K3, eller pseudonymiserade av en modell för K2.",
            code="security_class_exceeded",
        )


def require_allowed(db: Session, tenant_id: int, model_name: str) -> None:
    if model_name in allowed_names(db, tenant_id):
        return
    raise PolicyViolation(
        f"Modellen '{model_name}' är inte vald för analysstödet. Vilka språkmodeller som får "
        "läsa ärenden bestämmer en administratör (tillit concern language-models), och valet "
        "granskas som en del av analysstödet.",
        code="model_not_approved_for_service",
    )
