"""Audit events about one case: the case number is the object, never the case's content
(admins read the audit log, and they may not see cases)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tillit.audit.service import record
from tillit.auth.roles import Principal


def audit_case(
    db: Session,
    principal: Principal,
    action: str,
    case_number: str,
    detail: dict[str, Any] | None = None,
) -> None:
    record(db, principal, action, object_type="concern_case", object_id=case_number, detail=detail)
