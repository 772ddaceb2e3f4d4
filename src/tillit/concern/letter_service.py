"""Letters from a case: drafted from case data, approved by a caseworker, then printed or sent.

A draft is a snapshot of the letter's data (encrypted). Only an approved letter can be
downloaded for sending; every approval, download and dispatch is audited.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tillit.auth.roles import Principal
from tillit.auth.tables import Tenant, User
from tillit.concern.case_audit import audit_case
from tillit.concern.cases import open_case, settings_for
from tillit.concern.letters import (
    LETTER_KINDS,
    MEDIA_TYPES,
    LetterData,
    letter_filename,
    letter_text,
    render_letter,
)
from tillit.concern.register import decrypt_json
from tillit.concern.reporter_info import (
    record_reporter_info_given,
    require_reporter_info_applies,
    what_to_tell,
)
from tillit.concern.schemas import STATUSES
from tillit.concern.tables import ConcernCase, ConcernLetter
from tillit.errors import Conflict, InvalidInput, NotFound
from tillit.platform import Platform
from tillit.swedish_time import in_sweden

DISPATCH_METHODS = {"utskrift": "Utskrift", "post": "Post", "e-post": "E-post", "lamnat": "Lämnat"}
DEFAULT_UNIT = "Socialtjänsten, barn och unga"


class LetterIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["receipt", "decision_open", "decision_not_open", "guardian_info", "reporter_info"]
    recipient_name: str = Field(default="", max_length=200)
    recipient_address: list[str] = Field(default_factory=list, max_length=6)
    decision_text: str = Field(default="", max_length=10_000)
    reasons: str = Field(default="", max_length=10_000)


def draft_letter(
    platform: Platform, db: Session, principal: Principal, case_number: str, letter: LetterIn
) -> ConcernLetter:
    principal.require("cases:write")
    case = open_case(db, principal, case_number)
    told = _require_the_decision(db, case, letter.kind)
    data = _letter_data(platform, db, principal, case, letter, told)
    letter_text(letter.kind, data)  # a letter that cannot be made is refused now, not stored
    draft = ConcernLetter(
        case_id=case.id,
        kind=letter.kind,
        status="utkast",
        data_enc=platform.box.encrypt(json.dumps(_plain(data), ensure_ascii=False)),
        created_by=principal.actor,
    )
    db.add(draft)
    db.flush()
    _audit(db, principal, "concern.letter.draft", case, draft)
    return draft


DECISION_STATUS = {"decision_open": "utredning_inleds", "decision_not_open": "inleds_ej"}
TO_REPORTER = frozenset({"receipt", "reporter_info"})


def _require_the_decision(db: Session, case: ConcernCase, kind: str) -> str:
    """A decision letter follows the decision recorded as the case's status: "Beslut att
    inleda utredning" needs "Utredning inleds", the other "Inleds ej" (for a closed case, the
    decision it was closed after). So the two contradictory letters can never both be made.
    The reporter is told the decision, whichever it is, once it is made (or that an
    investigation about the child is under way), and only a reporter with a duty to report
    (19 kap. 6 § SoL). Returns the decision the letter states."""
    if kind == "reporter_info":
        require_reporter_info_applies(case)
        try:
            return what_to_tell(db, case)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, code="letter_does_not_match_decision") from None
    needed = DECISION_STATUS.get(kind)
    if needed is None or case.decision == needed:
        return case.decision or ""
    raise InvalidInput(
        f"{LETTER_KINDS[kind]} kan bara skrivas när ärendets status är "  # type: ignore[index]
        f"'{STATUSES[needed]}'. Ändra status först, när beslutet är fattat.",
        code="letter_does_not_match_decision",
    )


def _letter_data(
    platform: Platform,
    db: Session,
    principal: Principal,
    case: ConcernCase,
    letter: LetterIn,
    decision: str,
) -> LetterData:
    if case.text_enc is None:
        raise InvalidInput("Ärendets innehåll är gallrat.", code="case_purged")
    child = decrypt_json(platform.box, case.child_enc)
    reporter = decrypt_json(platform.box, case.reporter_enc)
    if letter.kind == "receipt" and case.anonymous:
        raise InvalidInput(
            "Anmälaren är anonym: ingen mottagningsbekräftelse kan skickas.",
            code="reporter_anonymous",
        )
    to_reporter = letter.kind in TO_REPORTER
    if letter.kind == "receipt" and not any(reporter.values()):
        raise InvalidInput(
            "Anmälarens namn och kontaktuppgifter saknas: ingen mottagningsbekräftelse kan "
            "skickas.",
            code="reporter_unknown",
        )
    if not child.get("birth_date") or not child.get("name"):
        raise InvalidInput(
            "Barnets namn och födelsedatum behövs för brevet; komplettera ärendet.",
            code="child_details_missing",
        )
    office = settings_for(db, case.tenant_id).office
    tenant = db.get(Tenant, case.tenant_id)
    recipient = letter.recipient_name or (reporter.get("name") if to_reporter else "")
    address = tuple(letter.recipient_address)
    if to_reporter and not address and reporter.get("email"):
        address = (str(reporter["email"]),)  # to the address the reporter gave
    unit = office.get("unit") or DEFAULT_UNIT
    return LetterData(
        municipality=office.get("municipality") or (tenant.name if tenant else ""),
        unit=unit,
        case_number=case.case_number,
        letter_date=in_sweden(datetime.now(UTC)).date(),
        received_date=in_sweden(case.received_at).date(),
        child_name=child["name"],
        child_birth_date=date.fromisoformat(child["birth_date"]),
        recipient_name=recipient or "",
        recipient_address=address,
        caseworker_name=_caseworker_name(db, principal, case, unit),
        office_address=tuple(office.get("address", ())),
        office_phone=office.get("phone", ""),
        office_email=office.get("email", ""),
        decision_text=letter.decision_text,
        reasons=letter.reasons,
        reporter_name=(reporter.get("name") or "") if to_reporter else "",
        reporter_contact=_contact(reporter) if not to_reporter else (),
        decision=decision,
        decision_date=in_sweden(case.decided_at).date() if case.decided_at else None,
    )


def _contact(reporter: dict[str, Any]) -> tuple[str, ...]:
    """Given to guardian letters only so that the letter refuses to carry any of it."""
    return tuple(v for v in (reporter.get(k) for k in ("name", "email", "phone")) if v)


def _caseworker_name(db: Session, principal: Principal, case: ConcernCase, unit: str) -> str:
    """The person the letter names: who drafts it; for a draft made through an API key (a
    system, not a person) the case's assigned caseworker, or else the unit, never the key's
    name."""
    person_id = principal.id if principal.kind == "user" else case.assigned_to_id
    user = db.get(User, person_id) if person_id is not None else None
    if user is not None:
        return user.display_name or user.username
    return unit


def _plain(data: LetterData) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(data).items()}


def _data(platform: Platform, letter: ConcernLetter) -> LetterData:
    if not letter.data_enc:
        raise InvalidInput("Brevets innehåll är gallrat.", code="letter_purged")
    raw = json.loads(platform.box.decrypt(letter.data_enc))
    dates = {f.name for f in fields(LetterData) if "date" in f.name and "birth" not in f.name}
    values = {
        k: (
            date.fromisoformat(v)
            if k in dates and v
            else v
            if not isinstance(v, list)
            else tuple(v)
        )
        for k, v in raw.items()
    }
    return LetterData(**values)


def get_letter(db: Session, principal: Principal, case_number: str, letter_id: int) -> Any:
    case = open_case(db, principal, case_number)
    letter = db.get(ConcernLetter, letter_id)
    if letter is None or letter.case_id != case.id:
        raise NotFound("Brevet finns inte.", code="letter_not_found")
    return case, letter


def case_letters(platform: Platform, db: Session, case: ConcernCase) -> list[dict[str, Any]]:
    statement = select(ConcernLetter).where(ConcernLetter.case_id == case.id)
    return [letter_dict(platform, x) for x in db.scalars(statement.order_by(ConcernLetter.id))]


def letter_dict(platform: Platform, letter: ConcernLetter) -> dict[str, Any]:
    """A letter for the case page. A stored letter that can no longer be made (a draft saved
    before drafts were checked) is shown with its problem, so the case page still opens."""
    try:
        text = letter_text(letter.kind, _data(platform, letter)) if letter.data_enc else ""  # type: ignore[arg-type]
        problem = ""
    except InvalidInput as exc:
        text, problem = "", exc.message
    return {
        "id": letter.id,
        "kind": letter.kind,
        "title": LETTER_KINDS[letter.kind],  # type: ignore[index]
        "status": letter.status,
        "created_by": letter.created_by,
        "approved_by": letter.approved_by,
        "dispatched_at": letter.dispatched_at.isoformat() if letter.dispatched_at else None,
        "dispatch_method": letter.dispatch_method,
        "text": text,
        "problem": problem,
    }


def discard_letter(db: Session, principal: Principal, case_number: str, letter_id: int) -> Any:
    """A draft the caseworker does not want (wrong type, or one that cannot be made) is kept
    as discarded: never approved, never sent, still in the audit trail."""
    principal.require("cases:write")
    case, letter = get_letter(db, principal, case_number, letter_id)
    if letter.status != "utkast":
        raise InvalidInput("Bara ett utkast kan kastas.", code="letter_not_draft")
    letter.status = "kasserat"
    _audit(db, principal, "concern.letter.discard", case, letter)
    return letter


def approve_letter(
    platform: Platform, db: Session, principal: Principal, case_number: str, letter_id: int
) -> Any:
    principal.require("cases:write")
    case, letter = get_letter(db, principal, case_number, letter_id)
    if letter.status != "utkast":
        done = "Utkastet är kastat." if letter.status == "kasserat" else "Brevet är redan godkänt."
        raise InvalidInput(done, code="letter_not_draft")
    letter_text(letter.kind, _data(platform, letter))  # type: ignore[arg-type]
    letter.status, letter.approved_by = "godkant", principal.actor
    letter.approved_at = datetime.now(UTC)
    _audit(db, principal, "concern.letter.approve", case, letter)
    return letter


def letter_file(
    platform: Platform,
    db: Session,
    principal: Principal,
    case_number: str,
    letter_id: int,
    fmt: str,
) -> tuple[bytes, str, str]:
    """The approved letter as DOCX or PDF: (content, filename, media type); downloading is
    logged as printing."""
    if fmt not in MEDIA_TYPES:
        raise InvalidInput("Format: docx eller pdf.", code="letter_format")
    case, letter = get_letter(db, principal, case_number, letter_id)
    if letter.status == "utkast":
        raise InvalidInput(
            "Brevet måste godkännas innan det skrivs ut.", code="letter_not_approved"
        )
    if letter.status == "kasserat":  # never approved: kept for the audit trail, never printed
        raise InvalidInput("Ett kasserat brev kan inte skrivas ut.", code="letter_discarded")
    data = _data(platform, letter)
    content = render_letter(letter.kind, data, fmt)  # type: ignore[arg-type]
    _audit(db, principal, "concern.letter.print", case, letter, {"format": fmt})
    return content, letter_filename(letter.kind, data, fmt), MEDIA_TYPES[fmt]  # type: ignore[arg-type,index]


def dispatch_letter(
    db: Session, principal: Principal, case_number: str, letter_id: int, method: str
) -> Any:
    principal.require("cases:write")
    if method not in DISPATCH_METHODS:
        raise InvalidInput("Okänt sätt att skicka.", code="dispatch_method")
    case, letter = get_letter(db, principal, case_number, letter_id)
    if letter.status == "utkast":
        raise InvalidInput("Brevet måste godkännas innan det skickas.", code="letter_not_approved")
    if letter.status == "skickat":  # the first record of sending stands
        when = in_sweden(letter.dispatched_at).strftime("%Y-%m-%d %H:%M")
        how = DISPATCH_METHODS.get(letter.dispatch_method or "", letter.dispatch_method)
        raise Conflict(
            f"Brevet är redan registrerat som skickat ({how}, {when}).", code="letter_sent"
        )
    if letter.status != "godkant":
        raise InvalidInput("Ett kasserat brev kan inte skickas.", code="letter_discarded")
    letter.status, letter.dispatch_method = "skickat", method
    letter.dispatched_at = datetime.now(UTC)
    _audit(db, principal, "concern.letter.dispatch", case, letter, {"method": method})
    if letter.kind == "reporter_info":
        record_reporter_info_given(db, principal, case, "e-post" if method == "e-post" else "brev")
    return letter


def _audit(
    db: Session,
    principal: Principal,
    action: str,
    case: ConcernCase,
    letter: ConcernLetter,
    extra: dict[str, Any] | None = None,
) -> None:
    detail = {"letter_id": letter.id, "kind": letter.kind, **(extra or {})}
    audit_case(db, principal, action, case.case_number, detail)
