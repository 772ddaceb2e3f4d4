"""Choosing decision thresholds on held-out (inner cross-validation) values.

Two sets, both probability thresholds per label:
- passage thresholds, for spans given by the caller (``predict_spans``): the F1-optimal cut on
  held-out second-level values of the gold passages;
- segment thresholds, for our own sentence segments (``predict_passages``): sentences are
  shorter than gold passages and a gold passage takes the union of its sentences' labels, so
  the same cut over-predicts. The cut is chosen to maximise micro-F1 of the labels projected
  onto the gold passages (``evaluate.project``), scoring each held-out report's sentences with
  the first-level model that did not see that report.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tillit.concern.classifier.data import LabelledReport
from tillit.concern.classifier.features import PassageFeaturizer
from tillit.concern.classifier.labels import LABELS
from tillit.concern.classifier.model import Weights, second_level
from tillit.concern.classifier.roles import passage_texts
from tillit.concern.classifier.segment import segment
from tillit.privacy.detect import Entity


def passage_thresholds(
    values: np.ndarray, Y: np.ndarray, calibration: np.ndarray, mode: str = "global"
) -> np.ndarray:
    """``mode="global"``: one cut for all labels (steadier on little data); ``"label"``: one
    cut per label."""
    if mode == "global":
        cuts = np.full(Y.shape[1], best_cut(values.ravel(), Y.ravel()))
    else:
        cuts = np.array([best_cut(values[:, j], Y[:, j]) for j in range(Y.shape[1])])
    return to_probability(cuts, calibration)


def to_probability(cuts: np.ndarray, calibration: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(cuts * calibration[:, 0] + calibration[:, 1])))


def best_cut(values: np.ndarray, y: np.ndarray) -> float:
    """Midpoint cut maximising F1 over all distinct values."""
    if y.max() == 0:
        return float(values.max() + 1.0)
    order = np.argsort(-values)
    v, t = values[order], y[order].astype(float)
    tp = np.cumsum(t)
    f1 = 2 * tp / (np.arange(1, len(v) + 1) + t.sum())
    last = np.flatnonzero(np.r_[v[1:] != v[:-1], True])  # predict all with value >= v[i]
    best = last[np.argmax(f1[last])]
    return float((v[best] + v[best + 1]) / 2) if best + 1 < len(v) else float(v[best] - 1e-6)


def segment_thresholds(
    reports: Sequence[LabelledReport],
    featurizer: PassageFeaturizer,
    folds: Sequence[np.ndarray],
    fold_models: Sequence[tuple[np.ndarray, np.ndarray]],
    weights: Weights,
    normalise: str = "",
    found: Sequence[Sequence[Entity] | None] | None = None,
) -> np.ndarray:
    """One global cut for sentence segments, chosen on held-out reports (see module doc)."""
    values, overlaps, golds = [], [], []
    for fold, (coef, bias) in zip(folds, fold_models, strict=True):
        for i in fold:
            report = reports[int(i)]
            spans = segment(report.text)
            if not spans or not report.passages:
                continue
            entities = found[int(i)] if found is not None else None
            texts = passage_texts(report.text, spans, normalise, entities)
            first = featurizer.linear_scores(texts, coef)
            values.append(second_level(first + bias, weights))
            overlaps.append(_overlap_matrix([(a, b) for a, b, _ in report.passages], spans))
            golds.append([[lab in labels for lab in LABELS] for _, _, labels in report.passages])
    if not values:
        return weights.thresholds.copy()
    gold = np.concatenate([np.array(g, dtype=bool) for g in golds])
    candidates = np.quantile(np.concatenate(values).ravel(), np.linspace(0.5, 0.995, 100))
    scores = [_projected_f1(values, overlaps, gold, cut) for cut in candidates]
    cut = float(candidates[int(np.argmax(scores))])
    return to_probability(np.full(len(LABELS), cut), weights.calibration)


def _overlap_matrix(
    gold: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]
) -> np.ndarray:
    """(gold, segments) True where the segment's labels go to the gold passage (the rule of
    ``evaluate.project``: overlap ≥ half of the shorter span)."""
    out = np.zeros((len(gold), len(spans)), dtype=bool)
    for g, (ga, gb) in enumerate(gold):
        for s, (sa, sb) in enumerate(spans):
            overlap = min(gb, sb) - max(ga, sa)
            out[g, s] = overlap > 0 and overlap >= 0.5 * min(gb - ga, sb - sa)
    return out


def _projected_f1(
    values: list[np.ndarray], overlaps: list[np.ndarray], gold: np.ndarray, cut: float
) -> float:
    predicted = np.concatenate(
        [
            (m.astype(int) @ (v >= cut).astype(int)) > 0
            for v, m in zip(values, overlaps, strict=True)
        ]
    )
    tp = int((predicted & gold).sum())
    wrong = int((predicted ^ gold).sum())
    return 2 * tp / (2 * tp + wrong) if tp else 0.0
