"""Report-grouped cross-validation of the passage classifier, and comparing model cards.

Two ways, both against the gold passages:
- ``gold``: the model labels the gold passages themselves (``predict_spans``);
- ``end_to_end``: the model segments the text itself (``predict_passages``); predicted labels are
  projected onto the gold passages. A gold passage receives the union of the labels of the
  predicted segments that overlap it by at least half of the *shorter* of the two spans, i.e. a
  segment lying mostly inside the gold passage, or a gold passage lying mostly inside one long
  segment. (Our segments are sentences, gold passages are often two or three sentences; "half of
  the gold passage" would then drop every sentence of a three-sentence passage.)
Report level: a report's labels are the union of its passages' labels, gold and predicted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from tillit.concern.classifier.data import LabelledReport
from tillit.concern.classifier.labels import LABELS
from tillit.concern.classifier.model import PassagePrediction
from tillit.concern.classifier.segment import segment


class Predictor(Protocol):
    """What ``cross_validate`` needs of a model (``PassageClassifier`` or a baseline)."""

    def predict_passages(self, text: str) -> list[PassagePrediction]: ...

    def predict_spans(self, text: str, spans: list[tuple[int, int]]) -> list[PassagePrediction]: ...


Trainer = Callable[[list[LabelledReport]], Predictor]


def cross_validate(
    reports: list[LabelledReport],
    folds: int = 5,
    seed: int = 0,
    *,
    trainer: Trainer | None = None,
    end_to_end: bool = True,
) -> dict[str, Any]:
    """Train on k−1 groups of reports, predict the held-out group, score all predictions.

    The result holds the gold-passage figures at the top level (``per_label``, ``micro_f1``,
    ``macro_f1``, ``report_micro_f1``, ``confusion``) and the same under ``end_to_end``;
    ``per_fold`` holds each held-out fold's micro-, macro- and report-level F1 (gold passages), so
    that a difference between two models can be set against the spread between folds.
    """
    if trainer is None:
        from tillit.concern.classifier.train import train

        def trainer(train_reports: list[LabelledReport]) -> Predictor:
            return train(train_reports, seed=seed)

    order = np.random.default_rng(seed).permutation(len(reports))
    groups = [order[i::folds] for i in range(folds)]
    gold_true, gold_pred, e2e_pred, report_ids = [], [], [], []
    per_fold = []
    for held in groups:
        held_set = set(held.tolist())
        model = trainer([r for i, r in enumerate(reports) if i not in held_set])
        for i in sorted(held_set):
            report = reports[i]
            spans = [(a, b) for a, b, _ in report.passages]
            gold_true.append([labels for _, _, labels in report.passages])
            gold_pred.append([p.labels for p in model.predict_spans(report.text, spans)])
            if end_to_end:
                predicted = model.predict_passages(report.text)
                e2e_pred.append(project(spans, [(p.start, p.end, p.labels) for p in predicted]))
            report_ids.append(report.id)
        fold = score(gold_true[-len(held_set) :], gold_pred[-len(held_set) :])
        per_fold.append({k: fold[k] for k in ("micro_f1", "macro_f1", "report_micro_f1")})
    result = score(gold_true, gold_pred)
    result |= {"folds": folds, "seed": seed, "reports": len(reports), "per_fold": per_fold}
    if end_to_end:
        result["end_to_end"] = score(gold_true, e2e_pred)
        result["segmentation"] = segmentation_agreement(reports)
    return result


def project(
    gold: Sequence[tuple[int, int]], predicted: Sequence[tuple[int, int, Sequence[str]]]
) -> list[tuple[str, ...]]:
    """Labels for each gold span from overlapping predicted spans (rule in the module doc)."""
    out = []
    for g_start, g_end in gold:
        found: set[str] = set()
        for p_start, p_end, labels in predicted:
            overlap = min(g_end, p_end) - max(g_start, p_start)
            if overlap > 0 and overlap >= 0.5 * min(g_end - g_start, p_end - p_start):
                found.update(labels)
        out.append(tuple(lab for lab in LABELS if lab in found))
    return out


def score(
    true: Sequence[Sequence[Sequence[str]]], pred: Sequence[Sequence[Sequence[str]]]
) -> dict[str, Any]:
    """Passage- and report-level figures; ``true``/``pred``: per report, per passage, labels."""
    T = _matrix([p for report in true for p in report])
    P = _matrix([p for report in pred for p in report])
    counts = _confusion(T, P)
    per_label = {lab: _prf(counts[lab]) for lab in LABELS}
    micro = _prf({k: sum(c[k] for c in counts.values()) for k in ("tp", "fp", "fn", "tn")})
    RT = _matrix([[lab for p in report for lab in p] for report in true])
    RP = _matrix([[lab for p in report for lab in p] for report in pred])
    report_counts = _confusion(RT, RP)
    report_micro = _prf({k: sum(c[k] for c in report_counts.values()) for k in ("tp", "fp", "fn")})
    return {
        "passages": int(T.shape[0]),
        "per_label": per_label,
        "micro_f1": micro["f1"],
        "micro_precision": micro["precision"],
        "micro_recall": micro["recall"],
        "macro_f1": round(float(np.mean([v["f1"] for v in per_label.values()])), 4),
        "report_micro_f1": report_micro["f1"],
        "report_per_label_f1": {lab: _prf(report_counts[lab])["f1"] for lab in LABELS},
        "confusion": counts,
    }


def segmentation_agreement(reports: Sequence[LabelledReport]) -> dict[str, float]:
    """How well ``segment`` reproduces gold passage boundaries (starts after the first)."""
    tp = fp = fn = exact = total = 0
    for report in reports:
        spans = segment(report.text)
        gold = {a for a, _, _ in report.passages[1:]}
        ours = {a for a, _ in spans[1:]}
        tp, fp, fn = tp + len(gold & ours), fp + len(ours - gold), fn + len(gold - ours)
        exact += len({(a, b) for a, b, _ in report.passages} & set(spans))
        total += len(report.passages)
    return {
        "boundary_precision": round(tp / max(1, tp + fp), 4),
        "boundary_recall": round(tp / max(1, tp + fn), 4),
        "exact_passages": round(exact / max(1, total), 4),
    }


def compare(card_new: dict[str, Any], card_old: dict[str, Any]) -> dict[str, Any]:
    """Differences between the evaluations stored in two model cards (``card["evaluation"]``,
    a ``cross_validate`` result). ``regressions`` lists figures that fell by more than 0.02."""
    new, old = card_new.get("evaluation", {}), card_old.get("evaluation", {})
    rows: dict[str, dict[str, float | None]] = {}
    for key in ("micro_f1", "macro_f1", "report_micro_f1"):
        rows[key] = _delta(new.get(key), old.get(key))
        e2e_new, e2e_old = new.get("end_to_end", {}), old.get("end_to_end", {})
        rows[f"end_to_end.{key}"] = _delta(e2e_new.get(key), e2e_old.get(key))
    for lab in LABELS:
        f_new = new.get("per_label", {}).get(lab, {}).get("f1")
        f_old = old.get("per_label", {}).get(lab, {}).get("f1")
        rows[f"f1.{lab}"] = _delta(f_new, f_old)
    regressions = [k for k, v in rows.items() if v["delta"] is not None and v["delta"] < -0.02]
    return {
        "new_version": card_new.get("version"),
        "old_version": card_old.get("version"),
        "figures": rows,
        "regressions": regressions,
    }


def _delta(new: float | None, old: float | None) -> dict[str, float | None]:
    delta = None if new is None or old is None else round(new - old, 4)
    return {"new": new, "old": old, "delta": delta}


def _matrix(label_lists: Sequence[Sequence[str]]) -> np.ndarray:
    return np.array(
        [[lab in labels for lab in LABELS] for labels in label_lists], dtype=bool
    ).reshape(-1, len(LABELS))


def _confusion(T: np.ndarray, P: np.ndarray) -> dict[str, dict[str, int]]:
    return {
        lab: {
            "tp": int((T[:, j] & P[:, j]).sum()),
            "fp": int((~T[:, j] & P[:, j]).sum()),
            "fn": int((T[:, j] & ~P[:, j]).sum()),
            "tn": int((~T[:, j] & ~P[:, j]).sum()),
        }
        for j, lab in enumerate(LABELS)
    }


def _prf(c: dict[str, int]) -> dict[str, float]:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "support": tp + fn,
    }
