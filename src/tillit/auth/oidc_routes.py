"""OIDC login (browser redirects) and the tenant's OIDC configuration (JSON API)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from tillit.audit.service import record as audit
from tillit.auth import oidc
from tillit.auth.cookies import cookie_secure, log_in
from tillit.auth.service import get_tenant, principal_for_user
from tillit.auth.tables import Tenant, User
from tillit.errors import TillitError
from tillit.platform import Platform
from tillit.web.deps import PlatformDep, PrincipalDep

router = APIRouter(tags=["access"])

FLOW_COOKIE_PATH = "/auth/oidc"


class OidcIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(min_length=1, max_length=500)
    client_id: str = Field(min_length=1, max_length=255)
    client_secret: str | None = Field(
        default=None, max_length=2000, description="Utelämnad: den lagrade hemligheten behålls."
    )
    scopes: str = Field(default=oidc.DEFAULT_SCOPES, max_length=255)
    default_roles: list[str] = Field(default_factory=list)
    display_name: str | None = Field(default=None, max_length=200)
    enabled: bool = True


class OidcOut(BaseModel):
    tenant: str
    issuer: str
    client_id: str
    has_client_secret: bool
    scopes: str
    default_roles: list[str]
    display_name: str
    enabled: bool
    redirect_uri: str = Field(description="Registrera denna adress hos identitetsleverantören.")


def redirect_uri(request: Request, platform: Platform) -> str:
    base = platform.settings.public_base_url or str(request.base_url)
    return base.rstrip("/") + oidc.CALLBACK_PATH


def safe_local_path(target: str | None) -> str:
    """A path on this site, or "/": never an absolute or protocol-relative URL."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def _config(platform: Platform, tenant_slug: str) -> oidc.ProviderConfig:
    with platform.session() as db:
        return oidc.login_config(db, tenant_slug, platform.box)


@router.get("/login/oidc/{tenant_slug}", include_in_schema=False)
async def start_login(
    tenant_slug: str, request: Request, platform: PlatformDep, next: str = "/"
) -> RedirectResponse:
    config = await run_in_threadpool(_config, platform, tenant_slug)
    url, flow = await oidc.start_login(
        config, redirect_uri(request, platform), safe_local_path(next), platform.box
    )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        oidc.FLOW_COOKIE,
        flow,
        max_age=oidc.FLOW_TTL_S,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request, platform),
        path=FLOW_COOKIE_PATH,
    )
    return response


def _provision(platform: Platform, config: oidc.ProviderConfig, claims: dict[str, Any]) -> User:
    with platform.session() as db:
        user, created = oidc.login_user(db, config, claims)
        audit(
            db,
            principal_for_user(db, user),
            "user.login",
            object_type="user",
            object_id=user.id,
            detail={"method": "oidc", "created": created},
        )
        return user


def _audit_failure(platform: Platform, tenant_slug: str | None, exc: TillitError) -> None:
    with platform.session() as db:
        tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == tenant_slug))
        audit(
            db,
            None,
            "user.login",
            outcome="denied",
            actor="anonymous",
            tenant_id=tenant_id,
            detail={"method": "oidc", "reason": exc.code, "message": exc.message[:300]},
        )


def _idp_error(error: str) -> TillitError:
    shown = error if re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", error) else "okänt fel"
    return oidc.failed(f"identitetsleverantören avbröt inloggningen ({shown})")


async def _complete(request: Request, platform: Platform, flow: oidc.LoginFlow) -> User:
    params = request.query_params
    if params.get("error"):
        raise _idp_error(params["error"])
    if not params.get("code"):
        raise oidc.failed("svaret från identitetsleverantören saknade kod")
    config = await run_in_threadpool(_config, platform, flow.tenant)
    claims = await oidc.finish_login(config, flow, params["code"], redirect_uri(request, platform))
    return await run_in_threadpool(_provision, platform, config, claims)


@router.get(oidc.CALLBACK_PATH, include_in_schema=False)
async def callback(request: Request, platform: PlatformDep) -> RedirectResponse:
    tenant_slug: str | None = None
    try:
        flow = oidc.read_flow(
            platform.box, request.cookies.get(oidc.FLOW_COOKIE), request.query_params.get("state")
        )
        tenant_slug = flow.tenant
        user = await _complete(request, platform, flow)
    except TillitError as exc:
        await run_in_threadpool(_audit_failure, platform, tenant_slug, exc)
        raise
    response = RedirectResponse(safe_local_path(flow.next_path), status_code=303)
    await run_in_threadpool(log_in, request, response, platform, user)
    response.delete_cookie(oidc.FLOW_COOKIE, path=FLOW_COOKIE_PATH)
    return response


# --- configuration API ---------------------------------------------------------------------


@router.get("/api/oidc")
def get_config(request: Request, platform: PlatformDep, principal: PrincipalDep) -> OidcOut:
    principal.require("tenant:admin")
    with platform.session() as db:
        provider = oidc.get_oidc(db, principal.tenant_slug)
        described = oidc.describe(provider, principal.tenant_slug)
    return OidcOut(**described, redirect_uri=redirect_uri(request, platform))


@router.put("/api/oidc")
def put_config(
    data: OidcIn, request: Request, platform: PlatformDep, principal: PrincipalDep
) -> OidcOut:
    principal.require("tenant:admin")
    with platform.session() as db:
        provider = oidc.configure_oidc(
            db,
            get_tenant(db, principal.tenant_slug),
            data.issuer,
            data.client_id,
            data.client_secret,
            platform.box,
            scopes=data.scopes,
            default_roles=data.default_roles,
            display_name=data.display_name,
        )
        provider.enabled = data.enabled
        audit(
            db,
            principal,
            "oidc.configure",
            object_type="oidc_provider",
            object_id=provider.id,
            detail={
                "issuer": provider.issuer,
                "client_id": provider.client_id,
                "secret_changed": data.client_secret is not None,
                "default_roles": provider.default_roles,
                "enabled": provider.enabled,
            },
        )
        described = oidc.describe(provider, principal.tenant_slug)
    return OidcOut(**described, redirect_uri=redirect_uri(request, platform))
