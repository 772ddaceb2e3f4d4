from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tillit.policy import SecurityClass

Capability = Literal["chat", "embeddings"]
Hosting = Literal["own", "external"]


class ModelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
    provider: str = Field(min_length=1, max_length=50)
    base_url: str | None = Field(default=None, max_length=500)
    remote_model: str = Field(min_length=1, max_length=200)
    api_key_env: str | None = Field(
        default=None, max_length=100, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"
    )
    api_key: str | None = Field(default=None, max_length=4000, description="Stored encrypted.")
    capabilities: list[Capability] = Field(default_factory=lambda: ["chat"])
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
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/") if value else value


class ModelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str | None = None
    remote_model: str | None = None
    api_key_env: str | None = None
    api_key: str | None = None
    capabilities: list[Capability] | None = None
    hosting: Hosting | None = None
    country: str | None = None
    supplier: str | None = None
    licence: str | None = None
    version: str | None = None
    max_class: SecurityClass | None = None
    price_in_per_1k: float | None = None
    price_out_per_1k: float | None = None
    model_card: str | None = None
    enabled: bool | None = None


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
