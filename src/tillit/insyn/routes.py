"""The machine-readable register, no login: JSON for Digg, a national register or another
municipality to collect. The municipality is named with ?kommun=<slug> (default: the
installation's default tenant).

GET /insyn/api/services                          every listed service, full live entries
GET /insyn/api/services/{slug}[?format=atrs|algoritmeregister]
GET /insyn/api/services/{slug}/versions          the published versions
GET /insyn/api/services/{slug}/versions/{n}      one version, exactly as published
GET /insyn/api/export[?format=…&versions=all]    bulk download (attachment)
GET /insyn/api/schema[?name=entry|atrs|algoritmeregister]"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from anyio import to_thread
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from tillit.errors import NotFound
from tillit.insyn.entry import with_base_url
from tillit.insyn.exports import EXPORTS, SCHEMAS
from tillit.insyn.publish import get_version, list_versions
from tillit.insyn.register import listed_app, listed_apps, live_entries, tenant_for
from tillit.platform import Platform
from tillit.web.deps import PlatformDep

router = APIRouter(prefix="/insyn/api", tags=["insyn"])

Kommun = Annotated[str | None, Query(max_length=100)]
Format = Annotated[Literal["json", "atrs", "algoritmeregister"], Query()]


def exported(entry: dict[str, Any], fmt: str, base_url: str | None = None) -> dict[str, Any]:
    """The entry itself (``public_page_url`` absolute when public_base_url is configured), or
    its export to another register's format (exports.py)."""
    return with_base_url(entry, base_url) if fmt == "json" else EXPORTS[fmt](entry, base_url)


def _entries(platform: Platform, kommun: str | None) -> list[dict[str, Any]]:
    with platform.session() as db:
        return live_entries(db, tenant_for(db, kommun).id)


def _entry(platform: Platform, kommun: str | None, slug: str) -> dict[str, Any]:
    with platform.session() as db:
        from tillit.insyn.publish import live_entry

        return live_entry(db, listed_app(db, tenant_for(db, kommun).id, slug))


@router.get("/services")
async def services(platform: PlatformDep, kommun: Kommun = None) -> list[dict[str, Any]]:
    entries = await to_thread.run_sync(_entries, platform, kommun)
    return [with_base_url(e, platform.settings.public_base_url) for e in entries]


@router.get("/services/{slug}")
async def service(
    slug: str, platform: PlatformDep, kommun: Kommun = None, format: Format = "json"
) -> dict[str, Any]:
    entry = await to_thread.run_sync(_entry, platform, kommun, slug)
    return exported(entry, format, platform.settings.public_base_url)


@router.get("/services/{slug}/versions")
def versions(slug: str, platform: PlatformDep, kommun: Kommun = None) -> list[dict[str, Any]]:
    with platform.session() as db:
        tenant = tenant_for(db, kommun)
        app = listed_app(db, tenant.id, slug)
        suffix = "" if tenant.slug == "default" else f"?kommun={tenant.slug}"
        return [
            {
                "version": v.version,
                "published_at": v.published_at.isoformat(),
                "published_by": "Tillit" if v.published_by.startswith("system:") else "kommunen",
                "reason": v.reason,
                "url": f"/insyn/api/services/{slug}/versions/{v.version}{suffix}",
            }
            for v in list_versions(db, app)
        ]


@router.get("/services/{slug}/versions/{number}")
def version(
    slug: str,
    number: int,
    platform: PlatformDep,
    kommun: Kommun = None,
    format: Format = "json",
    download: bool = False,
) -> Response:
    with platform.session() as db:
        app = listed_app(db, tenant_for(db, kommun).id, slug)
        entry = get_version(db, app, number).entry
    body = exported(entry, format, platform.settings.public_base_url)
    headers = {}
    if download:
        kind = "" if format == "json" else f"-{format}"
        headers["content-disposition"] = f'attachment; filename="{slug}-v{number}{kind}.json"'
    return JSONResponse(body, headers=headers)


@router.get("/export")
def export(
    platform: PlatformDep,
    kommun: Kommun = None,
    format: Format = "json",
    versions: Literal["latest", "all"] = "latest",
) -> Response:
    """Every listed service of the municipality in one file."""
    with platform.session() as db:
        tenant = tenant_for(db, kommun)
        entries = live_entries(db, tenant.id)
        history = (
            {
                app.name: [v.entry for v in list_versions(db, app)]
                for app in listed_apps(db, tenant.id)
            }
            if versions == "all"
            else None
        )
        organisation = tenant.name
        slug = tenant.slug
    base = platform.settings.public_base_url
    body: dict[str, Any] = {
        "organisation": organisation,
        "kommun": slug,
        "format": format,
        "exported_at": datetime.now(UTC).isoformat(),
        "services": [exported(e, format, base) for e in entries],
    }
    if history is not None:
        body["versions"] = {
            name: [exported(e, format, base) for e in rows] for name, rows in history.items()
        }
    raw = json.dumps(body, ensure_ascii=False, indent=2)
    disposition = f'attachment; filename="insyn-{slug}-{format}.json"'
    return Response(
        raw, media_type="application/json", headers={"content-disposition": disposition}
    )


@router.get("/schema")
def schema(name: Literal["entry", "atrs", "algoritmeregister"] = "entry") -> dict[str, Any]:
    if name not in SCHEMAS:
        raise NotFound("Schemat finns inte.", code="schema_not_found")
    return SCHEMAS[name]
