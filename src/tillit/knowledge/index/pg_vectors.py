"""PostgreSQL: one HNSW index per collection, and deferring it during large loads.

Each collection has a partial index ``ix_chunks_embedding_<collection id>`` (``WHERE
collection_id = <id>``), so a collection's graph holds only its own chunks: no other tenant's
rows to filter out after the scan, and one collection's load never touches another's index.

Inserting into an HNSW graph is most of PostgreSQL's ingest cost, and it grows with the graph
(183 chunks/s at 100k chunks against ~1,300/s without the index); building the graph once
afterwards is several times cheaper. ``VectorIndexLoad`` therefore drops a collection's index
once an ingest job has added a quarter as many chunks as the collection held when the job began
(and at least ``BULK_MIN_CHUNKS``), and builds it again when the job ends. Why a quarter: at
100k chunks an insert into the graph costs ~4.7 ms a chunk and a build ~0.56 ms a chunk of the
whole collection, so rebuilding pays once a job adds more than about an eighth of what the
collection held; a quarter leaves a margin for graphs that are cheaper to insert into.
Meanwhile searches in that collection stay correct, by exact distance over its rows, only
slower. Both steps run ``CONCURRENTLY`` on their own connection, so no other collection's reads
or writes wait.

Every job first makes sure its collection's index exists and is valid (``prepare_index``):
that creates it for a new collection, and repairs one that a crash left missing or invalid.
Two jobs loading the same collection at once stay correct; the second may rebuild an index the
first had deferred, which only makes the first slower.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

BULK_MIN_CHUNKS = 1000
"""Below this a load never defers the index (building a graph is cheaper than inserting the
same vectors one by one at any size, but a tiny collection gains nothing)."""
DEFER_AFTER_FRACTION = 0.25
"""A job defers the index once it has added this fraction of the chunks held at its start."""
BUILD_MEMORY = "512MB"
"""maintenance_work_mem for an index build (the graph of 100k chunks fits; a build that does
not fit in memory is several times slower)."""

DDL_LOCK = 0x7469_6C6C_6974_0001
"""Advisory lock key serialising Tillit's index builds and drops on ``chunks``."""
DDL_LOCK_WAIT = 3600.0

log = logging.getLogger(__name__)


def index_name(collection_id: int) -> str:
    return f"ix_chunks_embedding_{int(collection_id)}"


def create_statement(collection_id: int, concurrently: bool = False) -> str:
    how = "CONCURRENTLY " if concurrently else ""
    return (
        f"CREATE INDEX {how}IF NOT EXISTS {index_name(collection_id)} ON chunks "
        f"USING hnsw (embedding vector_cosine_ops) WHERE collection_id = {int(collection_id)}"
    )


def index_state(db: Session | Connection, collection_id: int) -> bool | None:
    """True: the index is there and valid; False: there but invalid (a build that failed
    half-way); None: not there."""
    valid = db.execute(
        text(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = :name"
        ),
        {"name": index_name(collection_id)},
    ).scalar()
    return None if valid is None else bool(valid)


def prepare_index(engine: Engine, collection_id: int) -> None:
    """Make sure the collection's index exists and is valid, before a job writes to it.

    Always ``CONCURRENTLY`` on its own connection: a plain CREATE INDEX holds a SHARE lock on
    ``chunks`` until commit, and two such transactions that then insert deadlock. A job that
    finds the index missing repairs what a crash between a deferral and its rebuild left."""
    with engine.connect() as conn:
        state = index_state(conn, collection_id)
        conn.rollback()
    if state is True:
        return
    statements = [create_statement(collection_id, concurrently=True)]
    if state is False:  # a build that failed half-way
        statements.insert(0, f"DROP INDEX CONCURRENTLY IF EXISTS {index_name(collection_id)}")
    _autocommit(engine, *statements)


class VectorIndexLoad:
    """One ingest job's view of its collection's index (see the module docstring)."""

    def __init__(self, engine: Engine, collection_id: int, chunks_at_start: int) -> None:
        self.engine = engine
        self.collection_id = collection_id
        self.threshold = max(BULK_MIN_CHUNKS, int(chunks_at_start * DEFER_AFTER_FRACTION))
        self.deferred = False

    def added(self, chunks_in_job: int) -> None:
        if not self.deferred and chunks_in_job >= self.threshold:
            self._run(f"DROP INDEX CONCURRENTLY IF EXISTS {index_name(self.collection_id)}")
            self.deferred = True
            log.info(
                "collection %s: vector index deferred to the end of the load", self.collection_id
            )

    def finish(self) -> None:
        """Build the deferred index. A failed build must not fail the job: searches stay
        correct without the index, and the next job into the collection builds it again."""
        if not self.deferred:
            return
        self.deferred = False
        try:
            self._run(
                f"SET maintenance_work_mem = '{BUILD_MEMORY}'",
                create_statement(self.collection_id, concurrently=True),
            )
        except Exception:
            log.exception("collection %s: building the vector index failed", self.collection_id)
            self._run(f"DROP INDEX CONCURRENTLY IF EXISTS {index_name(self.collection_id)}")

    def _run(self, *statements: str) -> None:
        _autocommit(self.engine, *statements)


def _autocommit(engine: Engine, *statements: str) -> None:
    """Statements outside a transaction (CONCURRENTLY requires it) on a connection of their own,
    one such batch at a time across all processes: two concurrent CREATE INDEX CONCURRENTLY on
    ``chunks`` wait for each other and deadlock. The lock is only ever *tried* (a statement
    waiting for it would hold a snapshot that the index build waits for). Session settings are
    reset before the connection goes back to the pool."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        _lock(conn)
        try:
            for statement in statements:
                conn.execute(text(statement))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": DDL_LOCK})
            conn.execute(text("RESET ALL"))


def _lock(conn: Connection) -> None:
    deadline = time.monotonic() + DDL_LOCK_WAIT
    try_lock = text("SELECT pg_try_advisory_lock(:key)")
    while not conn.execute(try_lock, {"key": DDL_LOCK}).scalar():
        if time.monotonic() > deadline:
            raise TimeoutError("another vector index build has not finished")
        time.sleep(0.2)
