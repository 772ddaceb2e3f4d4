"""BM25 over the posting segments (segments.py, both backends), scored with numpy.

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


DENSE_SLACK = 65536
"""Chunk ids are addressed directly (id - base) while their range is at most four times their
number plus this; a collection whose ids are spread thinly over a large database is addressed
through its sorted ids instead, so a view never costs memory in proportion to the database."""


@dataclass
class CollectionView:
    """A collection's chunks at one state, by position: ``owner`` is the segment holding each
    live chunk (-1: none), ``norm`` BM25's length normalisation K1·(1 - B + B·dl/avgdl). A
    chunk id's position is id - base, or its index in ``keys`` when those are given."""

    state: tuple[int, int]
    segments: list[Segment]
    base: int
    keys: np.ndarray | None
    owner: np.ndarray
    norm: np.ndarray
    live: int
    frequencies: dict[str, int]
    """Document frequency per term, tombstoned chunks included (for choosing query terms)."""

    def positions(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position, whether the id is in this view) per chunk id."""
        if self.keys is None:
            pos = ids - self.base
            return pos, (pos >= 0) & (pos < len(self.owner))
        pos = np.minimum(np.searchsorted(self.keys, ids), len(self.keys) - 1)
        return pos, self.keys[pos] == ids

    def chunk_ids(self, positions: np.ndarray) -> np.ndarray:
        return positions + self.base if self.keys is None else self.keys[positions]

    def alive(self, parts: list[Postings]) -> tuple[np.ndarray, np.ndarray]:
        """The positions and counts of the postings of live chunks."""
        pos, known = self.positions(np.concatenate([p.ids for p in parts]))
        counts = np.concatenate([p.counts for p in parts])
        owners = np.repeat([p.segment_id for p in parts], [len(p.ids) for p in parts])
        keep = known & (self.owner[np.where(known, pos, 0)] == owners)
        return pos[keep], counts[keep]


def build_view(
    state: tuple[int, int], segments: list[Segment], dead: dict[int, np.ndarray]
) -> CollectionView:
    all_ids = np.unique(np.concatenate([s.chunk_ids for s in segments] or [np.zeros(0, int)]))
    if not len(all_ids):
        empty = np.zeros(0, np.int64)
        return CollectionView(state, segments, 0, None, empty, np.zeros(0), 0, {})
    base, span = int(all_ids[0]), int(all_ids[-1] - all_ids[0]) + 1
    keys = None if span <= 4 * len(all_ids) + DENSE_SLACK else all_ids
    view = CollectionView(state, segments, base, keys, np.zeros(0, np.int64), np.zeros(0), 0, {})
    size = span if keys is None else len(keys)
    owner, lengths = np.full(size, -1, dtype=np.int64), np.zeros(size)
    for segment in segments:
        keep = ~np.isin(segment.chunk_ids, dead.get(segment.id, ()))
        pos, _ = view.positions(segment.chunk_ids[keep])
        owner[pos] = segment.id
        lengths[pos] = segment.lengths[keep]
    view.live = int((owner >= 0).sum())
    average = float(lengths.sum()) / view.live if view.live else 1.0
    view.owner, view.norm = owner, K1 * (1 - B + B * lengths / (average or 1.0))
    view.frequencies = _frequencies(segments)
    return view


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
    return dict(zip(view.chunk_ids(matched).tolist(), scores[matched].tolist(), strict=True))


class Views:
    """``CollectionView``s cached per collection and rebuilt when the collection changes."""

    def __init__(self) -> None:
        self.segments = SegmentCache()
        self._views: dict[int, CollectionView] = {}
        self._lock = threading.Lock()

    def forget(self, collection_id: int) -> None:
        with self._lock:
            self._views.pop(collection_id, None)

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
