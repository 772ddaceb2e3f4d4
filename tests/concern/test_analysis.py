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
