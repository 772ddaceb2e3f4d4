"""Ingest: connectors → extracted blocks → chunks → terms + embeddings → index.

Each changed document is replaced in one transaction (old chunks out, new chunks in), so a
failure leaves the previous version searchable and nothing half-indexed. Unchanged documents
(same content hash) are left alone; documents that disappeared from a source that was read
completely are removed. Ids stay stable: a document's key comes from its source.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tillit.db.base import utcnow
from tillit.errors import InvalidInput, TillitError
from tillit.knowledge.documents import (
    ChunkDraft,
    Connector,
    Skipped,
    SourceDocument,
    is_web_address,
    shown_source,
)
from tillit.knowledge.embedding import embed_passages
from tillit.knowledge.index.base import BulkLoad, NewChunk, SearchBackend
from tillit.knowledge.server_jobs import UPLOADS
from tillit.knowledge.tables import Chunk, Collection, Document, IngestJob
from tillit.knowledge.terms import lexical_terms
from tillit.platform import Platform

JOB_WRITE_SECONDS = 1.0
"""The job's counters are written at most this often while it runs (each write is a commit,
which on PostgreSQL waits for the disk: one per document cost 16 % of ingestion), and always
at the end."""

Progress = Callable[[IngestJob, str], None]


@dataclass
class SourceResult:
    seen_keys: set[str] = field(default_factory=set)
    complete: bool = True


UPLOAD_NAME = "uppladdningen"
"""How a job's message names an upload: its folder on the server is never shown."""
URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")


def connector_for(
    source: str, public_only: bool = False, known_keys: dict[str, str] | None = None
) -> Connector:
    """``public_only``: web sources may not reach internal addresses (API-started jobs).
    ``known_keys``: for files, path → the key the collection already gives it (stable ids)."""
    scheme = URL_SCHEME.match(source)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        raise InvalidInput(
            f"Adresser som börjar med {scheme.group(1)}:// kan inte läsas in; "
            "ange en fil, en mapp eller en http(s)-adress.",
            code="unsupported_source",
        )
    if is_web_address(source):
        from tillit.knowledge.connectors.web import WebConnector

        return WebConnector(source, public_only=public_only)
    path = Path(source)
    if path.suffix.lower() in (".json", ".jsonl") and path.is_file():
        from tillit.knowledge.connectors.rest import RestConnector

        return RestConnector(str(path))
    from tillit.knowledge.connectors.files import FileConnector

    return FileConnector([path], known_keys=known_keys)


def origin_of(source: str) -> str:
    if URL_SCHEME.match(source):
        return source
    return str(Path(source).resolve())


def content_hash(doc: SourceDocument) -> str:
    digest = hashlib.sha256()
    for part in (doc.title, doc.owner or "", doc.version or "", doc.text):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def run_ingest(
    platform: Platform,
    backend: SearchBackend,
    job_id: int,
    sources: list[str],
    progress: Progress | None = None,
    public_only: bool = False,
) -> IngestJob:
    """Ingest ``sources`` (paths, URLs, JSON files) into the job's collection."""
    with platform.session() as db:
        job = db.get(IngestJob, job_id)
        assert job is not None
        collection_id = job.collection_id
    origins = [
        (origin_of(s), ConnectorItems(s, public_only, _known_keys(platform, collection_id, s)))
        for s in sources
    ]
    return ingest_items(platform, backend, job_id, origins, progress)


def _known_keys(platform: Platform, collection_id: int, source: str) -> dict[str, str]:
    """Source path → document key of the documents this source gave before."""
    with platform.session() as db:
        rows = db.execute(
            select(Document.source, Document.key).where(
                Document.collection_id == collection_id, Document.origin == origin_of(source)
            )
        )
        return {path: key for path, key in rows}


def ingest_items(
    platform: Platform,
    backend: SearchBackend,
    job_id: int,
    origins: list[tuple[str, Iterable[SourceDocument | Skipped]]],
    progress: Progress | None = None,
) -> IngestJob:
    """Ingest documents grouped by origin, updating the job as it goes."""
    job = _update_job(platform, job_id, status="running")
    try:
        load = backend.bulk_load(platform.engine, job.collection_id, _chunk_count(platform, job))
        try:
            for origin, items in origins:
                result = _ingest_origin(platform, backend, job, origin, items, progress, load)
                if result.complete:
                    job.removed += _remove_missing(platform, backend, job, origin, result)
        finally:
            load.finish()
    except Exception as exc:  # the job must not stay "running" when the run itself fails
        reason = _reason(platform, exc, [origin for origin, _ in origins])
        failed = f"Inläsningen avbröts av ett fel ({reason})."
        message = f"{job.message}\n{failed}" if job.message else failed
        _update_job(
            platform, job_id, status="failed", finished_at=utcnow(), message=message, **_counts(job)
        )
        raise
    job = _update_job(platform, job_id, status="done", finished_at=utcnow(), **_counts(job))
    if progress:
        progress(job, "klart")
    return job


