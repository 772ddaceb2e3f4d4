"""Staff page for an app's governance: state, what the next gate is missing, sign-offs, the
record (edited as YAML), the AI Act decision aid and the history.

GET  /assistants/{name}/styrning
POST /assistants/{name}/styrning/underlag    record (YAML)
POST /assistants/{name}/styrning/aiact       decision-aid answers
POST /assistants/{name}/styrning/godkann     sign-off as the logged-in person
POST /assistants/{name}/styrning/overgang    change state
POST /assistants/{name}/styrning/sprakmodeller  the analysis service's language models
                                                (concern/language_models.py)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tillit.apps.tables import App
from tillit.errors import NotFound, TillitError
from tillit.governance import aiact
from tillit.governance.lifecycle import STATE_LABELS_SV, STATES
from tillit.governance.record import ROLE_LABELS_SV, dump_record, parse_record
from tillit.governance.service import (
    GateBlocked,
    audit_blocked,
    classify_ai_act,
    save_record,
    transition,
)
from tillit.governance.signoffs import sign_off
from tillit.governance.state import current_record, governed_app
from tillit.governance.status import status_dict
from tillit.web.deps import FormDep, PageContext, PageDep, PlatformDep
from tillit.web.pages import render

router = APIRouter(include_in_schema=False)
Action = Callable[[Session, App, dict[str, Any]], str]


def _page(
    request: Request,
    platform: PlatformDep,
    ctx: PageContext,
    name: str,
    *,
    message: str | None = None,
    error: str | None = None,
    missing: list[str] | None = None,
    status_code: int = 200,
    typed_record: str | None = None,
) -> HTMLResponse:
    """``typed_record``: what the editor typed, shown again when it could not be saved."""
    ctx.principal.require("governance:read")
    with platform.session() as db:
        app = governed_app(db, ctx.principal.tenant_id, name)
        status = status_dict(db, app)
        record_yaml = typed_record or dump_record(current_record(db, app)[1])
        writers = _language_model_choices(db, app)
    return render(
        request,
        "governance_status.html",
        ctx,
        status_code=status_code,
        active="/assistants",
        s=status,
        name=name,
        record_yaml=record_yaml,
        questions=aiact.QUESTIONS,
        role_labels=ROLE_LABELS_SV,
        states=[(state, STATE_LABELS_SV[state]) for state in STATES],
        me=ctx.principal.name,
        message=message,
        error=error,
        missing=missing or [],
        writers=writers,
        may_choose_writers=ctx.principal.can("concern:configure"),
    )


def _language_model_choices(db: Session, app: App) -> list[dict[str, Any]] | None:
    """The language models the analysis of concern reports may use; None for other apps."""
    if app.kind != "concern":
        return None
    from tillit.concern.language_models import choices

    return choices(db, app.tenant_id)


@router.get("/assistants/{name}/styrning")
def governance_page(
    request: Request, name: str, platform: PlatformDep, ctx: PageDep
) -> HTMLResponse:
    return _page(request, platform, ctx, name)


async def _act(
    request: Request,
    platform: PlatformDep,
    ctx: PageContext,
    name: str,
    permission: str,
    act: Action,
) -> HTMLResponse:
    ctx.principal.require(permission)
    form = {k: str(v) for k, v in (await request.form()).multi_items()}
    with platform.session() as db:
        governed_app(db, ctx.principal.tenant_id, name)  # 404 before anything else
    try:
        with platform.session() as db:
            message = act(db, governed_app(db, ctx.principal.tenant_id, name), form)
    except GateBlocked as exc:
        with platform.session() as db:
            app = governed_app(db, ctx.principal.tenant_id, name)
            audit_blocked(db, app, ctx.principal, ctx.principal.name, form.get("to", ""), exc)
        error = f"Grinden {exc.gate.id} kan inte passeras ännu."
        return _page(
            request, platform, ctx, name, error=error, missing=exc.missing, status_code=409
        )
    except TillitError as exc:
        typed = form.get("record")  # only the record form has it: keep what was typed
        return _page(
            request, platform, ctx, name, error=exc.message, status_code=exc.status,
            typed_record=typed,
        )  # fmt: skip
    return _page(request, platform, ctx, name, message=message)


@router.post("/assistants/{name}/styrning/underlag")
async def save_record_page(
    request: Request, name: str, platform: PlatformDep, ctx: FormDep
) -> HTMLResponse:
    def act(db: Session, app: App, form: dict[str, Any]) -> str:
        data = parse_record(form.get("record", ""))
        version = save_record(db, app, data, ctx.principal.name, ctx.principal)
        return f"Underlaget sparades som version {version}."

    return await _act(request, platform, ctx, name, "governance:write", act)


@router.post("/assistants/{name}/styrning/aiact")
async def aiact_page(
    request: Request, name: str, platform: PlatformDep, ctx: FormDep
) -> HTMLResponse:
    def act(db: Session, app: App, form: dict[str, Any]) -> str:
        answers: dict[str, Any] = {}
        for question in aiact.QUESTIONS:
            value = form.get(question.id)
            if value in (None, ""):
                continue
            answers[question.id] = value if question.options else value == "ja"
        result = classify_ai_act(db, app, answers, ctx.principal.name, ctx.principal)
        return f"Klassningen sparades: {result['risk_label']}."

    return await _act(request, platform, ctx, name, "governance:write", act)


@router.post("/assistants/{name}/styrning/godkann")
async def signoff_page(
    request: Request, name: str, platform: PlatformDep, ctx: FormDep
) -> HTMLResponse:
    def act(db: Session, app: App, form: dict[str, Any]) -> str:
        retire = form.get("retire") == "1"
        signed = sign_off(
            db,
            app,
            form.get("role", ""),
            ctx.principal.name,
            ctx.principal,
            retire=retire,
            comment=form.get("comment", ""),
        )
        return f"Du godkände grind {signed.gate}."

    return await _act(request, platform, ctx, name, "governance:signoff", act)


@router.post("/assistants/{name}/styrning/overgang")
async def transition_page(
    request: Request, name: str, platform: PlatformDep, ctx: FormDep
) -> HTMLResponse:
    def act(db: Session, app: App, form: dict[str, Any]) -> str:
        target = form.get("to", "")
        lifecycle = transition(
            db, app, target, ctx.principal, ctx.principal.name, form.get("reason", "")
        )
        return f"Appen är nu i läget {STATE_LABELS_SV[lifecycle.state]}."

    return await _act(request, platform, ctx, name, "governance:write", act)


@router.post("/assistants/{name}/styrning/sprakmodeller")
async def language_models_page(
    request: Request, name: str, platform: PlatformDep, ctx: FormDep
) -> HTMLResponse:
    """The same rule as ``tillit concern language-models``: a change after production sends
    the service back to test."""
    from tillit.concern.language_models import set_language_models

    names = [str(value) for value in (await request.form()).getlist("model")]

    def act(db: Session, app: App, form: dict[str, Any]) -> str:
        if app.kind != "concern":
            raise NotFound("Bara analysstödet för orosanmälningar har språkmodeller att välja.")
        chosen = set_language_models(db, ctx.principal, names)
        if not chosen:
            return "Sparat: ingen språkmodell får läsa ärenden."
        return f"Sparat: {', '.join(chosen)} får läsa ärenden."

    return await _act(request, platform, ctx, name, "concern:configure", act)
