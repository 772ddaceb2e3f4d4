"""Recording and reading audit events. Details must never hold secrets or personal data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.audit.tables import AuditEvent
from tillit.auth.roles import Principal
from tillit.errors import TillitError

if TYPE_CHECKING:
    from tillit.platform import Platform

EXPORT_FIELDS = (
    "id",
    "at",
    "tenant_id",
    "actor",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "detail",
)


def record(
    db: Session,
    principal: Principal | None,
    action: str,
    *,
    object_type: str | None = None,
    object_id: object = None,
    outcome: str = "ok",
    tenant_id: int | None = None,
    actor: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        tenant_id=tenant_id
        if tenant_id is not None
        else (principal.tenant_id if principal else None),
        actor=actor or (principal.actor if principal else "anonymous"),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        outcome=outcome,
        detail=detail or {},
    )
    db.add(event)
    return event


def record_refusal(platform: Platform, exc: TillitError) -> None:
    """Write ``exc.refusal`` in a transaction of its own (the request's was rolled back)."""
    if exc.refusal is None:
        return
    with platform.session() as db:
        record(db, None, **exc.refusal)


def list_events(
    db: Session,
    tenant_id: int | None,
    *,
    limit: int = 100,
    action: str | None = None,
    since: datetime | None = None,
    before_id: int | None = None,
) -> list[AuditEvent]:
    """Newest first. tenant_id None means every tenant (installation-level CLI only)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if tenant_id is not None:
        query = query.where(AuditEvent.tenant_id == tenant_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if since:
        query = query.where(AuditEvent.at >= since)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(db.scalars(query))


def event_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "tenant_id": event.tenant_id,
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "outcome": event.outcome,
        "detail": event.detail,
    }


def export_jsonl(events: Iterable[AuditEvent]) -> Iterator[str]:
    for event in events:
        yield json.dumps(event_dict(event), ensure_ascii=False) + "\n"


def export_csv(events: Iterable[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_FIELDS)
    for event in events:
        row = event_dict(event)
        row["detail"] = json.dumps(row["detail"], ensure_ascii=False)
        writer.writerow([_csv_safe(row[name]) for name in EXPORT_FIELDS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _csv_safe(value: object) -> object:
    """Neutralise spreadsheet formula injection in exported text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
