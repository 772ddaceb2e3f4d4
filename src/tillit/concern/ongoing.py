"""An investigation already under way about the same child (20 kap. 2 § SoL, 2025:400).

When one is, a new report about the child needs no decision of its own to open or not open an
investigation, and a reporter who asks may be told at once that one is under way (19 kap. 6 §).
The same child is found as the history view finds it: the same personnummer, or the same name
and birth date (keyed hashes) when one of the reports has no personnummer.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from tillit.concern.tables import ConcernCase

UNDER_WAY = "utredning_inleds"


def ongoing_investigations(db: Session, cases: list[ConcernCase]) -> dict[int, str]:
    """For each of ``cases`` (by id) with another case about the same child whose
    investigation is under way: that case's number. One query for the whole list."""
    about_them = same_child_as(cases)
    if about_them is None:
        return {}
    tenants = {c.tenant_id for c in cases}
    under_way = db.scalars(
        select(ConcernCase)
        .where(ConcernCase.tenant_id.in_(tenants), ConcernCase.status == UNDER_WAY, about_them)
        .order_by(ConcernCase.received_at)
    ).all()
    found: dict[int, str] = {}
    for case in cases:
        for other in under_way:
            if other.id != case.id and same_child(case, other):
                found[case.id] = other.case_number
                break
    return found


def ongoing_investigation(db: Session, case: ConcernCase) -> str | None:
    return ongoing_investigations(db, [case]).get(case.id)


def same_child_as(cases: list[ConcernCase]) -> ColumnElement[bool] | None:
    """The condition for a case that may be about a child of ``cases``: the same personnummer,
    or the same name and birth date (keyed hashes). None when none of them has either key. The
    caller limits it to the tenant and keeps the matches ``same_child`` confirms."""
    pnr_keys = {c.child_pnr_key for c in cases if c.child_pnr_key}
    name_keys = {c.child_name_key for c in cases if c.child_name_key}
    if not pnr_keys and not name_keys:
        return None
    return or_(ConcernCase.child_pnr_key.in_(pnr_keys), ConcernCase.child_name_key.in_(name_keys))


def same_child(case: ConcernCase, other: ConcernCase) -> bool:
    """The same personnummer; or the same name and birth date, unless both have a
    personnummer and they differ (two children of the same name born the same day, which the
    name and birth date alone cannot tell apart)."""
    if case.tenant_id != other.tenant_id:
        return False
    if case.child_pnr_key is not None and other.child_pnr_key is not None:
        return case.child_pnr_key == other.child_pnr_key
    return case.child_name_key is not None and case.child_name_key == other.child_name_key
