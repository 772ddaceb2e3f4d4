"""annotation items can be withdrawn from the training data; retention can erase them

An annotator who finds personal data the pseudonymiser missed withdraws the item: its text is
blanked, its labels go, and ``withdrawn_at`` keeps it out of the queue and every training set
(the item itself stays so that a case's passages keep their positions). A tenant can also let
retention erase the annotation items made from the cases it erases (``erase_annotations``).

Revision ID: 0015_annotation_withdrawal
Revises: 0014_annotation_content_key
Create Date: 2026-11-24 18:00:00
"""

from alembic import op
import sqlalchemy as sa

import tillit.db.base

revision = "0015_annotation_withdrawal"
down_revision = "0014_annotation_content_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("concern_annotation_items") as batch:
        batch.add_column(
            sa.Column("withdrawn_at", tillit.db.base.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("concern_settings") as batch:
        batch.add_column(
            sa.Column("erase_annotations", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("concern_settings") as batch:
        batch.drop_column("erase_annotations")
    with op.batch_alter_table("concern_annotation_items") as batch:
        batch.drop_column("withdrawn_at")
