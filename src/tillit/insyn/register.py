"""Reading the public register of one municipality (tenant): its listed services, and the
models and knowledge sources they use. Anything not used by a listed service is "not found",
the same answer as for something that does not exist (here or in another tenant)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.apps.tables import App
from tillit.auth.tables import Tenant
from tillit.catalog.service import visible_to
from tillit.catalog.tables import CatalogModel
from tillit.errors import NotFound
from tillit.governance.service import current_record
from tillit.insyn.entry import (
    ServiceView,
    is_listed,
    model_summary,
    register_path,
    service_view,
    source_summary,
)
from tillit.insyn.publish import live_entry
from tillit.insyn.tables import RegisterVersion
from tillit.knowledge.documents import is_web_address
from tillit.knowledge.tables import Collection, Document
from tillit.policy import SecurityClass

DEFAULT_TENANT = "default"


def tenant_for(db: Session, kommun: str | None) -> Tenant:
    slug = (kommun or DEFAULT_TENANT).strip().lower()
    tenant = db.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound("Kommunen finns inte i registret.", code="tenant_not_found")
    return tenant


def listed_apps(db: Session, tenant_id: int) -> list[App]:
    apps = db.scalars(select(App).where(App.tenant_id == tenant_id).order_by(App.name))
    return [app for app in apps if is_listed(app, current_record(db, app)[1])]


def listed_app(db: Session, tenant_id: int, slug: str) -> App:
    app = db.scalar(select(App).where(App.tenant_id == tenant_id, App.name == slug))
    if app is None or not is_listed(app, current_record(db, app)[1]):
        raise NotFound("Tjänsten finns inte i registret.", code="service_not_found")
    return app


def live_entries(db: Session, tenant_id: int) -> list[dict[str, Any]]:
    return [live_entry(db, app) for app in listed_apps(db, tenant_id)]


def _uses(db: Session, tenant: Tenant) -> list[tuple[App, ServiceView]]:
    return [(app, service_view(db, app, tenant.slug)) for app in listed_apps(db, tenant.id)]


def _service_link(app: App, tenant: Tenant) -> dict[str, str]:
    return {"name": app.name, "page": register_path(tenant.slug, f"/insyn/tjanster/{app.name}")}


def _published_naming(
    db: Session, tenant: Tenant, key: str, name: str
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(service, register entry, item) for each published register version that named
    ``name`` under ``key`` ("models" or "sources"), oldest first."""
    rows = db.execute(
        select(App.name, RegisterVersion.entry)
        .join(App, App.id == RegisterVersion.app_id)
        .where(RegisterVersion.tenant_id == tenant.id)
        .order_by(RegisterVersion.id)
    ).all()
    return [
        (app_name, entry, item)
        for app_name, entry in rows
        for item in entry.get(key, [])
        if item.get("name") == name
    ]


def _published_in(
    published: list[tuple[str, dict[str, Any], dict[str, Any]]],
) -> dict[str, str]:
    """Services whose published versions named the model or source, with the role it had
    (the latest): old versions and old answers link to its page."""
    return {app_name: item.get("role", "") for app_name, _entry, item in published}


def _earlier_links(tenant: Tenant, services: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"name": n, "page": register_path(tenant.slug, f"/insyn/tjanster/{n}")} for n in services
    ]


def model_record(db: Session, tenant: Tenant, name: str) -> dict[str, Any]:
    """The model card of a model that a listed service uses, or that a published version of
    one used (insyn-fields.md §2.2)."""
    model: CatalogModel | None = None
    services = []
    for app, view in _uses(db, tenant):
        for role, candidate in view.models:
            if candidate.name == name:
                model = candidate
                services.append({**_service_link(app, tenant), "role": role})
    earlier = {} if model else _published_in(_published_naming(db, tenant, "models", name))
    if model is None and earlier:
        model = db.scalars(
            select(CatalogModel)
            .where(CatalogModel.name == name, visible_to(tenant.id))
            .order_by(CatalogModel.tenant_id.is_(None))
        ).first()
    if model is None:
        raise NotFound("Modellen finns inte i registret.", code="model_not_found")
    role = services[0]["role"] if services else next(iter(earlier.values()))
    summary = model_summary(model, role or "generation", tenant.slug)
    summary.pop("role_label")
    summary.pop("role")
    return {
        **summary,
        "model_id": f"{tenant.slug}/{model.name}@{model.version or 'okänd'}",
        "capabilities": list(model.capabilities),
        "max_class": model.max_class,
        "model_card": model.model_card,
        "status": "aktiv" if model.enabled else "avstängd",
        "updated": model.updated_at.isoformat(),
        "approved_for_services": services,
        "earlier_services": _earlier_links(tenant, earlier),
    }


def source_record(db: Session, tenant: Tenant, name: str) -> dict[str, Any]:
    """A knowledge source (collection) a listed service uses. Documents are listed only for
    open information (K0); for other classes only the summary is public."""
    collection: Collection | None = None
    services = []
    classes: set[str] = set()
    for app, view in _uses(db, tenant):
        for candidate in view.collections:
            if candidate.name == name:
                collection = candidate
                services.append(_service_link(app, tenant))
                classes.add(view.security_class.value)
    published = _published_naming(db, tenant, "sources", name)
    earlier = {} if collection else _published_in(published)
    if collection is None and earlier:
        collection = db.scalar(
            select(Collection).where(Collection.tenant_id == tenant.id, Collection.name == name)
        )
    if collection is None:
        raise NotFound("Källan finns inte i registret.", code="source_not_found")
    summary = source_summary(db, collection, tenant.slug)
    # A collection's own class is K0 unless set; the services that answer from it (now or in
    # a published version) say what its information is: a K2 service's sources are not open.
    classes |= {collection.security_class}
    classes |= {str(entry.get("security_class") or "K0") for _app, entry, _item in published}
    klass = max(classes, key=lambda c: SecurityClass(c).level)
    open_information = klass == "K0"
    documents = _documents(db, collection) if open_information else []
    return {
        **summary,
        "security_class": klass,
        "description": collection.description,
        "embedding_model": collection.embedding_model,
        "documents_listed": open_information,
        "document_list": documents,
        "used_by": services,
        "earlier_services": _earlier_links(tenant, earlier),
    }


def _documents(db: Session, collection: Collection) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(Document)
        .where(Document.collection_id == collection.id, Document.status == "indexed")
        .order_by(Document.title, Document.key)
    )
    return [
        {
            "title": doc.title or doc.key,
            "owner": doc.owner or collection.owner,
            "url": doc.shown_source if is_web_address(doc.source) else None,
            "version": doc.version,
            "last_indexed": doc.indexed_at.isoformat() if doc.indexed_at else None,
        }
        for doc in rows
    ]
