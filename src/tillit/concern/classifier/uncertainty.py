"""Uncertainty for an active-learning queue: passages nearest a decision threshold first."""

from __future__ import annotations

from collections.abc import Mapping


def uncertainty(scores: Mapping[str, float], thresholds: Mapping[str, float]) -> float:
    """1 − the smallest normalised margin between a label's score and its threshold.

    For each label with a threshold ``t`` and score ``s`` (both in 0..1) the margin is
    ``(s − t) / (1 − t)`` above the threshold and ``(t − s) / t`` below it, so 0 means "on the
    threshold" and 1 means "as far as possible". The result is in 0..1; sort descending to put
    the most uncertain passages first. Labels missing from either mapping are ignored; with no
    label in common the result is 0.0.
    """
    margins = []
    for label, threshold in thresholds.items():
        if label not in scores:
            continue
        s, t = float(scores[label]), min(max(float(threshold), 1e-9), 1 - 1e-9)
        margins.append((s - t) / (1 - t) if s >= t else (t - s) / t)
    if not margins:
        return 0.0
    return round(1.0 - min(1.0, min(margins)), 6)
