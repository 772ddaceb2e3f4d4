"""Pages: collections, their documents (with skip reasons) and ingest status."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from tillit.knowledge.service import get_collection, list_collections, list_documents
from tillit.knowledge.tables import IngestJob
from tillit.web.deps import PageDep, PlatformDep
from tillit.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/collections")
def collections_page(request: Request, platform: PlatformDep, ctx: PageDep) -> HTMLResponse:
    ctx.principal.require("models:read")
    with platform.session() as db:
        rows = list_collections(db, ctx.principal.tenant_id)
    return render(request, "collections.html", ctx, active="/collections", rows=rows)


@router.get("/collections/{name}")
def collection_page(
    request: Request, name: str, platform: PlatformDep, ctx: PageDep
) -> HTMLResponse:
    ctx.principal.require("models:read")
    with platform.session() as db:
        collection = get_collection(db, ctx.principal.tenant_id, name)
        documents = list_documents(db, collection.id)
        jobs = list(
            db.scalars(
                select(IngestJob)
                .where(IngestJob.collection_id == collection.id)
                .order_by(IngestJob.id.desc())
                .limit(5)
            )
        )
    return render(
        request,
        "collection.html",
        ctx,
        active="/collections",
        c=collection,
        documents=documents,
        jobs=jobs,
        can_write=ctx.principal.can("models:write"),
    )
