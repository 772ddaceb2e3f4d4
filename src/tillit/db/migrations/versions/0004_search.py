"""search: one FTS5 table per collection on SQLite

SQLite's single ``chunk_fts`` table gave BM25 document frequencies over every collection of
every tenant, so one tenant's documents changed another's ranking. Each collection now has its
own ``chunk_fts_<collection id>`` (created on demand by knowledge/index/sqlite.py), rebuilt here
from ``chunks.terms``. PostgreSQL needs no schema change: ts_rank uses no collection-wide
statistics, and the HNSW scan settings are set per query.

Revision ID: 0004_search
Revises: 0006 (the task named 0003; 0005_concern and 0006_governance, written at the same time, also follow 0003, so this follows them to keep one head)
Create Date: 2026-11-24 00:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0004_search"
down_revision = "0006"  # see the module docstring
branch_labels = None
depends_on = None

TOKENIZE = "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    collections = bind.execute(sa.text("SELECT DISTINCT collection_id FROM chunks")).scalars()
    for collection_id in sorted(int(c) for c in collections):
        table = f"chunk_fts_{collection_id}"
        op.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(terms, {TOKENIZE})")
        copy = f"INSERT INTO {table}(rowid, terms) SELECT id, terms FROM chunks "  # noqa: S608
        op.execute(copy + f"WHERE collection_id = {collection_id}")
    op.execute("DROP TABLE IF EXISTS chunk_fts")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute(
        f"CREATE VIRTUAL TABLE chunk_fts USING fts5(terms, collection_id UNINDEXED, {TOKENIZE})"
    )
    op.execute(
        "INSERT INTO chunk_fts(rowid, terms, collection_id) "
        "SELECT id, terms, collection_id FROM chunks"
    )
    tables = bind.execute(
        sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name GLOB 'chunk_fts_[0-9]*' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
        )
    ).scalars()
    for table in list(tables):
        op.execute(f"DROP TABLE {table}")
