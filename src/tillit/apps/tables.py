from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tillit.db.base import Base, utcnow


class App(Base):
    """An application of one tenant, defined by its manifest (kept exactly as applied)."""

    __tablename__ = "apps"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(50))
    manifest: Mapped[dict] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id", "name"),)


class AppEvaluation(Base):
    """One measured evaluation of an app's retrieval over a question set (apps/evaluation.py).
    Kept as measured; a later run over the same file is a new row."""

    __tablename__ = "app_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    app_version: Mapped[int] = mapped_column(Integer)
    dataset: Mapped[str] = mapped_column(String(300))
    dataset_sha256: Mapped[str] = mapped_column(String(64))
    questions: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict] = mapped_column(default=dict)
    config_fingerprint: Mapped[dict | None] = mapped_column(nullable=True)
    """governance/fingerprint.py's live fingerprint of the app when it was measured."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_app_evaluations_app", "app_id", "id"),)
