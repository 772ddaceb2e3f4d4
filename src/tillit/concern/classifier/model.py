"""The trained passage classifier: inference in numpy/scipy, saved as JSON + npz (no pickle).

Two levels, both linear:
1. per label, a logistic regression over features of the passage and (weighted 0.5) its
   neighbours: TF-IDF of stemmed words/bigrams and of character 2–5-grams, and cue-lexicon
   counts per label;
2. per label, a logistic regression over that label's first-level scores in context: the
   passage's own score, its neighbours' scores and the report's top, second and mean score
   (with a few "typical passage" pseudo-counts, so short texts are not judged against
   themselves alone).
The second-level value is calibrated (Platt) into a probability; a label is a candidate when the
probability reaches the label's threshold, chosen by inner cross-validation at training time —
one set for caller-given spans (``predict_spans``), one for our own sentence segments
(``predict_passages``), see ``thresholds.py``. Of its candidates a passage keeps the strongest,
and others only where the training passages show the two labels together (``decision.py``).

The classifier expects whole reports (or their passages in order): context is part of the
model. It reads personal data as role words ("Barnet", "Personen", … see roles.py), so it never
learns or stores names. Scores are probabilities calibrated on the training data's held-out
predictions; they are not calibrated for other kinds of text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tillit.concern.classifier.decision import decide
from tillit.concern.classifier.features import PassageFeaturizer, TfidfBlock, context_features
from tillit.concern.classifier.labels import LABELS
from tillit.concern.classifier.roles import passage_texts
from tillit.concern.classifier.segment import segment
from tillit.privacy.detect import Entity

FORMAT = "tillit-concern-passage-classifier/1"
_JSON = "model.json"
_ARRAYS = "arrays.npz"


@dataclass(frozen=True)
class PassagePrediction:
    """A span with its labels and calibrated probabilities (rounded to 3 decimals; labels are
    decided on the unrounded values)."""

    start: int
    end: int
    labels: tuple[str, ...]
    scores: dict[str, float]


@dataclass
class Weights:
    """All learned numbers. Shapes: first (features, L), first_bias (L,), second (L, 6),
    second_bias (L,), calibration (L, 2) as (slope, intercept), thresholds (L,) for spans the
    caller gives, segment_thresholds (L,) for our own sentence segments."""

    first: np.ndarray
    first_bias: np.ndarray
    second: np.ndarray
    second_bias: np.ndarray
    calibration: np.ndarray
    thresholds: np.ndarray
    segment_thresholds: np.ndarray
    prior: np.ndarray  # (L,) a typical passage's first-level score (context_features)
    pseudo: int = 0  # how many such typical passages are added to a report's context
    together: np.ndarray | None = None  # (L, L) labels that may share a passage (decision.py)


@dataclass
class PassageClassifier:
    featurizer: PassageFeaturizer
    weights: Weights
    version: str
    card: dict[str, Any] = field(default_factory=dict)
    labels: tuple[str, ...] = LABELS
    normalise: str = ""  # "roles": personal data read as role words (roles.py); "": as written

    @property
    def thresholds(self) -> dict[str, float]:
        """Probability thresholds used by ``predict_spans`` (passages given by the caller)."""
        return {lab: float(t) for lab, t in zip(self.labels, self.weights.thresholds, strict=True)}

    @property
    def segment_thresholds(self) -> dict[str, float]:
        """Probability thresholds used by ``predict_passages`` (our own sentence segments)."""
        pairs = zip(self.labels, self.weights.segment_thresholds, strict=True)
        return {lab: float(t) for lab, t in pairs}

    def predict_passages(
        self,
        text: str,
        entities: Sequence[Entity] | None = None,
        spans: list[tuple[int, int]] | None = None,
    ) -> list[PassagePrediction]:
        """Segment ``text`` into sentences and label each one (segment thresholds).
        ``entities``: the personal data ``detect(text)`` found, if the caller has it already.
        ``spans``: segments of this text made earlier (a re-analysed case keeps the passages
        its review belongs to); by default the text is segmented now."""
        segments = segment(text) if spans is None else spans
        return self._predict(text, segments, self.weights.segment_thresholds, entities)

    def predict_spans(
        self, text: str, spans: list[tuple[int, int]], entities: Sequence[Entity] | None = None
    ) -> list[PassagePrediction]:
        """Label given (start, end) spans of ``text``, in order; neighbours give context.
        Thresholds are those for passages of the annotation guideline's size (a few sentences)."""
        return self._predict(text, spans, self.weights.thresholds, entities)

    def _predict(
        self,
        text: str,
        spans: list[tuple[int, int]],
        thresholds: np.ndarray,
        entities: Sequence[Entity] | None,
    ) -> list[PassagePrediction]:
        if not spans:
            return []
        texts = passage_texts(text, spans, self.normalise, entities)
        probabilities = self.probabilities(texts)
        predictions = []
        for (start, end), row in zip(spans, probabilities, strict=True):
            chosen = tuple(self.labels[j] for j in decide(row, thresholds, self.weights.together))
            scores = {lab: round(float(p), 3) for lab, p in zip(self.labels, row, strict=True)}
            predictions.append(PassagePrediction(start, end, chosen, scores))
        return predictions

    def probabilities(self, passages: list[str]) -> np.ndarray:
        """Calibrated probabilities (passages, labels) for one report's passages in order."""
        first = self.first_scores(passages)
        second = second_level(first, self.weights)
        slope, intercept = self.weights.calibration[:, 0], self.weights.calibration[:, 1]
        return _sigmoid(second * slope + intercept)

    def first_scores(self, passages: list[str]) -> np.ndarray:
        return self.featurizer.linear_scores(passages, self.weights.first) + self.weights.first_bias

    def save(self, directory: str | Path) -> None:
        """Write ``model.json`` (vocabularies, small weights, card) and ``arrays.npz``."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        w = self.weights
        meta = {
            "format": FORMAT,
            "version": self.version,
            "labels": list(self.labels),
            "card": self.card,
            "normalise": self.normalise,
            "context": self.featurizer.context,
            "lexicon": self.featurizer.lexicon,
            "cues": {label: list(cues) for label, cues in self.featurizer.cues.items()},
            "blocks": [
                {"analyser": b.analyser, "terms": sorted(b.vocabulary, key=b.vocabulary.get)}
                for b in self.featurizer.blocks
            ],
        }
        (path / _JSON).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        arrays = {f"idf_{i}": b.idf for i, b in enumerate(self.featurizer.blocks)}
        arrays |= {
            "first": w.first.astype(np.float32),
            "first_bias": w.first_bias,
            "second": w.second,
            "second_bias": w.second_bias,
            "calibration": w.calibration,
            "thresholds": w.thresholds,
            "segment_thresholds": w.segment_thresholds,
            "prior": w.prior,
            "pseudo": np.array(w.pseudo),
        }
        if w.together is not None:
            arrays["together"] = w.together
        np.savez_compressed(path / _ARRAYS, **arrays)

    @classmethod
    def load(cls, directory: str | Path) -> PassageClassifier:
        """Read a model written by ``save``; never unpickles anything."""
        path = Path(directory)
        meta = json.loads((path / _JSON).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"not a passage classifier: format {meta.get('format')!r}")
        with np.load(path / _ARRAYS, allow_pickle=False) as arrays:
            blocks = [
                TfidfBlock(
                    spec["analyser"],
                    {t: k for k, t in enumerate(spec["terms"])},
                    arrays[f"idf_{i}"],
                )
                for i, spec in enumerate(meta["blocks"])
            ]
            weights = Weights(
                first=arrays["first"].astype(np.float64),
                first_bias=arrays["first_bias"],
                second=arrays["second"],
                second_bias=arrays["second_bias"],
                calibration=arrays["calibration"],
                thresholds=arrays["thresholds"],
                segment_thresholds=arrays["segment_thresholds"],
                prior=arrays["prior"],
                pseudo=int(arrays["pseudo"]),
                together=arrays["together"] if "together" in arrays.files else None,
            )
        cues = {label: tuple(items) for label, items in meta["cues"].items()}
        featurizer = PassageFeaturizer(blocks, float(meta["context"]), float(meta["lexicon"]), cues)
        labels = tuple(meta["labels"])
        normalise = meta.get("normalise", "")  # models saved before roles.py read names as written
        return cls(featurizer, weights, meta["version"], meta["card"], labels, normalise)


def second_level(first: np.ndarray, weights: Weights) -> np.ndarray:
    """Second-level decision values (passages, labels) from first-level scores of one report."""
    contexts = context_features(first, weights.prior, weights.pseudo)
    return np.einsum("plk,lk->pl", contexts, weights.second) + weights.second_bias


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))
