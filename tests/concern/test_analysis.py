"""analyse_text: the output shape's parts come from one pass over the report's personal data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tillit.concern import analysis
from tillit.concern.classifier import load_jsonl, roles, train
from tillit.privacy.detect import detect

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "concern" / "dev.jsonl"


def test_personal_data_is_found_once_and_labels_are_as_without_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not DATA.exists():
        pytest.skip(f"development set not found at {DATA}")
    reports = load_jsonl(DATA)
    model = train(reports[:30], seed=0)
    text = reports[40].text
    alone = model.predict_passages(text)  # finds the personal data itself
    calls: list[str] = []

    def counted(found_in: str):  # type: ignore[no-untyped-def]
        calls.append(found_in)
        return detect(found_in)

    monkeypatch.setattr(analysis, "detect", counted)
    monkeypatch.setattr(roles, "detect", counted)
    result = analysis.analyse_text(model, text)

    assert calls == [text]
    assert result.entities == detect(text) and result.entities
    assert [(p.start, p.end, p.labels, p.scores) for p in result.passages] == [
        (p.start, p.end, p.labels, p.scores) for p in alone
    ]
    assert any(p.labels for p in alone)


class _Passage:
    def __init__(self, start: int, end: int, labels: tuple[str, ...], score: float) -> None:
        self.start, self.end, self.labels = start, end, labels
        self.scores = {label: score for label in labels}


def test_the_summary_cites_at_most_ten_passages_per_label_and_counts_the_rest() -> None:
    sentence = "Barnet är ofta hungrigt. "
    count = 5556
    text = sentence * count
    passages = [
        _Passage(i * len(sentence), (i + 1) * len(sentence) - 1, ("forsummelse",), 0.6)
        for i in range(count)
    ]
    summary = analysis.summarise(text, passages)
    first = summary.splitlines()[0]
    assert first.startswith("Försummelse: 5\u00a0556 stycken [1], [2],")
    assert "[10] och 5\u00a0546 till, t.ex. ”Barnet är ofta hungrigt.”" in first
    assert "[11]" not in summary
    assert len(summary) < 400


def test_a_short_summary_cites_every_passage() -> None:
    text = "Pappa slår mamma. Barnet ser på. Inget mer."
    passages = [
        _Passage(0, 17, ("bevittnat_vald",), 0.7),
        _Passage(18, 32, ("bevittnat_vald",), 0.9),
        _Passage(33, 43, (), 0.0),
    ]
    first = analysis.summarise(text, passages).splitlines()[0]
    assert first == "Bevittnat våld: 2 stycken [1], [2], t.ex. ”Barnet ser på.”"
