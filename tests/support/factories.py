"""Small helpers that create test objects through the real services."""

from __future__ import annotations

import uuid

from tillit.auth.keys import create_key
from tillit.auth.service import create_user, get_tenant
from tillit.catalog.schemas import ModelIn
from tillit.catalog.service import add_model
from tillit.platform import Platform

PASSWORD = "correct-horse-battery"


def make_key(
    platform: Platform, tenant: str = "default", role: str = "developer", default_class: str = "K1"
) -> str:
    with platform.session() as db:
        _, secret = create_key(
            db,
            get_tenant(db, tenant),
            f"test-{role}-{uuid.uuid4().hex[:4]}",
            role=role,
            default_class=default_class,
        )
    return secret


def make_user(platform: Platform, username: str, roles: list[str], tenant: str = "default") -> str:
    with platform.session() as db:
        create_user(db, get_tenant(db, tenant), username, PASSWORD, roles)
    return username


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def register_upstream_model(
    platform: Platform,
    upstream: str,
    name: str = "echo",
    remote: str = "echo-1",
    max_class: str = "K1",
    tenant: str = "default",
    **extra: object,
) -> int:
    with platform.session() as db:
        model = add_model(
            db,
            get_tenant(db, tenant),
            ModelIn(
                name=name,
                provider="openai-compatible",
                base_url=upstream,
                remote_model=remote,
                max_class=max_class,
                **extra,
            ),
            platform.box,
        )
        return model.id
