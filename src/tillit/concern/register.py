"""Registering a report as a case: case number, deadlines, duplicates, the child's keys.

Personal data is encrypted with the platform's SecretBox before it is stored; equal children and
equal texts are found through keyed hashes (``SecretBox.keyed_hash``), never through plaintext.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tillit.auth.roles import Principal
from tillit.auth.secretbox import SecretBox
from tillit.concern.case_audit import audit_case
from tillit.concern.schemas import (
    DUTY_TO_REPORT,
    EMAIL,
    REPORTER_TYPES,
    Child,
    ReportIn,
    anonymous_with_duty,
)
from tillit.concern.tables import ConcernCase
from tillit.errors import Conflict, InvalidInput
from tillit.privacy.detect import detect
from tillit.privacy.identity import IdentityNumber, parse_identity
from tillit.swedish_time import in_sweden

ASSESSMENT_DAYS = 14  # förhandsbedömning within 14 days of receipt (20 kap. 2 § SoL, 2025:400)
ADULT_AGE = 18
EARLIEST_RECEIVED_YEAR = 1900
INVALID_PNR_IN_TEXT = (
    "Anmälan innehåller ett personnummer som inte är giltigt (fel kontrollsiffra eller datum). "
    "Kontrollera barnets uppgifter med anmälaren och fyll i dem under Uppgifter och handläggare."
)
MAX_SOURCE_REF = 200
PNR_FORM = re.compile(r"(?<![\d+-])(?:\d{2}(\d{2})|\d{4}(\d{2}))\d{2}[-+]\d{4}(?![\d-])")
"""Written the way a personnummer is (YYMMDD-NNNN or YYYYMMDD-NNNN): one that fails
validation is worth a warning, unless its "month" is 20 or more, which makes it an
organisationsnummer (a school's, say). Without the dash ten digits may be a phone number, so
those count only when the detector takes them for a personnummer."""
REF_WITH_TEXT = {"webbformular", "e-post"}  # a reused reference with a new text: its own case


CodedWarning = tuple[str, str]  # a warning about a case: (code, Swedish message)


class CaseNumberBusy(InvalidInput):
    """No free case number after a few tries (concurrent registrations): try again."""

    code = "case_number"


@dataclass(frozen=True)
class Registered:
    """``warnings`` (Swedish, kept on the case) and their ``warning_codes``, one each in the
    same order, are given only by the registration that made the case."""

    case: ConcernCase
    created: bool
    warnings: tuple[str, ...] = ()
    warning_codes: tuple[str, ...] = ()


def register_report(
    db: Session,
    box: SecretBox,
    principal: Principal,
    report: ReportIn,
    channel: str,
    *,
    strict_identity: bool = True,
    notes: tuple[str, ...] = (),
    imported: bool = False,
) -> Registered:
    """Register ``report`` as a new case, or return the case its ``source_ref`` already made.

    ``strict_identity``: a child's personnummer that fails validation is refused (form, API);
    otherwise (mail, import) the case is registered with a warning so nothing is lost.
    ``imported``: a line of a file import. Its case keeps the channel the file states (the way
    the report reached the unit), but the import's reference rules apply, whatever that channel:
    the reference is found in any channel, and a reference reused for another text is refused.
    """
    text_key = box.keyed_hash("report-text", _normalised_text(report.text))
    # a mailed case registered before the subject line was left out had it in its key
    same_text = {text_key, box.keyed_hash("report-text", " ".join(report.text.casefold().split()))}
    if imported:
        existing = _imported_before(db, box, principal.tenant_id, report.source_ref, text_key)
    else:
        existing = _by_source(db, principal.tenant_id, channel, report.source_ref, box)
    if existing is not None and existing.text_key not in same_text:
        rules = "import" if imported else channel
        report = _other_report_same_ref(report, existing, rules, text_key)
        existing = _by_source(db, principal.tenant_id, channel, report.source_ref, box)
    if existing is not None:
        return Registered(existing, created=False)
    received = _aware(report.received_at) or datetime.now(UTC)
    problem = received_problem(received) if report.received_at else None
    if problem:  # before 1900 or in the future: no case number or deadline can follow from it
        raise InvalidInput(f"Anmälan kan inte registreras: {problem}.", code="received_invalid")
    child, about_child = _child_details(report, strict_identity)
    coded = (*about_child, *_reporter_warnings(report), *(("intake_note", n) for n in notes))
    warnings = tuple(message for _, message in coded)
    codes = tuple(code for code, _ in coded)
    deadline = assessment_deadline_after(received)
    case = ConcernCase(
        tenant_id=principal.tenant_id,
        status="ny",
        channel=channel,
        reporter_type=report.reporter_type,
        # anonymous is the reporter's choice; a mail or file line without contact details is
        # a reporter whose details are missing, not an anonymous one (the form's empty
        # contact fields are the choice made there)
        anonymous=report.anonymous or (report.reporter.is_empty and channel == "webbformular"),
        received_at=received,
        assessment_deadline=deadline,
        source_ref=report.source_ref,
        text_key=text_key,
        text_enc=box.encrypt(report.text),
        reporter_enc=None if report.anonymous else encrypt_json(box, report.reporter.model_dump()),
        child_enc=encrypt_json(box, child.model_dump(mode="json")),
    )
    write_analysis(box, case, {"warnings": list(warnings)} if warnings else {})
    set_child_keys(case, box, child)
    case.duplicate_of_id = _first_with_same_text(db, case)
    try:
        _insert_with_number(db, case)
    except IntegrityError:
        db.rollback()
        existing = _by_source(db, principal.tenant_id, channel, report.source_ref)
        if existing is None:
            raise
        if existing.text_key not in same_text:  # the same reference, taken for another text
            _other_report_same_ref(report, existing, "api", text_key)  # raises Conflict
        return Registered(existing, created=False)
    audit_case(
        db,
        principal,
        "concern.case.register",
        case.case_number,
        {
            "channel": channel,
            "duplicate": case.duplicate_of_id is not None,
            "warnings": list(codes),  # codes only, never a message
        },
    )
    return Registered(case, True, warnings, codes)


def received_problem(received: datetime, now: datetime | None = None) -> str | None:
    """Why a received date cannot be right, in Swedish: before 1900, or after today in Sweden
    (a date without a time zone is taken as UTC, as when it is stored). None when it can."""
    shown = received.date().isoformat()
    if received.year < EARLIEST_RECEIVED_YEAR:
        return f"mottagningsdatumet {shown} ligger före {EARLIEST_RECEIVED_YEAR}"
    today = in_sweden(now or datetime.now(UTC)).date()
    if received.date() > today + timedelta(days=1):  # far off: no time zone arithmetic
        return f"mottagningsdatumet {shown} ligger i framtiden"
    if in_sweden(_aware(received) or received).date() > today:
        return f"mottagningsdatumet {shown} ligger i framtiden"
    return None


def encrypt_json(box: SecretBox, value: dict[str, Any]) -> str:
    return box.encrypt(json.dumps(value, ensure_ascii=False, default=str))


def decrypt_json(box: SecretBox, token: str | None) -> dict[str, Any]:
    return json.loads(box.decrypt(token)) if token else {}


def read_analysis(box: SecretBox, case: ConcernCase) -> dict[str, Any]:
    """The case's analysis: summary (it quotes the report), warnings (attachment names), model
    results. Kept encrypted like the text; a case stored before that is read as it is."""
    stored = case.analysis or {}
    return decrypt_json(box, stored["enc"]) if "enc" in stored else dict(stored)


def write_analysis(box: SecretBox, case: ConcernCase, value: dict[str, Any]) -> None:
    case.analysis = {"enc": encrypt_json(box, value)} if value else {}


def birth_date_of(identity: IdentityNumber) -> date | None:
    digits = identity.normalised
    day = int(digits[6:8])
    day = day - 60 if day > 60 else day
    try:
        return date(int(digits[:4]), int(digits[4:6]), day)
    except ValueError:  # samordningsnummer with an unknown date (day or month 00)
        return None


# -- the child --------------------------------------------------------------------------------


def _reporter_warnings(report: ReportIn) -> tuple[CodedWarning, ...]:
    """What the form would have asked the reporter again, for a report that came another way:
    it is registered (a report about a child is never lost) and the caseworker is told."""
    found: list[CodedWarning] = []
    if anonymous_with_duty(report.reporter_type, report.anonymous):
        message = (
            f"{DUTY_TO_REPORT} Den här anmälan kom ändå in som anonym, med anmälartypen "
            f"”{REPORTER_TYPES[report.reporter_type]}”. Den är registrerad så att den inte går "
            "förlorad; ta reda på vem som gjorde anmälan."
        )
        found.append(("professional_anonymous", message))
    if report.anonymous and not report.reporter.is_empty:
        found.append(("anonymous_details_dropped", ANONYMOUS_DETAILS_DROPPED))
    email = report.reporter.email
    if not report.anonymous and email and not EMAIL.fullmatch(email):
        found.append(("reporter_email_invalid", REPORTER_EMAIL_INVALID))
    return tuple(found)


ANONYMOUS_DETAILS_DROPPED = (
    "Anmälan kom in som anonym men med uppgifter om anmälaren. Uppgifterna sparades inte, "
    "eftersom anmälaren valt att vara anonym."
)
REPORTER_EMAIL_INVALID = (
    "Anmälarens e-postadress ser inte ut som en e-postadress. Ingen mottagningsbekräftelse "
    "kan skickas dit; kontrollera adressen med anmälaren."
)


def _child_details(report: ReportIn, strict: bool) -> tuple[Child, tuple[CodedWarning, ...]]:
    if not _in_future(report.child.birth_date, report.received_at):
        return _child_identity(report, report.child, strict)
    if strict:
        raise InvalidInput(
            "Barnets födelsedatum ligger i framtiden.", code="child_birth_date_invalid"
        )
    child, found = _child_identity(
        report, report.child.model_copy(update={"birth_date": None}), strict
    )
    return child, (*found, ("child_birth_date_invalid", FUTURE_BIRTH_DATE))


FUTURE_BIRTH_DATE = "Barnets födelsedatum i anmälan ligger i framtiden och sparades inte."


def _child_identity(
    report: ReportIn, child: Child, strict: bool
) -> tuple[Child, tuple[CodedWarning, ...]]:
    if not child.personnummer and not child.name:
        child, invalid_in_text = _child_from_text(report.text, _aware(report.received_at))
        if invalid_in_text and not child.personnummer:
            return child, (("child_pnr_invalid_in_text", INVALID_PNR_IN_TEXT),)
    if not child.personnummer:
        return child, ()
    identity = parse_identity(child.personnummer)
    from_number = birth_date_of(identity) if identity is not None else None
    if identity is None or _in_future(from_number, report.received_at):
        reason = "fel kontrollsiffra eller datum" if identity is None else "datum i framtiden"
        if strict:
            raise InvalidInput(
                f"Barnets personnummer är inte giltigt ({reason}).", code="child_pnr_invalid"
            )
        message = f"Barnets personnummer i anmälan är inte giltigt ({reason})."
        return child, (("child_pnr_invalid", message),)
    birth = child.birth_date or from_number
    return child.model_copy(update={"personnummer": identity.normalised, "birth_date": birth}), ()


def _mistyped_identity(found: re.Match[str]) -> bool:
    month = int(found.group(1) or found.group(2))
    return month < 20 and parse_identity(found.group()) is None


def _in_future(day: date | None, received: datetime | None) -> bool:
    """A birth date after the Swedish day the report came in (or today)."""
    return day is not None and day > in_sweden(_aware(received) or datetime.now(UTC)).date()


def _child_from_text(text: str, received: datetime | None) -> tuple[Child, bool]:
    """A report without structured fields (mail, file): the first identity number of someone
    under 18, and the name written just before it, are taken to be the child's. The flag says
    whether the text holds a personnummer-shaped number that fails validation."""
    today = in_sweden(received or datetime.now(UTC)).date()
    entities = detect(text[:20_000])
    invalid = any(_mistyped_identity(found) for found in PNR_FORM.finditer(text[:20_000]))
    for index, entity in enumerate(entities):
        if entity.type != "PNR":
            continue
        identity = parse_identity(entity.text)
        birth = birth_date_of(identity) if identity else None
        future = _in_future(birth, received)
        invalid = invalid or identity is None or future
        if identity is None or birth is None or future or _age(birth, today) >= ADULT_AGE:
            continue
        name = _name_before(entities, index, text)
        return Child(name=name, personnummer=identity.normalised, birth_date=birth), invalid
    return Child(), invalid


def _name_before(entities: list[Any], index: int, text: str) -> str | None:
    if index == 0 or entities[index - 1].type != "PERSON":
        return None
    person = entities[index - 1]
    between = text[person.end : entities[index].start]
    return person.text if len(between) <= 4 and not re.search(r"[.!?]", between) else None


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def set_child_keys(case: ConcernCase, box: SecretBox, child: Child) -> None:
    """The keyed hashes the history view finds other reports about the child by."""
    case.child_pnr_key = case.child_name_key = None
    identity = parse_identity(child.personnummer) if child.personnummer else None
    if identity is not None and not _in_future(birth_date_of(identity), None):
        case.child_pnr_key = box.keyed_hash("child-pnr", child.personnummer)
    if child.name and child.birth_date:
        name = " ".join(child.name.casefold().split())
        case.child_name_key = box.keyed_hash("child-name", f"{name}|{child.birth_date}")


# -- storing ----------------------------------------------------------------------------------


def _other_report_same_ref(
    report: ReportIn, existing: ConcernCase, channel: str, text_key: str
) -> ReportIn:
    """A source reference already used for a report with another text. The public form's
    reference is the page's token, which a second report sends again after the back button
    or from a restored tab; a mail's is its Message-ID, which the sender chooses and broken
    mailers reuse. Such a report is registered too, under the reference plus its text. An API
    caller is told (409); a file import lists the line as not registered, with the reason."""
    if channel in REF_WITH_TEXT:
        return report.model_copy(
            update={"source_ref": _ref_with_text(report.source_ref or "", text_key)}
        )
    ref = report.source_ref or ""
    if channel == "import" and ref.startswith("import:"):
        message = (
            f"id {ref.removeprefix('import:')!r} finns redan, i ärende {existing.case_number} med "
            "en annan text. Ge en ny anmälan ett nytt id."
        )
    else:
        message = (
            f"Källreferensen {ref!r} används redan för ärende {existing.case_number} med en "
            "annan text. Använd en ny källreferens för en ny anmälan."
        )
    raise Conflict(message, code="source_ref_conflict")


def _ref_with_text(ref: str, text_key: str) -> str:
    suffix = f":{text_key[:16]}"
    if len(ref) + len(suffix) > MAX_SOURCE_REF:
        ref = "sha256-ref:" + hashlib.sha256(ref.encode("utf-8", "surrogateescape")).hexdigest()
    return ref + suffix


def erased_ref(box: SecretBox, ref: str) -> str:
    """What an erased case keeps of its source reference: a keyed hash. A Message-ID can carry
    a name, but the mail or file line it names must still be known as registered, or the next
    poll or re-import would bring the erased report back."""
    return "erased:" + box.keyed_hash("source-ref", ref)[:48]


def _ref_forms(ref: str, box: SecretBox | None) -> list[str]:
    return [ref] if box is None else [ref, erased_ref(box, ref)]


def _by_source(
    db: Session, tenant_id: int, channel: str, ref: str | None, box: SecretBox | None = None
) -> ConcernCase | None:
    """The case a reference made; with ``box``, also when that case has been erased."""
    if not ref:
        return None
    return db.scalar(
        select(ConcernCase).where(
            ConcernCase.tenant_id == tenant_id,
            ConcernCase.channel == channel,
            ConcernCase.source_ref.in_(_ref_forms(ref, box)),
        )
    )


def _imported_before(
    db: Session, box: SecretBox, tenant_id: int, ref: str | None, text_key: str
) -> ConcernCase | None:
    """An imported line's case keeps the channel the line named: it is found by the line's
    reference in any channel (an API caller who chose the same reference makes the line a
    conflict, never a silent match: the texts are compared). The one with the same text comes
    first."""
    if not ref:
        return None
    found = db.scalars(
        select(ConcernCase)
        .where(
            ConcernCase.tenant_id == tenant_id,
            ConcernCase.source_ref.in_(_ref_forms(ref, box)),
        )
        .order_by(ConcernCase.id)
    ).all()
    return next((case for case in found if case.text_key == text_key), found[0] if found else None)


def _first_with_same_text(db: Session, case: ConcernCase) -> int | None:
    return db.scalar(
        select(func.min(ConcernCase.id)).where(
            ConcernCase.tenant_id == case.tenant_id, ConcernCase.text_key == case.text_key
        )
    )


def _insert_with_number(db: Session, case: ConcernCase, attempts: int = 5) -> None:
    """Case numbers run per tenant and year (OA-2026-00017). On PostgreSQL a concurrent
    registration that took the same number makes us try the next one inside a savepoint.
    SQLite has one writer at a time; its driver's savepoints would commit the outer
    transaction, so there a clash (another process, same instant) surfaces as an error."""
    if db.get_bind().dialect.name == "sqlite":
        case.case_number = _next_number(db, case.tenant_id, in_sweden(case.received_at).year)
        db.add(case)
        db.flush()
        return
    for _ in range(attempts):
        case.case_number = _next_number(db, case.tenant_id, in_sweden(case.received_at).year)
        savepoint = db.begin_nested()
        try:
            db.add(case)
            db.flush()
        except IntegrityError:
            savepoint.rollback()
            if _by_source(db, case.tenant_id, case.channel, case.source_ref) is not None:
                raise  # the same submission, registered by a concurrent request
            continue
        savepoint.commit()
        return
    raise CaseNumberBusy("Kunde inte tilldela ett ärendenummer; försök igen.")


def _next_number(db: Session, tenant_id: int, year: int) -> str:
    prefix = f"OA-{year}-"
    last = db.scalar(
        select(func.max(ConcernCase.case_number)).where(
            ConcernCase.tenant_id == tenant_id, ConcernCase.case_number.like(f"{prefix}%")
        )
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


_SUBJECT_LINE = re.compile(r"\AÄmne: [^\n]*\n\n")


def _normalised_text(text: str) -> str:
    """What makes two reports "the same text": case and spacing aside, and without the
    subject line a mailed report starts with (the same report sent by the form and by mail,
    or again with "Re:" in the subject, is the same text)."""
    return " ".join(_SUBJECT_LINE.sub("", text).casefold().split())


def assessment_deadline_after(received: datetime) -> datetime:
    """The statutory last day of the initial assessment for a report received then."""
    try:
        return received + timedelta(days=ASSESSMENT_DAYS)
    except OverflowError:  # year 9999: no deadline can be counted from it
        raise InvalidInput(
            "Mottagningsdatumet ligger för långt fram i tiden.", code="received_invalid"
        ) from None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
