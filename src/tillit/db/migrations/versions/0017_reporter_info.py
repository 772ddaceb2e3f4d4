"""a case remembers when it was decided, and a reporter's request for information

Since 15 January 2026 a reporter with a duty to report (19 kap. 1–3 §§ socialtjänstlagen,
2025:400) who asks shall be told whether an investigation was opened, at the latest one week
after the decision, or at once when the request comes later (19 kap. 6 §, as amended by
2025:1501). ``decided_at`` keeps when the decision was recorded (it was only in the audit log);
``reporter_info_requested_at`` and ``reporter_info_given_at`` keep the request and the answer.
Existing decided cases get ``decided_at`` from the status change to their decision in the
audit log.

Revision ID: 0017_reporter_info
Revises: 0016_case_decision
Create Date: 2026-11-24 12:00:00
"""

from alembic import op
import sqlalchemy as sa

import tillit.db.base

revision = "0017_reporter_info"
down_revision = "0016_case_decision"
branch_labels = None
depends_on = None

NEW_COLUMNS = ("decided_at", "reporter_info_requested_at", "reporter_info_given_at")

cases = sa.table(
    "concern_cases",
    sa.column("tenant_id", sa.Integer),
    sa.column("case_number", sa.String),
    sa.column("decision", sa.String),
    sa.column("decided_at", tillit.db.base.UTCDateTime(timezone=True)),
)
events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("at", tillit.db.base.UTCDateTime(timezone=True)),
    sa.column("tenant_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_id", sa.String),
    sa.column("detail", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("concern_cases") as batch:
        for name in NEW_COLUMNS:
            batch.add_column(
                sa.Column(name, tillit.db.base.UTCDateTime(timezone=True), nullable=True)
            )
    bind = op.get_bind()
    moves = bind.execute(
        sa.select(events.c.tenant_id, events.c.object_id, events.c.detail, events.c.at)
        .where(events.c.action == "concern.case.status")
        .order_by(events.c.id)
    )
    decided = {}
    for tenant, number, detail, at in moves:
        decision = (detail or {}).get("to")
        if decision in ("utredning_inleds", "inleds_ej"):
            decided.setdefault((tenant, number, decision), at)  # the first move to it
    for (tenant, number, decision), at in decided.items():
        bind.execute(
            cases.update()
            .where(
                cases.c.tenant_id == tenant,
                cases.c.case_number == number,
                cases.c.decision == decision,
                cases.c.decided_at.is_(None),
            )
            .values(decided_at=at)
        )


def downgrade() -> None:
    # Not batch mode: rebuilding concern_cases would trip the foreign keys that point at it.
    for name in reversed(NEW_COLUMNS):
        op.drop_column("concern_cases", name)
