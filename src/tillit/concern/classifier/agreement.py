"""Inter-annotator agreement for multi-label passage annotations (Krippendorff's alpha).

Input: ``annotations[a][u]`` is the set of labels annotator ``a`` gave passage ``u`` (the same
passages, in the same order, for every annotator), or ``None`` where the annotator did not
annotate that passage (missing values are allowed, as alpha allows them).

Convention:
- per label: each passage is a unit and each annotator's value is binary, label present (1) or
  absent (0); alpha is computed at the nominal level with the maintained ``krippendorff``
  package (for binary data nominal and interval alpha coincide);
- overall: every (passage, label) pair is one binary unit, pooled over all labels; alpha is
  computed once over the pooled matrix. It weights labels by how often they are at stake, and
  counts the many joint "absent" decisions as agreement, as per-label alpha does;
- ``exact_set``: alpha with the whole label set of a passage as one nominal category (strict:
  any difference in the set is a disagreement);
- where a label shows no variation at all (every value the same) alpha is undefined: ``None``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from tillit.concern.classifier.labels import LABELS

Annotation = Collection[str] | None


@dataclass(frozen=True)
class Agreement:
    per_label: dict[str, float | None]
    overall: float | None
    exact_set: float | None
    annotators: int
    passages: int


def krippendorff_alpha(
    annotations: Sequence[Sequence[Annotation]], labels: Sequence[str] = LABELS
) -> Agreement:
    """Per-label, pooled and exact-set alpha for two or more annotators."""
    if len(annotations) < 2:
        raise ValueError("agreement needs at least two annotators")
    units = len(annotations[0])
    if any(len(row) != units for row in annotations):
        raise ValueError("every annotator must cover the same passages (None for missing)")
    binary = np.stack([_binary(annotations, label) for label in labels])  # (L, A, U)
    per_label = {label: _alpha(binary[k]) for k, label in enumerate(labels)}
    pooled = np.concatenate(list(binary), axis=1)  # (A, L*U)
    return Agreement(
        per_label=per_label,
        overall=_alpha(pooled),
        exact_set=_alpha(_set_codes(annotations, labels)),
        annotators=len(annotations),
        passages=units,
    )


def _binary(annotations: Sequence[Sequence[Annotation]], label: str) -> np.ndarray:
    return np.array(
        [[np.nan if item is None else float(label in item) for item in row] for row in annotations]
    )


def _set_codes(annotations: Sequence[Sequence[Annotation]], labels: Sequence[str]) -> np.ndarray:
    """Each distinct label set becomes one integer code."""
    codes: dict[tuple[str, ...], int] = {}
    out = np.full((len(annotations), len(annotations[0])), np.nan)
    for a, row in enumerate(annotations):
        for u, item in enumerate(row):
            if item is not None:
                key = tuple(label for label in labels if label in item)
                out[a, u] = codes.setdefault(key, len(codes))
    return out


def _alpha(data: np.ndarray) -> float | None:
    import krippendorff

    values = data[~np.isnan(data)]
    if np.unique(values).size < 2:
        return None
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if not pairable.any():
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
