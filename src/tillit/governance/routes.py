"""JSON API for governance (staff). A blocked gate answers 409 with the list of what is missing.

GET  /api/governance/aiact/questions
GET  /api/apps/{name}/governance                 state, next gate, what is missing, history
PUT  /api/apps/{name}/governance/record          a new record version (JSON or YAML body)
POST /api/apps/{name}/governance/aiact           {"answers": {...}} → classification
POST /api/apps/{name}/governance/signoff         {"role", "retire"?, "comment"?} (a person)
POST /api/apps/{name}/governance/transition      {"to", "reason"?}"""

from __future__ import annotations

import json
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tillit.auth.roles import Principal
from tillit.errors import InvalidInput
from tillit.governance import aiact
from tillit.governance.record import RecordData, parse_record, validate_record
from tillit.governance.service import (
    GateBlocked,
    audit_blocked,
    classify_ai_act,
    person_of,
    save_record,
    transition,
)
from tillit.governance.signoffs import sign_off
from tillit.governance.state import governed_app
from tillit.governance.status import status_dict
from tillit.platform import Platform
from tillit.web.deps import PlatformDep, PrincipalDep

router = APIRouter(tags=["governance"])


class AiActIn(BaseModel):
    answers: dict[str, Any]


class SignOffIn(BaseModel):
    role: str = Field(max_length=30)
    retire: bool = False
    comment: str = Field(default="", max_length=2000)


class TransitionIn(BaseModel):
    to: str = Field(max_length=30)
    reason: str = Field(default="", max_length=2000)


def author_of(principal: Principal) -> str:
    """Records may also be written by an API key (automation); approvals need a person."""
    return f"key:{principal.name}" if principal.kind == "key" else person_of(principal, None)


def _status(platform: Platform, principal: Principal, name: str) -> dict[str, Any]:
    with platform.session() as db:
        return status_dict(db, governed_app(db, principal.tenant_id, name))


@router.get("/api/governance/aiact/questions")
def aiact_questions(principal: PrincipalDep) -> list[dict[str, Any]]:
    principal.require("governance:read")
    return aiact.questions_json()


@router.get("/api/apps/{name}/governance")
async def governance_status(name: str, platform: PlatformDep, principal: PrincipalDep) -> dict:
    principal.require("governance:read")
    return await to_thread.run_sync(_status, platform, principal, name)


@router.put("/api/apps/{name}/governance/record")
async def put_record(
    name: str, request: Request, platform: PlatformDep, principal: PrincipalDep
) -> dict:
    """Body: the record as YAML (or JSON with a JSON content type)."""
    principal.require("governance:write")
    await to_thread.run_sync(_status, platform, principal, name)  # 404 before reading the body
    data = _parse_body(await request.body(), request.headers.get("content-type", ""))

    def store() -> dict[str, Any]:
        with platform.session() as db:
            app = governed_app(db, principal.tenant_id, name)
            save_record(db, app, data, author_of(principal), principal)
            return status_dict(db, app)

    return await to_thread.run_sync(store)


def _parse_body(raw: bytes, content_type: str) -> RecordData:
    if "json" not in content_type:
        return parse_record(raw)
    try:
        loaded = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        raise InvalidInput("Ogiltig JSON.", code="invalid_record") from None
    if not isinstance(loaded, dict):  # was saved as an empty record, losing the one before
        raise InvalidInput("Underlaget måste vara ett JSON-objekt.", code="invalid_record")
    data = validate_record(loaded)
    return data.model_copy(update={"ai_act": None})


@router.post("/api/apps/{name}/governance/aiact")
def post_aiact(name: str, body: AiActIn, platform: PlatformDep, principal: PrincipalDep) -> dict:
    principal.require("governance:write")
    with platform.session() as db:
        app = governed_app(db, principal.tenant_id, name)
        return classify_ai_act(db, app, body.answers, author_of(principal), principal)


@router.post("/api/apps/{name}/governance/signoff", status_code=201)
def post_signoff(
    name: str, body: SignOffIn, platform: PlatformDep, principal: PrincipalDep
) -> dict:
    principal.require("governance:signoff")
    with platform.session() as db:
        app = governed_app(db, principal.tenant_id, name)
        person = person_of(principal, None)
        sign_off(db, app, body.role, person, principal, retire=body.retire, comment=body.comment)
        return status_dict(db, app)


@router.post("/api/apps/{name}/governance/transition")
def post_transition(
    name: str, body: TransitionIn, platform: PlatformDep, principal: PrincipalDep
) -> JSONResponse:
    principal.require("governance:write")
    try:
        with platform.session() as db:
            app = governed_app(db, principal.tenant_id, name)
            actor = author_of(principal)
            transition(db, app, body.to, principal, actor, body.reason)
            return JSONResponse(status_dict(db, app))
    except GateBlocked as exc:
        _record_blocked(platform, principal, name, body.to, exc)
        error = {"code": exc.code, "message": exc.message, "type": "GateBlocked"}
        return JSONResponse(
            {"error": {**error, "gate": exc.gate.id, "missing": exc.missing}}, status_code=409
        )


def _record_blocked(
    platform: Platform, principal: Principal, name: str, target: str, exc: GateBlocked
) -> None:
    with platform.session() as db:
        app = governed_app(db, principal.tenant_id, name)
        audit_blocked(db, app, principal, author_of(principal), target, exc)
