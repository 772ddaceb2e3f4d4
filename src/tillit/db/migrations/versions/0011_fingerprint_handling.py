"""approvals cover audience, information class, privacy handling and top_k

The approved configuration of a production app (``governance_lifecycles.approved_fingerprint``,
governance/fingerprint.py) now also holds the manifest's ``audience``, ``security_class``,
``privacy`` and ``top_k``. Approvals given before hold the values of the manifest in force now,
the best record of what was approved: from here on a change of any of them sends the app back
for review (before, an approved staff app could be made public without a new review).

Frozen history: the manifest defaults are written out here, not imported.

Revision ID: 0011_fingerprint_handling
Revises: 0010_app_evaluations
Create Date: 2026-11-24 06:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0011_fingerprint_handling"
down_revision = "0010_app_evaluations"
branch_labels = None
depends_on = None

DEFAULTS = {"audience": "staff", "security_class": "K0", "privacy": "refuse", "top_k": 5}

lifecycles = sa.table(
    "governance_lifecycles",
    sa.column("app_id", sa.Integer),
    sa.column("approved_fingerprint", sa.JSON),
)
apps = sa.table("apps", sa.column("id", sa.Integer), sa.column("manifest", sa.JSON))


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(lifecycles.c.app_id, lifecycles.c.approved_fingerprint, apps.c.manifest)
        .join(apps, apps.c.id == lifecycles.c.app_id)
        .where(lifecycles.c.approved_fingerprint.is_not(None))
    ).all()
    for app_id, approved, manifest in rows:
        if not isinstance(approved, dict):
            continue
        manifest = manifest if isinstance(manifest, dict) else {}
        added = {
            key: manifest.get(key, default)
            for key, default in DEFAULTS.items()
            if key not in approved
        }
        if added:
            bind.execute(
                lifecycles.update()
                .where(lifecycles.c.app_id == app_id)
                .values(approved_fingerprint={**approved, **added})
            )


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(lifecycles.c.app_id, lifecycles.c.approved_fingerprint).where(
            lifecycles.c.approved_fingerprint.is_not(None)
        )
    ).all()
    for app_id, approved in rows:
        if isinstance(approved, dict) and any(key in approved for key in DEFAULTS):
            kept = {k: v for k, v in approved.items() if k not in DEFAULTS}
            bind.execute(
                lifecycles.update()
                .where(lifecycles.c.app_id == app_id)
                .values(approved_fingerprint=kept)
            )
