"""Analysing a case and reviewing the suggestions.

The classifier runs in Tillit's own process (K3), so the report text never leaves the server.
The analysis is a Run (kind ``concern.analysis``) holding the number of passages and the counts
of personal data by type, never the signs suggested. A caseworker's confirmation or correction
of a passage becomes an annotation for the next training, on text pseudonymised irreversibly
(realistic replacement names, so the training text reads like a real report without being one).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tillit.auth.roles import Principal
from tillit.auth.secretbox import SecretBox
from tillit.concern.analysis import Analysis, analyse_text, summarise
from tillit.concern.case_audit import audit_case
from tillit.concern.cases import case_report_key, get_case, open_case, require_not_closed
from tillit.concern.governance import refuse_if_retired, service_state
from tillit.concern.labels import LABELS
from tillit.concern.models import load_active
from tillit.concern.register import read_analysis, write_analysis
from tillit.concern.schemas import ReviewIn
from tillit.concern.tables import (
    Annotation,
    AnnotationItem,
    ClassifierVersion,
    ConcernCase,
    ConcernPassage,
)
from tillit.errors import Conflict, InvalidInput, NotFound
from tillit.platform import Platform
from tillit.privacy.pseudonymise import Pseudonymiser
from tillit.runs.service import hash_input, new_run_id
from tillit.runs.tables import Run


def analyse_case(platform: Platform, principal: Principal, case_number: str) -> dict[str, Any]:
    principal.require("cases:write")
    with platform.session() as db:  # the case first: another tenant's number is simply 404
        case = open_case(db, principal, case_number)
        require_not_closed(case)
        if case.text_enc is None:
            raise InvalidInput("Ärendets innehåll är gallrat.", code="case_purged")
        text = platform.box.decrypt(case.text_enc)
        kept = _reviewed_spans(db, case)
        refuse_if_retired(db, principal.tenant_id)
    version, classifier = load_active(platform, principal.tenant_id)
    started = time.perf_counter()
    analysis = analyse_text(classifier, text, kept)
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    pseudonymiser = Pseudonymiser("reversible", "tag")
    pseudonymiser.pseudonymise(text, analysis.entities)
    with platform.session() as db:  # the view is audited once, above; this write is audited below
        case = get_case(db, principal.tenant_id, case_number)
        require_not_closed(case)  # closed while the classifier ran
        state = service_state(db, principal.tenant_id)
        run = _run(principal, version, analysis, text, latency_ms, state)
        db.add(run)
        status_before = case.status
        _store(db, platform.box, case, analysis, run.id)
        if case.status != status_before:  # a first analysis starts the initial assessment
            audit_case(
                db,
                principal,
                "concern.case.status",
                case.case_number,
                {"from": status_before, "to": case.status, "because": "analys"},
            )
        if kept:
            _refresh_summary(platform, case, _passages(db, case))
        case.mapping_enc = pseudonymiser.export_mapping(platform.box, case.tenant_id)
        audit_case(
            db,
            principal,
            "concern.case.analyse",
            case.case_number,
            {"run_id": run.id, "model_version": version.version},
        )
        return {
            "run_id": run.id,
            "case_number": case_number,
            "labels": analysis.label_counts(),
            "service_state": state,
        }


def _reviewed_spans(db: Session, case: ConcernCase) -> list[tuple[int, int]] | None:
    """The case's passages when the caseworker has reviewed any of them: a new analysis
    then labels the same passages, so no review is lost. None: segment the text anew."""
    passages = _passages(db, case)
    if not any(p.reviewed is not None for p in passages):
        return None
    return [(p.start, p.end) for p in passages]


def _store(db: Session, box: SecretBox, case: ConcernCase, analysis: Analysis, run_id: str) -> None:
    """New suggestions; the caseworker's reviews stay on their passages."""
    existing = {(p.start, p.end): p for p in _passages(db, case)}
    if set(existing) != {(p.start, p.end) for p in analysis.passages}:
        db.execute(delete(ConcernPassage).where(ConcernPassage.case_id == case.id))
        existing = {}
    for position, passage in enumerate(analysis.passages):
        row = existing.get((passage.start, passage.end))
        if row is None:
            row = ConcernPassage(case_id=case.id, start=passage.start, end=passage.end)
            db.add(row)
        row.position = position
        row.suggested = list(passage.labels)
        row.scores = dict(passage.scores)
        row.model_version = analysis.model_version
    kept = {k: v for k, v in read_analysis(box, case).items() if k == "warnings"}
    write_analysis(
        box,
        case,
        {
            **kept,
            "summary": analysis.summary,
            "run_id": run_id,
            "model_version": analysis.model_version,
            "entity_counts": _entity_counts(analysis),
        },
    )
    case.analysed_at = datetime.now(UTC)
    if case.status == "ny":
        case.status = "forhandsbedomning"


