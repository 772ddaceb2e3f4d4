"""JSON API: what would be masked in a text, and a pseudonymised preview."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from anyio import to_thread
from fastapi import APIRouter
from pydantic import BaseModel, Field

from tillit.audit.service import record as audit
from tillit.privacy.detect import detect
from tillit.privacy.pseudonymise import Pseudonymiser
from tillit.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/privacy", tags=["privacy"])
MAX_CHARS = 1_000_000


class TextIn(BaseModel):
    text: str = Field(max_length=MAX_CHARS)
    style: Literal["tag", "names"] = "tag"
    mode: Literal["irreversible", "reversible"] = "irreversible"
    mapping: str | None = Field(
        default=None, max_length=MAX_CHARS, description="Continue a case: an earlier mapping."
    )


class ReidentifyIn(BaseModel):
    text: str = Field(max_length=MAX_CHARS)
    mapping: str = Field(min_length=1, max_length=MAX_CHARS)


def _audit(platform: PlatformDep, principal: PrincipalDep, action: str, counts: Counter) -> None:
    with platform.session() as db:
        audit(db, principal, action, detail={"detected": dict(counts)})


@router.post("/detect")
async def detect_entities(data: TextIn, platform: PlatformDep, principal: PrincipalDep) -> dict:
    """The caller's own text with the personal data Tillit finds in it (types and offsets)."""
    entities = await to_thread.run_sync(detect, data.text)
    await to_thread.run_sync(
        _audit, platform, principal, "privacy.detect", Counter(e.type for e in entities)
    )
    return {"entities": [e.as_dict() for e in entities]}


@router.post("/pseudonymise")
async def pseudonymise(data: TextIn, platform: PlatformDep, principal: PrincipalDep) -> dict:
    """Irreversible (default): nothing is stored, the key is thrown away. Reversible: the answer
    carries ``mapping``, encrypted with this installation's key; pass it back to continue the
    same case (same person, same pseudonym) or to re-identify."""

    def work() -> dict[str, Any]:
        pseudonymiser = _pseudonymiser(platform, data, principal.tenant_id)
        result = pseudonymiser.pseudonymise(data.text)
        answer: dict[str, Any] = {
            "text": result.text,
            "replacements": [r.as_dict() for r in result.replacements],
        }
        if data.mode == "reversible":
            answer["mapping"] = pseudonymiser.export_mapping(platform.box, principal.tenant_id)
        return answer

    result = await to_thread.run_sync(work)
    await to_thread.run_sync(
        _audit,
        platform,
        principal,
        "privacy.pseudonymise",
        Counter(r["type"] for r in result["replacements"]),
    )
    return result


def _pseudonymiser(platform: PlatformDep, data: TextIn, tenant_id: int) -> Pseudonymiser:
    if data.mode == "reversible" and data.mapping:
        return Pseudonymiser.from_mapping(data.mapping, platform.box, tenant_id)
    return Pseudonymiser(data.mode, data.style)


@router.post("/reidentify")
async def reidentify(data: ReidentifyIn, platform: PlatformDep, principal: PrincipalDep) -> dict:
    """Originals back in place of pseudonyms: only for roles allowed to see them (caseworker),
    and always audited (counts, never values), refusals included."""

    def work() -> dict[str, Any]:
        pseudonymiser = Pseudonymiser.from_mapping(data.mapping, platform.box, principal.tenant_id)

        def audit_hook(action: str, detail: dict[str, Any]) -> None:
            with platform.session() as db:
                audit(db, principal, action, outcome=detail["outcome"], detail=detail)

        text = pseudonymiser.reidentify(data.text, roles=principal.roles, audit=audit_hook)
        return {"text": text}

    return await to_thread.run_sync(work)
