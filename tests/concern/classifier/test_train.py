from __future__ import annotations

import numpy as np

from tillit.concern.classifier import LABELS, LabelledReport, PassageClassifier, train
from tillit.concern.classifier.evaluate import score


def _micro_f1(true, pred) -> float:
    return score(true, pred)["micro_f1"]


def test_held_out_micro_f1_is_far_above_trivial_classifiers(
    model: PassageClassifier, split
) -> None:
    held = split[1]
    true = [[labels for _, _, labels in r.passages] for r in held]
    pred = [
        [p.labels for p in model.predict_spans(r.text, [(a, b) for a, b, _ in r.passages])]
        for r in held
    ]
    trivial = max(_micro_f1(true, [[(lab,) for _ in report] for report in true]) for lab in LABELS)
    everything = _micro_f1(true, [[LABELS for _ in report] for report in true])
    ours = _micro_f1(true, pred)
    assert trivial < 0.2 and everything < 0.2
    assert ours >= 0.45
    assert ours >= max(trivial, everything) + 0.3
    assert score(true, pred)["report_micro_f1"] >= 0.6


def test_card_version_and_progress(split) -> None:
    small = split[0][:12]
    stages: list[tuple[str, float]] = []
    first = train(small, seed=3, progress=lambda stage, done: stages.append((stage, done)))
    again = train(small, seed=3)
    other = train(small, seed=4)
    assert first.version == again.version != other.version
    assert stages[0][1] == 0.0 and stages[-1] == ("done", 1.0)
    assert [done for _, done in stages] == sorted(done for _, done in stages)
    card = first.card
    assert card["training"]["reports"] == 12
    assert card["training"]["passages"] == sum(len(r.passages) for r in small)
    assert set(card["training"]["passages_per_label"]) == set(LABELS)
    text = small[0].text
    assert first.predict_passages(text) == again.predict_passages(text)


def test_labels_missing_from_training_data_are_never_predicted() -> None:
    reports = [
        LabelledReport(
            f"R-{i}",
            "Pappa slog honom hårt. Han hade blåmärken. Skolan ringde.",
            [(0, 22, ("fysiskt_vald",)), (23, 42, ("fysiskt_vald",)), (43, 57, ())],
        )
        for i in range(4)
    ] + [LabelledReport("R-9", "Allt är lugnt hemma.", [(0, 20, ())])]
    model = train(reports, seed=0)
    scores = model.probabilities(["Pappa slog honom hårt.", "Allt är lugnt hemma."])
    assert scores.shape == (2, len(LABELS))
    assert np.all(scores[:, LABELS.index("sexuellt_vald")] < model.thresholds["sexuellt_vald"])
    predictions = model.predict_passages(reports[0].text)
    assert all(set(p.labels) <= {"fysiskt_vald"} for p in predictions)
