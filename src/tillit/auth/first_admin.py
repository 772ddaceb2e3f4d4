"""The installation's first administrator. It is created once, on the first start, and its
password is shown once to the person who ran that command (the CLI prints it)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tillit.audit.service import record as audit
from tillit.auth import service

FIRST_ADMIN = "admin"


@dataclass(frozen=True)
class FirstAdmin:
    username: str
    password: str


def create_first_admin(db: Session) -> FirstAdmin | None:
    """Create the administrator of the default tenant when the installation has no users yet;
    None when it has some (an existing installation is left as it is)."""
    if service.has_users(db):
        return None
    password = secrets.token_urlsafe(12)
    tenant = service.ensure_default_tenant(db)
    user = service.create_user(db, tenant, FIRST_ADMIN, password, ["admin"], "Administratör")
    audit(
        db,
        None,
        "user.create",
        object_type="user",
        object_id=user.id,
        tenant_id=tenant.id,
        actor="system:first-start",
        detail={"roles": ["admin"]},
    )
    return FirstAdmin(user.username, password)
