"""JSON API for apps: apply a manifest (YAML body), list, export, ask."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field

from tillit.apps.assistant import answer_dict, ask
from tillit.apps.manifest import dump_manifest, parse_manifest
from tillit.apps.service import apply_manifest, get_app, list_apps, manifest_for_use
from tillit.apps.streaming import ask_stream
from tillit.audit.service import record as audit
from tillit.governance.state import get_lifecycle
from tillit.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/apps", tags=["apps"])


class AskIn(BaseModel):
    question: str = Field(min_length=1, max_length=4000)


@router.get("")
def apps(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    principal.require("models:read")
    with platform.session() as db:
        return [
            {
                "name": a.name,
                "kind": a.kind,
                "version": a.version,
                "lifecycle_state": get_lifecycle(db, a).state,
                **a.manifest,
            }
            for a in list_apps(db, principal.tenant_id)
        ]


@router.post("", status_code=201)
async def apply(request: Request, platform: PlatformDep, principal: PrincipalDep) -> dict:
    """Body: the YAML manifest (content-type application/yaml or text/plain)."""
    principal.require("models:write")
    manifest = parse_manifest(await request.body())

    def store() -> dict[str, Any]:
        with platform.session() as db:
            app, created = apply_manifest(db, principal.tenant_id, manifest)
            audit(
                db,
                principal,
                "app.apply",
                object_type="app",
                object_id=app.id,
                detail={"name": app.name, "version": app.version, "created": created},
            )
            return {"name": app.name, "version": app.version, "created": created}

    return await to_thread.run_sync(store)


@router.get("/{name}/export", response_class=PlainTextResponse)
def export(name: str, platform: PlatformDep, principal: PrincipalDep) -> PlainTextResponse:
    principal.require("models:read")
    with platform.session() as db:
        manifest = get_app(db, principal.tenant_id, name).manifest
    return PlainTextResponse(dump_manifest(manifest), media_type="application/yaml")


@router.post("/{name}/ask")
async def ask_app(
    name: str, data: AskIn, request: Request, platform: PlatformDep, principal: PrincipalDep
) -> dict:
    # provenance_url is absolute: TILLIT_PUBLIC_BASE_URL, else the address the caller used
    base_url = platform.settings.public_base_url or str(request.base_url)

    def run() -> dict[str, Any]:
        manifest = manifest_for_use(platform, principal, name)
        answer = ask(platform, principal, manifest, data.question, name)
        return answer_dict(answer, base_url)

    return await to_thread.run_sync(run)


@router.post("/{name}/ask/stream")
async def ask_app_stream(
    name: str, data: AskIn, platform: PlatformDep, principal: PrincipalDep
) -> StreamingResponse:
    """Server-sent events: sources, then the answer as it is written, then done with run_id."""

    manifest = await to_thread.run_sync(manifest_for_use, platform, principal, name)
    return StreamingResponse(
        ask_stream(platform, principal, manifest, data.question, name),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache"},
    )
