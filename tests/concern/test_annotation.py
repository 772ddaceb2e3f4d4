"""Importing annotated reports into the annotation archive (concern/annotation.py): the same
file twice changes nothing; a corrected file replaces the corrected passages; a file that
names one report twice is refused; a withdrawn passage stays out of the training data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.factories import make_user
from tillit.audit.tables import AuditEvent
from tillit.auth.service import principal_for_user
from tillit.auth.tables import User
from tillit.concern.annotation import (
    annotate,
    context_of,
    import_annotated,
    queue,
    training_reports,
    withdraw,
)
from tillit.concern.classifier import LabelledReport
from tillit.concern.tables import Annotation, AnnotationItem
from tillit.errors import InvalidInput, NotFound
from tillit.platform import Platform

from .conftest import system

FIRST = "Pappa slår Tord varje kväll."
SECOND = "Tord är ofta trött i skolan."


def _report(text: str, labels: list[list[str]], report_id: str = "R-1") -> LabelledReport:
    spans, start = [], 0
    for sentence, sentence_labels in zip(text.split("|"), labels, strict=True):
        spans.append((start, start + len(sentence), tuple(sentence_labels)))
        start += len(sentence) + 1
    return LabelledReport(report_id, text.replace("|", " "), spans)


def _labels(platform: Platform) -> list[tuple[int, str, list[str]]]:
    with platform.session() as db:
        rows = db.execute(
            select(AnnotationItem.position, Annotation.annotator, Annotation.labels)
            .join(Annotation, Annotation.item_id == AnnotationItem.id)
            .order_by(AnnotationItem.position, Annotation.annotator)
        )
        return [tuple(row) for row in rows]


def test_importing_the_same_file_again_changes_nothing(platform: Platform) -> None:
    report = _report(f"{FIRST}|{SECOND}", [["fysiskt_vald"], []])
    first = import_annotated(platform, system(platform), [report], "a.jsonl")
    again = import_annotated(platform, system(platform), [report], "a.jsonl")
    assert (first["annotations"], again["annotations"], again["replaced"]) == (2, 0, 0)
    assert [labels for _, _, labels in _labels(platform)] == [["fysiskt_vald"], []]


def test_a_corrected_passage_gets_its_new_text_and_labels_and_loses_old_labels(
    platform: Platform,
) -> None:
    import_annotated(
        platform, system(platform), [_report(f"{FIRST}|{SECOND}", [["fysiskt_vald"], []])], "a"
    )
    make_user(platform, "olle", ["annotator"])
    with platform.session() as db:
        olle = principal_for_user(db, db.scalar(select(User).where(User.username == "olle")))
        items = list(db.scalars(select(AnnotationItem).order_by(AnnotationItem.position)))
        annotate(db, olle, items[0].id, ["fysiskt_vald"])
        annotate(db, olle, items[1].id, [])
    corrected = _report(f"Mamma och pappa grälar varje kväll.|{SECOND}", [["foraldrakonflikt"], []])
    result = import_annotated(platform, system(platform), [corrected], "a")
    assert result["replaced"] == 1
    with platform.session() as db:
        text = db.scalar(select(AnnotationItem.text).where(AnnotationItem.position == 0))
    assert "grälar" in text and "slår" not in text
    assert _labels(platform) == [
        (0, "import:a", ["foraldrakonflikt"]),  # olle's label was for the old text
        (1, "import:a", []),
        (1, "user:olle", []),  # the unchanged passage keeps its second annotator
    ]


def test_a_shorter_corrected_report_drops_its_extra_passages(platform: Platform) -> None:
    import_annotated(platform, system(platform), [_report(f"{FIRST}|{SECOND}", [[], []])], "a")
    result = import_annotated(platform, system(platform), [_report(FIRST, [["fysiskt_vald"]])], "a")
    assert result["replaced"] == 1
    assert _labels(platform) == [(0, "import:a", ["fysiskt_vald"])]


def test_a_file_naming_one_report_twice_is_refused_and_imports_nothing(
    platform: Platform,
) -> None:
    twice = [_report(FIRST, [["fysiskt_vald"]]), _report(SECOND, [[]])]
    with pytest.raises(InvalidInput, match="R-1"):
        import_annotated(platform, system(platform), twice, "a")
    assert _labels(platform) == []


def test_a_passage_inserted_before_others_keeps_their_labels(platform: Platform) -> None:
    """Items follow their text, not their position: a passage added at the top of a corrected
    report does not make the ones below it "changed"."""
    import_annotated(platform, system(platform), [_report(f"{FIRST}|{SECOND}", [[], []])], "a")
    make_user(platform, "olle", ["annotator"])
    with platform.session() as db:
        olle = principal_for_user(db, db.scalar(select(User).where(User.username == "olle")))
        for item in db.scalars(select(AnnotationItem)):
            annotate(db, olle, item.id, ["fysiskt_vald"] if "slår" in item.text else [])
    grown = _report(f"Mamma ringde skolan.|{FIRST}|{SECOND}", [[], [], []])
    result = import_annotated(platform, system(platform), [grown], "a")
    assert result["replaced"] == 1
    assert [(p, a, labels) for p, a, labels in _labels(platform) if a == "user:olle"] == [
        (1, "user:olle", ["fysiskt_vald"]),
        (2, "user:olle", []),
    ]


def test_a_withdrawn_passage_is_blanked_and_stays_out_of_the_training_data(
    platform: Platform,
) -> None:
    """An annotator who sees a name the pseudonymiser missed takes the passage out for good."""
    third = "Robban har sagt att han ska slå Tord."
    report = _report(f"{FIRST}|{SECOND}|{third}", [["fysiskt_vald"], [], ["psykiskt_vald"]])
    import_annotated(platform, system(platform), [report], "a")
    make_user(platform, "olle", ["annotator"])
    with platform.session() as db:
        olle = principal_for_user(db, db.scalar(select(User).where(User.username == "olle")))
        items = list(db.scalars(select(AnnotationItem).order_by(AnnotationItem.position)))
        annotate(db, olle, items[2].id, ["psykiskt_vald"])
        withdraw(db, olle, items[2].id)
    again = import_annotated(platform, system(platform), [report], "a")  # brings nothing back
    assert again["annotations"] == 0
    with platform.session() as db:
        item = db.get(AnnotationItem, items[2].id)
        assert item.text == "" and item.withdrawn_at is not None
        assert [i.id for i in context_of(db, db.get(AnnotationItem, items[1].id))] == [
            items[0].id,
            items[1].id,
        ]
        assert items[2].id not in [i.id for i in queue(db, olle)]
        (trained,) = training_reports(db, olle.tenant_id)
        event = db.scalar(
            select(AuditEvent).where(AuditEvent.action == "concern.annotation.withdraw")
        )
        with pytest.raises(NotFound):
            annotate(db, olle, items[2].id, ["fysiskt_vald"])
        with pytest.raises(NotFound):
            withdraw(db, olle, items[2].id)
    assert "Robban" not in trained.text and len(trained.passages) == 2
    assert [labels for *_, labels in _labels(platform)] == [["fysiskt_vald"], []]
    assert event.object_id == str(items[2].id) and event.detail in (None, {})


def test_another_tenants_annotator_cannot_withdraw_our_passage(platform: Platform) -> None:
    import_annotated(platform, system(platform), [_report(FIRST, [["fysiskt_vald"]])], "a")
    with platform.session() as db:
        from tillit.auth.service import create_tenant

        other = create_tenant(db, "annan", "Annan kommun")
        db.flush()
        other_id = other.id
        item_id = db.scalar(select(AnnotationItem.id))
    make_user(platform, "eva", ["annotator"], tenant="annan")
    with platform.session() as db:
        eva = principal_for_user(db, db.scalar(select(User).where(User.username == "eva")))
        assert eva.tenant_id == other_id
        with pytest.raises(NotFound):
            withdraw(db, eva, item_id)
    assert _labels(platform) == [(0, "import:a", ["fysiskt_vald"])]
