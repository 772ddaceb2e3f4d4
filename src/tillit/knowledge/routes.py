"""JSON API: collections, documents, ingest jobs (background) and search."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, UploadFile
from pydantic import BaseModel, Field

from tillit.audit.service import record as audit
from tillit.errors import InvalidInput, NotFound
from tillit.jobs import submit
from tillit.knowledge.documents import is_web_address
from tillit.knowledge.ingest import run_ingest, start_job
from tillit.knowledge.retrieval import hit_dict, search_collections
from tillit.knowledge.server_jobs import this_server, uploads_dir
from tillit.knowledge.service import (
    backend_for,
    classify_collection,
    get_collection,
    get_or_create_collection,
    list_collections,
    list_documents,
)
from tillit.knowledge.tables import IngestJob
from tillit.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api", tags=["knowledge"])
MAX_UPLOAD_FILES = 50


class CollectionIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    security_class: str | None = Field(default=None, max_length=10)


class IngestIn(BaseModel):
    urls: list[str] = Field(min_length=1, max_length=20)


class SearchIn(BaseModel):
    collections: list[str] = Field(min_length=1, max_length=20)
    query: str = Field(min_length=1, max_length=4000)
    limit: int = Field(default=5, ge=1, le=50)


def _collection_dict(collection: Any, documents: int) -> dict[str, Any]:
    return {
        "name": collection.name,
        "description": collection.description,
        "documents": documents,
        "embedding_model": collection.embedding_model,
        "security_class": collection.security_class,
        "updated_at": collection.updated_at.isoformat(),
    }


@router.get("/collections")
def collections(platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    principal.require("models:read")
    with platform.session() as db:
        return [_collection_dict(c, n) for c, n in list_collections(db, principal.tenant_id)]


@router.post("/collections", status_code=201)
def create_collection(data: CollectionIn, platform: PlatformDep, principal: PrincipalDep) -> dict:
    principal.require("models:write")
    with platform.session() as db:
        collection, _ = get_or_create_collection(db, principal.tenant_id, data.name)
        collection.description = data.description
        if data.security_class is not None:
            classify_collection(db, principal, collection, data.security_class)
        audit(
            db,
            principal,
            "collection.create",
            object_type="collection",
            object_id=collection.id,
            detail={"name": collection.name},
        )
        return _collection_dict(collection, 0)


@router.get("/collections/{name}/documents")
def documents(name: str, platform: PlatformDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    principal.require("models:read")
    with platform.session() as db:
        collection = get_collection(db, principal.tenant_id, name)
        return [
            {
                "document": d.key,
                "title": d.title,
                "source": d.shown_source,
                "owner": d.owner,
                "version": d.version,
                "status": d.status,
                "skip_reason": d.skip_reason,
                "chunks": d.chunk_count,
                "indexed_at": d.indexed_at.isoformat() if d.indexed_at else None,
            }
            for d in list_documents(db, collection.id)
        ]


def _start(
    platform: PlatformDep,
    principal: PrincipalDep,
    name: str,
    sources: list[str],
    cleanup: Path | None = None,
) -> dict[str, Any]:
    with platform.session() as db:
        collection, _ = get_or_create_collection(db, principal.tenant_id, name)
        collection_id = collection.id
        audit(
            db,
            principal,
            "knowledge.ingest",
            object_type="collection",
            object_id=collection_id,
            detail={"sources": len(sources)},
        )
    job_id = start_job(platform, principal.tenant_id, collection_id, sources, this_server())
    public_only = not platform.settings.ingest_internal_urls

    def work() -> None:
        try:
            run_ingest(platform, backend_for(platform), job_id, sources, public_only=public_only)
        finally:
            if cleanup:
                shutil.rmtree(cleanup, ignore_errors=True)

    submit(work)
    return {"job_id": job_id, "status": "queued"}


@router.post("/collections/{name}/ingest", status_code=202)
def ingest_urls(name: str, data: IngestIn, platform: PlatformDep, principal: PrincipalDep) -> dict:
    """Web sites or REST sources. Server paths can only be ingested from the CLI."""
    principal.require("models:write")
    if not all(is_web_address(u) for u in data.urls):
        raise InvalidInput("Bara http(s)-adresser; filer laddas upp.", code="invalid_source")
    return _start(platform, principal, name, data.urls)


@router.post("/collections/{name}/upload", status_code=202)
async def upload(
    name: str, files: list[UploadFile], platform: PlatformDep, principal: PrincipalDep
) -> dict:
    principal.require("models:write")
    if not files or len(files) > MAX_UPLOAD_FILES:
        raise InvalidInput(f"1–{MAX_UPLOAD_FILES} filer per uppladdning.", code="invalid_upload")
    folder = Path(tempfile.mkdtemp(dir=uploads_dir(platform)))
    try:
        for item in files:
            target = _unique(folder, Path(item.filename or "").name)
            target.write_bytes(await item.read())
    except OSError as exc:  # a full disk, say: nothing is kept half-uploaded
        shutil.rmtree(folder, ignore_errors=True)
        raise InvalidInput(
            f"Filerna kunde inte sparas på servern ({exc.strerror or type(exc).__name__}).",
            code="invalid_upload",
        ) from None
    return _start(platform, principal, name, [str(folder)], cleanup=folder)


MAX_NAME_BYTES = 200
"""File systems take names of at most 255 bytes; the rest is room for " (2)"."""


def _unique(folder: Path, name: str) -> Path:
    """A file name inside ``folder`` that no other file of the upload has: a name like ".."
    becomes "dokument", a name too long for the file system is shortened (its extension
    kept), and a second "a.txt" becomes "a (2).txt" instead of replacing it."""
    name = name if name not in ("", ".", "..") else "dokument"
    stem, suffix = Path(name).stem, Path(name).suffix
    if len(suffix.encode()) > 20:
        stem, suffix = name, ""
    room = MAX_NAME_BYTES - len(suffix.encode())
    stem = stem.encode()[:room].decode("utf-8", "ignore") or "dokument"
    name = stem + suffix
    candidate, number = folder / name, 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{stem} ({number}){suffix}"
    return candidate


@router.get("/ingest-jobs/{job_id}")
def ingest_job(job_id: int, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    principal.require("models:read")
    with platform.session() as db:
        job = db.get(IngestJob, job_id)
        if job is None or job.tenant_id != principal.tenant_id:
            raise NotFound("Inläsningen finns inte.", code="job_not_found")
        return {
            "job_id": job.id,
            "status": job.status,
            "seen": job.seen,
            "added": job.added,
            "updated": job.updated,
            "unchanged": job.unchanged,
            "removed": job.removed,
            "skipped": job.skipped,
            "chunks": job.chunks,
            "message": job.message,
        }


@router.post("/search")
def search(data: SearchIn, platform: PlatformDep, principal: PrincipalDep) -> dict[str, Any]:
    principal.require("models:read")
    hits, run_id = search_collections(platform, principal, data.collections, data.query, data.limit)
    return {"query": data.query, "results": [hit_dict(h) for h in hits], "run_id": run_id}
