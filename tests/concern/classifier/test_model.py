from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from tillit.concern.classifier import LABELS, PassageClassifier, PassagePrediction, segment
from tillit.concern.classifier.decision import decide


def test_predict_passages_covers_the_segments(model: PassageClassifier, split) -> None:
    report = split[1][0]
    predictions = model.predict_passages(report.text)
    assert [(p.start, p.end) for p in predictions] == segment(report.text)
    for p in predictions:
        assert isinstance(p, PassagePrediction)
        assert set(p.scores) == set(LABELS)
        assert all(0.0 <= s <= 1.0 and round(s, 3) == s for s in p.scores.values())
        assert set(p.labels) <= set(LABELS)
        assert list(p.labels) == [lab for lab in LABELS if lab in p.labels]
    with pytest.raises(AttributeError):
        predictions[0].start = 5  # type: ignore[misc]


def test_labels_follow_scores_and_thresholds(model: PassageClassifier, split) -> None:
    report = split[1][1]
    spans = [(a, b) for a, b, _ in report.passages]
    predictions = model.predict_spans(report.text, spans)
    assert [(p.start, p.end) for p in predictions] == spans
    probabilities = model.probabilities([report.text[a:b] for a, b in spans])
    thresholds = np.array([model.thresholds[lab] for lab in LABELS])
    for p, row in zip(predictions, probabilities, strict=True):
        expected = tuple(LABELS[j] for j in decide(row, thresholds, model.weights.together))
        assert p.labels == expected
        passing = {lab for lab, s in zip(LABELS, row, strict=True) if s >= model.thresholds[lab]}
        assert set(p.labels) <= passing and bool(p.labels) == bool(passing)


def test_empty_text_and_no_spans(model: PassageClassifier) -> None:
    assert model.predict_passages("") == []
    assert model.predict_passages("   \n ") == []
    assert model.predict_spans("Något.", []) == []


def test_obvious_passages(model: PassageClassifier) -> None:
    text = (
        "Jag ringer från förskolan om en flicka på fyra år. "
        "Hon berättade att pappa slog henne med ett bälte och hon hade blåmärken på ryggen."
    )
    first, second = model.predict_spans(text, segment(text))
    assert "fysiskt_vald" in second.labels
    assert second.scores["fysiskt_vald"] > first.scores["fysiskt_vald"]


def test_save_load_round_trip_is_exact_and_pickle_free(
    model: PassageClassifier, split, tmp_path: Path
) -> None:
    model.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["arrays.npz", "model.json"]
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert meta["version"] == model.version and meta["labels"] == list(LABELS)
    with np.load(tmp_path / "m" / "arrays.npz", allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)
    loaded = PassageClassifier.load(tmp_path / "m")
    assert loaded.version == model.version and loaded.card == model.card
    for report in split[1][:10]:
        assert loaded.predict_passages(report.text) == model.predict_passages(report.text)
        spans = [(a, b) for a, b, _ in report.passages]
        assert loaded.predict_spans(report.text, spans) == model.predict_spans(report.text, spans)


def test_load_rejects_other_files(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a passage classifier"):
        PassageClassifier.load(tmp_path)


def test_analysis_is_fast(model: PassageClassifier, split) -> None:
    reports = split[1][:20]
    model.predict_passages(reports[0].text)  # warm-up
    began = time.perf_counter()
    for report in reports:
        model.predict_passages(report.text)
    per_report = (time.perf_counter() - began) / len(reports)
    assert per_report < 0.5  # target 0.2 s; generous here because the test machine is shared
