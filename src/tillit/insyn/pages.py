"""Public register pages, no login, Swedish first (English where the record provides it).

/insyn                                   the municipality's AI services (?kommun=<slug>)
/insyn/tjanster/{slug}                   one service (live), with its published versions
/insyn/tjanster/{slug}/versioner/{n}     one published version, as it was
/insyn/modeller/{name}                   a model card (models used by listed services only)
/insyn/kallor/{name}                     a knowledge source (used by listed services only)
/insyn/svar/{token}(.json)               "Hur skapades svaret?" for one answer

Every page also answers JSON with ?format=json (or Accept: application/json)."""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from tillit.auth.roles import Principal
from tillit.errors import TillitError
from tillit.insyn.provenance import find_provenance, provenance_dict
from tillit.insyn.publish import get_version, list_versions, live_entry
from tillit.insyn.register import (
    listed_app,
    live_entries,
    model_record,
    source_record,
    tenant_for,
)
from tillit.platform import Platform
from tillit.web.deps import PlatformDep, current_principal
from tillit.web.pages import render

router = APIRouter(include_in_schema=False)
Kommun = Annotated[str | None, Query(max_length=100)]
Fmt = Annotated[str | None, Query(alias="format", max_length=10)]


def wants_json(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "json"
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _kommun_query(slug: str) -> str:
    return "" if slug == "default" else f"?kommun={slug}"


def page(
    request: Request, fmt: str | None, template: str, data: dict[str, Any], **extra: Any
) -> Response:
    if wants_json(request, fmt):
        return JSONResponse(data)
    return render(request, template, None, **extra)


@router.get("/insyn")
async def index(
    request: Request, platform: PlatformDep, kommun: Kommun = None, fmt: Fmt = None
) -> Response:
    def load() -> tuple[Any, list[dict[str, Any]]]:
        with platform.session() as db:
            tenant = tenant_for(db, kommun)
            return (tenant.name, tenant.slug), live_entries(db, tenant.id)

    (name, slug), entries = await to_thread.run_sync(load)
    data = {"organisation": name, "kommun": slug, "services": entries}
    return page(
        request,
        fmt,
        "insyn_index.html",
        data,
        organisation=name,
        entries=entries,
        q=_kommun_query(slug),
    )


@router.get("/insyn/tjanster/{slug}")
async def service(
    request: Request, slug: str, platform: PlatformDep, kommun: Kommun = None, fmt: Fmt = None
) -> Response:
    def load() -> tuple[dict[str, Any], list[Any], str]:
        with platform.session() as db:
            tenant = tenant_for(db, kommun)
            app = listed_app(db, tenant.id, slug)
            entry = live_entry(db, app)
            return entry, list_versions(db, app), tenant.slug

    entry, versions, tenant_slug = await to_thread.run_sync(load)
    return page(
        request,
        fmt,
        "insyn_service.html",
        entry,
        e=entry,
        versions=versions,
        q=_kommun_query(tenant_slug),
        snapshot=None,
    )


@router.get("/insyn/tjanster/{slug}/versioner/{number}")
def service_version(
    request: Request,
    slug: str,
    number: int,
    platform: PlatformDep,
    kommun: Kommun = None,
    fmt: Fmt = None,
) -> Response:
    with platform.session() as db:
        tenant = tenant_for(db, kommun)
        app = listed_app(db, tenant.id, slug)
        stored = get_version(db, app, number)
        entry, published_at = stored.entry, stored.published_at
        versions = list_versions(db, app)
    return page(
        request,
        fmt,
        "insyn_service.html",
        entry,
        e=entry,
        versions=versions,
        q=_kommun_query(tenant.slug),
        snapshot={"version": number, "published_at": published_at},
    )


@router.get("/insyn/modeller/{name:path}")
def model(
    request: Request, name: str, platform: PlatformDep, kommun: Kommun = None, fmt: Fmt = None
) -> Response:
    with platform.session() as db:
        tenant = tenant_for(db, kommun)
        record = model_record(db, tenant, name)
    return page(request, fmt, "insyn_model.html", record, m=record, q=_kommun_query(tenant.slug))


@router.get("/insyn/kallor/{name}")
def source(
    request: Request, name: str, platform: PlatformDep, kommun: Kommun = None, fmt: Fmt = None
) -> Response:
    with platform.session() as db:
        tenant = tenant_for(db, kommun)
        record = source_record(db, tenant, name)
    return page(request, fmt, "insyn_source.html", record, s=record, q=_kommun_query(tenant.slug))


def _viewer(request: Request, platform: Platform) -> Principal | None:
    """A signed-in user or API key, if any: needed only for answers above K0."""
    try:
        return current_principal(request, platform)
    except TillitError:
        return None


def _provenance(request: Request, platform: Platform, token: str) -> dict[str, Any]:
    viewer = _viewer(request, platform)
    with platform.session() as db:
        item = find_provenance(db, token, viewer)
        return provenance_dict(db, item, platform.settings.public_base_url)


@router.get("/insyn/svar/{token}.json")
def answer_json(request: Request, token: str, platform: PlatformDep) -> JSONResponse:
    return JSONResponse(_provenance(request, platform, token))


@router.get("/insyn/svar/{token}")
def answer(request: Request, token: str, platform: PlatformDep, fmt: Fmt = None) -> Response:
    data = _provenance(request, platform, token)
    return page(request, fmt, "insyn_answer.html", data, p=data)
