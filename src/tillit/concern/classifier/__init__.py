"""Passage classifier for child-concern reports: which passages show signs of violence or
conflict, and of which kind. A pure library (no database); humans decide, the tool points.

Inference needs numpy and scipy only (PyStemmer if installed); training needs scikit-learn.
"""

from tillit.concern.classifier.agreement import Agreement, krippendorff_alpha
from tillit.concern.classifier.data import LabelledReport, load_jsonl, parse_report
from tillit.concern.classifier.evaluate import compare, cross_validate, project
from tillit.concern.classifier.labels import DISPLAY_NAMES, LABELS, display_name
from tillit.concern.classifier.model import PassageClassifier, PassagePrediction
from tillit.concern.classifier.segment import segment
from tillit.concern.classifier.train import TrainConfig, train
from tillit.concern.classifier.uncertainty import uncertainty

__all__ = [
    "DISPLAY_NAMES",
    "LABELS",
    "Agreement",
    "LabelledReport",
    "PassageClassifier",
    "PassagePrediction",
    "TrainConfig",
    "compare",
    "cross_validate",
    "display_name",
    "krippendorff_alpha",
    "load_jsonl",
    "parse_report",
    "project",
    "segment",
    "train",
    "uncertainty",
]
