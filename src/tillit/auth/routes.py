"""JSON API: who am I, API keys, users."""

from __future__ import annotations

from fastapi import APIRouter

from tillit.audit.service import record as audit
from tillit.auth import keys as key_service
from tillit.auth import service
from tillit.auth.roles import PERMISSION_LABELS_SV, PERMISSIONS, ROLE_LABELS_SV, Principal
from tillit.auth.schemas import KeyCreated, KeyIn, KeyOut, MeOut, UserIn, UserOut
from tillit.errors import PermissionDenied
from tillit.web.deps import PlatformDep, PrincipalDep

router = APIRouter(prefix="/api", tags=["access"])


@router.get("/me")
def me(principal: PrincipalDep) -> MeOut:
    return MeOut(
        kind=principal.kind,
        name=principal.name,
        tenant=principal.tenant_slug,
        roles=sorted(principal.roles),
        default_class=principal.default_class,
    )


@router.get("/keys")
def list_keys(platform: PlatformDep, principal: PrincipalDep) -> list[KeyOut]:
    principal.require("keys:read")
    with platform.session() as db:
        return [KeyOut.of(k) for k in key_service.list_keys(db, principal.tenant_id)]


def check_can_grant(principal: Principal, role: str) -> None:
    """A key never carries a permission its creator lacks: otherwise a developer could make a
    caseworker key and read K3 cases (nor does an administrator, who does not see cases,
    mint one; the installation's CLI can)."""
    if role == "admin" and not principal.can("tenant:admin"):
        raise PermissionDenied("Bara administratörer kan skapa administratörsnycklar.")
    lacking = [p for p, roles in PERMISSIONS.items() if role in roles and not principal.can(p)]
    if lacking:
        what = ", ".join(PERMISSION_LABELS_SV.get(p, p) for p in lacking)
        label = ROLE_LABELS_SV.get(role, role)
        raise PermissionDenied(
            f"Du kan inte skapa en nyckel med rollen {label}: den skulle få göra sådant som "
            f"din egen roll inte får ({what}).",
            code="permission_denied",
        )


@router.post("/keys", status_code=201)
def create_key(data: KeyIn, platform: PlatformDep, principal: PrincipalDep) -> KeyCreated:
    principal.require("keys:write")
    check_can_grant(principal, data.role)
    with platform.session() as db:
        key, secret = key_service.create_key(
            db,
            service.get_tenant(db, principal.tenant_slug),
            data.name,
            role=data.role,
            default_class=data.default_class.value,
            expires_at=data.expires_at,
            created_by=principal.id if principal.kind == "user" else None,
        )
        audit(
            db,
            principal,
            "key.create",
            object_type="api_key",
            object_id=key.id,
            detail={"name": key.name, "role": key.role, "default_class": key.default_class},
        )
        return KeyCreated(**KeyOut.of(key).model_dump(), key=secret)


@router.delete("/keys/{key_id}")
def revoke_key(key_id: int, platform: PlatformDep, principal: PrincipalDep) -> KeyOut:
    principal.require("keys:write")
    with platform.session() as db:
        key = key_service.revoke_key(db, principal.tenant_id, key_id)
        audit(db, principal, "key.revoke", object_type="api_key", object_id=key.id)
        return KeyOut.of(key)


@router.get("/users")
def list_users(platform: PlatformDep, principal: PrincipalDep) -> list[UserOut]:
    principal.require("users:write")
    with platform.session() as db:
        return [UserOut.of(u) for u in service.list_users(db, principal.tenant_id)]


@router.post("/users", status_code=201)
def create_user(data: UserIn, platform: PlatformDep, principal: PrincipalDep) -> UserOut:
    principal.require("users:write")
    with platform.session() as db:
        user = service.create_user(
            db,
            service.get_tenant(db, principal.tenant_slug),
            data.username,
            data.password,
            data.roles,
            data.display_name,
            data.email,
        )
        audit(
            db,
            principal,
            "user.create",
            object_type="user",
            object_id=user.id,
            detail={"roles": user.roles},
        )
        return UserOut.of(user)
