"""SQLite: BM25 over per-collection posting segments (segments.py, scored in bm25.py), so
that a collection's term statistics are its own; embeddings as float32 blobs in ``chunks``,
scored with numpy from an in-process matrix per collection that is reloaded when the collection
changes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from sqlalchemy import Engine, LargeBinary, text
from sqlalchemy.orm import Session

from tillit.knowledge.index import segments
from tillit.knowledge.index.base import (
    BulkLoad,
    Candidates,
    NewChunk,
    NoBulkLoad,
    TermFrequency,
)
from tillit.knowledge.index.bm25 import CollectionView, Views, top_k
from tillit.knowledge.index.rows import chunk_table, insert_chunks
from tillit.knowledge.index.stats import collection_state

DIM = 384
STALE_RETRIES = 3
T = TypeVar("T")
CHUNKS = chunk_table(LargeBinary())


@dataclass
class _Matrix:
    state: tuple[int, int]
    ids: np.ndarray  # sorted
    vectors: np.ndarray

    def scores(self, vector: np.ndarray) -> np.ndarray:
        return self.vectors @ vector

    def lookup(self, ids: np.ndarray) -> np.ndarray:
        """Positions of ``ids`` in this matrix, -1 where absent."""
        if not len(self.ids):
            return np.full(len(ids), -1)
        pos = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return np.where(self.ids[pos] == ids, pos, -1)


class SQLiteBackend:
    def __init__(self) -> None:
        self._matrices: dict[int, _Matrix] = {}
        self._lock = threading.Lock()
        self.views = Views()

    def add(self, db: Session, chunks: list[NewChunk]) -> list[int]:
        ids = insert_chunks(db, CHUNKS, chunks, _blob)
        for collection_id in sorted({c.collection_id for c in chunks}):
            mine = [
                (i, c.terms)
                for i, c in zip(ids, chunks, strict=True)
                if c.collection_id == collection_id
            ]
            segments.write_segment(db, collection_id, [i for i, _ in mine], [t for _, t in mine])
        return ids

    def remove(self, db: Session, chunk_ids: list[int]) -> None:
        for start in range(0, len(chunk_ids), 500):
            marks = ",".join(str(int(i)) for i in chunk_ids[start : start + 500])
            rows = db.execute(
                text(f"SELECT id, collection_id FROM chunks WHERE id IN ({marks})")  # noqa: S608
            ).all()
            for collection_id in sorted({cid for _, cid in rows}):
                segments.mark_deleted(db, collection_id, (i for i, c in rows if c == collection_id))

    def bulk_load(self, engine: Engine, collection_id: int, chunks_at_start: int) -> BulkLoad:
        return NoBulkLoad()

    def term_frequency(self, db: Session, collection_ids: list[int]) -> TermFrequency:
        views = [self._view(db, cid) for cid in collection_ids]

        def frequency(term: str) -> float | None:
            return sum(v.frequencies.get(term, 0) for v in views) or None

        return frequency

    def candidates(
        self, db: Session, collection_ids: list[int], terms: list[str], vector: np.ndarray, k: int
    ) -> Candidates:
        matrices = [self._matrix(db, cid) for cid in collection_ids]
        # The dense top-k (numpy, which releases the GIL) runs on the second core while the
        # lexical side ranks on this thread.
        dense_top = _pool().submit(_dense_top, matrices, vector, k)
        lexical = self._lexical(db, collection_ids, terms, k)
        # A dense candidate outside the lexical top-k counts as lexical 0: scoring it lexically
        # too did not help quality (docs/benchmarks.md).
        dense = _dense_for(matrices, vector, sorted(lexical))
        dense.update(dense_top.result())
        return Candidates(lexical, dense)

    def _lexical(
        self, db: Session, collection_ids: list[int], terms: list[str], k: int
    ) -> dict[int, float]:
        found: dict[int, float] = {}
        for collection_id in collection_ids:
            found.update(self._collection_top(db, collection_id, terms, k))
        if len(found) > k:
            found = dict(sorted(found.items(), key=lambda item: -item[1])[:k])
        return found

    def _view(self, db: Session, collection_id: int) -> CollectionView:
        return self._fresh(collection_id, lambda: self.views.get(db, collection_id))

    def _collection_top(
        self, db: Session, collection_id: int, terms: list[str], k: int
    ) -> dict[int, float]:
        return self._fresh(
            collection_id, lambda: top_k(db, self.views.get(db, collection_id), terms, k)
        )

    def _fresh(self, collection_id: int, read: Callable[[], T]) -> T:
        """``read``, again if a merge committed between its reads (an ingest in another thread
        or process): the next reads see the merged segments."""
        for _ in range(STALE_RETRIES):
            try:
                return read()
            except segments.StaleSegments:
                self.views.forget(collection_id)
        return read()

    def _matrix(self, db: Session, collection_id: int) -> _Matrix:
        state = collection_state(db, collection_id)
        with self._lock:
            cached = self._matrices.get(collection_id)
        if cached and cached.state == state:
            return cached
        matrix = _load(db, collection_id, state)
        with self._lock:
            self._matrices[collection_id] = matrix
        return matrix


def _dense_top(matrices: list[_Matrix], vector: np.ndarray, k: int) -> dict[int, float]:
    best: list[tuple[float, int]] = []
    for matrix in matrices:
        scores = matrix.scores(vector)
        top = np.argpartition(-scores, k - 1)[:k] if len(scores) > k else np.arange(len(scores))
        best += zip(scores[top].tolist(), matrix.ids[top].tolist(), strict=True)
    return {i: s for s, i in sorted(best, reverse=True)[:k]}


def _dense_for(matrices: list[_Matrix], vector: np.ndarray, ids: list[int]) -> dict[int, float]:
    wanted = np.array(ids, dtype=np.int64)
    found: dict[int, float] = {}
    for matrix in matrices:
        pos = matrix.lookup(wanted)
        hit = pos >= 0
        rows = matrix.vectors[pos[hit]]
        found.update(zip(wanted[hit].tolist(), (rows @ vector).tolist(), strict=True))
    return found


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tillit-dense")
        return _POOL


def _load(db: Session, collection_id: int, state: tuple[int, int]) -> _Matrix:
    rows = db.execute(
        text(
            "SELECT id, embedding FROM chunks WHERE collection_id = :cid "
            "AND embedding IS NOT NULL ORDER BY id"
        ),
        {"cid": collection_id},
    ).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    vectors = (
        np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        if rows
        else np.zeros((0, DIM), np.float32)
    )
    return _Matrix(state, ids, vectors)


def _blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()
