"""Which of the labels that pass their thresholds a passage keeps.

In the annotated reports a passage almost always carries one sign: 97 % of the labelled dev
passages have exactly one label. The exceptions are pairs that belong together, such as
honour-related oppression with psychological violence. A passage whose labels all pass their
thresholds was mostly one sign plus a near miss: witnessed violence where the child itself was
hit, conflict where there was psychological violence. So a passage keeps its strongest label
(largest margin over its threshold, in log-odds) and, besides it, only labels that the
training passages show together with a kept one (``together``). The pairs are learnt from the
training data, never written by hand.
"""

from __future__ import annotations

import numpy as np

TOGETHER_SHARE = 0.2
"""Two labels may share a passage when at least this share of the rarer label's training
passages also carry the other one."""


def labels_seen_together(Y: np.ndarray, share: float = TOGETHER_SHARE) -> np.ndarray:
    """(L, L) booleans from the training passages' label matrix Y (passages, L)."""
    Y = Y.astype(np.int64)
    both = Y.T @ Y
    count = np.diag(both)
    rarer = np.minimum.outer(count, count)
    together = (both >= share * rarer) & (both > 0)
    np.fill_diagonal(together, False)
    return together


def decide(row: np.ndarray, thresholds: np.ndarray, together: np.ndarray | None) -> list[int]:
    """Indices of the labels one passage gets, in label order. ``row``: its calibrated
    probabilities; ``together`` None (models trained before this rule): every passing label."""
    passing = [j for j in range(len(row)) if row[j] >= thresholds[j]]
    if together is None or len(passing) < 2:
        return passing
    margin = _logit(row) - _logit(thresholds)
    ranked = sorted(passing, key=lambda j: -margin[j])
    kept = ranked[:1]
    for j in ranked[1:]:
        if any(together[j, k] for k in kept):
            kept.append(j)
    return sorted(kept)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))
