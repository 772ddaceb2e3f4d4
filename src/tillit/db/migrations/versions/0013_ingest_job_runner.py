"""ingest jobs record who runs them

A job started through the web server runs in that server's process. When the process stops, the
job can never finish, and it showed "pågår" for ever. ``runner`` ("cli", or
"server:<host>:<pid>") lets a starting server mark the unfinished jobs of stopped server
processes as interrupted (knowledge/server_jobs.py), without touching a job that the command
line or a live worker is running. Jobs from before are left as they are (NULL).

Revision ID: 0013_ingest_job_runner
Revises: 0012_pg_lexicon
Create Date: 2026-11-24 13:00:00
"""

from alembic import op
import sqlalchemy as sa

revision = "0013_ingest_job_runner"
down_revision = "0012_pg_lexicon"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_jobs") as batch:
        batch.add_column(sa.Column("runner", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_jobs") as batch:
        batch.drop_column("runner")
