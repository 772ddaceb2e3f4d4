"""Shared fixtures: the development set and one model trained on 100 of its reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tillit.concern.classifier import LabelledReport, PassageClassifier, load_jsonl, train

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "concern" / "dev.jsonl"


@pytest.fixture(scope="session")
def dev_reports() -> list[LabelledReport]:
    if not DATA.exists():
        pytest.skip(f"development set not found at {DATA}")
    return load_jsonl(DATA)


@pytest.fixture(scope="session")
def split(dev_reports: list[LabelledReport]) -> tuple[list[LabelledReport], list[LabelledReport]]:
    """100 reports to train on, 50 held out (every third report)."""
    held = [r for i, r in enumerate(dev_reports) if i % 3 == 2]
    kept = [r for i, r in enumerate(dev_reports) if i % 3 != 2]
    return kept, held


@pytest.fixture(scope="session")
def model(split: tuple[list[LabelledReport], list[LabelledReport]]) -> PassageClassifier:
    return train(split[0], seed=0)
