"""SQLite: FTS5 (BM25) over the 4-gram terms; embeddings as float32 blobs, scored with numpy
from an in-process matrix per collection that is reloaded when the collection changes."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from tillit.knowledge.index.base import Candidates, IndexedChunk


@dataclass
class _Matrix:
    version: tuple[int, int]
    ids: np.ndarray
    vectors: np.ndarray


class SQLiteBackend:
    def __init__(self) -> None:
        self._matrices: dict[int, _Matrix] = {}
        self._lock = threading.Lock()

    def add(self, db: Session, chunks: list[IndexedChunk]) -> None:
        if not chunks:
            return
        db.execute(
            text("INSERT INTO chunk_fts(rowid, terms, collection_id) VALUES (:id, :terms, :cid)"),
            [{"id": c.chunk_id, "terms": c.terms, "cid": c.collection_id} for c in chunks],
        )
        db.execute(
            text("UPDATE chunks SET embedding = :embedding WHERE id = :id"),
            [{"id": c.chunk_id, "embedding": _blob(c.embedding)} for c in chunks],
        )

    def remove(self, db: Session, chunk_ids: list[int]) -> None:
        for start in range(0, len(chunk_ids), 500):
            part = chunk_ids[start : start + 500]
            marks = ",".join(str(int(i)) for i in part)
            db.execute(text(f"DELETE FROM chunk_fts WHERE rowid IN ({marks})"))  # noqa: S608

    def candidates(
        self, db: Session, collection_ids: list[int], terms: list[str], vector: np.ndarray, k: int
    ) -> Candidates:
        lexical = self._lexical(db, collection_ids, terms, k)
        ids, scores = self._dense_all(db, collection_ids, vector)
        dense_all = dict(zip(ids.tolist(), scores.tolist(), strict=True))
        top = ids[np.argsort(-scores)[:k]].tolist() if len(ids) else []
        # A dense candidate outside the lexical top-k counts as lexical 0: re-scoring it with a
        # second FTS5 query cost 80 % of search time at 100k chunks and did not help quality
        # (docs/benchmarks.md).
        wanted = set(lexical) | set(top)
        return Candidates(lexical, {i: dense_all[i] for i in wanted if i in dense_all})

    def _lexical(
        self,
        db: Session,
        collection_ids: list[int],
        terms: list[str],
        k: int,
    ) -> dict[int, float]:
        if not terms or not collection_ids:
            return {}
        match = " OR ".join(f'"{t}"' for t in terms)
        cids = ",".join(str(int(c)) for c in collection_ids)
        rows = db.execute(
            text(
                "SELECT rowid, bm25(chunk_fts) FROM chunk_fts WHERE chunk_fts MATCH :match "  # noqa: S608
                f"AND collection_id IN ({cids}) ORDER BY bm25(chunk_fts) LIMIT :k"
            ),
            {"match": match, "k": k},
        )
        return {int(rowid): -float(score) for rowid, score in rows}

    def _dense_all(
        self, db: Session, collection_ids: list[int], vector: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        matrices = [self._matrix(db, cid) for cid in collection_ids]
        ids = np.concatenate([m.ids for m in matrices]) if matrices else np.zeros(0, np.int64)
        if not len(ids):
            return ids, np.zeros(0, np.float32)
        vectors = np.vstack([m.vectors for m in matrices])
        return ids, vectors @ vector

    def _matrix(self, db: Session, collection_id: int) -> _Matrix:
        version = _collection_version(db, collection_id)
        with self._lock:
            cached = self._matrices.get(collection_id)
        if cached and cached.version == version:
            return cached
        rows = db.execute(
            text(
                "SELECT id, embedding FROM chunks "
                "WHERE collection_id = :cid AND embedding IS NOT NULL"
            ),
            {"cid": collection_id},
        ).all()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        vectors = (
            np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
            if rows
            else np.zeros((0, 384), np.float32)
        )
        matrix = _Matrix(version, ids, vectors)
        with self._lock:
            self._matrices[collection_id] = matrix
        return matrix


def _collection_version(db: Session, collection_id: int) -> tuple[int, int]:
    row = db.execute(
        text(
            "SELECT index_version, (SELECT count(*) FROM chunks WHERE collection_id = :cid) "
            "FROM collections WHERE id = :cid"
        ),
        {"cid": collection_id},
    ).one_or_none()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()
