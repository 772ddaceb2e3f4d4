"""Document frequencies of terms per collection, for choosing a query's terms.

Counted from the ``chunks.terms`` of at most ``SAMPLE`` chunks of the collection (all of them
in a small collection, an even spread of ids in a large one), cached in the process and
recounted when the collection has changed: at once for a small collection, at most every
``REFRESH_SECONDS`` for a large one (a rough estimate is enough to rank a word's 4-grams by
rarity; the scores themselves come from the full-text index). Only the searched collection's
own chunks are counted, so another tenant's documents never change which terms are used.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from tillit.knowledge.index.base import TermFrequency

SAMPLE = 2000
REFRESH_SECONDS = 60.0
UNSEEN = 0.5
"""Estimate for a term no sampled chunk holds when the sample is not the whole collection:
rarer than any term that was seen."""


@dataclass
class _Counts:
    state: tuple[int, int]
    chunks: int
    sampled: int
    counts: Counter[str]
    built: float

    def frequency(self, term: str) -> float | None:
        found = self.counts.get(term)
        if found:
            return found * self.chunks / self.sampled
        return UNSEEN if self.sampled < self.chunks else None


def collection_state(db: Session, collection_id: int) -> tuple[int, int]:
    """(index_version, largest chunk id): every change to a collection's chunks bumps the
    version in the same transaction; both are index lookups."""
    row = db.execute(
        text(
            "SELECT index_version, (SELECT max(id) FROM chunks WHERE collection_id = :cid) "
            "FROM collections WHERE id = :cid"
        ),
        {"cid": collection_id},
    ).one_or_none()
    return (int(row[0]), int(row[1] or 0)) if row else (0, 0)


class TermStats:
    def __init__(self) -> None:
        self._cache: dict[int, _Counts] = {}
        self._lock = threading.Lock()

    def frequency(self, db: Session, collection_ids: list[int]) -> TermFrequency:
        parts = [self._counts(db, cid) for cid in collection_ids]

        def frequency(term: str) -> float | None:
            found = [f for p in parts if (f := p.frequency(term)) is not None]
            return sum(found) if found else None

        return frequency

    def _counts(self, db: Session, collection_id: int) -> _Counts:
        state = collection_state(db, collection_id)
        with self._lock:
            cached = self._cache.get(collection_id)
        if cached and (cached.state == state or self._fresh_enough(cached)):
            return cached
        counts = _count(db, collection_id, state)
        with self._lock:
            self._cache[collection_id] = counts
        return counts

    @staticmethod
    def _fresh_enough(cached: _Counts) -> bool:
        large = cached.chunks > SAMPLE
        return large and time.monotonic() - cached.built < REFRESH_SECONDS


def _count(db: Session, collection_id: int, state: tuple[int, int]) -> _Counts:
    chunks = int(
        db.execute(
            text("SELECT count(*) FROM chunks WHERE collection_id = :cid"), {"cid": collection_id}
        ).scalar_one()
    )
    stride = max(1, -(-chunks // SAMPLE))
    rows = db.execute(
        text(
            "SELECT terms FROM chunks WHERE collection_id = :cid AND id % :stride = 0 "
            "ORDER BY id LIMIT :n"
        ),
        {"cid": collection_id, "stride": stride, "n": SAMPLE},
    ).scalars()
    counts: Counter[str] = Counter()
    sampled = 0
    for terms in rows:
        counts.update(set(terms.split()))
        sampled += 1
    if stride == 1:
        chunks = sampled
    return _Counts(state, chunks, max(sampled, 1), counts, time.monotonic())
