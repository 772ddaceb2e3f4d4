"""app evaluations

Measured retrieval quality of an app over a question set (``tillit apps evaluate``,
apps/evaluation.py): one row per run, shown in the public register (insyn/entry.py).

Revision ID: 0010_app_evaluations
Revises: 0009_vector_index_per_collection
Create Date: 2026-11-24 03:40:00
"""

from alembic import op
import sqlalchemy as sa
import tillit.db.base


revision = "0010_app_evaluations"
down_revision = "0009_vector_index_per_collection"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("app_version", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=300), nullable=False),
        sa.Column("dataset_sha256", sa.String(length=64), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("config_fingerprint", sa.JSON(), nullable=True),
        sa.Column("created_at", tillit.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["apps.id"],
            name=op.f("fk_app_evaluations_app_id_apps"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_app_evaluations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_evaluations")),
    )
    with op.batch_alter_table("app_evaluations", schema=None) as batch_op:
        batch_op.create_index("ix_app_evaluations_app", ["app_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_app_evaluations_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("app_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_evaluations_tenant_id"))
        batch_op.drop_index("ix_app_evaluations_app")
    op.drop_table("app_evaluations")
