"""Text features for passages, without scikit-learn: TF-IDF over Snowball-stemmed word uni- and
bigrams and over character 2–5-grams inside word boundaries, cue-lexicon counts per label
(``lexicon.py``), plus the same for the neighbouring passages; and the second level's context
features (``context_features``).

Everything here is plain Python, numpy and scipy, so a saved model runs where scikit-learn is not
installed. ``TfidfBlock`` mirrors scikit-learn's ``TfidfVectorizer(sublinear_tf=True,
smooth_idf=True, norm="l2")``: tf = 1 + ln(count), idf = ln((1 + n) / (1 + df)) + 1.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from tillit.concern.classifier.lexicon import CUES, cue_counts

_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[list[str]], list[str]]:
    import Stemmer  # PyStemmer: a saved vocabulary is stemmed, so it is required, not optional

    return Stemmer.Stemmer("swedish").stemWords


def word_ngrams(text: str) -> list[str]:
    """Stemmed lower-case words and adjacent-word bigrams."""
    stems = _stemmer()(_WORD.findall(text.lower()))
    return stems + [f"{a} {b}" for a, b in itertools.pairwise(stems)]


def char_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (scikit-learn's ``char_wb``), lower case."""
    grams = []
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if n > len(padded):
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


ANALYSERS: dict[str, Callable[[str], list[str]]] = {"word": word_ngrams, "char": char_ngrams}


@dataclass
class TfidfBlock:
    """One TF-IDF feature block: a fixed vocabulary (term → column) and idf weights."""

    analyser: str
    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(
        cls,
        analyser: str,
        texts: Sequence[str],
        min_df: int = 2,
        groups: Sequence[int] | None = None,
        min_groups: int = 1,
    ) -> TfidfBlock:
        """``groups``: each text's report; a term must occur in ``min_groups`` reports."""
        analyse = ANALYSERS[analyser]
        df: Counter[str] = Counter()
        seen_in: dict[str, set[int]] = {}
        for k, text in enumerate(texts):
            grams = set(analyse(text))
            df.update(grams)
            if groups is not None and min_groups > 1:
                for gram in grams:
                    seen_in.setdefault(gram, set()).add(groups[k])
        terms = sorted(
            term
            for term, count in df.items()
            if count >= min_df and (not seen_in or len(seen_in[term]) >= min_groups)
        )
        n = len(texts)
        idf = np.array([math.log((1 + n) / (1 + df[t])) + 1 for t in terms], dtype=np.float64)
        return cls(analyser, {t: i for i, t in enumerate(terms)}, idf)

    @property
    def size(self) -> int:
        return len(self.vocabulary)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        analyse = ANALYSERS[self.analyser]
        indices, values = [], []  # numpy arrays per text: a long report stays small in memory
        for text in texts:
            counts = Counter(self.vocabulary[g] for g in analyse(text) if g in self.vocabulary)
            cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            weights = tf * self.idf[cols]
            norm = float(np.sqrt(weights @ weights)) or 1.0
            indices.append(cols)
            values.append(weights / norm)
        indptr = np.concatenate([[0], np.cumsum([len(c) for c in indices], dtype=np.int64)])
        return sp.csr_matrix(
            (_joined(values, np.float64), _joined(indices, np.int64), indptr),
            shape=(len(texts), self.size),
        )


def _joined(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)


@dataclass
class PassageFeaturizer:
    """Own text features plus ``context`` × the previous and the next passage's features.

    Own features: the TF-IDF blocks (together unit length) and, when ``lexicon`` > 0, the cue
    counts per label (``lexicon.py``) times ``lexicon``."""

    blocks: list[TfidfBlock]
    context: float = 0.5
    lexicon: float = 0.0
    cues: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        context: float = 0.5,
        min_df: int = 2,
        lexicon: float = 0.0,
        groups: Sequence[int] | None = None,
        min_reports: int = 1,
    ) -> PassageFeaturizer:
        blocks = [
            TfidfBlock.fit(name, texts, min_df, groups, min_reports) for name in ("word", "char")
        ]
        return cls(blocks, context, lexicon, dict(CUES) if lexicon else {})

    @property
    def size(self) -> int:
        return 3 * (sum(block.size for block in self.blocks) + len(self.cues))

    def transform_report(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Rows for one report's passages, in order (neighbours are taken within the report)."""
        own = self._own(texts)
        return sp.hstack([own, self.context * _shifted(own, -1), self.context * _shifted(own, 1)])

    def linear_scores(self, texts: Sequence[str], weights: np.ndarray) -> np.ndarray:
        """``transform_report(texts) @ weights``, without building the neighbours' copies of the
        features (a long report's matrix would take three times the memory)."""
        own = self._own(texts)
        width = own.shape[1]
        parts = [np.asarray(own @ weights[k * width : (k + 1) * width]) for k in range(3)]
        previous, following = np.zeros_like(parts[0]), np.zeros_like(parts[0])
        previous[1:], following[:-1] = parts[1][:-1], parts[2][1:]
        return parts[0] + self.context * (previous + following)

    def _own(self, texts: Sequence[str]) -> sp.csr_matrix:
        parts = [block.transform(texts) for block in self.blocks]
        own = sp.hstack(parts).tocsr() * (1.0 / math.sqrt(len(self.blocks)))
        if self.cues:
            counts = np.array([cue_counts(t, self.cues) for t in texts]).reshape(len(texts), -1)
            own = sp.hstack([own, sp.csr_matrix(self.lexicon * counts)]).tocsr()
        return own

    def transform_reports(self, reports: Iterable[Sequence[str]]) -> sp.csr_matrix:
        return sp.vstack([self.transform_report(texts) for texts in reports]).tocsr()


def _shifted(matrix: sp.csr_matrix, offset: int) -> sp.csr_matrix:
    """Row i of the result is row i + offset of ``matrix`` (zeros outside)."""
    rows = matrix.shape[0]
    index = np.arange(rows) + offset
    valid = (index >= 0) & (index < rows)
    pick = sp.csr_matrix(
        (np.ones(valid.sum()), (np.flatnonzero(valid), index[valid])), shape=(rows, rows)
    )
    return (pick @ matrix).tocsr()


CONTEXT_FEATURES = ("own", "previous", "next", "top", "second", "mean")


def context_features(
    scores: np.ndarray, prior: np.ndarray | None = None, pseudo: int = 0
) -> np.ndarray:
    """Second-level features for one report, shape (passages, labels, 6): for every passage
    and label, the passage's own first-level score, its neighbours' scores (a passage at an edge
    of the report stands in for its missing neighbour, so a report's first and last passages are
    not penalised for their position), and the report's highest, second-highest and mean score
    for that label. The report-wide figures are taken as if the report also had ``pseudo``
    passages scoring ``prior`` (a typical passage), so that a short text of one or two
    passages is not judged only against itself."""
    n, labels = scores.shape
    if n == 0:
        return np.zeros((0, labels, len(CONTEXT_FEATURES)))
    previous = np.vstack([scores[:1], scores[:-1]])
    following = np.vstack([scores[1:], scores[-1:]])
    pooled = (
        scores if prior is None or pseudo <= 0 else np.vstack([scores, np.tile(prior, (pseudo, 1))])
    )
    ordered = np.sort(pooled, axis=0)
    top = np.broadcast_to(ordered[-1], scores.shape)
    second = np.broadcast_to(ordered[-2] if len(pooled) > 1 else ordered[-1], scores.shape)
    mean = np.broadcast_to(pooled.mean(axis=0), scores.shape)
    return np.stack([scores, previous, following, top, second, mean], axis=2)
