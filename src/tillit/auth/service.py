"""Tenants, users and page sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tillit.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from tillit.auth.roles import Principal, validate_roles
from tillit.auth.tables import Tenant, User, WebSession
from tillit.db.base import utcnow
from tillit.errors import Conflict, InvalidInput, NotAuthenticated, NotFound

DEFAULT_TENANT = "default"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- tenants -------------------------------------------------------------------------------


def get_tenant(db: Session, slug: str) -> Tenant:
    tenant = db.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(f"Organisationen '{slug}' finns inte.", code="tenant_not_found")
    return tenant


def create_tenant(db: Session, slug: str, name: str) -> Tenant:
    if not SLUG_RE.match(slug):
        raise InvalidInput(
            "Kortnamnet får bara innehålla a–z, 0–9 och bindestreck.", code="invalid_slug"
        )
    if db.scalar(select(Tenant).where(Tenant.slug == slug)):
        raise Conflict(f"Organisationen '{slug}' finns redan.", code="tenant_exists")
    tenant = Tenant(slug=slug, name=name)
    db.add(tenant)
    db.flush()
    return tenant


def ensure_default_tenant(db: Session) -> Tenant:
    tenant = db.scalar(select(Tenant).where(Tenant.slug == DEFAULT_TENANT))
    return tenant or create_tenant(db, DEFAULT_TENANT, "Standardorganisation")


def list_tenants(db: Session) -> list[Tenant]:
    return list(db.scalars(select(Tenant).order_by(Tenant.slug)))


# --- users ---------------------------------------------------------------------------------


def create_user(
    db: Session,
    tenant: Tenant,
    username: str,
    password: str | None,
    roles: list[str],
    display_name: str = "",
    email: str | None = None,
) -> User:
    username = username.strip().lower()
    if not username:
        raise InvalidInput("Användarnamn saknas.", code="invalid_username")
    if db.scalar(select(User).where(User.username == username)):
        raise Conflict(f"Användaren '{username}' finns redan.", code="user_exists")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken.", code="weak_password"
        )
    user = User(
        tenant_id=tenant.id,
        username=username,
        display_name=display_name or username,
        email=email,
        password_hash=hash_password(password) if password else None,
        roles=validate_roles(roles),
    )
    db.add(user)
    db.flush()
    return user


def has_users(db: Session) -> bool:
    return db.scalar(select(User.id).limit(1)) is not None


def authenticate(db: Session, username: str, password: str) -> User:
    user = db.scalar(select(User).where(User.username == username.strip().lower()))
    ok = verify_password(user.password_hash if user else None, password)
    if not (user and ok and user.active):
        raise NotAuthenticated("Fel användarnamn eller lösenord.", code="invalid_credentials")
    user.last_login_at = utcnow()
    return user


def list_users(db: Session, tenant_id: int) -> list[User]:
    return list(db.scalars(select(User).where(User.tenant_id == tenant_id).order_by(User.username)))


def principal_for_user(db: Session, user: User) -> Principal:
    tenant = db.get(Tenant, user.tenant_id)
    assert tenant is not None
    return Principal(
        tenant_id=tenant.id,
        tenant_slug=tenant.slug,
        kind="user",
        id=user.id,
        name=user.username,
        roles=frozenset(user.roles),
    )


# --- page sessions -------------------------------------------------------------------------


def start_session(db: Session, user: User, hours: int) -> tuple[str, WebSession]:
    token = secrets.token_urlsafe(32)
    web_session = WebSession(
        token_hash=sha256_hex(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utcnow() + timedelta(hours=hours),
    )
    db.add(web_session)
    db.flush()
    return token, web_session


def resolve_session(db: Session, token: str) -> tuple[User, WebSession] | None:
    web_session = db.get(WebSession, sha256_hex(token))
    if web_session is None or web_session.expires_at < utcnow():
        return None
    user = db.get(User, web_session.user_id)
    if user is None or not user.active:
        return None
    return user, web_session


def end_session(db: Session, token: str) -> None:
    db.execute(delete(WebSession).where(WebSession.token_hash == sha256_hex(token)))
