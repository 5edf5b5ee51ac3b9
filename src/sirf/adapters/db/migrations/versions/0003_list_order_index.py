"""an index in the exact order incidents are listed (customers affected, severity, newest)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_impact_order")
        batch_op.create_index(
            "ix_incidents_list_order",
            ["active", sa.text("customers_affected DESC"), "severity", sa.text("id DESC")],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_list_order")
        batch_op.create_index(
            "ix_incidents_impact_order", ["active", "customers_affected", "severity"], unique=False
        )
