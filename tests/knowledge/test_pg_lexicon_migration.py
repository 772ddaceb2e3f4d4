"""Migration 0012_pg_lexicon on a PostgreSQL database that already holds indexed chunks: the
posting segments are built from ``chunks.terms`` and the tsvector column goes; and back."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from tests.conftest import PG_URL
from tests.governance.lifecycle import load_docs
from tillit.db.migrate import alembic_config
from tillit.knowledge.index.postgres import PostgresBackend
from tillit.knowledge.service import get_collection
from tillit.knowledge.terms import query_words, select_query_terms
from tillit.platform import Platform

pytestmark = pytest.mark.skipif(not PG_URL, reason="a PostgreSQL migration")


def _lexical_top(platform: Platform, query: str) -> dict[int, float]:
    backend = PostgresBackend()  # fresh caches
    with platform.session() as db:
        cid = get_collection(db, 1, "webb").id
        terms = select_query_terms(query_words(query), backend.term_frequency(db, [cid]))
        return backend.lexicon.top(db, [cid], terms, 10)


def _chunk_columns(platform: Platform) -> set[str]:
    with platform.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = 'chunks'")
        )
        return set(rows.scalars())


def test_segments_are_built_from_existing_chunks_and_tsvector_dropped(platform: Platform) -> None:
    load_docs(platform)
    before = _lexical_top(platform, "bygglov för altan")
    assert before
    config = alembic_config(platform.engine)
    command.downgrade(config, "0011_fingerprint_handling")
    assert "terms_tsv" in _chunk_columns(platform)
    assert not inspect(platform.engine).has_table("lexical_segments")
    command.upgrade(config, "head")
    assert "terms_tsv" not in _chunk_columns(platform)
    with platform.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM lexical_segments")).scalar_one() >= 1
    after = _lexical_top(platform, "bygglov för altan")
    assert after.keys() == before.keys()
    assert after == pytest.approx(before)
