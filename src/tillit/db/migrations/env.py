"""Alembic environment: the engine comes from Tillit (config.attributes['engine'])."""

from alembic import context

from tillit.db.base import Base, load_all_tables

load_all_tables()
target_metadata = Base.metadata


BACKEND_SPECIFIC_COLUMNS = {("chunks", "embedding"), ("chunks", "terms_tsv")}


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """Autogenerate must not touch what knowledge/index/ maintains by hand: the lexical segment
    tables ``lexical_*`` (SQLite since migration 0008_lexicon, before it FTS5 tables
    ``chunk_fts*``; PostgreSQL since 0012_pg_lexicon, before it a tsvector column and its GIN
    index); on PostgreSQL the embedding column and its indexes (one HNSW index per collection,
    ``ix_chunks_embedding_<collection id>``)."""
    if type_ == "table" and name and name.startswith(("chunk_fts", "lexical_")):
        return False
    if type_ == "column" and (obj.table.name, name) in BACKEND_SPECIFIC_COLUMNS:
        return False
    return not (
        type_ == "index"
        and bool(name)
        and (name == "ix_chunks_terms_tsv" or name.startswith("ix_chunks_embedding"))
    )


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
            include_object=include_object,
        )
        context.run_migrations()


run_migrations_online()
