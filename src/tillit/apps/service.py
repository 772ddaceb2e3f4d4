"""Applying, listing and exporting apps."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.apps.manifest import AssistantManifest
from tillit.apps.tables import App
from tillit.catalog.service import resolve_by_name
from tillit.errors import NotFound, PolicyViolation
from tillit.knowledge.service import get_collection
from tillit.policy import SecurityClass, check_class
from tillit.privacy.policy import class_after_pseudonymisation


def apply_manifest(db: Session, tenant_id: int, manifest: AssistantManifest) -> tuple[App, bool]:
    """Create or update; the referenced collections and model must exist and fit the class."""
    for name in manifest.collections:
        get_collection(db, tenant_id, name)
    if manifest.model:
        model = resolve_by_name(db, tenant_id, manifest.model)
        check_app_class(manifest, model.name, SecurityClass(model.max_class))
    stored = manifest.model_dump(mode="json", exclude_defaults=False)
    app = db.scalar(select(App).where(App.tenant_id == tenant_id, App.name == manifest.name))
    if app is None:
        app = App(tenant_id=tenant_id, name=manifest.name, kind=manifest.kind, manifest=stored)
        db.add(app)
        db.flush()
        return app, True
    if app.manifest != stored:
        app.manifest = stored
        app.version += 1
    return app, False


def check_app_class(manifest: AssistantManifest, model_name: str, model_max: SecurityClass) -> bool:
    """True when the app's text must be pseudonymised for this model; raises when refused."""
    try:
        check_class(manifest.security_class, model_name, model_max)
    except PolicyViolation:
        lowered = class_after_pseudonymisation(manifest.security_class)
        if manifest.privacy != "pseudonymise" or lowered.level > model_max.level:
            raise
        return True
    return False


def get_app(db: Session, tenant_id: int, name: str) -> App:
    app = db.scalar(select(App).where(App.tenant_id == tenant_id, App.name == name))
    if app is None:
        raise NotFound("Appen finns inte.", code="app_not_found")
    return app


def list_apps(db: Session, tenant_id: int) -> list[App]:
    return list(db.scalars(select(App).where(App.tenant_id == tenant_id).order_by(App.name)))


def manifest_of(app: App) -> AssistantManifest:
    return AssistantManifest.model_validate(app.manifest)
