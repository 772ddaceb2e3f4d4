"""Training the passage classifier (scikit-learn is needed here, not for inference).

Procedure, all on the reports given (hyperparameters fixed in ``TrainConfig``, chosen by
report-grouped cross-validation on the development set, see ``bench/results/concern.md``):
1. fit the TF-IDF vocabularies on all passages;
2. split the reports into ``inner_folds`` groups; per group and label fit a class-balanced
   logistic regression on the other groups and score the held-out passages. The shipped
   first level is the average of these fold models (one linear model), and the held-out
   scores are honest inputs for
3. the second level: per label a logistic regression over the label's scores in context;
4. a second round of report-grouped folds gives held-out second-level values, on which each
   label's Platt calibration is fitted and the decision threshold is chosen (maximum F1);
5. each held-out report is also cut by our own segmenter and scored by the fold model that did
   not see it, to choose the threshold for sentence segments (``thresholds.py``).
The model card records the data, configuration and training time; attach a
``cross_validate`` result as ``card["evaluation"]`` to compare models with ``compare``.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from tillit.concern.classifier.data import LabelledReport
from tillit.concern.classifier.decision import labels_seen_together
from tillit.concern.classifier.features import PassageFeaturizer, context_features
from tillit.concern.classifier.labels import LABELS
from tillit.concern.classifier.model import PassageClassifier, Weights
from tillit.concern.classifier.roles import ROLES, entities_of, passage_texts
from tillit.concern.classifier.thresholds import passage_thresholds, segment_thresholds
from tillit.privacy.detect import Entity

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

Progress = Callable[[str, float], None]
Matrix = sp.csr_matrix | np.ndarray
MODEL_FAMILY = "tfidf-ctx-stack"


@dataclass(frozen=True)
class TrainConfig:
    C: float = 1.0  # first-level inverse regularisation
    C2: float = 0.1  # second-level inverse regularisation
    context: float = 0.5  # weight of the neighbouring passages' features
    min_df: int = 2
    min_reports: int = 2  # a term must occur in this many reports (no one report's nickname)
    lexicon: float = 0.15  # weight of the cue-lexicon counts (0: not used)
    pseudo: int = 8  # typical passages added to each report's context (context_features)
    inner_folds: int = 5
    threshold: str = "global"  # "global": one F1-optimal cut on second-level values; "label"
    normalise: str = ROLES  # personal data replaced by role words before features (roles.py)
    one_sign_per_passage: bool = True  # keep the strongest label, pairs seen together (decision.py)


@dataclass
class _Data:
    featurizer: PassageFeaturizer
    X: sp.csr_matrix
    Y: np.ndarray
    report_of_row: np.ndarray
    row_slices: list[slice]


def train(
    reports: list[LabelledReport],
    *,
    seed: int = 0,
    progress: Progress | None = None,
    config: TrainConfig | None = None,
) -> PassageClassifier:
    """Train on the reports' gold passages; ``progress(stage, fraction)`` is told each stage."""
    if len(reports) < 2 or any(not r.passages for r in reports):
        raise ValueError(
            "träningen behöver minst två anmälningar, var och en med sina annoterade stycken"
        )
    config = config or TrainConfig()
    say = progress or (lambda stage, fraction: None)
    began = time.perf_counter()
    say("features", 0.0)
    found = entities_of([r.text for r in reports], config.normalise)
    data = _prepare(reports, config, found)
    folds = _folds(len(reports), config.inner_folds, seed)
    say("first level", 0.1)
    first, first_bias, oof, fold_models = _first_level(data, folds, config, say)
    say("second level", 0.8)
    prior = np.median(oof, axis=0)
    contexts = np.concatenate(
        [context_features(oof[s], prior, config.pseudo) for s in data.row_slices]
    )
    second, second_bias, held_out = _second_level(contexts, data, folds, config)
    say("calibration", 0.9)
    calibration = _calibrate(held_out, data.Y)
    thresholds = passage_thresholds(held_out, data.Y, calibration, config.threshold)
    weights = Weights(
        first,
        first_bias,
        second,
        second_bias,
        calibration,
        thresholds,
        thresholds,
        prior,
        config.pseudo,
        labels_seen_together(data.Y) if config.one_sign_per_passage else None,
    )
    weights.segment_thresholds = segment_thresholds(
        reports, data.featurizer, folds, fold_models, weights, config.normalise, found
    )
    card = _card(reports, data, config, seed, time.perf_counter() - began)
    version = _version(config, seed, reports)
    say("done", 1.0)
    return PassageClassifier(data.featurizer, weights, version, card, normalise=config.normalise)


