"""Governance tables: the record people write (one immutable row per version), the lifecycle
state of each app with its history, and sign-offs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tillit.db.base import Base, utcnow


class GovernanceRecord(Base):
    """What only people know about an app (purpose in plain Swedish, legal basis, owner,
    oversight, appeal route, risks, assessments, AI Act classification). Never edited in place:
    every save is a new version."""

    __tablename__ = "governance_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(default=dict)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("app_id", "version"),)


class Lifecycle(Base):
    """The app's lifecycle state. ``cycle`` grows on every state change: a sign-off counts only
    for the cycle it was given in. ``approved_fingerprint`` is the configuration that passed the
    production gate; when the live one differs, the app goes back for review."""

    __tablename__ = "governance_lifecycles"

    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="ide")
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    under_review: Mapped[bool] = mapped_column(default=False)
    review_reasons: Mapped[list] = mapped_column(default=list)
    approved_fingerprint: Mapped[dict | None] = mapped_column(default=None)
    in_use_from: Mapped[datetime | None]
    in_use_to: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LifecycleEvent(Base):
    """One state change (a passed gate, a step back, an automatic re-review)."""

    __tablename__ = "governance_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # transition | rereview
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_governance_events_app", "app_id", "id"),)


class SignOff(Base):
    """A named person's approval of one gate, in one role, for one record version and one
    configuration (fingerprint) within one lifecycle cycle."""

    __tablename__ = "governance_signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"))
    gate: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(30))
    person: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    cycle: Mapped[int] = mapped_column(Integer)
    record_version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_governance_signoffs_app", "app_id", "cycle"),)
