"""What a caseworker completes on a case after intake: the child's name, personnummer and
birth date, and the reporter type (a mail or a file often lacks them, and letters need the
child), and who handles the case. Each change is audited by field name, never by value."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.auth.roles import Principal
from tillit.auth.secretbox import SecretBox
from tillit.auth.tables import User
from tillit.concern.case_audit import audit_case
from tillit.concern.cases import assign, open_case
from tillit.concern.register import birth_date_of, decrypt_json, encrypt_json, set_child_keys
from tillit.concern.schemas import REPORTER_TYPES, Child, plain_line
from tillit.concern.tables import ConcernCase
from tillit.errors import InvalidInput
from tillit.privacy.identity import parse_identity
from tillit.swedish_time import in_sweden


class DetailsIn(BaseModel):
    """Fields left out are unchanged; an empty string clears a text field."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    child_name: str | None = Field(default=None, max_length=200)
    child_personnummer: str | None = Field(default=None, max_length=20)
    child_birth_date: date | None = None
    reporter_type: str | None = None

    _plain = field_validator("*", mode="before")(plain_line)

    @field_validator("reporter_type")
    @classmethod
    def _known_reporter_type(cls, value: str | None) -> str | None:
        if value is not None and value not in REPORTER_TYPES:
            raise ValueError(f"reporter_type måste vara en av {', '.join(REPORTER_TYPES)}")
        return value


def complete_case(
    db: Session, box: SecretBox, principal: Principal, case_number: str, details: DetailsIn
) -> ConcernCase:
    principal.require("cases:write")
    case = open_case(db, principal, case_number)
    if case.purged_at is not None:  # retention erased the child: nothing is stored again
        raise InvalidInput("Ärendets innehåll är gallrat.", code="case_purged")
    child = Child.model_validate(decrypt_json(box, case.child_enc))
    updated = _updated_child(child, details)
    changed = [name for name in ("name", "personnummer", "birth_date") if
               getattr(updated, name) != getattr(child, name)]  # fmt: skip
    if details.reporter_type is not None and details.reporter_type != case.reporter_type:
        case.reporter_type = details.reporter_type
        changed.append("reporter_type")
    if changed:
        case.child_enc = encrypt_json(box, updated.model_dump(mode="json"))
        set_child_keys(case, box, updated)
        audit_case(db, principal, "concern.case.details", case.case_number, {"fields": changed})
    return case


def _updated_child(child: Child, details: DetailsIn) -> Child:
    name, number, birth = child.name, child.personnummer, child.birth_date
    if details.child_name is not None:
        name = details.child_name or None
    if details.child_personnummer is not None:
        number, from_number = _identity(details.child_personnummer)
        if from_number is not None and details.child_birth_date is None:
            birth = from_number
    if details.child_birth_date is not None:
        birth = details.child_birth_date
    if birth is not None and birth > in_sweden(datetime.now(UTC)).date():
        raise InvalidInput("Födelsedatumet ligger i framtiden.", code="child_birth_date_invalid")
    if number and birth is not None:
        identity = parse_identity(number)
        if identity is not None and birth_date_of(identity) not in (None, birth):
            raise InvalidInput(
                "Födelsedatumet stämmer inte med personnumret.", code="child_birth_date_invalid"
            )
    return child.model_copy(update={"name": name, "personnummer": number, "birth_date": birth})


def _identity(written: str) -> tuple[str | None, date | None]:
    if not written:
        return None, None
    identity = parse_identity(written)
    if identity is None:
        raise InvalidInput(
            "Barnets personnummer är inte giltigt (fel kontrollsiffra eller datum).",
            code="child_pnr_invalid",
        )
    return identity.normalised, birth_date_of(identity)


def assign_case(
    db: Session, principal: Principal, case_number: str, username: str | None
) -> ConcernCase:
    """Give the case to a caseworker of the tenant by user name, or to nobody (None)."""
    case = open_case(db, principal, case_number)
    user_id = None
    if username:
        user_id = db.scalar(
            select(User.id).where(User.tenant_id == principal.tenant_id, User.username == username)
        )
        if user_id is None:
            raise InvalidInput("Ärenden kan bara tilldelas handläggare.", code="invalid_assignee")
    assign(db, principal, case, user_id)
    return case


def caseworkers(db: Session, tenant_id: int) -> list[dict[str, Any]]:
    """The tenant's caseworkers, for the assignment choice."""
    users = db.scalars(select(User).where(User.tenant_id == tenant_id).order_by(User.username))
    return [
        {"id": u.id, "username": u.username, "name": u.display_name or u.username}
        for u in users
        if "caseworker" in u.roles
    ]
