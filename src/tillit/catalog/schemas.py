from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tillit.policy import SecurityClass

Capability = Literal["chat", "embeddings", "rerank"]
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
Hosting = Literal["own", "external"]


def check_http_url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("http://", "https://")):
        raise ValueError("base_url måste börja med http:// eller https://")
    return value.rstrip("/") if value else value


class ModelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
    provider: str = Field(min_length=1, max_length=50)
    base_url: str | None = Field(default=None, max_length=500)
    remote_model: str = Field(min_length=1, max_length=200)
    api_key_env: str | None = Field(default=None, max_length=100, pattern=ENV_NAME)
    api_key: str | None = Field(default=None, max_length=4000, description="Stored encrypted.")
    capabilities: list[Capability] = Field(default_factory=lambda: ["chat"], min_length=1)
    hosting: Hosting = "external"
    country: str | None = Field(default=None, max_length=100)
    supplier: str | None = Field(default=None, max_length=200)
    licence: str | None = Field(default=None, max_length=200)
    version: str | None = Field(default=None, max_length=100)
    max_class: SecurityClass = SecurityClass.K1
    price_in_per_1k: float | None = Field(default=None, ge=0)
    price_out_per_1k: float | None = Field(default=None, ge=0)
    model_card: str = Field(default="", max_length=100_000)
    shared: bool = Field(
        default=False, description="Available to every tenant (installation admin)."
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return check_http_url(value)


NULLABLE_UPDATES = frozenset(
    {
        "base_url",
        "api_key_env",
        "api_key",
        "country",
        "supplier",
        "licence",
        "version",
        "price_in_per_1k",
        "price_out_per_1k",
    }
)


class ModelUpdate(BaseModel):
    """A partial update: only the fields sent change; null only where the column allows it."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(default=None, max_length=500)
    remote_model: str | None = Field(default=None, min_length=1, max_length=200)
    api_key_env: str | None = Field(default=None, max_length=100, pattern=ENV_NAME)
    api_key: str | None = Field(default=None, max_length=4000)
    capabilities: list[Capability] | None = Field(default=None, min_length=1)
    hosting: Hosting | None = None
    country: str | None = Field(default=None, max_length=100)
    supplier: str | None = Field(default=None, max_length=200)
    licence: str | None = Field(default=None, max_length=200)
    version: str | None = Field(default=None, max_length=100)
    max_class: SecurityClass | None = None
    price_in_per_1k: float | None = Field(default=None, ge=0)
    price_out_per_1k: float | None = Field(default=None, ge=0)
    model_card: str | None = Field(default=None, max_length=100_000)
    enabled: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_null_for_required(cls, data: object) -> object:
        if isinstance(data, dict):
            nulls = sorted(k for k, v in data.items() if v is None and k not in NULLABLE_UPDATES)
            if nulls:
                raise ValueError(f"får inte vara tomma (null): {', '.join(nulls)}")
        return data

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return check_http_url(value)


class ModelOut(BaseModel):
    id: int
    name: str
    tenant: str | None
    provider: str
    base_url: str | None
    remote_model: str
    api_key_env: str | None
    has_stored_api_key: bool
    capabilities: list[str]
    hosting: str
    country: str | None
    supplier: str | None
    licence: str | None
    version: str | None
    max_class: str
    price_in_per_1k: float | None
    price_out_per_1k: float | None
    model_card: str
    enabled: bool
    health_status: str | None
    health_detail: str | None
    health_checked_at: datetime | None
    created_at: datetime
    updated_at: datetime
    warnings: list[str] = []  # e.g. K3 allowed to an external service (the policy permits it)
