"""PostgreSQL: BM25 over per-collection posting segments (lexicon.py, the same index and scores
as SQLite, stored in PostgreSQL tables), pgvector HNSW for embeddings, one HNSW index per
collection (pg_vectors.py). Everything lives in the database, so several web processes share
one index; each caches segment metadata, which never changes once written.

Until migration 0012 the lexical side was ``ts_rank`` over a tsvector column: it scored every
row matching any query term, one at a time (p95 1.2 s at 100k chunks), and had no idf.
The dense query names its collection as a literal so that the planner can use that
collection's partial index, with an ``ef_search`` of at least twice the number of candidates
wanted (the default 40 returned at most 40 rows).
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from sqlalchemy.types import UserDefinedType

from tillit.knowledge.index.base import BulkLoad, Candidates, NewChunk, TermFrequency
from tillit.knowledge.index.lexicon import SegmentLexicon
from tillit.knowledge.index.pg_vectors import VectorIndexLoad, prepare_index
from tillit.knowledge.index.rows import chunk_table, insert_chunks

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
        self.lexicon = SegmentLexicon()

    def add(self, db: Session, chunks: list[NewChunk]) -> list[int]:
        # An ingest transaction need not wait for its WAL flush: a crash can lose only the last
        # documents' commits, whole (never half a document), and the next ingest adds them again.
        db.execute(text("SELECT set_config('synchronous_commit', 'off', true)"))
        ids = insert_chunks(db, CHUNKS, chunks, _literal)
        self.lexicon.write(db, ids, chunks)
        return ids

    def bulk_load(self, engine: Engine, collection_id: int, chunks_at_start: int) -> BulkLoad:
        prepare_index(engine, collection_id)
        return VectorIndexLoad(engine, collection_id, chunks_at_start)

    def remove(self, db: Session, chunk_ids: list[int]) -> None:
        self.lexicon.remove(db, chunk_ids)

    def term_frequency(self, db: Session, collection_ids: list[int]) -> TermFrequency:
        return self.lexicon.term_frequency(db, collection_ids)

    def candidates(
        self, db: Session, collection_ids: list[int], terms: list[str], vector: np.ndarray, k: int
    ) -> Candidates:
        if not collection_ids:
            return Candidates({}, {})
        params = {"cids": collection_ids, "k": k, "vec": _literal(vector)}
        lexical = self._lexical(db, collection_ids, terms, k) if terms else {}
        # As on SQLite: a dense candidate outside the lexical top-k counts as lexical 0.
        dense = self._dense_for(db, params, sorted(lexical)) if lexical else {}
        dense.update(self._dense_top(db, params))
        return Candidates(lexical, dense)

    def _lexical(
        self, db: Session, collection_ids: list[int], terms: list[str], k: int
    ) -> dict[int, float]:
        return self.lexicon.top(db, collection_ids, terms, k)

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
