"""API keys: ``tlt_`` + 43 random url-safe characters; shown once, stored as SHA-256."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.auth.roles import Principal, validate_roles
from tillit.auth.service import sha256_hex
from tillit.auth.tables import ApiKey, Tenant
from tillit.db.base import utcnow
from tillit.errors import InvalidInput, NotAuthenticated, NotFound
from tillit.policy import SecurityClass

KEY_PREFIX = "tlt_"
MAX_NAME = 200


def create_key(
    db: Session,
    tenant: Tenant,
    name: str,
    *,
    role: str = "viewer",
    default_class: str = "K1",
    expires_at: datetime | None = None,
    created_by: int | None = None,
) -> tuple[ApiKey, str]:
    """Returns the stored key and the secret, which is never stored or shown again."""
    if not name.strip():
        raise InvalidInput("Nyckeln behöver ett namn.", code="invalid_name")
    if len(name.strip()) > MAX_NAME:  # the column's size (the API's KeyIn says so too)
        raise InvalidInput(f"Nyckelns namn får ha högst {MAX_NAME} tecken.", code="invalid_name")
    validate_roles([role])
    klass = SecurityClass.parse(default_class, field="max-class")
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)  # a date without offset is read as UTC
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInput("Utgångsdatumet har redan passerat.", code="invalid_expiry")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        tenant_id=tenant.id,
        name=name.strip(),
        prefix=secret[:10],
        key_hash=sha256_hex(secret),
        role=role,
        default_class=klass.value,
        expires_at=expires_at,
        created_by=created_by,
    )
    db.add(key)
    db.flush()
    return key, secret


def list_keys(db: Session, tenant_id: int) -> list[ApiKey]:
    return list(db.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.id)))


def get_key(db: Session, tenant_id: int, key_id: int) -> ApiKey:
    key = db.get(ApiKey, key_id)
    if key is None or key.tenant_id != tenant_id:
        raise NotFound("Nyckeln finns inte.", code="key_not_found")
    return key


def revoke_key(db: Session, tenant_id: int, key_id: int) -> ApiKey:
    key = get_key(db, tenant_id, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


def principal_for_secret(db: Session, secret: str) -> Principal:
    """Resolve a presented key; the same error for unknown, revoked and expired keys."""
    invalid = NotAuthenticated("Ogiltig eller återkallad API-nyckel.", code="invalid_api_key")
    if not secret.startswith(KEY_PREFIX):
        raise invalid
    row = db.execute(
        select(ApiKey, Tenant.slug)
        .join(Tenant, Tenant.id == ApiKey.tenant_id)
        .where(ApiKey.key_hash == sha256_hex(secret))
    ).first()
    if row is None:
        raise invalid
    key, tenant_slug = row
    now = utcnow()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        raise invalid
    return Principal(
        tenant_id=key.tenant_id,
        tenant_slug=tenant_slug,
        kind="key",
        id=key.id,
        name=key.name,
        roles=frozenset({key.role}),
        default_class=key.default_class,
    )
