"""PostgreSQL: tsvector (GIN) over the 4-gram terms ranked with ts_rank, pgvector HNSW for
embeddings, one HNSW index per collection (pg_vectors.py). All in SQL, so several web processes
share one index.

ts_rank has no collection-wide statistics (no idf), so one collection's ranking never depends
on another's documents. The dense query names its collection as a literal so that the planner
can use that collection's partial index, with an ``ef_search`` of at least twice the number of
candidates wanted (the default 40 returned at most 40 rows).
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from sqlalchemy.types import UserDefinedType

from tillit.knowledge.index.base import BulkLoad, Candidates, NewChunk, TermFrequency
from tillit.knowledge.index.pg_vectors import VectorIndexLoad, prepare_index
from tillit.knowledge.index.rows import chunk_table, insert_chunks
from tillit.knowledge.index.stats import TermStats

TSQ = "to_tsquery('simple', :query)"
MAX_EF_SEARCH = 1000


class Vector(UserDefinedType[str]):
    """pgvector's ``vector``, written from its text form (``[0.1,0.2,…]``)."""

    cache_ok = True

    def get_col_spec(self) -> str:
        return "vector"

    def bind_expression(self, bindvalue):  # type: ignore[no-untyped-def]
        from sqlalchemy import cast

        return cast(bindvalue, self)


CHUNKS = chunk_table(Vector())


class PostgresBackend:
    def __init__(self) -> None:
        self.stats = TermStats()

    def add(self, db: Session, chunks: list[NewChunk]) -> list[int]:
        # An ingest transaction need not wait for its WAL flush: a crash can lose only the last
        # documents' commits, whole (never half a document), and the next ingest adds them again.
        db.execute(text("SELECT set_config('synchronous_commit', 'off', true)"))
        return insert_chunks(db, CHUNKS, chunks, _literal)

    def bulk_load(self, engine: Engine, collection_id: int, chunks_at_start: int) -> BulkLoad:
        prepare_index(engine, collection_id)
        return VectorIndexLoad(engine, collection_id, chunks_at_start)

    def remove(self, db: Session, chunk_ids: list[int]) -> None:
        return None  # the index lives in the chunks rows themselves

    def term_frequency(self, db: Session, collection_ids: list[int]) -> TermFrequency:
        return self.stats.frequency(db, collection_ids)

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
        ef_search = str(min(MAX_EF_SEARCH, max(2 * params["k"], 40)))
        db.execute(text("SELECT set_config('hnsw.ef_search', :v, true)"), {"v": ef_search})
        found: dict[int, float] = {}
        for collection_id in params["cids"]:
            # The collection as a literal: only then can the planner pick its partial index.
            rows = db.execute(
                text(
                    "SELECT id, 1 - (embedding <=> CAST(:vec AS vector)) FROM chunks "  # noqa: S608
                    f"WHERE collection_id = {int(collection_id)} AND embedding IS NOT NULL "
                    "ORDER BY embedding <=> CAST(:vec AS vector) LIMIT :k"
                ),
                params,
            )
            found.update((int(i), float(s)) for i, s in rows)
        return dict(sorted(found.items(), key=lambda item: -item[1])[: params["k"]])

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
