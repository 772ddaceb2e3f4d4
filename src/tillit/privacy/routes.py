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
    """An irreversible preview: nothing is stored, the key is thrown away."""

    def work() -> dict[str, Any]:
        result = Pseudonymiser("irreversible", data.style).pseudonymise(data.text)
        return {
            "text": result.text,
            "replacements": [{k: v for k, v in r.as_dict().items()} for r in result.replacements],
        }

    result = await to_thread.run_sync(work)
    await to_thread.run_sync(
        _audit,
        platform,
        principal,
        "privacy.pseudonymise",
        Counter(r["type"] for r in result["replacements"]),
    )
    return result
