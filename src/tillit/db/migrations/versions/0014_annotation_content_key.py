"""imported annotation items remember which passage they hold

Pseudonyms differ on every import, so a re-imported file could not tell a corrected passage
from an unchanged one: the corrected labels were put on the old text. ``content_key`` is a
keyed hash of the original passage. Items imported before stay NULL and are trusted to be
unchanged on their next import, which then records their key.

Revision ID: 0014_annotation_content_key
Revises: 0013_ingest_job_runner
Create Date: 2026-11-24 13:30:00
"""

from alembic import op
import sqlalchemy as sa

revision = "0014_annotation_content_key"
down_revision = "0013_ingest_job_runner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("concern_annotation_items") as batch:
        batch.add_column(sa.Column("content_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("concern_annotation_items") as batch:
        batch.drop_column("content_key")
