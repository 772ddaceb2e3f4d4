"""Annotation: items to label, annotators' labels, the active-learning queue, agreement, and the
training set built from all of it.

Items hold passage text pseudonymised irreversibly (names replaced by realistic names), never the
original. A report's passages stay together (``report_key``, ``position``) because the classifier
reads a passage in its context.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tillit.audit.service import record
from tillit.auth.roles import Principal
from tillit.concern.case_analysis import pseudonymised_passages
from tillit.concern.labels import LABELS
from tillit.concern.models import load_active
from tillit.concern.tables import Annotation, AnnotationItem
from tillit.errors import InvalidInput, NotFound
from tillit.platform import Platform

if TYPE_CHECKING:
    from tillit.concern.classifier import LabelledReport

SEPARATOR = " "


IMPORTED = "import:"
"""Annotator name prefix of labels that came from an imported file (``import_annotated``)."""


def import_annotated(
    platform: Platform, principal: Principal, reports: list[LabelledReport], source: str
) -> dict[str, int]:
    """Annotated reports (the shared JSONL format) become items plus one annotation each, by
    ``import:<source>``. Importing the same file again changes nothing. A report whose text was
    corrected in the file (same file name and id) replaces its earlier version: its passages get
    the new text and labels, and labels other annotators gave the old text are removed
    (``replaced`` counts those passages)."""
    principal.require("annotations:write")
    _refuse_repeated_ids(reports)
    annotator = f"{IMPORTED}{source}"[:200]
    added = replaced = 0
    with platform.session() as db:
        for report in reports:
            identity = f"{source}|{report.id}"
            report_key = platform.box.keyed_hash("import-report", identity)
            spans = [(start, end) for start, end, _labels in report.passages]
            texts = pseudonymised_passages(report.text, spans)
            contents = [
                platform.box.keyed_hash("import-passage", report.text[a:b].strip())
                for a, b in spans
            ]
            items, changed = _place_items(db, principal.tenant_id, report_key, texts, contents)
            replaced += changed
            for item, passage in zip(items, report.passages, strict=True):
                if item.withdrawn_at is None:
                    added += _set_labels(db, item, annotator, list(passage[2]))
        record(
            db,
            principal,
            "concern.annotations.import",
            detail={"reports": len(reports), "annotations": added, "replaced": replaced},
        )
    return {"reports": len(reports), "annotations": added, "replaced": replaced}


def _refuse_repeated_ids(reports: list[LabelledReport]) -> None:
    seen: set[str] = set()
    repeated = sorted({r.id for r in reports if r.id in seen or seen.add(r.id)})
    if repeated:
        raise InvalidInput(
            f"Samma id står på flera rader i filen: {', '.join(repeated[:5])}. "
            "Ge varje anmälan ett eget id; inget importerades.",
            code="repeated_report_id",
        )


def _place_items(
    db: Session, tenant_id: int, report_key: str, texts: list[str], contents: list[str]
) -> tuple[list[AnnotationItem], int]:
    """The report's items in the file's order, and how many of its passages were replaced. A
    passage already imported (same ``contents`` key, a keyed hash of the original text;
    pseudonyms differ every import) keeps its item and labels wherever it now stands. Items of
    passages no longer in the file go with their labels. Items imported before the hash was
    kept (NULL) are taken to hold the passage at their position."""
    old = list(
        db.scalars(
            select(AnnotationItem)
            .where(AnnotationItem.tenant_id == tenant_id, AnnotationItem.report_key == report_key)
            .order_by(AnnotationItem.position)
        )
    )
    by_content = {item.content_key: item for item in old if item.content_key}
    legacy = {item.position: item for item in old if not item.content_key}
    for item in old:  # free the positions (unique per report) before moving items
        item.position = -1 - item.position
    db.flush()
    placed, new = [], 0
    for position, (text, content) in enumerate(zip(texts, contents, strict=True)):
        item = by_content.pop(content, None) or legacy.pop(position, None)
        if item is None:
            item = AnnotationItem(
                tenant_id=tenant_id, report_key=report_key, text=text, source="import"
            )
            db.add(item)
            new += 1
        item.position, item.content_key = position, content
        placed.append(item)
    gone = [*by_content.values(), *legacy.values()]
    for item in gone:
        db.execute(delete(Annotation).where(Annotation.item_id == item.id))
        db.delete(item)
    db.flush()
    return placed, max(new, len(gone)) if old else 0


def _set_labels(db: Session, item: AnnotationItem, annotator: str, labels: list[str]) -> int:
    existing = db.scalar(
        select(Annotation).where(Annotation.item_id == item.id, Annotation.annotator == annotator)
    )
    if existing is not None:
        existing.labels = labels
        return 0
    db.add(Annotation(item_id=item.id, annotator=annotator, labels=labels))
    return 1


def annotate(db: Session, principal: Principal, item_id: int, labels: list[str]) -> None:
    principal.require("annotations:write")
    unknown = [label for label in labels if label not in LABELS]
    if unknown:
        raise InvalidInput(f"Okänd etikett: {', '.join(unknown)}.", code="invalid_label")
    item = db.get(AnnotationItem, item_id)
    if item is None or item.tenant_id != principal.tenant_id or item.withdrawn_at:
        raise NotFound("Stycket finns inte.", code="annotation_item_not_found")
    _set_labels(db, item, principal.actor, [label for label in LABELS if label in labels])
    record(db, principal, "concern.annotation", object_type="annotation_item", object_id=item_id)


def withdraw(db: Session, principal: Principal, item_id: int) -> None:
    """Take an item out of the training data for good, e.g. when the annotator sees a name the
    pseudonymiser missed: its text is blanked and every annotator's labels go. The item stays
    (blank) so that a case's passages keep their positions; the queue, the context shown and
    every training set leave it out, and a re-import of the same passage does not bring it
    back."""
    principal.require("annotations:write")
    item = db.get(AnnotationItem, item_id)
    if item is None or item.tenant_id != principal.tenant_id or item.withdrawn_at:
        raise NotFound("Stycket finns inte.", code="annotation_item_not_found")
    db.execute(delete(Annotation).where(Annotation.item_id == item.id))
    item.text, item.uncertainty, item.withdrawn_at = "", None, datetime.now(UTC)
    action = "concern.annotation.withdraw"
    record(db, principal, action, object_type="annotation_item", object_id=item_id)


def queue(db: Session, principal: Principal, limit: int = 20) -> list[AnnotationItem]:
    """Items this annotator has not labelled, most uncertain first (active learning); items
    never scored come after, oldest first."""
    statement = (
        select(AnnotationItem)
        .where(*_not_yet_mine(principal))
        .order_by(AnnotationItem.uncertainty.desc().nulls_last(), AnnotationItem.id)
        .limit(limit)
    )
    return list(db.scalars(statement))


def queue_size(db: Session, principal: Principal) -> int:
    """How many items this annotator has not labelled yet (the whole queue)."""
    statement = select(func.count()).select_from(AnnotationItem).where(*_not_yet_mine(principal))
    return int(db.scalar(statement) or 0)


def _not_yet_mine(principal: Principal) -> tuple[Any, ...]:
    principal.require("annotations:write")
    mine = select(Annotation.item_id).where(Annotation.annotator == principal.actor)
    return (
        AnnotationItem.tenant_id == principal.tenant_id,
        AnnotationItem.withdrawn_at.is_(None),
        AnnotationItem.id.not_in(mine),
    )


def context_of(db: Session, item: AnnotationItem, around: int = 1) -> list[AnnotationItem]:
    statement = select(AnnotationItem).where(
        AnnotationItem.tenant_id == item.tenant_id,
        AnnotationItem.report_key == item.report_key,
        AnnotationItem.position.between(item.position - around, item.position + around),
        AnnotationItem.withdrawn_at.is_(None),
    )
    return list(db.scalars(statement.order_by(AnnotationItem.position)))


def refresh_uncertainty(platform: Platform, principal: Principal) -> int:
    """Score every item with the active classifier (in its report's context)."""
    from tillit.concern.classifier.uncertainty import uncertainty

    principal.require("concern:train")
    _version, classifier = load_active(platform, principal.tenant_id)
    thresholds = classifier.thresholds
    with platform.session() as db:
        reports = _items_by_report(db, principal.tenant_id)
        for items in reports.values():
            text, spans = _joined(items)
            for item, prediction in zip(items, classifier.predict_spans(text, spans), strict=True):
                item.uncertainty = uncertainty(prediction.scores, thresholds)
        return sum(len(items) for items in reports.values())


def _items_by_report(db: Session, tenant_id: int) -> dict[str, list[AnnotationItem]]:
    statement = select(AnnotationItem).where(
        AnnotationItem.tenant_id == tenant_id, AnnotationItem.withdrawn_at.is_(None)
    )
    grouped: dict[str, list[AnnotationItem]] = defaultdict(list)
    for item in db.scalars(statement.order_by(AnnotationItem.report_key, AnnotationItem.position)):
        grouped[item.report_key].append(item)
    return grouped


def _joined(items: list[AnnotationItem]) -> tuple[str, list[tuple[int, int]]]:
    spans, position = [], 0
    for item in items:
        spans.append((position, position + len(item.text)))
        position += len(item.text) + len(SEPARATOR)
    return SEPARATOR.join(item.text for item in items), spans


# -- training set and agreement ---------------------------------------------------------------


def training_reports(db: Session, tenant_id: int) -> list[LabelledReport]:
    """Every report with at least one labelled passage. A passage's labels are those given by at
    least half of its annotators; passages nobody labelled are left out (their text still gives
    context)."""
    from tillit.concern.classifier import LabelledReport

    votes = _votes(db, tenant_id)
    reports = []
    for key, items in _items_by_report(db, tenant_id).items():
        text, spans = _joined(items)
        passages = [
            (start, end, tuple(_majority(votes[item.id])))
            for item, (start, end) in zip(items, spans, strict=True)
            if votes.get(item.id)
        ]
        if passages:
            reports.append(LabelledReport(id=key[:12], text=text, passages=passages))
    return reports


def _votes(db: Session, tenant_id: int) -> dict[int, list[list[str]]]:
    statement = (
        select(Annotation.item_id, Annotation.labels)
        .join(AnnotationItem, AnnotationItem.id == Annotation.item_id)
        .where(AnnotationItem.tenant_id == tenant_id)
    )
    votes: dict[int, list[list[str]]] = defaultdict(list)
    for item_id, labels in db.execute(statement):
        votes[item_id].append(list(labels))
    return votes


def _majority(votes: list[list[str]]) -> list[str]:
    return [label for label in LABELS if 2 * sum(label in v for v in votes) >= len(votes)]


def agreement(db: Session, tenant_id: int) -> dict[str, Any]:
    """Krippendorff's alpha over items labelled by two or more annotators (an imported file
    counts as one annotator), with ``annotators`` (who took part) and ``people``: the same
    figure between people only, leaving imported files out."""
    statement = (
        select(Annotation.item_id, Annotation.annotator, Annotation.labels)
        .join(AnnotationItem, AnnotationItem.id == Annotation.item_id)
        .where(AnnotationItem.tenant_id == tenant_id)
    )
    by_item: dict[int, dict[str, list[str]]] = defaultdict(dict)
    for item_id, annotator, labels in db.execute(statement):
        by_item[item_id][annotator] = list(labels)
    people = [
        {name: labels for name, labels in item.items() if not name.startswith(IMPORTED)}
        for item in by_item.values()
    ]
    figures = _alpha(list(by_item.values()))
    return {**figures, "people": _alpha(people)}


def _alpha(items: list[dict[str, list[str]]]) -> dict[str, Any]:
    from tillit.concern.classifier.agreement import krippendorff_alpha

    shared = [labels for labels in items if len(labels) >= 2]
    if not shared:
        return {"items": 0, "alpha": None, "per_label": {}, "annotators": []}
    annotators = sorted({name for labels in shared for name in labels})
    table = [[labels.get(name) for labels in shared] for name in annotators]
    result = krippendorff_alpha(table)
    return {
        "items": len(shared),
        "alpha": result.overall,
        "per_label": result.per_label,
        "annotators": annotators,
    }
