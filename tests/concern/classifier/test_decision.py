"""Which passing labels a passage keeps: the strongest, plus labels the training passages show
together with it."""

from __future__ import annotations

import numpy as np

from tillit.concern.classifier import LABELS, PassageClassifier
from tillit.concern.classifier.decision import decide, labels_seen_together


def test_pairs_are_learnt_from_the_share_of_the_rarer_label() -> None:
    # label 0 on 10 passages, label 1 on 4 (2 of them with 0), label 2 on 10 (1 with 0)
    Y = np.zeros((30, 3), dtype=int)
    Y[:10, 0] = 1
    Y[8:12, 1] = 1
    Y[9:19, 2] = 1
    together = labels_seen_together(Y, share=0.2)
    assert together[0, 1] and together[1, 0]  # 2 of label 1's 4 passages: 50 %
    assert not together[0, 2]  # 1 of 10: 10 %
    assert together[1, 2]  # passages 9, 10 and 11: 3 of 4
    assert not together.diagonal().any()


def test_a_passage_keeps_its_strongest_label_and_its_companions() -> None:
    thresholds = np.array([0.3, 0.3, 0.3])
    together = np.array([[False, True, False], [True, False, False], [False, False, False]])
    assert decide(np.array([0.5, 0.9, 0.8]), thresholds, together) == [0, 1]
    assert decide(np.array([0.5, 0.4, 0.9]), thresholds, together) == [2]
    assert decide(np.array([0.1, 0.2, 0.2]), thresholds, together) == []
    # the margin is in log-odds over each label's own threshold, not the raw probability
    assert decide(np.array([0.6, 0.0, 0.7]), np.array([0.1, 0.5, 0.6]), together) == [0]
    # a model trained before the rule (no pairs stored) keeps every passing label
    assert decide(np.array([0.5, 0.4, 0.9]), thresholds, None) == [0, 1, 2]


def test_the_model_learns_pairs_from_its_training_passages_and_keeps_them(
    model: PassageClassifier, tmp_path
) -> None:
    together = model.weights.together
    assert together is not None
    honour, psychological = LABELS.index("hedersrelaterat"), LABELS.index("psykiskt_vald")
    assert together[honour, psychological]  # a third of honour passages are both in dev
    assert not together[LABELS.index("fysiskt_vald"), LABELS.index("sexuellt_vald")]
    model.save(tmp_path / "m")
    loaded = PassageClassifier.load(tmp_path / "m")
    assert np.array_equal(loaded.weights.together, together)
