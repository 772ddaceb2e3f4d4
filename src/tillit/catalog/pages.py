"""Pages: the model catalogue."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tillit.audit.service import record as audit
from tillit.auth.service import get_tenant
from tillit.catalog import service
from tillit.catalog.health import check_health
from tillit.catalog.schemas import ModelIn
from tillit.errors import TillitError
from tillit.platform import Platform
from tillit.providers.registry import known_provider_types
from tillit.validation_text import describe
from tillit.web.deps import FormDep, PageContext, PageDep, PlatformDep
from tillit.web.pages import render

router = APIRouter(include_in_schema=False)
TEXT_FIELDS = (
    "name",
    "provider",
    "base_url",
    "remote_model",
    "api_key_env",
    "hosting",
    "country",
    "supplier",
    "licence",
    "version",
    "max_class",
    "model_card",
)


def _list_page(
    request: Request, platform: PlatformDep, ctx: PageContext, status: int = 200, **values: object
) -> HTMLResponse:
    ctx.principal.require("models:read")
    with platform.session() as db:
        slugs = service.tenant_slugs(db)
        models = [
            service.to_out(m, slugs) for m in service.list_models(db, ctx.principal.tenant_id)
        ]
    values.setdefault("form", {})
    return render(
        request,
        "models.html",
        ctx,
        status,
        active="/models",
        models=models,
        provider_types=sorted(known_provider_types(), key=lambda p: p != "openai-compatible"),
        can_write=ctx.principal.can("models:write"),
        **values,
    )


@router.get("/models")
def models_page(request: Request, platform: PlatformDep, ctx: PageDep) -> HTMLResponse:
    return _list_page(request, platform, ctx)


def _model_from_form(form: dict[str, object]) -> ModelIn:
    data = {k: (str(form[k]).strip() or None) for k in TEXT_FIELDS if k in form}
    data["model_card"] = data.get("model_card") or ""
    data["capabilities"] = form.get("capabilities") or ["chat"]
    for field, key in (("price_in_per_1k", "price_in"), ("price_out_per_1k", "price_out")):
        raw = str(form.get(key) or "").replace(",", ".").strip()
        data[field] = raw or None
    return ModelIn.model_validate(data)


@router.post("/models")
async def add_model(request: Request, platform: PlatformDep, ctx: FormDep) -> Response:
    ctx.principal.require("models:write")
    raw = await request.form()
    form: dict[str, object] = {k: raw.get(k) for k in raw}
    form["capabilities"] = raw.getlist("capabilities")
    service.require_env_key_permission(ctx.principal, str(form.get("api_key_env") or ""))
    try:
        data = _model_from_form(form)
        with platform.session() as db:
            model = service.add_model(
                db, get_tenant(db, ctx.principal.tenant_slug), data, platform.box
            )
            audit(
                db,
                ctx.principal,
                "model.add",
                object_type="model",
                object_id=model.id,
                detail={"name": model.name, "max_class": model.max_class},
            )
    except ValidationError as exc:
        problems = describe(exc.errors())
        return _list_page(
            request, platform, ctx, 400, error=f"Kontrollera fälten: {problems}", form=form
        )
    except TillitError as exc:
        return _list_page(request, platform, ctx, exc.status, error=exc.message, form=form)
    return RedirectResponse(f"/models/{model.id}?added=1", status_code=303)


@router.get("/models/{model_id}")
def model_page(
    request: Request, model_id: int, platform: PlatformDep, ctx: PageDep, added: int = 0
) -> HTMLResponse:
    ctx.principal.require("models:read")
    with platform.session() as db:
        model = service.to_out(
            service.get_model(db, ctx.principal.tenant_id, model_id), service.tenant_slugs(db)
        )
    return render(
        request,
        "model.html",
        ctx,
        active="/models",
        m=model,
        can_write=ctx.principal.can("models:write"),
        message="Modellen är registrerad." if added else None,
    )


@router.post("/models/{model_id}/health")
async def model_health(model_id: int, platform: PlatformDep, ctx: FormDep) -> Response:
    await check_health(platform, ctx.principal, model_id)
    return RedirectResponse(f"/models/{model_id}", status_code=303)


@router.post("/models/{model_id}/disable")
def disable_model(model_id: int, platform: PlatformDep, ctx: FormDep) -> Response:
    return _switch(platform, ctx, model_id, enabled=False)


@router.post("/models/{model_id}/enable")
def enable_model(model_id: int, platform: PlatformDep, ctx: FormDep) -> Response:
    return _switch(platform, ctx, model_id, enabled=True)


def _switch(platform: Platform, ctx: PageContext, model_id: int, enabled: bool) -> Response:
    ctx.principal.require("models:write")
    with platform.session() as db:
        service.set_enabled(db, ctx.principal.tenant_id, model_id, enabled)
        action = "model.enable" if enabled else "model.disable"
        audit(db, ctx.principal, action, object_type="model", object_id=model_id)
    return RedirectResponse(f"/models/{model_id}", status_code=303)
