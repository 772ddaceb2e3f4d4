"""Pages: login, logout, overview, API keys."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select

from tillit.audit.service import record as audit
from tillit.auth import keys as key_service
from tillit.auth import service
from tillit.auth.cookies import cookie_secure, log_in, log_out_cookie
from tillit.auth.roles import ROLE_LABELS_SV, ROLES
from tillit.auth.routes import check_can_grant
from tillit.auth.schemas import KeyOut
from tillit.auth.tables import Tenant
from tillit.catalog.service import list_models
from tillit.db.base import utcnow
from tillit.errors import NotAuthenticated, PermissionDenied, TillitError
from tillit.runs.service import usage_summary
from tillit.runs.tables import Run
from tillit.web.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE, FormDep, PageDep, PlatformDep
from tillit.web.pages import render, safe_next
from tillit.web.ratelimit import LOGIN_FAILURES, LOGINS, check_public, retry_after, wait_text

router = APIRouter(include_in_schema=False)


def _oidc_buttons(platform: PlatformDep) -> list[tuple[str, str]]:
    try:
        from tillit.auth.oidc import enabled_providers
    except ImportError:
        return []
    with platform.session() as db:
        return enabled_providers(db)


def _login_page(
    request: Request,
    platform: PlatformDep,
    next_path: str,
    status: int = 200,
    error: str | None = None,
    username: str | None = None,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        None,
        status,
        csrf_token=token,
        next=next_path,
        error=error,
        username=username,
        oidc_providers=_oidc_buttons(platform),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request, platform),
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request, platform: PlatformDep, next: str = "/") -> HTMLResponse:
    return _login_page(request, platform, safe_next(next))


@router.post("/login")
def login(
    request: Request,
    platform: PlatformDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(csrf_token.encode(), expected.encode()):
        return _login_page(
            request, platform, safe_next(next), 400, "Sidan hade gått ut. Försök igen.", username
        )
    # Failed attempts are counted per client; a client over the limit is not even checked.
    limited = check_public(request, LOGINS, LOGIN_FAILURES, consume=False)
    if not limited.allowed:
        message = (
            "För många misslyckade inloggningar från din anslutning. "
            f"Vänta {wait_text(limited.retry_after_s)} och försök igen."
        )
        page = _login_page(request, platform, safe_next(next), 429, message, username)
        return retry_after(page, limited)
    try:
        with platform.session() as db:
            user = service.authenticate(db, username, password)
    except NotAuthenticated as exc:
        check_public(request, LOGINS, LOGIN_FAILURES)
        with platform.session() as db:
            audit(
                db,
                None,
                "user.login",
                outcome="denied",
                actor="anonymous",
                detail={"reason": exc.code},
            )
        return _login_page(request, platform, safe_next(next), 401, exc.message, username)
    response = RedirectResponse(safe_next(next), status_code=303)
    log_in(request, response, platform, user)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    with platform.session() as db:
        audit(
            db,
            service.principal_for_user(db, user),
            "user.login",
            object_type="user",
            object_id=user.id,
        )
    return response


@router.post("/logout")
def logout(request: Request, platform: PlatformDep, ctx: FormDep) -> Response:
    with platform.session() as db:
        service.end_session(db, request.cookies.get(SESSION_COOKIE, ""))
        audit(db, ctx.principal, "user.logout", object_type="user", object_id=ctx.user.id)
    response = RedirectResponse("/login", status_code=303)
    log_out_cookie(response)
    return response


@router.get("/")
def overview(request: Request, platform: PlatformDep, ctx: PageDep) -> HTMLResponse:
    tenant_id = ctx.principal.tenant_id
    since = utcnow() - timedelta(days=1)
    with platform.session() as db:
        recent = (
            select(func.count())
            .select_from(Run)
            .where(Run.tenant_id == tenant_id, Run.started_at >= since)
        )
        stats = {
            "models": sum(1 for m in list_models(db, tenant_id) if m.enabled),
            "keys": sum(1 for k in key_service.list_keys(db, tenant_id) if KeyOut.of(k).active),
            "runs_24h": db.scalar(recent),
            "refused_24h": db.scalar(recent.where(Run.status == "refused")),
        }
        tenant = db.get(Tenant, tenant_id)
        usage = usage_summary(db, tenant_id) if ctx.principal.can("usage:read") else []
    return render(
        request,
        "overview.html",
        ctx,
        active="/",
        stats=stats,
        usage=usage,
        tenant_name=tenant.name if tenant else "",
    )


def _keys_page(
    request: Request, platform: PlatformDep, ctx: PageDep, status: int = 200, **values: object
) -> HTMLResponse:
    ctx.principal.require("keys:read")
    with platform.session() as db:
        keys = [KeyOut.of(k) for k in key_service.list_keys(db, ctx.principal.tenant_id)]
    return render(
        request,
        "keys.html",
        ctx,
        status,
        active="/keys",
        keys=keys,
        roles=ROLES,
        role_labels=ROLE_LABELS_SV,
        **values,
    )


@router.get("/keys")
def keys_page(request: Request, platform: PlatformDep, ctx: PageDep) -> HTMLResponse:
    return _keys_page(request, platform, ctx)


@router.post("/keys")
def create_key(
    request: Request,
    platform: PlatformDep,
    ctx: FormDep,
    name: Annotated[str, Form()],
    role: Annotated[str, Form()] = "viewer",
    default_class: Annotated[str, Form()] = "K1",
    expires: Annotated[str, Form()] = "",
) -> HTMLResponse:
    ctx.principal.require("keys:write")
    try:
        check_can_grant(ctx.principal, role)
        expires_at = datetime.fromisoformat(expires).replace(tzinfo=UTC) if expires else None
        with platform.session() as db:
            key, secret = key_service.create_key(
                db,
                service.get_tenant(db, ctx.principal.tenant_slug),
                name,
                role=role,
                default_class=default_class,
                expires_at=expires_at,
                created_by=ctx.user.id,
            )
            audit(
                db,
                ctx.principal,
                "key.create",
                object_type="api_key",
                object_id=key.id,
                detail={"name": key.name, "role": key.role, "default_class": key.default_class},
            )
    except (TillitError, ValueError) as exc:
        message = exc.message if isinstance(exc, TillitError) else "Ogiltigt datum."
        status = exc.status if isinstance(exc, TillitError) else 400
        return _keys_page(request, platform, ctx, status, error=message)
    return _keys_page(request, platform, ctx, 201, new_secret=secret)


@router.post("/keys/{key_id}/revoke")
def revoke_key(key_id: int, platform: PlatformDep, ctx: FormDep) -> Response:
    if not ctx.principal.can("keys:write"):
        raise PermissionDenied("Behörighet saknas (keys:write).")
    with platform.session() as db:
        key_service.revoke_key(db, ctx.principal.tenant_id, key_id)
        audit(db, ctx.principal, "key.revoke", object_type="api_key", object_id=key_id)
    return RedirectResponse("/keys", status_code=303)
