"""Pages: staff assistants (logged in) and the public assistant page (no login)."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from tillit.apps.assistant import Answer, ask
from tillit.apps.manifest import AssistantManifest
from tillit.apps.service import list_apps, manifest_for_use, manifest_of
from tillit.auth.roles import Principal
from tillit.auth.service import get_tenant
from tillit.concern.governance import SERVICE_NAME, find_service
from tillit.errors import InvalidInput, NotFound, TillitError
from tillit.knowledge.service import classed_above, get_collection, list_documents
from tillit.knowledge.tables import Collection
from tillit.platform import Platform
from tillit.privacy.detect import detect
from tillit.web.deps import FormDep, PageDep, PlatformDep
from tillit.web.errors import wants_html
from tillit.web.pages import render
from tillit.web.ratelimit import (
    QUESTIONS,
    check_public,
    question_message,
    retry_after,
    too_many_requests,
)

router = APIRouter(include_in_schema=False)
MAX_QUESTION = 2000


@router.get("/assistants")
def assistants(request: Request, platform: PlatformDep, ctx: PageDep) -> HTMLResponse:
    with platform.session() as db:
        apps = [(a.name, manifest_of(a)) for a in list_apps(db, ctx.principal.tenant_id)]
        concern = find_service(db, ctx.principal.tenant_id)
    return render(
        request,
        "assistants.html",
        ctx,
        active="/assistants",
        apps=apps,
        tenant=ctx.principal.tenant_slug,
        concern_service=concern.name if concern else SERVICE_NAME,
    )


def _staff_app(platform: Platform, principal: Principal, name: str) -> AssistantManifest:
    return manifest_for_use(platform, principal, name)


@router.get("/assistants/{name}")
def staff_chat(request: Request, name: str, platform: PlatformDep, ctx: PageDep) -> HTMLResponse:
    manifest = _staff_app(platform, ctx.principal, name)
    return render(
        request,
        "chat.html",
        ctx,
        active="/assistants",
        m=manifest,
        answer=None,
        question="",
        public=False,
        action=f"/assistants/{name}",
    )


@router.post("/assistants/{name}")
async def staff_ask(
    request: Request,
    name: str,
    platform: PlatformDep,
    ctx: FormDep,
    question: Annotated[str, Form()] = "",
) -> HTMLResponse:
    manifest = await to_thread.run_sync(_staff_app, platform, ctx.principal, name)
    answer = await _ask(platform, ctx.principal, manifest, question, name)
    return render(
        request,
        "chat.html",
        ctx,
        active="/assistants",
        m=manifest,
        answer=answer,
        question=question,
        public=False,
        action=f"/assistants/{name}",
    )


def _public_app(
    platform: Platform, tenant_slug: str, name: str
) -> tuple[Principal, AssistantManifest]:
    """Only apps meant for residents, and only in production (the governance gate): the same
    404 for 'missing' and 'not public'; 403 with the reason for a public app not in use."""
    with platform.session() as db:
        try:
            tenant = get_tenant(db, tenant_slug)
        except NotFound:
            raise NotFound("Tjänsten finns inte.", code="app_not_found") from None
        principal = Principal(tenant.id, tenant.slug, "public", None, "invånare", frozenset())
    try:
        manifest = manifest_for_use(platform, principal, name, public=True)
    except NotFound:
        raise NotFound("Tjänsten finns inte.", code="app_not_found") from None
    return principal, manifest


@router.get("/t/{tenant_slug}/assistent/{name}")
def public_chat(
    request: Request, tenant_slug: str, name: str, platform: PlatformDep
) -> HTMLResponse:
    _, manifest = _public_app(platform, tenant_slug, name)
    return render(
        request,
        "chat.html",
        None,
        m=manifest,
        answer=None,
        question="",
        public=True,
        action=request.url.path,
        tenant=tenant_slug,
    )


@router.post("/t/{tenant_slug}/assistent/{name}")
async def public_ask(
    request: Request,
    tenant_slug: str,
    name: str,
    platform: PlatformDep,
    question: Annotated[str, Form()] = "",
) -> Response:
    principal, manifest = await to_thread.run_sync(_public_app, platform, tenant_slug, name)

    def page(
        answer: Answer | None, status_code: int = 200, error: str | None = None
    ) -> HTMLResponse:
        return render(
            request,
            "chat.html",
            None,
            status_code=status_code,
            m=manifest,
            answer=answer,
            question=question,
            public=True,
            action=request.url.path,
            tenant=tenant_slug,
            error=error,
        )

    limited = check_public(request, principal.tenant_slug, QUESTIONS)
    if not limited.allowed:
        message = question_message(limited)
        if not wants_html(request):
            return too_many_requests(request, limited, message)
        return retry_after(page(None, 429, message), limited)
    try:
        asked = await to_thread.run_sync(without_identity_numbers, question)
        return page(await _ask(platform, principal, manifest, asked, name))
    except TillitError as exc:
        if not wants_html(request):
            raise
        return page(None, exc.status, resident_message(exc))


def without_identity_numbers(question: str) -> str:
    """A resident's question with any personnummer or samordningsnummer replaced: the service
    answers general questions and needs none, and the model may be outside the municipality.
    (The page asks residents not to write them; this is for those who do.)"""
    numbers = [e for e in detect(question) if e.type == "PNR"]
    for entity in reversed(numbers):
        question = question[: entity.start] + "[personnummer]" + question[entity.end :]
    return question


def resident_message(exc: TillitError) -> str:
    """What a resident is told when no answer could be given: the reason when it is theirs to
    mend (an empty or too long question), otherwise no model names or technical causes."""
    if exc.code in RESIDENT_CODES:
        return exc.message
    return "Tjänsten kan inte svara just nu. Försök igen senare, eller kontakta kommunen."


RESIDENT_CODES = frozenset({"invalid_question"})
"""Errors whose own message a resident can act on; every other one (a model's refusal, a
rate limit upstream, a policy) gets the general sentence, with no model names."""


@router.get("/t/{tenant_slug}/assistent/{name}/om")
def public_about(
    request: Request, tenant_slug: str, name: str, platform: PlatformDep
) -> HTMLResponse:
    principal, manifest = _public_app(platform, tenant_slug, name)
    with platform.session() as db:
        collections = [get_collection(db, principal.tenant_id, c) for c in manifest.collections]
        sources = [(c.name, _listable_documents(db, c, manifest)) for c in collections]
    return render(
        request,
        "about_app.html",
        None,
        m=manifest,
        sources=sources,
        tenant=tenant_slug,
        back=f"/t/{tenant_slug}/assistent/{name}",
    )


def _listable_documents(db: Session, collection: Collection, manifest: AssistantManifest) -> list:
    """A collection classed above the app (raised after the app was applied) keeps its
    document titles to itself; the app refuses to answer from it until its class is raised."""
    if classed_above(collection, manifest.security_class):
        return []
    return list_documents(db, collection.id)


async def _ask(
    platform: Platform, principal: Principal, manifest: AssistantManifest, question: str, name: str
) -> Answer:
    question = question.strip()
    if not question or len(question) > MAX_QUESTION:
        raise InvalidInput(
            f"Skriv en fråga (högst {MAX_QUESTION} tecken).", code="invalid_question"
        )
    return await to_thread.run_sync(ask, platform, principal, manifest, question, name)
