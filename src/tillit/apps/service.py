"""Applying, listing and exporting apps."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.apps.manifest import AssistantManifest
from tillit.apps.tables import App
from tillit.auth.roles import Principal
from tillit.catalog.service import resolve_by_name
from tillit.errors import Conflict, NotFound, PolicyViolation
from tillit.governance.service import after_change, refusal, rereview_if_changed
from tillit.governance.state import get_lifecycle
from tillit.knowledge.rerank import check_reranker
from tillit.knowledge.service import check_collection_classes, get_collection
from tillit.platform import Platform
from tillit.policy import SecurityClass, check_class
from tillit.privacy.policy import class_after_pseudonymisation


def apply_manifest(db: Session, tenant_id: int, manifest: AssistantManifest) -> tuple[App, bool]:
    """Create or update; the referenced collections, model and reranker must exist and fit
    the class."""
    collections = [get_collection(db, tenant_id, name) for name in manifest.collections]
    check_collection_classes(collections, manifest.security_class)
    if manifest.model:
        model = resolve_by_name(db, tenant_id, manifest.model)
        check_app_class(manifest, model.name, SecurityClass(model.max_class))
    if manifest.rerank_model:
        reranker = resolve_by_name(db, tenant_id, manifest.rerank_model)
        check_reranker(reranker, manifest.security_class)
    stored = manifest.model_dump(mode="json", exclude_defaults=False)
    if stored["title"] is None:  # added later: an unchanged manifest stays unchanged when stored
        del stored["title"]
    app = db.scalar(select(App).where(App.tenant_id == tenant_id, App.name == manifest.name))
    if app is not None and app.kind != manifest.kind:
        raise Conflict(
            f"Namnet '{manifest.name}' används redan av en annan AI-tjänst i Tillit "
            f"({app.kind}); välj ett annat namn.",
            code="app_name_taken",
        )
    if app is None:
        app = App(tenant_id=tenant_id, name=manifest.name, kind=manifest.kind, manifest=stored)
        db.add(app)
        db.flush()
        get_lifecycle(db, app)  # every app starts as an idea
        after_change(db, app, "system:apps", "Appen skapades")
        return app, True
    if app.manifest != stored:
        app.manifest = stored
        app.version += 1
        db.flush()
        # A production app whose model, sources, prompt or purpose changed goes back for review.
        rereview_if_changed(db, app)
        after_change(db, app, "system:apps", f"Manifestet ändrades (version {app.version})")
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


ASSISTANT = "assistant"


def get_app(db: Session, tenant_id: int, name: str) -> App:
    """An assistant by name (other governed services, such as the analysis of concern reports,
    are reached through ``governance.state.governed_app``)."""
    app = db.scalar(
        select(App).where(App.tenant_id == tenant_id, App.name == name, App.kind == ASSISTANT)
    )
    if app is None:
        raise NotFound("Appen finns inte.", code="app_not_found")
    return app


def list_apps(db: Session, tenant_id: int) -> list[App]:
    query = select(App).where(App.tenant_id == tenant_id, App.kind == ASSISTANT)
    return list(db.scalars(query.order_by(App.name)))


def manifest_of(app: App) -> AssistantManifest:
    return AssistantManifest.model_validate(app.manifest)


def manifest_for_use(
    platform: Platform, principal: Principal, name: str, public: bool = False
) -> AssistantManifest:
    """The app's manifest if this caller may use it now (governance gate). A change since the
    production sign-off is caught here too and sends the app back for review (committed even
    though the call is then refused)."""
    with platform.session() as db:
        app = get_app(db, principal.tenant_id, name)
        if public and app.manifest.get("audience") != "public":
            raise NotFound("Tjänsten finns inte.", code="app_not_found")
        rereview_if_changed(db, app)
        refused = refusal(db, app, principal, public)
        manifest = manifest_of(app)
    if refused is not None:
        raise refused
    return manifest
