"""SQLite: BM25 over per-collection posting segments (lexicon.py, shared with PostgreSQL);
embeddings as float32 blobs in ``chunks``, scored with numpy from an in-process matrix per
collection that is reloaded when the collection changes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, LargeBinary, text
from sqlalchemy.orm import Session

from tillit.knowledge.index.base import (
    BulkLoad,
    Candidates,
    NewChunk,
    NoBulkLoad,
    TermFrequency,
)
from tillit.knowledge.index.lexicon import SegmentLexicon
from tillit.knowledge.index.rows import chunk_table, insert_chunks
from tillit.knowledge.index.stats import collection_state

DIM = 384
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
        self.lexicon = SegmentLexicon()

    def add(self, db: Session, chunks: list[NewChunk]) -> list[int]:
        ids = insert_chunks(db, CHUNKS, chunks, _blob)
        self.lexicon.write(db, ids, chunks)
        return ids

    def remove(self, db: Session, chunk_ids: list[int]) -> None:
        self.lexicon.remove(db, chunk_ids)

    def bulk_load(self, engine: Engine, collection_id: int, chunks_at_start: int) -> BulkLoad:
        return NoBulkLoad()

    def term_frequency(self, db: Session, collection_ids: list[int]) -> TermFrequency:
        return self.lexicon.term_frequency(db, collection_ids)

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
        return self.lexicon.top(db, collection_ids, terms, k)

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
