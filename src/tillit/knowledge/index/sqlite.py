"""SQLite: one FTS5 table (BM25) per collection over the 4-gram terms, so that a collection's
term statistics are its own; embeddings as float32 blobs in ``chunks``, scored with numpy from
an in-process matrix per collection that is reloaded when the collection changes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from sqlalchemy import LargeBinary, text
from sqlalchemy.orm import Session

from tillit.knowledge.index.base import Candidates, NewChunk, TermFrequency
from tillit.knowledge.index.rows import chunk_table, insert_chunks
from tillit.knowledge.index.stats import TermStats, collection_state

DIM = 384
TOKENIZE = "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\""
CHUNKS = chunk_table(LargeBinary())


def fts_table(collection_id: int) -> str:
    return f"chunk_fts_{int(collection_id)}"


def create_fts_table(db: Session, collection_id: int) -> None:
    table = fts_table(collection_id)
    db.execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(terms, {TOKENIZE})"))


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
        self._tables: set[int] = set()
        self.stats = TermStats()

    def add(self, db: Session, chunks: list[NewChunk]) -> list[int]:
        ids = insert_chunks(db, CHUNKS, chunks, _blob)
        for collection_id in sorted({c.collection_id for c in chunks}):
            create_fts_table(db, collection_id)
            db.execute(
                text(
                    f"INSERT OR REPLACE INTO {fts_table(collection_id)}(rowid, terms) "  # noqa: S608
                    "VALUES (:id, :terms)"
                ),
                [
                    {"id": i, "terms": c.terms}
                    for i, c in zip(ids, chunks, strict=True)
                    if c.collection_id == collection_id
                ],
            )
        return ids

    def remove(self, db: Session, chunk_ids: list[int]) -> None:
        for start in range(0, len(chunk_ids), 500):
            marks = ",".join(str(int(i)) for i in chunk_ids[start : start + 500])
            rows = db.execute(
                text(f"SELECT id, collection_id FROM chunks WHERE id IN ({marks})")  # noqa: S608
            ).all()
            for collection_id in sorted({cid for _, cid in rows}):
                if not self._has_table(db, collection_id):
                    continue
                ids = ",".join(str(int(i)) for i, cid in rows if cid == collection_id)
                db.execute(
                    text(f"DELETE FROM {fts_table(collection_id)} WHERE rowid IN ({ids})")  # noqa: S608
                )

    def term_frequency(self, db: Session, collection_ids: list[int]) -> TermFrequency:
        return self.stats.frequency(db, collection_ids)

    def candidates(
        self, db: Session, collection_ids: list[int], terms: list[str], vector: np.ndarray, k: int
    ) -> Candidates:
        matrices = [self._matrix(db, cid) for cid in collection_ids]
        # The dense top-k (numpy, which releases the GIL) runs on the second core while FTS5
        # (sqlite3 releases it too) ranks on this thread.
        dense_top = _pool().submit(_dense_top, matrices, vector, k)
        lexical = self._lexical(db, collection_ids, terms, k)
        # A dense candidate outside the lexical top-k counts as lexical 0: scoring it with a
        # second FTS5 query cost 80 % of search time at 100k chunks and did not help quality
        # (docs/benchmarks.md).
        dense = _dense_for(matrices, vector, sorted(lexical))
        dense.update(dense_top.result())
        return Candidates(lexical, dense)

    def _lexical(
        self, db: Session, collection_ids: list[int], terms: list[str], k: int
    ) -> dict[int, float]:
        if not terms:
            return {}
        match = " OR ".join(f'"{t}"' for t in terms)
        found: dict[int, float] = {}
        for collection_id in collection_ids:
            if not self._has_table(db, collection_id):
                continue
            table = fts_table(collection_id)
            rows = db.execute(
                text(
                    f"SELECT rowid, bm25({table}) FROM {table} WHERE {table} MATCH :match "  # noqa: S608
                    f"ORDER BY bm25({table}) LIMIT :k"
                ),
                {"match": match, "k": k},
            )
            found.update((int(rowid), -float(score)) for rowid, score in rows)
        if len(found) > k:
            found = dict(sorted(found.items(), key=lambda item: -item[1])[:k])
        return found

    def _has_table(self, db: Session, collection_id: int) -> bool:
        if collection_id in self._tables:
            return True
        exists = db.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": fts_table(collection_id)},
        ).first()
        if exists:
            self._tables.add(collection_id)
        return exists is not None

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