class ConnectorItems:
    """A source's documents, read lazily. ``complete`` is False when the connector stopped at
    a limit (pages, items): then documents it did not reach must not be removed."""

    def __init__(
        self, source: str, public_only: bool = False, known_keys: dict[str, str] | None = None
    ) -> None:
        self.source = source
        self.public_only = public_only
        self.known_keys = known_keys
        self.connector: Connector | None = None

    def __iter__(self) -> Iterator[SourceDocument | Skipped]:
        self.connector = connector_for(self.source, self.public_only, self.known_keys)
        yield from self.connector.documents()

    @property
    def complete(self) -> bool:
        return bool(getattr(self.connector, "complete", True))


def _ingest_origin(
    platform: Platform,
    backend: SearchBackend,
    job: IngestJob,
    origin: str,
    items: Iterable[SourceDocument | Skipped],
    progress: Progress | None,
    load: BulkLoad,
) -> SourceResult:
    result = SourceResult()
    written = time.monotonic()
    try:
        for item in items:
            job.seen += 1
            result.seen_keys.add(item.key)
            if isinstance(item, Skipped):
                job.skipped += 1
                _record_skip(platform, job, origin, item)
            else:
                _store_or_skip(platform, backend, job, origin, item)
                load.added(job.chunks)
            if time.monotonic() - written >= JOB_WRITE_SECONDS:
                _update_job(platform, job.id, **_counts(job))
                written = time.monotonic()
            if progress:
                progress(job, item.key)
        result.complete = bool(getattr(items, "complete", True))
    except Exception as exc:  # one failing source must not stop the others
        result.complete = False
        reason = _reason(platform, exc, [origin])
        failed = f"{shown_origin(platform, origin)}: kunde inte läsas färdigt ({reason}). "
        failed += "Inget togs bort."
        job.message = f"{job.message}\n{failed}" if job.message else failed
        _update_job(platform, job.id, message=job.message)
    return result


def shown_origin(platform: Platform, origin: str) -> str:
    """What an ingest read, as a job's message names it (the API and pages show it), never by
    its path on the server: an upload as "uppladdningen", a folder or file by its name, a web
    address without user name or password (another scheme, refused unread, as given)."""
    if URL_SCHEME.match(origin):
        return shown_source(origin) if is_web_address(origin) else origin
    if Path(origin).parent in _upload_folders(platform):
        return UPLOAD_NAME
    return shown_source(origin)


def _reason(platform: Platform, exc: Exception, origins: list[str]) -> str:
    """Why reading stopped, for a job's message: each origin in it named as ``shown_origin``
    names it, and any path inside the uploads folder (as the connector wrote it, the data
    directory's links unresolved) as "uppladdningen"."""
    reason = exc.message if isinstance(exc, TillitError) else type(exc).__name__
    for origin in sorted(origins, key=len, reverse=True):
        reason = reason.replace(origin, shown_origin(platform, origin))
    for folder in _upload_folders(platform):
        reason = re.sub(re.escape(str(folder)) + r"/[^/\s,;:()]+", UPLOAD_NAME, reason)
    return reason.rstrip(".")


def _upload_folders(platform: Platform) -> set[Path]:
    """The folder uploads wait in, as the settings name it and with its links resolved."""
    folder = platform.settings.data_dir / UPLOADS
    return {folder.absolute(), folder.resolve()}


def _store_or_skip(
    platform: Platform, backend: SearchBackend, job: IngestJob, origin: str, doc: SourceDocument
) -> None:
    """One document that cannot be indexed is skipped with a reason; the rest continue."""
    try:
        _store_document(platform, backend, job, origin, doc)
    except Exception as exc:
        job.skipped += 1
        reason = f"kunde inte indexeras ({type(exc).__name__})"
        _record_skip(platform, job, origin, Skipped(doc.key, doc.source, reason))


def _store_document(
    platform: Platform, backend: SearchBackend, job: IngestJob, origin: str, doc: SourceDocument
) -> None:
    digest = content_hash(doc)
    with platform.session() as db:
        existing = _document(db, job.collection_id, doc.key)
        if existing and existing.content_hash == digest and existing.status == "indexed":
            job.unchanged += 1
            return
    from tillit.knowledge.chunking import chunk_document

    drafts = chunk_document(doc)
    texts = [
        " > ".join([*d.heading_path[1:], d.text]) if d.heading_path else d.text for d in drafts
    ]
    vectors = embed_passages(texts)
    with platform.session() as db:
        document = _document(db, job.collection_id, doc.key)
        if document is None:
            document = Document(collection_id=job.collection_id, key=doc.key)
            db.add(document)
            job.added += 1
        else:
            _drop_chunks(db, backend, document.id)
            job.updated += 1
        _fill(document, doc, digest, origin, len(drafts))
        db.flush()
        # One multi-row INSERT per document, embedding and full-text entry included
        # (knowledge/index/): no second write per chunk.
        backend.add(
            db,
            [
                NewChunk(
                    document_id=document.id,
                    collection_id=job.collection_id,
                    ordinal=d.ordinal,
                    heading_path=d.heading_path,
                    text=d.text,
                    terms=" ".join(lexical_terms(_searchable_text(doc, d))),
                    embedding=v,
                )
                for d, v in zip(drafts, vectors, strict=True)
            ],
        )
        _bump(db, job.collection_id)
    job.chunks += len(drafts)


