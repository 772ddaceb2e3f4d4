"""Roles and what they may do. A principal is a logged-in user, an API key or the local CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

from tillit.errors import InvalidInput, PermissionDenied

ROLES = ("admin", "developer", "caseworker", "annotator", "viewer")

ROLE_LABELS_SV = {
    "admin": "Administratör",
    "developer": "Utvecklare",
    "caseworker": "Handläggare",
    "annotator": "Annoterare",
    "viewer": "Läsare",
}

PERMISSIONS: dict[str, frozenset[str]] = {
    "models:read": frozenset(ROLES),
    "models:write": frozenset({"admin", "developer"}),
    "keys:read": frozenset({"admin", "developer"}),
    "keys:write": frozenset({"admin", "developer"}),
    "runs:read": frozenset({"admin", "developer"}),
    "usage:read": frozenset({"admin", "developer"}),
    "audit:read": frozenset({"admin"}),
    "users:write": frozenset({"admin"}),
    "tenant:admin": frozenset({"admin"}),
    # Concern reports are K3: only social-services roles see cases; annotators see
    # pseudonymised passages only; an admin sets retention and letter details, never reads cases.
    "cases:read": frozenset({"caseworker"}),
    "cases:write": frozenset({"caseworker"}),
    "annotations:write": frozenset({"caseworker", "annotator"}),
    "concern:train": frozenset({"caseworker", "annotator"}),
    "concern:configure": frozenset({"admin"}),
    # Governance: anyone may read; builders write the record and move the lifecycle; approval
    # is open to every role, because it is the person named in the record that counts.
    "governance:read": frozenset(ROLES),
    "governance:write": frozenset({"admin", "developer"}),
    "governance:signoff": frozenset(ROLES),
}


PERMISSION_LABELS_SV = {
    "models:read": "se modellkatalogen",
    "models:write": "ändra modellkatalogen",
    "keys:read": "se API-nycklar",
    "keys:write": "skapa och återkalla API-nycklar",
    "runs:read": "se körningar",
    "usage:read": "se användning och kostnader",
    "audit:read": "se granskningsloggen",
    "users:write": "hantera användare",
    "tenant:admin": "administrera organisationen",
    "cases:read": "se ärenden om orosanmälningar",
    "cases:write": "ändra ärenden om orosanmälningar",
    "annotations:write": "annotera",
    "concern:train": "träna klassificeraren",
    "concern:configure": "ställa in orosanmälningar",
    "governance:read": "se styrningsunderlag",
    "governance:write": "ändra styrningsunderlag",
    "governance:signoff": "godkänna i styrningen",
}


def validate_roles(roles: list[str]) -> list[str]:
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise InvalidInput(
            f"Okänd roll: {', '.join(unknown) or '(ingen)'}; giltiga roller: {', '.join(ROLES)}.",
            code="invalid_role",
        )
    return list(dict.fromkeys(roles))


@dataclass(frozen=True)
class Principal:
    tenant_id: int
    tenant_slug: str
    kind: str  # "user" | "key" | "system"
    id: int | None
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    default_class: str = "K1"

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}" if self.kind != "system" else "system:cli"

    def can(self, permission: str) -> bool:
        return self.kind == "system" or bool(self.roles & PERMISSIONS[permission])

    def require(self, permission: str) -> None:
        if not self.can(permission):
            what = PERMISSION_LABELS_SV.get(permission, permission)
            raise PermissionDenied(
                f"Behörighet saknas: din roll får inte {what} ({permission}).",
                code="permission_denied",
            )