def _entity_counts(analysis: Analysis) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entity in analysis.entities:
        counts[entity.type] = counts.get(entity.type, 0) + 1
    return counts


def _classifier_run(
    principal: Principal,
    version: ClassifierVersion,
    latency_ms: float,
    service_state: str,
    **fields: Any,
) -> Run:
    """A Run of the tenant's classifier: in-process, K3, so always allowed. ``service_state``:
    where the analysis service stood in its lifecycle (``concern/governance.py``)."""
    return Run(
        id=new_run_id(),
        tenant_id=principal.tenant_id,
        kind="concern.analysis",
        app="orosanmalan",
        caller_type=principal.kind,
        caller_id=str(principal.id or principal.name),
        model_id=version.catalog_model_id,
        model_name=f"orosanmalan-passager-v{version.version}",
        model_version=str(version.version),
        provider="local-classifier",
        security_class="K3",
        status="ok",
        policy={
            "decision": "allowed",
            "call_class": "K3",
            "model_class": "K3",
            "service_state": service_state,
        },
        latency_ms=round(latency_ms, 3),
        **fields,
    )


def _run(
    principal: Principal,
    version: ClassifierVersion,
    analysis: Analysis,
    text: str,
    latency_ms: float,
    service_state: str,
) -> Run:
    return _classifier_run(
        principal,
        version,
        latency_ms,
        service_state,
        input_hash=hash_input(text),
        privacy={
            "detected": _entity_counts(analysis),
            "action": "none: the model runs in Tillit's own process (K3)",
        },
        # the number of passages only: which signs were suggested is the case's content, and
        # admins and developers, who read Runs, may not see cases (the audit log names the Run)
        output={"passages": len(analysis.passages)},
    )


def record_batch_run(
    platform: Platform,
    principal: Principal,
    version: ClassifierVersion,
    reports: int,
    latency_ms: float,
) -> None:
    """A batch analysis (``tillit concern analyse``) is one Run: counts only."""
    with platform.session() as db:
        params = {"batch": True, "reports": reports}
        state = service_state(db, principal.tenant_id)
        db.add(_classifier_run(principal, version, latency_ms, state, params=params))


# -- review → annotation ----------------------------------------------------------------------


def review_passage(
    platform: Platform, principal: Principal, case_number: str, position: int, review: ReviewIn
) -> dict[str, Any]:
    """Confirm, reject or correct one suggestion; the decision becomes an annotation."""
    principal.require("cases:write")
    unknown = [label for label in review.labels if label not in LABELS]
    if unknown:
        raise InvalidInput(f"Okänd etikett: {', '.join(unknown)}.", code="invalid_label")
    with platform.session() as db:
        case = open_case(db, principal, case_number)
        require_not_closed(case)
        passages = _passages(db, case)
        if not 0 <= position < len(passages):
            raise NotFound("Stycket finns inte.", code="passage_not_found")
        passage = passages[position]
        _require_same_suggestion(passage, review)
        labels = _decided_labels(passage, review)
        passage.reviewed, passage.review_status = labels, _status(review)
        passage.reviewed_by, passage.reviewed_at = principal.actor, datetime.now(UTC)
        _annotate(platform, db, principal, case, passages, passage, labels)
        _refresh_summary(platform, case, passages)
        audit_case(
            db,
            principal,
            "concern.passage.review",
            case.case_number,
            # never the labels: they are the case's content, and admins read the audit log
            {"position": position, "action": review.action},
        )
        return passage_view(passage)


@dataclass(frozen=True)
class _Current:
    """A passage with the labels that hold now: the caseworker's, or else the suggestion."""

    start: int
    end: int
    labels: tuple[str, ...]
    scores: dict[str, float]


def _refresh_summary(platform: Platform, case: ConcernCase, passages: list[ConcernPassage]) -> None:
    """The summary per label follows the review: reviewed passages count with the labels the
    caseworker gave, the others with the suggestion."""
    if case.text_enc is None:
        return
    current = [
        _Current(p.start, p.end, tuple(p.reviewed if p.reviewed is not None else p.suggested),
                 p.scores or {})
        for p in passages
    ]  # fmt: skip
    reviewed = sum(p.reviewed is not None for p in passages)
    summary = summarise(platform.box.decrypt(case.text_enc), current)
    now = read_analysis(platform.box, case)
    write_analysis(platform.box, case, {**now, "summary": summary, "reviewed_passages": reviewed})


