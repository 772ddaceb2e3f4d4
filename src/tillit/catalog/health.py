"""Health check of one registered model: ask its provider, store the outcome on the model."""

from __future__ import annotations

from anyio import to_thread

from tillit.audit.service import record as audit
from tillit.auth.roles import Principal
from tillit.catalog.service import get_model
from tillit.catalog.tables import CatalogModel
from tillit.db.base import utcnow
from tillit.errors import PermissionDenied, TillitError
from tillit.platform import Platform


def require_health_permission(principal: Principal, model: CatalogModel) -> None:
    """A check writes its outcome on the model: shared models only from the CLI."""
    principal.require("models:write")
    if model.tenant_id is None and principal.kind != "system":
        raise PermissionDenied(
            "Hälsokontroll av delade modeller görs av installationens administratör (CLI).",
            code="model_shared",
        )


async def check_health(platform: Platform, principal: Principal, model_id: int) -> CatalogModel:
    def load() -> tuple[str, object]:
        with platform.session() as db:
            model = get_model(db, principal.tenant_id, model_id)
            require_health_permission(principal, model)
            return model.provider, platform.provider_spec(model)

    provider_type, spec = await to_thread.run_sync(load)
    provider = platform.provider_for(model_id, provider_type, spec)  # type: ignore[arg-type]
    try:
        detail = await provider.health()
        status = "ok" if detail == "ok" else "warning"
    except TillitError as exc:
        status, detail = "error", exc.message

    def store() -> CatalogModel:
        with platform.session() as db:
            model = get_model(db, principal.tenant_id, model_id)
            model.health_status, model.health_detail = status, detail
            model.health_checked_at = utcnow()
            audit(
                db,
                principal,
                "model.health_check",
                object_type="model",
                object_id=model_id,
                outcome="ok" if status != "error" else "error",
                detail={"status": status},
            )
            return model

    return await to_thread.run_sync(store)
