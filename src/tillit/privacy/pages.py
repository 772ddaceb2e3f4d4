"""Page: paste a text and see what would be masked before it could reach a model."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from tillit.privacy.detect import Entity, detect
from tillit.privacy.pseudonymise import LABELS, Pseudonymiser
from tillit.web.deps import FormDep, PageDep
from tillit.web.pages import render

router = APIRouter(include_in_schema=False)
MAX_CHARS = 200_000


@router.get("/privacy")
def privacy_page(request: Request, ctx: PageDep) -> HTMLResponse:
    return render(request, "privacy.html", ctx, active="/privacy", text="", marked=None)


@router.post("/privacy")
async def privacy_check(
    request: Request, ctx: FormDep, text: Annotated[str, Form()] = ""
) -> HTMLResponse:
    text = text[:MAX_CHARS]
    entities = await to_thread.run_sync(detect, text)
    preview = Pseudonymiser("irreversible").pseudonymise(text, entities).text
    counts: dict[str, int] = {}
    for entity in entities:
        counts[LABELS.get(entity.type, entity.type)] = (
            counts.get(LABELS.get(entity.type, entity.type), 0) + 1
        )
    return render(
        request,
        "privacy.html",
        ctx,
        active="/privacy",
        text=text,
        marked=highlight(text, entities),
        preview=preview,
        counts=counts,
    )


def highlight(text: str, entities: list[Entity]) -> Markup:
    """The text with each finding in <mark>, its type spelled out for screen readers."""
    parts: list[str] = []
    position = 0
    for entity in sorted(entities):
        label = LABELS.get(entity.type, entity.type)
        parts.append(str(escape(text[position : entity.start])))
        parts.append(
            f'<mark class="pii pii-{entity.type.lower()}" title="{label}">'
            f"{escape(text[entity.start : entity.end])}"
            f'<span class="sr-only"> ({label})</span></mark>'
        )
        position = entity.end
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))  # noqa: S704 - every piece above is escaped
