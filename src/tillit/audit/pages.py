"""Page: the audit log (administrators)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from tillit.audit.service import list_events
from tillit.web.deps import PageDep, PlatformDep
from tillit.web.pages import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100


@router.get("/audit")
def audit_page(
    request: Request,
    platform: PlatformDep,
    ctx: PageDep,
    action: str | None = None,
    before_id: int | None = Query(None, ge=1),
) -> HTMLResponse:
    ctx.principal.require("audit:read")
    with platform.session() as db:
        events = list_events(
            db, ctx.principal.tenant_id, limit=PAGE_SIZE, action=action or None, before_id=before_id
        )
    next_before = events[-1].id if len(events) == PAGE_SIZE else None
    return render(
        request,
        "audit.html",
        ctx,
        active="/audit",
        events=events,
        action=action,
        next_before=next_before,
    )
