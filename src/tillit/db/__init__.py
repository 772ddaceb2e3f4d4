"""Database: engine, declarative Base, Alembic migrations (batch mode so SQLite works)."""
