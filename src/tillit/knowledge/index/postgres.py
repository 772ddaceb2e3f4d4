"""PostgreSQL: tsvector (GIN) over the 4-gram terms ranked with ts_rank, pgvector HNSW for
embeddings. Both in SQL, so several web processes share one index."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from tillit.knowledge.index.base import Candidates, IndexedChunk

TSQ = "to_tsquery('simple', :query)"


class PostgresBackend:
    def add(self, db: Session, chunks: list[IndexedChunk]) -> None:
        if not chunks:
            return
        db.execute(
            text("UPDATE chunks SET embedding = CAST(:embedding AS vector) WHERE id = :id"),
            [{"id": c.chunk_id, "embedding": _literal(c.embedding)} for c in chunks],
        )

    def remove(self, db: Session, chunk_ids: list[int]) -> None:
        return None  # the index lives in the chunks rows themselves

    def candidates(
        self, db: Session, collection_ids: list[int], terms: list[str], vector: np.ndarray, k: int
    ) -> Candidates:
        if not collection_ids:
            return Candidates({}, {})
        params = {
            "cids": collection_ids,
            "k": k,
            "vec": _literal(vector),
            "query": " | ".join(t.replace("_", "x") for t in terms) or "x",
        }
        lexical = self._lexical_top(db, params) if terms else {}
        dense_top = self._dense_top(db, params)
        union = sorted(set(lexical) | set(dense_top))
        return Candidates(
            self._lexical_for(db, params, union) if terms else {},
            self._dense_for(db, params, union),
        )

    def _lexical_top(self, db: Session, params: dict) -> dict[int, float]:
        rows = db.execute(
            text(
                f"SELECT id, ts_rank(terms_tsv, {TSQ}, 1) AS r FROM chunks "  # noqa: S608
                f"WHERE collection_id = ANY(:cids) AND terms_tsv @@ {TSQ} ORDER BY r DESC LIMIT :k"
            ),
            params,
        )
        return {int(i): float(r) for i, r in rows}

    def _dense_top(self, db: Session, params: dict) -> dict[int, float]:
        rows = db.execute(
            text(
                "SELECT id, 1 - (embedding <=> CAST(:vec AS vector)) FROM chunks "
                "WHERE collection_id = ANY(:cids) AND embedding IS NOT NULL "
                "ORDER BY embedding <=> CAST(:vec AS vector) LIMIT :k"
            ),
            params,
        )
        return {int(i): float(s) for i, s in rows}

    def _lexical_for(self, db: Session, params: dict, ids: list[int]) -> dict[int, float]:
        rows = db.execute(
            text(
                f"SELECT id, ts_rank(terms_tsv, {TSQ}, 1) FROM chunks "  # noqa: S608
                f"WHERE id = ANY(:ids) AND terms_tsv @@ {TSQ}"
            ),
            {**params, "ids": ids},
        )
        return {int(i): float(r) for i, r in rows}

    def _dense_for(self, db: Session, params: dict, ids: list[int]) -> dict[int, float]:
        rows = db.execute(
            text(
                "SELECT id, 1 - (embedding <=> CAST(:vec AS vector)) FROM chunks "
                "WHERE id = ANY(:ids) AND embedding IS NOT NULL"
            ),
            {**params, "ids": ids},
        )
        return {int(i): float(s) for i, s in rows}


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32)) + "]"