def _searchable_text(doc: SourceDocument, draft: ChunkDraft) -> str:
    """Headings help keyword search; a title that is only the document key (a file name, an
    id) does not, so it is left out."""
    path = draft.heading_path
    if path and path[0] in (doc.key, doc.title) and doc.title in ("", doc.key):
        path = path[1:]
    return " ".join([*path, draft.text])


def _fill(document: Document, doc: SourceDocument, digest: str, origin: str, n: int) -> None:
    document.title = doc.title[:500]
    document.source = doc.source[:2000]
    document.origin = origin[:2000]
    document.owner = doc.owner
    document.version = doc.version
    document.media_type = doc.media_type
    document.content_hash = digest
    document.status = "indexed"
    document.skip_reason = None
    document.chunk_count = n
    document.indexed_at = utcnow()
    document.metadata_ = dict(doc.metadata)


def _record_skip(platform: Platform, job: IngestJob, origin: str, item: Skipped) -> None:
    """A skipped document keeps its previous indexed version; a new one is listed as skipped."""
    with platform.session() as db:
        document = _document(db, job.collection_id, item.key)
        if document is None:
            db.add(
                Document(
                    collection_id=job.collection_id,
                    key=item.key,
                    title=item.key,
                    source=item.source[:2000],
                    origin=origin,
                    status="skipped",
                    skip_reason=item.reason,
                )
            )
        elif document.status == "skipped":
            document.skip_reason = item.reason
        else:
            document.skip_reason = f"Senaste inläsningen misslyckades: {item.reason}"


def _remove_missing(
    platform: Platform, backend: SearchBackend, job: IngestJob, origin: str, result: SourceResult
) -> int:
    with platform.session() as db:
        gone = list(
            db.scalars(
                select(Document).where(
                    Document.collection_id == job.collection_id,
                    Document.origin == origin,
                    Document.key.not_in(result.seen_keys)
                    if result.seen_keys
                    else Document.id.is_not(None),
                )
            )
        )
        for document in gone:
            _drop_chunks(db, backend, document.id)
            db.delete(document)
        if gone:
            _bump(db, job.collection_id)
        return len(gone)


def _drop_chunks(db: Session, backend: SearchBackend, document_id: int) -> None:
    ids = list(db.scalars(select(Chunk.id).where(Chunk.document_id == document_id)))
    backend.remove(db, ids)
    db.execute(delete(Chunk).where(Chunk.document_id == document_id))


def _document(db: Session, collection_id: int, key: str) -> Document | None:
    return db.scalar(
        select(Document).where(Document.collection_id == collection_id, Document.key == key)
    )


def _bump(db: Session, collection_id: int) -> None:
    collection = db.get(Collection, collection_id)
    if collection is not None:
        collection.index_version += 1


def _chunk_count(platform: Platform, job: IngestJob) -> int:
    with platform.session() as db:
        count = db.scalar(
            select(func.count()).select_from(Chunk).where(Chunk.collection_id == job.collection_id)
        )
    return int(count or 0)


def _counts(job: IngestJob) -> dict[str, int]:
    return {
        name: getattr(job, name)
        for name in ("seen", "added", "updated", "unchanged", "removed", "skipped", "chunks")
    }


def _update_job(platform: Platform, job_id: int, **changes: object) -> IngestJob:
    with platform.session() as db:
        job = db.get(IngestJob, job_id)
        assert job is not None
        for name, value in changes.items():
            setattr(job, name, value)
        return job


def start_job(
    platform: Platform,
    tenant_id: int,
    collection_id: int,
    sources: list[str],
    runner: str = "cli",
) -> int:
    """A queued job; ``runner`` says which process runs it: "cli" for a command (or anything
    else) that runs it itself, ``server_jobs.this_server()`` for a web server's background job
    (server_jobs.py marks it interrupted when that process is gone)."""
    with platform.session() as db:
        job = IngestJob(
            tenant_id=tenant_id, collection_id=collection_id, sources=sources, runner=runner
        )
        db.add(job)
        db.flush()
        return job.id
