"""BM25 over the SQLite segments (segments.py), scored with numpy.

The formula is FTS5's ``bm25()`` (k1 = 1.2, b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5)),
floored at 1e-6), with N, n and the average length taken from the collection's live chunks
only. FTS5 scored every chunk holding any query term one at a time (150 ms p95 at 100k chunks);
here a term's postings are a few block reads and the scoring is vectorised
(docs/benchmarks.md).

A ``CollectionView`` (which chunks are alive, their length normalisation) is built once per
collection state and cached, from the cached segment metadata.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from tillit.knowledge.index.segments import (
    Db,
    Postings,
    Segment,
    SegmentCache,
    read_postings,
    tombstones,
)
from tillit.knowledge.index.stats import collection_state

K1 = 1.2
B = 0.75
IDF_FLOOR = 1e-6


@dataclass
class CollectionView:
    """Chunk ids ``base … base + len(owner) - 1``: ``owner`` is the segment holding each live
    chunk (-1: none), ``norm`` BM25's length normalisation K1·(1 - B + B·dl/avgdl)."""

    state: tuple[int, int]
    segments: list[Segment]
    base: int
    owner: np.ndarray
    norm: np.ndarray
    live: int
    frequencies: dict[str, int]
    """Document frequency per term, tombstoned chunks included (for choosing query terms)."""

    def alive(self, parts: list[Postings]) -> tuple[np.ndarray, np.ndarray]:
        """The positions (id - base) and counts of the postings of live chunks."""
        pos = np.concatenate([p.ids for p in parts]) - self.base
        counts = np.concatenate([p.counts for p in parts])
        owners = np.repeat([p.segment_id for p in parts], [len(p.ids) for p in parts])
        inside = (pos >= 0) & (pos < len(self.owner))
        keep = inside & (self.owner[np.where(inside, pos, 0)] == owners)
        return pos[keep], counts[keep]


def build_view(
    state: tuple[int, int], segments: list[Segment], dead: dict[int, np.ndarray]
) -> CollectionView:
    if not segments or not sum(len(s.chunk_ids) for s in segments):
        return CollectionView(state, segments, 0, np.zeros(0, np.int64), np.zeros(0), 0, {})
    base = int(min(s.chunk_ids.min() for s in segments if len(s.chunk_ids)))
    span = int(max(s.chunk_ids.max() for s in segments if len(s.chunk_ids))) - base + 1
    owner = np.full(span, -1, dtype=np.int64)
    lengths = np.zeros(span)
    for segment in segments:
        keep = ~np.isin(segment.chunk_ids, dead.get(segment.id, ()))
        owner[segment.chunk_ids[keep] - base] = segment.id
        lengths[segment.chunk_ids[keep] - base] = segment.lengths[keep]
    live = int((owner >= 0).sum())
    average = float(lengths.sum()) / live if live else 1.0
    norm = K1 * (1 - B + B * lengths / (average or 1.0))
    return CollectionView(state, segments, base, owner, norm, live, _frequencies(segments))


def _frequencies(segments: list[Segment]) -> dict[str, int]:
    terms = np.concatenate([s.terms for s in segments])
    counts = np.concatenate([np.diff(s.offsets) for s in segments])
    vocabulary, index = np.unique(terms, return_inverse=True)
    totals = np.bincount(index, weights=counts, minlength=len(vocabulary)).astype(np.int64)
    return dict(zip(vocabulary.tolist(), totals.tolist(), strict=True))


def top_k(db: Db, view: CollectionView, terms: list[str], k: int) -> dict[int, float]:
    """The ``k`` best chunks of a collection by BM25 over ``terms`` (score > 0 only)."""
    if not terms or not view.live:
        return {}
    positions, weights = [], []
    for parts in read_postings(db, view.segments, terms).values():
        if not parts:
            continue
        pos, counts = view.alive(parts)
        if not len(pos):
            continue
        tf = counts.astype(np.float64)
        n = len(pos)
        idf = max(float(np.log((view.live - n + 0.5) / (n + 0.5))), IDF_FLOOR)
        positions.append(pos)
        weights.append(idf * tf * (K1 + 1) / (tf + view.norm[pos]))
    if not positions:
        return {}
    scores = np.bincount(
        np.concatenate(positions), np.concatenate(weights), minlength=len(view.owner)
    )
    matched = np.flatnonzero(scores)
    if len(matched) > k:
        matched = matched[np.argpartition(-scores[matched], k - 1)[:k]]
    return dict(zip((matched + view.base).tolist(), scores[matched].tolist(), strict=True))


class Views:
    """``CollectionView``s cached per collection and rebuilt when the collection changes."""

    def __init__(self) -> None:
        self.segments = SegmentCache()
        self._views: dict[int, CollectionView] = {}
        self._lock = threading.Lock()

    def get(self, db: Db, collection_id: int) -> CollectionView:
        state = collection_state(db, collection_id)
        with self._lock:
            cached = self._views.get(collection_id)
        if cached and cached.state == state:
            return cached
        segments = self.segments.segments(db, collection_id)
        view = build_view(state, segments, tombstones(db, collection_id))
        with self._lock:
            self._views[collection_id] = view
        return view
