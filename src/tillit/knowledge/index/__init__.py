"""Search backends: one interface (base.py), SQLite (FTS5 + numpy) and PostgreSQL (tsvector +
pgvector HNSW), checked by one shared conformance suite
(tests/knowledge/test_index_conformance.py)."""
