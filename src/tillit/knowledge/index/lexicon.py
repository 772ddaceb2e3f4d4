"""The lexical side of both backends: BM25 over per-collection posting segments
(segments.py for storage, bm25.py for scoring), so SQLite and PostgreSQL rank the same way
and a collection's term statistics are its own.

Readers retry when a merge committed between their reads (``StaleSegments``): an ingest in
another thread or process replaced segments they had just listed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from tillit.knowledge.index import segments
from tillit.knowledge.index.base import NewChunk, TermFrequency
from tillit.knowledge.index.bm25 import CollectionView, Views, top_k

STALE_RETRIES = 3
T = TypeVar("T")


class SegmentLexicon:
    def __init__(self) -> None:
        self.views = Views()

    def write(self, db: Session, ids: list[int], chunks: list[NewChunk]) -> None:
        """Index newly inserted chunk rows: one level-0 segment per collection."""
        for collection_id in sorted({c.collection_id for c in chunks}):
            mine = [
                (i, c.terms)
                for i, c in zip(ids, chunks, strict=True)
                if c.collection_id == collection_id
            ]
            segments.write_segment(db, collection_id, [i for i, _ in mine], [t for _, t in mine])

    def remove(self, db: Session, chunk_ids: list[int]) -> None:
        """Tombstone chunk rows about to be deleted."""
        for start in range(0, len(chunk_ids), 500):
            marks = ",".join(str(int(i)) for i in chunk_ids[start : start + 500])
            rows = db.execute(
                text(f"SELECT id, collection_id FROM chunks WHERE id IN ({marks})")  # noqa: S608
            ).all()
            for collection_id in sorted({cid for _, cid in rows}):
                segments.mark_deleted(db, collection_id, (i for i, c in rows if c == collection_id))

    def term_frequency(self, db: Session, collection_ids: list[int]) -> TermFrequency:
        views = [self._view(db, cid) for cid in collection_ids]

        def frequency(term: str) -> float | None:
            return sum(v.frequencies.get(term, 0) for v in views) or None

        return frequency

    def top(
        self, db: Session, collection_ids: list[int], terms: list[str], k: int
    ) -> dict[int, float]:
        """BM25 scores of the ``k`` best chunks over the collections."""
        found: dict[int, float] = {}
        for collection_id in collection_ids:
            found.update(
                self._fresh(
                    collection_id,
                    lambda cid=collection_id: top_k(db, self.views.get(db, cid), terms, k),
                )
            )
        if len(found) > k:
            found = dict(sorted(found.items(), key=lambda item: -item[1])[:k])
        return found

    def _view(self, db: Session, collection_id: int) -> CollectionView:
        return self._fresh(collection_id, lambda: self.views.get(db, collection_id))

    def _fresh(self, collection_id: int, read: Callable[[], T]) -> T:
        """``read``, again if a merge committed between its reads: the next reads see the
        merged segments."""
        for _ in range(STALE_RETRIES):
            try:
                return read()
            except segments.StaleSegments:
                self.views.forget(collection_id)
        return read()
