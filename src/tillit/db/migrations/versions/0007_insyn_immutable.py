"""insyn: published register versions are immutable in the database too

Every row of ``insyn_register_versions`` is a published version of a register entry, exactly
as it was shown (insyn/publish.py only ever inserts). Triggers now refuse UPDATE and DELETE
of those rows (and TRUNCATE on PostgreSQL), like the audit log's in 0001: a change is always a
new version, and a published one cannot be rewritten or removed behind the register's back.

Revision ID: 0007_insyn_immutable
Revises: 0004_search
Create Date: 2026-11-24 12:00:00
"""

from alembic import op


revision = "0007_insyn_immutable"
down_revision = "0004_search"
branch_labels = None
depends_on = None

TABLE = "insyn_register_versions"
MESSAGE = "insyn_register_versions: published register versions are immutable"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {TABLE}_immutable() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_immutable()"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_immutable()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{verb}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
    op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable ON {TABLE}")
    op.execute(f"DROP FUNCTION IF EXISTS {TABLE}_immutable()")
