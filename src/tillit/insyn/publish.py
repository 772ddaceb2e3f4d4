"""Register versions. A new version is stored whenever what the entry shows changes (a new
manifest, a new record version, a lifecycle step, a re-review, a new model version). Versions
are never edited: a change is always a new version."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tillit.apps.tables import App
from tillit.errors import NotFound
from tillit.governance.service import current_record
from tillit.insyn.entry import build_entry, is_listed, stable_part
from tillit.insyn.tables import RegisterVersion


def content_hash(entry: dict[str, Any]) -> str:
    raw = json.dumps(stable_part(entry), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def latest_version(db: Session, app: App) -> RegisterVersion | None:
    query = select(RegisterVersion).where(RegisterVersion.app_id == app.id)
    return db.scalars(query.order_by(RegisterVersion.version.desc()).limit(1)).first()


def first_version(db: Session, app: App) -> RegisterVersion | None:
    query = select(RegisterVersion).where(RegisterVersion.app_id == app.id)
    return db.scalars(query.order_by(RegisterVersion.version).limit(1)).first()


def publish_if_changed(db: Session, app: App, actor: str, reason: str) -> RegisterVersion | None:
    """Store a new version when the live entry differs from the latest; None when the app is
    not in the public register. Safe when two requests race (one of them stores it)."""
    _, record, _ = current_record(db, app)
    if not is_listed(app, record):
        return None
    entry = build_entry(db, app)
    digest = content_hash(entry)
    latest = latest_version(db, app)
    if latest is not None and latest.content_hash == digest:
        return latest
    number = (latest.version if latest else 0) + 1
    now = datetime.now(UTC)
    first = first_version(db, app)
    entry.update(
        record_version=number,
        updated=now.isoformat(),
        first_published=(first.published_at if first else now).isoformat(),
    )
    version = RegisterVersion(
        tenant_id=app.tenant_id,
        app_id=app.id,
        version=number,
        entry=entry,
        content_hash=digest,
        published_by=actor,
        reason=reason[:2000],
        published_at=now,
    )
    try:
        with db.begin_nested():
            db.add(version)
    except IntegrityError:
        return latest_version(db, app)
    return version


def live_entry(db: Session, app: App) -> dict[str, Any]:
    """The entry as configured now, with the number and date of the version it matches."""
    from tillit.governance.service import rereview_if_changed

    rereview_if_changed(db, app)
    published = publish_if_changed(db, app, "system:insyn", "Konfigurationen ändrades")
    entry = build_entry(db, app)
    first = first_version(db, app)
    entry.update(
        record_version=published.version if published else None,
        updated=published.published_at.isoformat() if published else entry["created"],
        first_published=first.published_at.isoformat() if first else None,
    )
    return entry


def list_versions(db: Session, app: App) -> list[RegisterVersion]:
    query = select(RegisterVersion).where(RegisterVersion.app_id == app.id)
    return list(db.scalars(query.order_by(RegisterVersion.version)))


def get_version(db: Session, app: App, number: int) -> RegisterVersion:
    found = db.scalar(
        select(RegisterVersion).where(
            RegisterVersion.app_id == app.id, RegisterVersion.version == number
        )
    )
    if found is None:
        raise NotFound("Versionen finns inte.", code="version_not_found")
    return found
