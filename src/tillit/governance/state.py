"""Reading where an app stands: its current governance record and its lifecycle."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.apps.tables import App
from tillit.errors import NotFound
from tillit.governance.record import RecordData, validate_record
from tillit.governance.tables import GovernanceRecord, Lifecycle, LifecycleEvent


@dataclass
class Current:
    """The app's governance as it stands: record (version 0 = none yet), lifecycle."""

    version: int
    record: RecordData
    author: str | None
    lifecycle: Lifecycle


def governed_app(db: Session, tenant_id: int, name: str) -> App:
    """An AI service under governance, by name: an assistant, or the analysis of concern
    reports (``concern/governance.py``), whose row is made the first time it is opened."""
    from tillit.concern.governance import SERVICE_NAME, ensure_service

    app = db.scalar(select(App).where(App.tenant_id == tenant_id, App.name == name))
    if app is None and name == SERVICE_NAME:
        app = ensure_service(db, tenant_id)
    if app is None:
        raise NotFound("Appen finns inte.", code="app_not_found")
    return app


def current_record(db: Session, app: App) -> tuple[int, RecordData, str | None]:
    row = db.scalars(
        select(GovernanceRecord)
        .where(GovernanceRecord.app_id == app.id)
        .order_by(GovernanceRecord.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return 0, RecordData(), None
    return row.version, validate_record(row.data), row.created_by


def record_versions(db: Session, app: App) -> list[GovernanceRecord]:
    query = select(GovernanceRecord).where(GovernanceRecord.app_id == app.id)
    return list(db.scalars(query.order_by(GovernanceRecord.version)))


def get_lifecycle(db: Session, app: App) -> Lifecycle:
    lifecycle = db.get(Lifecycle, app.id)
    if lifecycle is None:
        lifecycle = Lifecycle(app_id=app.id, tenant_id=app.tenant_id, state="ide", cycle=1)
        lifecycle.review_reasons = []
        lifecycle.under_review = False
        db.add(lifecycle)
        db.flush()
    return lifecycle


def current(db: Session, app: App) -> Current:
    version, record, author = current_record(db, app)
    return Current(version, record, author, get_lifecycle(db, app))


def history(db: Session, app: App) -> list[LifecycleEvent]:
    query = select(LifecycleEvent).where(LifecycleEvent.app_id == app.id)
    return list(db.scalars(query.order_by(LifecycleEvent.id)))