def _require_same_suggestion(passage: ConcernPassage, review: ReviewIn) -> None:
    """Confirming a suggestion that changed since the page was opened (a new analysis in
    another tab or by a colleague) would record labels the caseworker never saw."""
    if review.action != "confirm" or review.shown is None:
        return
    if set(review.shown) != set(passage.suggested):
        raise Conflict(
            "Förslaget har ändrats sedan sidan öppnades (ärendet har analyserats igen). "
            "Läs det nya förslaget och granska stycket på nytt; inget sparades.",
            code="suggestion_changed",
        )


def _decided_labels(passage: ConcernPassage, review: ReviewIn) -> list[str]:
    if review.action == "confirm":
        return list(passage.suggested)
    if review.action == "reject":
        return []
    return [label for label in LABELS if label in review.labels]


def _status(review: ReviewIn) -> str:
    return {"confirm": "bekraftad", "reject": "avvisad", "set": "andrad"}[review.action]


def _passages(db: Session, case: ConcernCase) -> list[ConcernPassage]:
    statement = select(ConcernPassage).where(ConcernPassage.case_id == case.id)
    return list(db.scalars(statement.order_by(ConcernPassage.position)))


def passage_view(passage: ConcernPassage) -> dict[str, Any]:
    return {
        "position": passage.position,
        "start": passage.start,
        "end": passage.end,
        "suggested": passage.suggested,
        "scores": passage.scores,
        "reviewed": passage.reviewed,
        "review_status": passage.review_status,
        "reviewed_by": passage.reviewed_by,
    }


def case_passages(db: Session, case: ConcernCase) -> list[dict[str, Any]]:
    return [passage_view(p) for p in _passages(db, case)]


def _annotate(
    platform: Platform,
    db: Session,
    principal: Principal,
    case: ConcernCase,
    passages: list[ConcernPassage],
    passage: ConcernPassage,
    labels: list[str],
) -> None:
    items = _ensure_items(platform, db, case, passages, case_report_key(platform.box, case.id))
    item = items[passage.position]
    if item.withdrawn_at is not None:  # taken out of the training data: it stays out
        return
    annotation = db.scalar(
        select(Annotation).where(
            Annotation.item_id == item.id, Annotation.annotator == principal.actor
        )
    )
    if annotation is None:
        db.add(Annotation(item_id=item.id, annotator=principal.actor, labels=labels))
    else:
        annotation.labels = labels


def _ensure_items(
    platform: Platform,
    db: Session,
    case: ConcernCase,
    passages: list[ConcernPassage],
    report_key: str,
) -> list[AnnotationItem]:
    """The case's passages as annotation items, pseudonymised irreversibly, made once."""
    statement = select(AnnotationItem).where(
        AnnotationItem.tenant_id == case.tenant_id, AnnotationItem.report_key == report_key
    )
    items = list(db.scalars(statement.order_by(AnnotationItem.position)))
    if len(items) == len(passages):
        return items
    text = platform.box.decrypt(case.text_enc or "")
    spans = [(p.start, p.end) for p in passages]
    for position, passage_text in enumerate(pseudonymised_passages(text, spans)):
        if position >= len(items):
            item = AnnotationItem(
                tenant_id=case.tenant_id,
                report_key=report_key,
                position=position,
                text=passage_text,
                source="granskning",
            )
            db.add(item)
            items.append(item)
    db.flush()
    return items


def pseudonymised_passages(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Each span's text with personal data replaced irreversibly, one pseudonym per person
    across the whole report."""
    result = Pseudonymiser("irreversible", "names").pseudonymise(text)
    moved = [_moved_offset(result.replacements, s, e) for s, e in spans]
    return [result.text[start:end].strip() for start, end in moved]


def _moved_offset(replacements: list[Any], start: int, end: int) -> tuple[int, int]:
    shift_start = shift_end = 0
    new_start = new_end = None
    for r in replacements:
        if r.end <= start:
            shift_start = r.new_end - r.end
        if r.start < start < r.end:  # a span boundary inside an entity: keep the whole pseudonym
            new_start = r.new_start
        if r.end <= end:
            shift_end = r.new_end - r.end
        if r.start < end < r.end:
            new_end = r.new_end
    return (
        new_start if new_start is not None else start + shift_start,
        new_end if new_end is not None else end + shift_end,
    )
