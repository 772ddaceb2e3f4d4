from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tillit.db.base import Base, utcnow


class Run(Base):
    """One AI call: who, which model, which class, what policy and privacy decided, tokens, time.
    Inputs are kept as hashes here; features that must show content (provenance) store it
    explicitly in ``retrieval``/``output``."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(String(30))
    app: Mapped[str | None] = mapped_column(String(200))
    caller_type: Mapped[str] = mapped_column(String(20))
    caller_id: Mapped[str | None] = mapped_column(String(64))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    model_id: Mapped[int | None] = mapped_column(ForeignKey("models.id"))
    model_name: Mapped[str | None] = mapped_column(String(200))
    model_version: Mapped[str | None] = mapped_column(String(100))
    remote_model: Mapped[str | None] = mapped_column(String(200))
    response_model: Mapped[str | None] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(50))
    security_class: Mapped[str | None] = mapped_column(String(2))
    stream: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(100))
    error_message: Mapped[str | None] = mapped_column(Text)
    input_hash: Mapped[str | None] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(default=dict)
    policy: Mapped[dict] = mapped_column(default=dict)
    privacy: Mapped[dict] = mapped_column(default=dict)
    retrieval: Mapped[list] = mapped_column(default=list)
    output: Mapped[dict] = mapped_column(default=dict)
    prompt_template_version: Mapped[str | None] = mapped_column(String(100))
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[float | None] = mapped_column(Float)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_runs_tenant_started", "tenant_id", "started_at"),
        Index("ix_runs_api_key", "api_key_id"),
    )
