"""The case register: reading, searching, status, assignment, history and retention.

Cases are K3. Every read of a case's content and every search is audited
(``concern.case.view`` / ``.search``; a letter leaving as a file is ``concern.letter.print``,
letter_service.py): the audit record names the case number and the actor, never the content.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tillit.audit.service import record
from tillit.auth.roles import Principal
from tillit.auth.secretbox import SecretBox
from tillit.auth.tables import User
from tillit.concern.case_audit import audit_case
from tillit.concern.extension import extension_detail, extension_summary
from tillit.concern.labels import LABEL_NAMES
from tillit.concern.ongoing import ongoing_investigations, same_child, same_child_as
from tillit.concern.register import decrypt_json, erased_ref, read_analysis
from tillit.concern.reporter_info import reporter_info_dict
from tillit.concern.schemas import (
    CHANNELS,
    CLOSED_STATUSES,
    DECISIONS,
    REPORTER_TYPES,
    STATUSES,
    UNDECIDED_STATUSES,
)
from tillit.concern.tables import (
    Annotation,
    AnnotationItem,
    ConcernCase,
    ConcernLetter,
    ConcernPassage,
    ConcernSettings,
)
from tillit.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TillitError
from tillit.privacy.identity import parse_identity
from tillit.swedish_time import in_sweden

CASE_NUMBER = re.compile(r"OA-\d{4}-\d{5,}")

TRANSITIONS: dict[str, frozenset[str]] = {
    "ny": frozenset({"forhandsbedomning", "utredning_inleds", "inleds_ej"}),
    "forhandsbedomning": frozenset({"utredning_inleds", "inleds_ej"}),
    "utredning_inleds": frozenset({"avslutad"}),
    "inleds_ej": frozenset({"avslutad"}),
    "avslutad": frozenset(),
}


def get_case(db: Session, tenant_id: int, case_number: str) -> ConcernCase:
    """By number, as written in any case ("oa-2026-00002" is OA-2026-00002)."""
    number = case_number.strip().upper()
    case = db.scalar(
        select(ConcernCase).where(
            ConcernCase.tenant_id == tenant_id, ConcernCase.case_number == number
        )
    )
    if case is None:
        raise NotFound("Ärendet finns inte.", code="case_not_found")
    return case


LOCKED_STATUS = "avslutad"


def require_not_closed(case: ConcernCase) -> None:
    """A closed case keeps the analysis and review it was decided on: no new analysis, review
    or model suggestion (letters may still be made and sent)."""
    if case.status == LOCKED_STATUS:
        raise Conflict(
            "Ärendet är avslutat. Analys, granskning och språkmodellens förslag är låsta; "
            "det som granskades står kvar.",
            code="case_closed",
        )


def open_case(db: Session, principal: Principal, case_number: str) -> ConcernCase:
    """A case for reading its content: permission checked and the view audited, a refused
    view too (no permission, or no such case in the tenant: outcome ``denied``)."""
    try:
        principal.require("cases:read")
        case = get_case(db, principal.tenant_id, case_number)
    except (PermissionDenied, NotFound) as exc:
        exc.refusal = _refused_view(principal, case_number, exc)
        raise
    audit_case(db, principal, "concern.case.view", case.case_number)
    return case


def _refused_view(principal: Principal, case_number: str, exc: TillitError) -> dict[str, Any]:
    """Only a well-formed case number is recorded: anything else typed in the address (a
    name, say) stays out of the audit log."""
    number = case_number.strip().upper()
    return {
        "action": "concern.case.view",
        "outcome": "denied",
        "tenant_id": principal.tenant_id,
        "actor": principal.actor,
        "object_type": "concern_case",
        "object_id": number if CASE_NUMBER.fullmatch(number) else None,
        "detail": {"status": exc.status, "code": exc.code},
    }


def list_cases(
    db: Session,
    box: SecretBox,
    principal: Principal,
    *,
    status: str | None = None,
    query: str | None = None,
    assigned_to: int | None = None,
    limit: int = 200,
) -> list[ConcernCase]:
    """Open cases first by deadline; ``query`` matches case number or the child's name;
    ``assigned_to``: only the cases given to this user."""
    principal.require("cases:read")
    if status and status not in STATUSES:
        raise InvalidInput("Okänd status.", code="invalid_status")
    statement = select(ConcernCase).where(ConcernCase.tenant_id == principal.tenant_id)
    if status:
        statement = statement.where(ConcernCase.status == status)
    if assigned_to is not None:
        statement = statement.where(ConcernCase.assigned_to_id == assigned_to)
    cases = list(db.scalars(statement.order_by(ConcernCase.assessment_deadline)))
    if query:
        matches = _matcher(box, query)
        cases = [c for c in cases if matches(c)]
    shown = cases[:limit]
    detail = {
        "status": status,
        "query": bool(query),
        "assigned": assigned_to is not None,
        "hits": len(cases),
    }
    if query:  # a search for a child: who saw which case must be answerable (never the words)
        detail["shown"] = [case.case_number for case in shown]
    record(db, principal, "concern.case.search", object_type="concern_case", detail=detail)
    return shown


def _matcher(box: SecretBox, query: str) -> Callable[[ConcernCase], bool]:
    """Whether a case matches ``query``: its case number, the child's name, or the child's
    personnummer in any written form (compared by its keyed hash, as the history view does;
    the query's hash is made once for the whole register)."""
    needle = query.casefold().strip()
    identity = parse_identity(query)
    pnr_key = box.keyed_hash("child-pnr", identity.normalised) if identity else None

    def matches(case: ConcernCase) -> bool:
        if needle in case.case_number.casefold():
            return True
        if pnr_key is not None and case.child_pnr_key is not None:
            return case.child_pnr_key == pnr_key
        name = decrypt_json(box, case.child_enc).get("name") or ""
        return bool(name) and needle in name.casefold()

    return matches


def summary_dict(
    db: Session, box: SecretBox, case: ConcernCase, now: datetime | None = None
) -> dict[str, Any]:
    """What the register's list shows (the caller audited the search). Other cases are named
    by case number and people by user name, as the API takes them, never by database id."""
    return summary_dicts(db, box, [case], now)[0]


def summary_dicts(
    db: Session, box: SecretBox, cases: list[ConcernCase], now: datetime | None = None
) -> list[dict[str, Any]]:
    """``summary_dict`` for a list: the user names and the duplicates' case numbers come in
    one query each for the whole list, not per case."""
    now = now or datetime.now(UTC)
    users = _usernames(db, {c.assigned_to_id for c in cases})
    numbers = _case_numbers(db, {c.duplicate_of_id for c in cases})
    ongoing = ongoing_investigations(db, cases)
    return [_summary(box, c, users, numbers, ongoing.get(c.id), now) for c in cases]


def _summary(
    box: SecretBox,
    case: ConcernCase,
    users: dict[int, str],
    numbers: dict[int, str],
    ongoing: str | None,
    now: datetime,
) -> dict[str, Any]:
    child = decrypt_json(box, case.child_enc)
    due = case.protective_done_at is None and case.status not in CLOSED_STATUSES
    return {
        "case_number": case.case_number,
        "status": case.status,
        "status_label": STATUSES[case.status],
        "decision": case.decision,  # utredning_inleds / inleds_ej, kept when the case is closed
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "channel": case.channel,
        "channel_label": CHANNELS.get(case.channel, case.channel),
        "reporter_type": case.reporter_type,
        "reporter_type_label": REPORTER_TYPES.get(case.reporter_type, case.reporter_type),
        "received_at": case.received_at.isoformat(),
        # the deadline is a Swedish calendar day: 14 days after the day in Sweden it came in
        "assessment_deadline": _local_date(case.assessment_deadline).isoformat(),
        "assessment_extension": extension_summary(case),  # None unless prolonged (20 kap. 2 §)
        "overdue": case.status in UNDECIDED_STATUSES
        and _local_date(case.assessment_deadline) < _local_date(now),
        "protective_assessment_done": case.protective_done_at is not None,
        "protective_assessment_due": due,
        "protective_assessment_overdue": due and _local_date(case.received_at) < _local_date(now),
        "child_name": child.get("name"),
        "assigned_to": users.get(case.assigned_to_id) if case.assigned_to_id else None,
        "duplicate_of": numbers.get(case.duplicate_of_id) if case.duplicate_of_id else None,
        "analysed": case.analysed_at is not None,
        "purged": case.purged_at is not None,
        "ongoing_investigation": ongoing,  # another case about the child, under investigation
        "reporter_info": reporter_info_dict(case, now, ongoing),
    }


def _local_date(moment: datetime) -> date:
    """The calendar day in Sweden ('the same day' is a Swedish day, not a UTC one)."""
    return in_sweden(moment).date()


def detail_dict(db: Session, box: SecretBox, case: ConcernCase) -> dict[str, Any]:
    """Everything about one case (the caller opened it with ``open_case``)."""
    data = summary_dict(db, box, case)
    data.update(
        text=box.decrypt(case.text_enc) if case.text_enc else None,
        reporter=decrypt_json(box, case.reporter_enc) or None,
        anonymous=case.anonymous,
        child=decrypt_json(box, case.child_enc),
        protective_done_at=case.protective_done_at.isoformat() if case.protective_done_at else None,
        assessment_extension=extension_detail(box, case),
        warnings=read_analysis(box, case).get("warnings", []),
    )
    return data


def _usernames(db: Session, ids: set[int | None]) -> dict[int, str]:
    return _names_by_id(db, User.id, User.username, ids)


def _case_numbers(db: Session, ids: set[int | None]) -> dict[int, str]:
    return _names_by_id(db, ConcernCase.id, ConcernCase.case_number, ids)


def _names_by_id(db: Session, id_column: Any, name_column: Any, ids: set[int | None]) -> dict:
    """One query for the name of each id (None left out); {} without a query when none."""
    wanted = ids - {None}
    if not wanted:
        return {}
    statement = select(id_column, name_column).where(id_column.in_(wanted))
    return {row_id: name for row_id, name in db.execute(statement)}


def case_number_of(db: Session, case_id: int | None) -> str | None:
    return _case_numbers(db, {case_id}).get(case_id) if case_id is not None else None


def set_status(db: Session, principal: Principal, case: ConcernCase, status: str) -> None:
    principal.require("cases:write")
    if status not in TRANSITIONS.get(case.status, frozenset()):
        raise InvalidInput(
            f"Ärendet kan inte gå från '{STATUSES[case.status]}' till "
            f"'{STATUSES.get(status, status)}'.",
            code="invalid_transition",
        )
    previous, case.status = case.status, status
    if status in DECISIONS:
        case.decision, case.decided_at = status, datetime.now(UTC)
    if status in CLOSED_STATUSES and case.closed_at is None:
        case.closed_at = datetime.now(UTC)
    audit_case(
        db, principal, "concern.case.status", case.case_number, {"from": previous, "to": status}
    )


def mark_protective_assessment(db: Session, principal: Principal, case: ConcernCase) -> None:
    """The same-day protective assessment (20 kap. 1 § SoL) is done. The first record stands:
    marking it again (a second tab, a double click) changes nothing."""
    principal.require("cases:write")
    if case.protective_done_at is not None:
        return
    case.protective_done_at = datetime.now(UTC)
    audit_case(db, principal, "concern.case.protective_assessment", case.case_number)


def assign(db: Session, principal: Principal, case: ConcernCase, user_id: int | None) -> None:
    principal.require("cases:write")
    if user_id is not None:
        user = db.get(User, user_id)
        if user is None or user.tenant_id != principal.tenant_id or "caseworker" not in user.roles:
            raise InvalidInput("Ärenden kan bara tilldelas handläggare.", code="invalid_assignee")
    case.assigned_to_id = user_id
    audit_case(db, principal, "concern.case.assign", case.case_number, {"user_id": user_id})


def history(db: Session, case: ConcernCase) -> list[ConcernCase]:
    """Other reports about the same child: same personnummer, or same name and birth date
    where one of the two has no personnummer (``ongoing.same_child``)."""
    about_the_child = same_child_as([case])
    if about_the_child is None:
        return []
    statement = select(ConcernCase).where(
        ConcernCase.tenant_id == case.tenant_id, ConcernCase.id != case.id, about_the_child
    )
    candidates = db.scalars(statement.order_by(ConcernCase.received_at))
    return [other for other in candidates if same_child(case, other)]


def shown_history(db: Session, principal: Principal, case: ConcernCase) -> list[ConcernCase]:
    """``history`` for showing with ``case`` (opened with ``open_case``): each other case is
    read too (its status, dates, child and signs), so each is audited under its own number."""
    found = history(db, case)
    for other in found:
        audit_case(
            db,
            principal,
            "concern.case.history",
            other.case_number,
            {"shown_with": case.case_number},
        )
    return found


def history_dicts(db: Session, box: SecretBox, cases: list[ConcernCase]) -> list[dict[str, Any]]:
    """Other reports about the child, as a case's history shows them (on the page and in the
    API; the caller audited them with ``shown_history``): the register's summary and signs."""
    rows = summary_dicts(db, box, cases)
    for data, case in zip(rows, cases, strict=True):
        data["signs"] = signs_per_label(db, case)
    return rows


def signs_per_label(db: Session, case: ConcernCase) -> list[dict[str, Any]]:
    """The case's signs per label, in the order its passages first show them: how many
    passages a caseworker confirmed with the label (their review's labels), and how many carry
    it only as the tool's suggestion that nobody has reviewed. Empty before an analysis."""
    statement = select(ConcernPassage).where(ConcernPassage.case_id == case.id)
    signs: dict[str, dict[str, Any]] = {}
    for passage in db.scalars(statement.order_by(ConcernPassage.position)):
        reviewed = passage.reviewed is not None
        for label in passage.reviewed if reviewed else passage.suggested:
            name = LABEL_NAMES.get(label, label)
            counts = signs.setdefault(
                label, {"label": label, "name": name, "confirmed": 0, "suggested": 0}
            )
            counts["confirmed" if reviewed else "suggested"] += 1
    return list(signs.values())


# -- retention (gallring) ---------------------------------------------------------------------


def settings_for(db: Session, tenant_id: int) -> ConcernSettings:
    settings = db.get(ConcernSettings, tenant_id)
    if settings is None:
        settings = ConcernSettings(tenant_id=tenant_id, retention_days=365 * 5, office={})
        db.add(settings)
        db.flush()
    return settings


def apply_retention(
    db: Session,
    box: SecretBox,
    principal: Principal,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[str]:
    """Erase the content of cases closed longer ago than the tenant's retention period.
    The case number, dates and status stay (the register must show that a case existed); the
    source reference is kept only as a keyed hash (``register.erased_ref``). Where the tenant
    chose so (``erase_annotations``), the annotation items made from the case go as well."""
    principal.require("concern:configure")
    now = now or datetime.now(UTC)
    rules = settings_for(db, principal.tenant_id)
    limit = now - timedelta(days=rules.retention_days)
    due = list(
        db.scalars(
            select(ConcernCase).where(
                ConcernCase.tenant_id == principal.tenant_id,
                ConcernCase.closed_at.is_not(None),
                ConcernCase.closed_at < limit,
                ConcernCase.purged_at.is_(None),
            )
        )
    )
    annotations = rules.erase_annotations
    if not dry_run:
        for case in due:
            _erase(db, box, case, now, annotations)
    detail = {"cases": len(due), "dry_run": dry_run, "annotations_erased": annotations}
    record(db, principal, "concern.retention", detail=detail)
    return [case.case_number for case in due]


def case_report_key(box: SecretBox, case_id: int) -> str:
    """The annotation items made from a case's passages share this key (a keyed hash: an
    annotator cannot tell which case a passage came from)."""
    return box.keyed_hash("case-report", str(case_id))


def _erase(
    db: Session, box: SecretBox, case: ConcernCase, now: datetime, annotations: bool
) -> None:
    db.execute(delete(ConcernPassage).where(ConcernPassage.case_id == case.id))
    if annotations:
        _erase_annotations(db, case.tenant_id, case_report_key(box, case.id))
    if case.source_ref:
        case.source_ref = erased_ref(box, case.source_ref)
    db.execute(update(ConcernLetter).where(ConcernLetter.case_id == case.id).values(data_enc=""))
    case.text_enc = case.reporter_enc = case.child_enc = None
    case.notes_enc = case.mapping_enc = case.assessment_extension_enc = None
    case.child_pnr_key = case.child_name_key = None
    case.analysis = {}
    case.purged_at = now


def _erase_annotations(db: Session, tenant_id: int, report_key: str) -> None:
    items = select(AnnotationItem.id).where(
        AnnotationItem.tenant_id == tenant_id, AnnotationItem.report_key == report_key
    )
    db.execute(delete(Annotation).where(Annotation.item_id.in_(items)))
    db.execute(delete(AnnotationItem).where(AnnotationItem.id.in_(items)))
