"""JSON API for the audit log, with JSONL and CSV export."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from tillit.audit.service import event_dict, export_csv, export_jsonl, list_events
from tillit.audit.service import record as audit
from tillit.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api/audit", tags=["audit"])
MAX_EXPORT = 100_000


@router.get("")
def list_audit(
    platform: PlatformDep,
    principal: PrincipalDep,
    limit: int = Query(100, ge=1, le=1000),
    action: str | None = None,
    since: datetime | None = None,
    before_id: int | None = Query(None, ge=1),
) -> list[dict[str, Any]]:
    principal.require("audit:read")
    with platform.session() as db:
        events = list_events(
            db, principal.tenant_id, limit=limit, action=action, since=since, before_id=before_id
        )
        return [event_dict(e) for e in events]


@router.get("/export")
def export_audit(
    platform: PlatformDep,
    principal: PrincipalDep,
    format: Literal["jsonl", "csv"] = "jsonl",
    since: datetime | None = None,
) -> StreamingResponse:
    principal.require("audit:read")
    with platform.session() as db:
        events = list_events(db, principal.tenant_id, limit=MAX_EXPORT, since=since)
        audit(db, principal, "audit.export", detail={"format": format, "count": len(events)})
    body = export_jsonl(events) if format == "jsonl" else export_csv(events)
    media = "application/x-ndjson" if format == "jsonl" else "text/csv; charset=utf-8"
    filename = f"tillit-audit-{principal.tenant_slug}.{format}"
    return StreamingResponse(
        body,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
