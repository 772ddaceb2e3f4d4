from __future__ import annotations

import itertools

import pytest

from tillit.concern.classifier import segment
from tillit.concern.classifier.evaluate import segmentation_agreement


def _texts(text: str) -> list[str]:
    return [text[a:b] for a, b in segment(text)]


def _assert_tiles(text: str) -> None:
    spans = segment(text)
    covered = "".join(text[a:b] for a, b in spans)
    assert "".join(covered.split()) == "".join(text.split())
    for (_, b), (c, _) in itertools.pairwise(spans):
        assert b <= c and not text[b:c].strip()
    for a, b in spans:
        assert a < b and not text[a].isspace() and not text[b - 1].isspace()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "En mening utan punkt",
        "Hej! Jag heter Anna.\n\nMed vänlig hälsning\nAnna Berg\n070-123 45 67",
        "  Inledande blanksteg. Och avslutande.   ",
        "a" * 1000,
        "ord " * 400,
    ],
)
def test_spans_tile_the_text_modulo_whitespace(text: str) -> None:
    _assert_tiles(text)


def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "Hon har t.ex. svårt att sova, bl.a. på grund av oro. Mötet var kl. 09.40 enligt "
        "14 kap. 1 § SoL. Det gäller bl.a. Anna."
    )
    assert _texts(text) == [
        "Hon har t.ex. svårt att sova, bl.a. på grund av oro.",
        "Mötet var kl. 09.40 enligt 14 kap. 1 § SoL.",
        "Det gäller bl.a. Anna.",
    ]


def test_quotes_questions_and_exclamations() -> None:
    text = (
        'Han ropade "sluta pappa!" flera gånger. Hon sa: ”Jag vill hem.” '
        "Sedan grät hon. Vad gör vi nu? Vi ringer."
    )
    assert _texts(text) == [
        'Han ropade "sluta pappa!" flera gånger.',
        "Hon sa: ”Jag vill hem.”",
        "Sedan grät hon.",
        "Vad gör vi nu?",
        "Vi ringer.",
    ]


def test_line_breaks_and_informal_lower_case_sentences() -> None:
    text = "Med vänlig hälsning\nAnna Berg\nhej jag bor här. dom bråkar jämt"
    assert _texts(text) == [
        "Med vänlig hälsning",
        "Anna Berg",
        "hej jag bor här.",
        "dom bråkar jämt",
    ]


def test_numbers_and_initials() -> None:
    text = "Pojken är 3 år. Han bor med A. Berg sedan 2. januari. Det var 12. Sedan kom hon."
    assert _texts(text) == [
        "Pojken är 3 år.",
        "Han bor med A. Berg sedan 2. januari.",
        "Det var 12.",
        "Sedan kom hon.",
    ]


def test_long_unpunctuated_text_is_cut_into_pieces() -> None:
    text = " ".join(["jag vill anmäla en familj där barnen far illa varje dag"] * 12)
    spans = segment(text)
    assert len(spans) >= 3
    assert all(b - a <= 320 for a, b in spans)
    _assert_tiles(text)


def test_dev_set_boundaries(dev_reports) -> None:
    for report in dev_reports:
        _assert_tiles(report.text)
    figures = segmentation_agreement(dev_reports)
    # Sentences are finer than gold passages (often 2-3 sentences): recall is what matters.
    assert figures["boundary_recall"] >= 0.9
