"""a case can have its initial assessment prolonged for exceptional reasons

20 kap. 2 § socialtjänstlagen (2025:400): the decision to open an investigation or not is due
within fourteen days, and "tiden för förhandsbedömningen får endast förlängas om det finns
synnerliga skäl". ``assessment_extended_at`` keeps when the day was last moved (the moved day
is ``assessment_deadline``); ``assessment_extension_enc`` keeps each extension with its
reasons, encrypted like the rest of the case.

Revision ID: 0018_assessment_extension
Revises: 0017_reporter_info
Create Date: 2026-11-24 20:00:00
"""

from datetime import timedelta

from alembic import op
import sqlalchemy as sa

import tillit.db.base

ASSESSMENT_DAYS = 14
MOMENT = tillit.db.base.UTCDateTime(timezone=True)
cases = sa.table(
    "concern_cases",
    sa.column("id", sa.Integer),
    sa.column("received_at", MOMENT),
    sa.column("assessment_deadline", MOMENT),
    sa.column("assessment_extended_at", MOMENT),
)

revision = "0018_assessment_extension"
down_revision = "0017_reporter_info"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("concern_cases") as batch:
        batch.add_column(sa.Column("assessment_extended_at", MOMENT, nullable=True))
        batch.add_column(sa.Column("assessment_extension_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    # Without the record of an extension, a case's day is the statutory one again.
    bind = op.get_bind()
    extended = bind.execute(
        sa.select(cases.c.id, cases.c.received_at).where(
            cases.c.assessment_extended_at.is_not(None)
        )
    )
    for case_id, received in list(extended):
        statutory = received + timedelta(days=ASSESSMENT_DAYS)
        bind.execute(
            cases.update().where(cases.c.id == case_id).values(assessment_deadline=statutory)
        )
    # Not batch mode: rebuilding concern_cases would trip the foreign keys that point at it.
    op.drop_column("concern_cases", "assessment_extension_enc")
    op.drop_column("concern_cases", "assessment_extended_at")
