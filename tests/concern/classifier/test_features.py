from __future__ import annotations

import numpy as np
import pytest

from tillit.concern.classifier.features import (
    PassageFeaturizer,
    TfidfBlock,
    char_ngrams,
    context_features,
)
from tillit.concern.classifier.lexicon import CUES, cue_counts

TEXTS = [
    "Pappa slog honom med ett bälte.",
    "Hon har blåmärken på armarna och är rädd för pappa.",
    "Mamma och pappa bråkar om vårdnaden.",
    "Eleven har hög frånvaro.",
    "Pappa skriker åt honom varje kväll.",
]


def test_char_block_matches_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    reference = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    expected = reference.fit_transform(TEXTS).toarray()
    ours = TfidfBlock.fit("char", TEXTS, min_df=1)
    assert ours.vocabulary == {t: int(i) for t, i in reference.vocabulary_.items()}
    np.testing.assert_allclose(ours.transform(TEXTS).toarray(), expected, atol=1e-12)


def test_char_ngrams_pad_words() -> None:
    assert char_ngrams("Ab c", 2, 3) == [" a", "ab", "b ", " ab", "ab ", " c", "c ", " c "]


def test_neighbours_are_weighted_context() -> None:
    featurizer = PassageFeaturizer.fit(TEXTS, context=0.5, min_df=1, lexicon=0.15)
    matrix = featurizer.transform_report(TEXTS[:3]).toarray()
    own = matrix.shape[1] // 3
    assert matrix.shape[1] == featurizer.size
    np.testing.assert_allclose(matrix[1, own : 2 * own], 0.5 * matrix[0, :own])
    np.testing.assert_allclose(matrix[1, 2 * own :], 0.5 * matrix[2, :own])
    assert not matrix[0, own : 2 * own].any() and not matrix[2, 2 * own :].any()


def test_cue_counts() -> None:
    counts = cue_counts("Pappa slog honom och han fick blåmärken. De bråkar om vårdnaden.")
    assert counts.shape == (len(CUES),)
    labels = list(CUES)
    assert counts[labels.index("fysiskt_vald")] == pytest.approx(np.log1p(2))
    assert counts[labels.index("foraldrakonflikt")] >= np.log1p(2)
    assert counts[labels.index("sexuellt_vald")] == 0.0


def test_context_features() -> None:
    scores = np.array([[-2.0], [1.0], [-1.0]])
    f = context_features(scores)
    assert f.shape == (3, 1, 6)
    np.testing.assert_allclose(f[:, 0, 0], [-2, 1, -1])  # own
    np.testing.assert_allclose(f[:, 0, 1], [-2, -2, 1])  # previous (edge: itself)
    np.testing.assert_allclose(f[:, 0, 2], [1, -1, -1])  # next (edge: itself)
    np.testing.assert_allclose(f[:, 0, 3:], [[1, -1, -2 / 3]] * 3)  # top, second, mean
    # Typical passages dilute a short text's report-wide figures, not its own.
    g = context_features(np.array([[1.0]]), prior=np.array([-2.0]), pseudo=3)
    np.testing.assert_allclose(g[0, 0], [1, 1, 1, 1, -2, (1 - 6) / 4])


def test_a_word_used_in_one_report_only_is_not_kept() -> None:
    """A nickname the PII detector misses ("Robban") recurs in its own report only, so a model
    trained with ``min_groups=2`` does not store it."""
    texts = ["Robban slog honom.", "Robban skrek igen.", "Pappa slog honom.", "Mamma skrek."]
    groups = [0, 0, 1, 2]
    kept = TfidfBlock.fit("word", texts, min_df=2, groups=groups, min_groups=2).vocabulary
    assert "robban" not in kept and {"slog", "skrek", "honom"} <= set(kept)
    assert "robban" in TfidfBlock.fit("word", texts, min_df=2).vocabulary
