"""The assistant manifest: a small YAML file that another municipality can import unchanged.

name: bygglov
title: Frågor om bygglov   # valfri; visas för invånarna (annars namnet)
kind: assistant
purpose: Svarar på frågor om bygglov utifrån kommunens egna sidor.
instructions: Svara kort och sakligt på svenska.
collections: [bygglov]
model: kommun-llm        # valfri; utan modell svarar assistenten med citat ur källorna
language: sv
security_class: K0
audience: public         # public eller staff
"""

from __future__ import annotations

from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tillit.errors import InvalidInput
from tillit.policy import SecurityClass
from tillit.validation_text import describe, has_unpaired_surrogate, yaml_problem

MAX_MANIFEST_BYTES = 64 * 1024


class AssistantManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    title: str | None = Field(default=None, min_length=1, max_length=120)
    """What residents and staff read (page heading, register); ``name`` stays the address."""
    kind: Literal["assistant"] = "assistant"
    purpose: str = Field(min_length=1, max_length=2000)
    instructions: str = Field(default="", max_length=8000)
    collections: list[str] = Field(min_length=1, max_length=20)
    model: str | None = None
    language: str = Field(default="sv", pattern=r"^[a-z]{2}$")
    security_class: SecurityClass = SecurityClass.K0
    audience: Literal["public", "staff"] = "staff"
    top_k: int = Field(default=5, ge=1, le=20)
    rerank_model: str | None = None
    """Optional: a model with the rerank capability reorders the retrieved passages."""
    privacy: Literal["refuse", "pseudonymise"] = "refuse"
    """Above the model's class: refuse, or pseudonymise what leaves (one class lower)."""

    @property
    def display_name(self) -> str:
        return self.title or self.name


def parse_manifest(raw: str | bytes) -> AssistantManifest:
    if len(raw) > MAX_MANIFEST_BYTES:
        raise InvalidInput("Manifestet är för stort.", code="manifest_too_large")
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise InvalidInput(yaml_problem(exc, "Manifestet"), code="invalid_manifest") from None
    except RecursionError:  # nesting too deep for the parser
        raise InvalidInput("Manifestet är för djupt nästlat.", code="invalid_manifest") from None
    if has_unpaired_surrogate(data):
        message = "Manifestet innehåller ogiltiga Unicode-tecken."
        raise InvalidInput(message, code="invalid_manifest")
    if not isinstance(data, dict):
        raise InvalidInput("Manifestet måste vara en YAML-mappning.", code="invalid_manifest")
    try:
        return AssistantManifest.model_validate(data)
    except ValidationError as exc:
        problems = describe(exc.errors())
        raise InvalidInput(f"Ogiltigt manifest: {problems}", code="invalid_manifest") from None


def dump_manifest(manifest: dict[str, Any]) -> str:
    return yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False)
