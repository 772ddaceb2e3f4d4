from __future__ import annotations

import pytest

from tillit.concern.classifier import LABELS, compare, cross_validate, project
from tillit.concern.classifier.evaluate import score


def test_project_uses_half_of_the_shorter_span() -> None:
    gold = [(0, 100), (101, 150)]
    predicted = [
        (0, 40, ("fysiskt_vald",)),  # inside the first gold passage
        (41, 120, ("forsummelse",)),  # 59 of its 79 characters in the first: goes there only
        (121, 150, ("psykiskt_vald",)),
    ]
    assert project(gold, predicted) == [("fysiskt_vald", "forsummelse"), ("psykiskt_vald",)]
    # One long predicted span covering both gold passages gives both its labels.
    assert project(gold, [(0, 150, ("bevittnat_vald",))]) == [("bevittnat_vald",)] * 2
    assert project(gold, []) == [(), ()]


def test_score_counts_by_hand() -> None:
    true = [[("fysiskt_vald",), ()], [("forsummelse",)]]
    pred = [[("fysiskt_vald",), ("fysiskt_vald",)], [()]]
    result = score(true, pred)
    assert result["confusion"]["fysiskt_vald"] == {"tp": 1, "fp": 1, "fn": 0, "tn": 1}
    assert result["confusion"]["forsummelse"] == {"tp": 0, "fp": 0, "fn": 1, "tn": 2}
    # micro: tp=1, fp=1, fn=1 -> F1 = 2/4
    assert result["micro_f1"] == pytest.approx(0.5)
    assert result["per_label"]["fysiskt_vald"] == {
        "precision": 0.5,
        "recall": 1.0,
        "f1": pytest.approx(0.6667),
        "support": 1,
    }
    # report level: report 1 {fysiskt} vs {fysiskt}; report 2 {forsummelse} vs {} -> 2/3
    assert result["report_micro_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert result["macro_f1"] == pytest.approx((0.6667 + 0 + 0 * 6) / 8, abs=1e-4)


def test_cross_validate_small(dev_reports) -> None:
    reports = dev_reports[:30]
    result = cross_validate(reports, folds=3, seed=1)
    n_passages = sum(len(r.passages) for r in reports)
    assert result["passages"] == n_passages and result["folds"] == 3
    for figures in (result, result["end_to_end"]):
        assert set(figures["per_label"]) == set(LABELS)
        for lab in LABELS:
            c = figures["confusion"][lab]
            assert sum(c.values()) == n_passages
            assert figures["per_label"][lab]["support"] == c["tp"] + c["fn"]
        assert 0.0 < figures["micro_f1"] <= 1.0
        assert 0.0 <= figures["macro_f1"] <= 1.0
    assert result["segmentation"]["boundary_recall"] > 0.8
    assert len(result["per_fold"]) == 3
    for fold in result["per_fold"]:
        assert set(fold) == {"micro_f1", "macro_f1", "report_micro_f1"}
        assert 0.0 <= fold["micro_f1"] <= 1.0
    folds = [f["micro_f1"] for f in result["per_fold"]]
    assert min(folds) <= result["micro_f1"] <= max(folds)


def test_compare_reports_differences_and_regressions() -> None:
    old = {
        "version": "a",
        "evaluation": {
            "micro_f1": 0.6,
            "macro_f1": 0.6,
            "report_micro_f1": 0.8,
            "per_label": {"fysiskt_vald": {"f1": 0.7}},
        },
    }
    new = {
        "version": "b",
        "evaluation": {
            "micro_f1": 0.65,
            "macro_f1": 0.55,
            "report_micro_f1": 0.8,
            "per_label": {"fysiskt_vald": {"f1": 0.71}},
        },
    }
    diff = compare(new, old)
    assert diff["new_version"] == "b" and diff["old_version"] == "a"
    assert diff["figures"]["micro_f1"]["delta"] == pytest.approx(0.05)
    assert diff["figures"]["f1.fysiskt_vald"]["delta"] == pytest.approx(0.01)
    assert diff["figures"]["f1.sexuellt_vald"]["delta"] is None
    assert diff["regressions"] == ["macro_f1"]
