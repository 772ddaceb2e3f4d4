"""vector index per collection (PostgreSQL)

The single HNSW index over every collection's embeddings becomes one partial index per
collection (knowledge/index/pg_vectors.py): a collection's graph holds only its own chunks,
and a large load into one collection can defer its index without touching anyone else's.
SQLite is unchanged (its dense search is an in-process matrix per collection).

Revision ID: 0009_vector_index_per_collection
Revises: 0008_lexicon
Create Date: 2026-11-24 03:20:00
"""

from alembic import op
import sqlalchemy as sa

from tillit.knowledge.index.pg_vectors import create_statement, index_name

revision = "0009_vector_index_per_collection"
down_revision = "0008_lexicon"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_chunks_embedding")
    for collection_id in bind.execute(sa.text("SELECT id FROM collections")).scalars():
        op.execute(create_statement(int(collection_id)))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for collection_id in bind.execute(sa.text("SELECT id FROM collections")).scalars():
        op.execute(f"DROP INDEX IF EXISTS {index_name(int(collection_id))}")
    op.execute(
        "CREATE INDEX ix_chunks_embedding ON chunks USING hnsw (embedding vector_cosine_ops)"
    )
