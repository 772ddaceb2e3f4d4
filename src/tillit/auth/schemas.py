from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tillit.auth.tables import ApiKey, User
from tillit.db.base import utcnow
from tillit.policy import SecurityClass


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    role: str = "viewer"
    default_class: SecurityClass = SecurityClass.K1
    expires_at: datetime | None = None


class KeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    role: str
    default_class: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    active: bool

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        expired = key.expires_at is not None and key.expires_at <= utcnow()
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            role=key.role,
            default_class=key.default_class,
            created_at=key.created_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            active=key.revoked_at is None and not expired,
        )


class KeyCreated(KeyOut):
    key: str = Field(description="The secret. Shown only in this response.")


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=200)
    password: str | None = Field(default=None, max_length=500)
    roles: list[str] = Field(default_factory=lambda: ["viewer"])
    display_name: str = ""
    email: str | None = None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    email: str | None
    roles: list[str]
    active: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            email=user.email,
            roles=user.roles,
            active=user.active,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )


class MeOut(BaseModel):
    kind: str
    name: str
    tenant: str
    roles: list[str]
    default_class: str
