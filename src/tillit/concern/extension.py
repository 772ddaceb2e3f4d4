"""Prolonging the initial assessment (förhandsbedömning), 20 kap. 2 § socialtjänstlagen
(2025:400): the decision to open an investigation or not is due within fourteen days of the
report, and "tiden för förhandsbedömningen får endast förlängas om det finns synnerliga skäl".

The caseworker records the new last day and the exceptional reasons. The register then counts
from the new day (``assessment_deadline`` is the day in force; the statutory day follows from
when the report came in). The reasons may name the child or others, so they are kept encrypted
with the case and left out of the audit log, which records the days only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from tillit.auth.roles import Principal
from tillit.auth.secretbox import SecretBox
from tillit.concern.case_audit import audit_case
from tillit.concern.register import assessment_deadline_after, decrypt_json, encrypt_json
from tillit.concern.schemas import UNDECIDED_STATUSES
from tillit.concern.tables import ConcernCase
from tillit.errors import InvalidInput
from tillit.swedish_time import SWEDEN, in_sweden

LATEST_DAY = 90  # a typo guard: the new day lies at most 90 days after the report came in
MAX_REASON = 2000


class ExtensionIn(BaseModel):
    """``until``: the new last day (a Swedish calendar day); ``reason``: the exceptional
    reasons (synnerliga skäl)."""

    model_config = ConfigDict(extra="forbid")

    until: date
    reason: str


def statutory_deadline(case: ConcernCase) -> date:
    """The fourteenth day after the Swedish day the report came in."""
    return in_sweden(assessment_deadline_after(case.received_at)).date()


def extend_assessment(
    db: Session, principal: Principal, box: SecretBox, case: ConcernCase, until: date, reason: str
) -> None:
    """Move the last day of the initial assessment to ``until`` for ``reason``. It may be moved
    again, each time later; every extension is kept with its reasons."""
    principal.require("cases:write")
    reason = reason.strip()
    _check(case, until, reason)
    previous = in_sweden(case.assessment_deadline).date()
    now = datetime.now(UTC)
    history = extension_history(box, case)
    entry = {"until": until.isoformat(), "reason": reason, "by": principal.name}
    history.append({**entry, "at": now.isoformat()})
    case.assessment_extension_enc = encrypt_json(box, {"history": history})
    case.assessment_extended_at = now
    case.assessment_deadline = datetime.combine(until, time(12), tzinfo=SWEDEN).astimezone(UTC)
    detail = {"from": previous.isoformat(), "until": until.isoformat()}
    audit_case(db, principal, "concern.case.assessment_extended", case.case_number, detail)


def _check(case: ConcernCase, until: date, reason: str) -> None:
    if case.status not in UNDECIDED_STATUSES or case.purged_at is not None:
        raise InvalidInput(
            "Tiden kan bara förlängas medan förhandsbedömningen pågår.", code="assessment_decided"
        )
    if not reason:
        raise InvalidInput(
            "Skriv de synnerliga skälen för att förlänga tiden (20 kap. 2 § socialtjänstlagen).",
            code="extension_reason",
        )
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Skälen får vara högst {MAX_REASON} tecken.", code="extension_reason")
    current = in_sweden(case.assessment_deadline).date()
    latest = in_sweden(case.received_at).date() + timedelta(days=LATEST_DAY)
    if not current < until <= latest:
        raise InvalidInput(
            f"Den nya sista dagen ska ligga efter {current.isoformat()} och senast "
            f"{latest.isoformat()} ({LATEST_DAY} dagar efter att anmälan kom in).",
            code="extension_until",
        )


def extension_history(box: SecretBox, case: ConcernCase) -> list[dict[str, Any]]:
    """Each extension, oldest first: ``until``, ``reason``, ``by`` (user name), ``at``."""
    return list(decrypt_json(box, case.assessment_extension_enc).get("history", []))


def extension_summary(case: ConcernCase) -> dict[str, Any] | None:
    """What a list may show: that the day was moved, from which statutory day, and when."""
    if case.assessment_extended_at is None:
        return None
    return {
        "statutory_deadline": statutory_deadline(case).isoformat(),
        "extended_at": case.assessment_extended_at.isoformat(),
    }


def extension_detail(box: SecretBox, case: ConcernCase) -> dict[str, Any] | None:
    """For the case itself: the summary with the latest reasons and every extension."""
    summary = extension_summary(case)
    if summary is None:
        return None
    history = extension_history(box, case)
    return {**summary, "reason": history[-1]["reason"] if history else None, "history": history}
