"""Register versions (each publication of an entry, immutable) and answer provenance (the
unguessable token of one answer and what it used)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tillit.db.base import Base, utcnow


class RegisterVersion(Base):
    """One published version of an app's register entry, exactly as it was shown."""

    __tablename__ = "insyn_register_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    entry: Mapped[dict] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("app_id", "version"),)


class AnswerProvenance(Base):
    """ "Hur skapades svaret?" for one answer: the token in its public URL, the passages it
    used and how it was composed. The question itself is never stored here."""

    __tablename__ = "insyn_answers"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    app_id: Mapped[int | None] = mapped_column(ForeignKey("apps.id", ondelete="SET NULL"))
    app_name: Mapped[str | None] = mapped_column(String(200))
    app_version: Mapped[int | None] = mapped_column(Integer)
    register_version: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(10), default="sv")
    mode: Mapped[str] = mapped_column(String(20))
    security_class: Mapped[str] = mapped_column(String(2), default="K0")
    passages: Mapped[list] = mapped_column(default=list)
    details: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
