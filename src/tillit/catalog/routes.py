"""JSON API for the model catalogue."""

from __future__ import annotations

from fastapi import APIRouter

from tillit.audit.service import record as audit
from tillit.auth.service import get_tenant
from tillit.catalog import service
from tillit.catalog.health import check_health
from tillit.catalog.schemas import ModelIn, ModelOut, ModelUpdate
from tillit.errors import PermissionDenied
from tillit.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/models", tags=["models"])


@router.get("")
def list_models(platform: PlatformDep, principal: PrincipalDep) -> list[ModelOut]:
    principal.require("models:read")
    with platform.session() as db:
        slugs = service.tenant_slugs(db)
        return [service.to_out(m, slugs) for m in service.list_models(db, principal.tenant_id)]


@router.post("", status_code=201)
def add_model(data: ModelIn, platform: PlatformDep, principal: PrincipalDep) -> ModelOut:
    principal.require("models:write")
    if data.shared and principal.kind != "system":
        raise PermissionDenied("Delade modeller registreras med CLI.", code="permission_denied")
    service.require_env_key_permission(principal, data.api_key_env)
    with platform.session() as db:
        model = service.add_model(db, get_tenant(db, principal.tenant_slug), data, platform.box)
        audit(
            db,
            principal,
            "model.add",
            object_type="model",
            object_id=model.id,
            detail={"name": model.name, "max_class": model.max_class},
        )
        return service.to_out(model, service.tenant_slugs(db))


@router.get("/{model_id}")
def get_model(model_id: int, platform: PlatformDep, principal: PrincipalDep) -> ModelOut:
    principal.require("models:read")
    with platform.session() as db:
        model = service.get_model(db, principal.tenant_id, model_id)
        return service.to_out(model, service.tenant_slugs(db))


@router.patch("/{model_id}")
def update_model(
    model_id: int, data: ModelUpdate, platform: PlatformDep, principal: PrincipalDep
) -> ModelOut:
    principal.require("models:write")
    service.require_env_key_permission(principal, data.api_key_env)
    with platform.session() as db:
        model = service.update_model(db, principal.tenant_id, model_id, data, platform.box)
        changed = sorted(data.model_dump(exclude_unset=True))
        audit(
            db,
            principal,
            "model.update",
            object_type="model",
            object_id=model.id,
            detail={"fields": changed},
        )
        return service.to_out(model, service.tenant_slugs(db))


@router.delete("/{model_id}")
def disable_model(model_id: int, platform: PlatformDep, principal: PrincipalDep) -> ModelOut:
    principal.require("models:write")
    with platform.session() as db:
        model = service.delete_model(db, principal.tenant_id, model_id)
        audit(db, principal, "model.disable", object_type="model", object_id=model.id)
        return service.to_out(model, service.tenant_slugs(db))


@router.post("/{model_id}/health")
async def model_health(model_id: int, platform: PlatformDep, principal: PrincipalDep) -> ModelOut:
    model = await check_health(platform, principal, model_id)
    with platform.session() as db:
        return service.to_out(model, service.tenant_slugs(db))
