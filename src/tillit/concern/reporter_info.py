"""Information to the reporter (återkoppling), 19 kap. 6 § socialtjänstlagen (2025:400).

A reporter with a duty to report (19 kap. 1–3 §§; in Tillit the professional reporter types)
may be told whether an investigation was opened or not. Since 15 January 2026 (lag 2025:1501),
one who asks must be told at the latest one week after the decision, or at once when the
request comes later. The register keeps the request and the answer and shows the deadline.
What is told is the decision only: everything else about the child stays under secrecy.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from tillit.auth.roles import Principal
from tillit.concern.case_audit import audit_case
from tillit.concern.ongoing import ongoing_investigation
from tillit.concern.schemas import PROFESSIONAL_TYPES
from tillit.concern.tables import ConcernCase
from tillit.errors import InvalidInput
from tillit.swedish_time import SWEDEN, in_sweden

INFO_DAYS = 7  # "senast en vecka efter det att socialnämnden har fattat beslut"
INFO_METHODS: dict[str, str] = {
    "telefon": "Telefon",
    "brev": "Brev",
    "e-post": "E-post",
    "mote": "Möte",
}
NOT_APPLICABLE = (
    "Återkoppling enligt 19 kap. 6 § socialtjänstlagen gäller bara den som har anmält i sin "
    "yrkesroll och har anmälningsskyldighet, inte en anonym anmälare eller en privatperson."
)


class InfoRequestIn(BaseModel):
    """``requested_at``: when the reporter asked (default now; no offset means UTC)."""

    model_config = ConfigDict(extra="forbid")

    requested_at: datetime | None = None


class InfoGivenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: str


def reporter_info_applies(case: ConcernCase) -> bool:
    return case.reporter_type in PROFESSIONAL_TYPES and not case.anonymous


def require_reporter_info_applies(case: ConcernCase) -> None:
    if not reporter_info_applies(case):
        raise InvalidInput(NOT_APPLICABLE, code="reporter_info_not_applicable")


def what_to_tell(db: Session, case: ConcernCase) -> str:
    """What the reporter can be told: this case's decision (``utredning_inleds`` /
    ``inleds_ej``), or ``pagar`` when an investigation about the child is already under way."""
    if case.decision is not None:
        return case.decision
    if ongoing_investigation(db, case) is not None:
        return "pagar"
    raise InvalidInput(
        "Återkoppling kan lämnas först när beslutet om att inleda eller inte inleda "
        "utredning är fattat, eller när en utredning om barnet redan pågår.",
        code="no_decision_yet",
    )


def reporter_info_due(case: ConcernCase, ongoing: str | None = None) -> date | None:
    """The Swedish calendar day the answer is due: a week after the decision, or the day of
    the request when it came later; at once when an investigation about the child is already
    under way (``ongoing``, its case number) and this case has no decision of its own. None
    while nothing is requested, or nothing is decided or under way."""
    if case.reporter_info_requested_at is None:
        return None
    requested = in_sweden(case.reporter_info_requested_at).date()
    if case.decided_at is not None:
        return max(in_sweden(case.decided_at).date() + timedelta(days=INFO_DAYS), requested)
    return requested if ongoing else None


def reporter_info_dict(case: ConcernCase, now: datetime, ongoing: str | None) -> dict[str, Any]:
    """The state the register shows; ``due`` is an ISO date, the times ISO timestamps."""
    due = reporter_info_due(case, ongoing)
    given = case.reporter_info_given_at
    requested = case.reporter_info_requested_at
    return {
        "applies": reporter_info_applies(case),
        "requested_at": requested.isoformat() if requested else None,
        "due": due.isoformat() if due else None,
        "given_at": given.isoformat() if given else None,
        "overdue": given is None and due is not None and due < in_sweden(now).date(),
    }


def request_reporter_info(
    db: Session, principal: Principal, case: ConcernCase, requested_at: datetime | None = None
) -> None:
    """Record that the reporter asked to be told the decision (by phone, mail or in the
    report). The first request stands; ``requested_at`` defaults to now."""
    principal.require("cases:write")
    require_reporter_info_applies(case)
    if case.reporter_info_requested_at is not None:
        return
    now = datetime.now(UTC)
    when = requested_at or now
    if when.tzinfo is None:  # the platform's rule: a time without an offset is UTC
        when = when.replace(tzinfo=UTC)
    if when > now or in_sweden(when).date() < in_sweden(case.received_at).date():
        raise InvalidInput(
            "Begäran kan inte ha kommit före anmälan eller i framtiden.", code="requested_at"
        )
    case.reporter_info_requested_at = when
    detail = {"requested_at": when.isoformat()}
    audit_case(db, principal, "concern.case.reporter_info_request", case.case_number, detail)


def day_in_sweden(day: date, now: datetime | None = None) -> datetime:
    """A request noted only by its day (the page's date field): the end of that Swedish day,
    or now when that is earlier."""
    now = now or datetime.now(UTC)
    end = datetime.combine(day, time(23, 59), tzinfo=SWEDEN).astimezone(UTC)
    return min(end, now)


def mark_reporter_info_given(
    db: Session, principal: Principal, case: ConcernCase, method: str
) -> None:
    """Record that the reporter was told the decision. The first record stands."""
    principal.require("cases:write")
    require_reporter_info_applies(case)
    if method not in INFO_METHODS:
        raise InvalidInput("Okänt sätt att lämna återkoppling.", code="reporter_info_method")
    what_to_tell(db, case)
    record_reporter_info_given(db, principal, case, method)


def record_reporter_info_given(
    db: Session, principal: Principal, case: ConcernCase, method: str
) -> None:
    """The record itself, once: also made when a ``reporter_info`` letter is marked sent, which
    its drafting checked (the case may have changed since; the letter went out all the same)."""
    if case.reporter_info_given_at is not None:
        return
    case.reporter_info_given_at = datetime.now(UTC)
    audit_case(
        db, principal, "concern.case.reporter_info_given", case.case_number, {"method": method}
    )
