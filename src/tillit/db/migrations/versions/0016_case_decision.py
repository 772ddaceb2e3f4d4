"""a case remembers its decision

Whether an investigation was opened (``utredning_inleds``) or not (``inleds_ej``) was only
the case's status, so once the case was closed (``avslutad``) the decision letters had to find
it in the audit log. ``decision`` now keeps it. Existing cases get it from their status, or,
when closed, from the last status change to a decision in the audit log.

Revision ID: 0016_case_decision
Revises: 0015_annotation_withdrawal
Create Date: 2026-11-24 19:30:00
"""

from alembic import op
import sqlalchemy as sa

revision = "0016_case_decision"
down_revision = "0015_annotation_withdrawal"
branch_labels = None
depends_on = None

DECISIONS = ("utredning_inleds", "inleds_ej")

cases = sa.table(
    "concern_cases",
    sa.column("tenant_id", sa.Integer),
    sa.column("case_number", sa.String),
    sa.column("status", sa.String),
    sa.column("decision", sa.String),
)
events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("tenant_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_id", sa.String),
    sa.column("detail", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("concern_cases") as batch:
        batch.add_column(sa.Column("decision", sa.String(length=30), nullable=True))
    bind = op.get_bind()
    bind.execute(
        cases.update().where(cases.c.status.in_(DECISIONS)).values(decision=cases.c.status)
    )
    moves = bind.execute(
        sa.select(events.c.tenant_id, events.c.object_id, events.c.detail)
        .where(events.c.action == "concern.case.status")
        .order_by(events.c.id)
    )
    decided = {
        (tenant, number): (detail or {}).get("to")
        for tenant, number, detail in moves
        if (detail or {}).get("to") in DECISIONS
    }
    for (tenant, number), decision in decided.items():
        bind.execute(
            cases.update()
            .where(
                cases.c.tenant_id == tenant,
                cases.c.case_number == number,
                cases.c.decision.is_(None),
            )
            .values(decision=decision)
        )


def downgrade() -> None:
    # Not batch mode: rebuilding concern_cases would trip the foreign keys that point at it
    # (SQLite has had DROP COLUMN since 3.35).
    op.drop_column("concern_cases", "decision")