def _prepare(
    reports: list[LabelledReport], config: TrainConfig, found: list[list[Entity] | None]
) -> _Data:
    texts = [
        passage_texts(r.text, [(a, b) for a, b, _ in r.passages], config.normalise, entities)
        for r, entities in zip(reports, found, strict=True)
    ]
    featurizer = PassageFeaturizer.fit(
        [t for report in texts for t in report],
        config.context,
        config.min_df,
        config.lexicon,
        groups=[k for k, report in enumerate(texts) for _ in report],
        min_reports=config.min_reports,
    )
    X = featurizer.transform_reports(texts)
    Y = np.array(
        [[label in labels for label in LABELS] for r in reports for _, _, labels in r.passages],
        dtype=np.int8,
    ).reshape(-1, len(LABELS))
    report_of_row = np.repeat(np.arange(len(reports)), [len(r.passages) for r in reports])
    bounds = np.concatenate([[0], np.cumsum([len(r.passages) for r in reports])])
    slices = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    return _Data(featurizer, X, Y, report_of_row, slices)


def _folds(n_reports: int, k: int, seed: int) -> list[np.ndarray]:
    order = np.random.default_rng(seed).permutation(n_reports)
    k = max(2, min(k, n_reports))
    return [order[i::k] for i in range(k)]


def _logistic(C: float, balanced: bool = True, dual: bool = False) -> LogisticRegression:
    """liblinear; the dual problem is ~10x faster when features outnumber passages."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=C,
        class_weight="balanced" if balanced else None,
        solver="liblinear",
        dual=dual,
        max_iter=1000,
        random_state=0,  # liblinear's coordinate descent shuffles: keep training reproducible
    )


def _fit_binary(X: Matrix, y: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    """Coefficients and intercept; a label without both classes gets a constant model."""
    if y.min() == y.max():
        return np.zeros(X.shape[1]), (10.0 if y[0] else -10.0)
    model = _logistic(C, dual=X.shape[1] > X.shape[0]).fit(X, y)
    return model.coef_.ravel(), float(model.intercept_[0])


def _first_level(
    data: _Data, folds: list[np.ndarray], config: TrainConfig, say: Progress
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Averaged fold models, held-out scores, and each fold's model (coefficients, bias)."""
    n_features, n_labels = data.X.shape[1], data.Y.shape[1]
    fold_models = []
    oof = np.zeros(data.Y.shape)
    for k, fold in enumerate(folds):
        held = np.isin(data.report_of_row, fold)
        coef, bias = np.zeros((n_features, n_labels)), np.zeros(n_labels)
        for j in range(n_labels):
            coef[:, j], bias[j] = _fit_binary(data.X[~held], data.Y[~held, j], config.C)
        oof[held] = data.X[held] @ coef + bias
        fold_models.append((coef, bias))
        say("first level", 0.1 + 0.7 * (k + 1) / len(folds))
    coef = np.mean([c for c, _ in fold_models], axis=0)
    bias = np.mean([b for _, b in fold_models], axis=0)
    return coef, bias, oof, fold_models


def _second_level(
    contexts: np.ndarray, data: _Data, folds: list[np.ndarray], config: TrainConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_labels = data.Y.shape[1]
    weights, bias = np.zeros((n_labels, contexts.shape[2])), np.zeros(n_labels)
    for j in range(n_labels):
        weights[j], bias[j] = _fit_binary(contexts[:, j, :], data.Y[:, j], config.C2)
    held_out = np.zeros(data.Y.shape)
    for fold in folds:
        held = np.isin(data.report_of_row, fold)
        for j in range(n_labels):
            w, b = _fit_binary(contexts[~held, j, :], data.Y[~held, j], config.C2)
            held_out[held, j] = contexts[held, j, :] @ w + b
    return weights, bias, held_out


def _calibrate(values: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Per label (slope, intercept) of a Platt sigmoid fitted on held-out values."""
    out = np.tile([1.0, 0.0], (Y.shape[1], 1))
    for j in range(Y.shape[1]):
        if Y[:, j].min() == Y[:, j].max():
            continue
        model = _logistic(1e4, balanced=False).fit(values[:, [j]], Y[:, j])
        slope = float(model.coef_[0, 0])
        if slope > 0:
            out[j] = (slope, float(model.intercept_[0]))
    return out


def _card(
    reports: list[LabelledReport], data: _Data, config: TrainConfig, seed: int, seconds: float
) -> dict:
    support = data.Y.sum(axis=0)
    return {
        "model": MODEL_FAMILY,
        "description": "Two-level linear passage classifier (TF-IDF words + characters with "
        "neighbouring passages; per-label context stacking; Platt calibration). Personal data "
        "is replaced by role words before features are taken, so the model holds no names.",
        "training": {
            "reports": len(reports),
            "passages": int(data.X.shape[0]),
            "passages_per_label": {lab: int(n) for lab, n in zip(LABELS, support, strict=True)},
            "features": int(data.X.shape[1]),
            "seconds": round(seconds, 1),
            "seed": seed,
        },
        "config": asdict(config),
        "intended_use": "Marks passages in child-concern reports for a caseworker to read "
        "first. Advisory only: a human reads the whole report and decides.",
    }


def _version(config: TrainConfig, seed: int, reports: list[LabelledReport]) -> str:
    digest = hashlib.sha256(repr((asdict(config), seed)).encode())
    for r in reports:
        digest.update(r.id.encode())
        digest.update(repr(r.passages).encode())
    return f"{MODEL_FAMILY}-{digest.hexdigest()[:12]}"
