"""tickets: mirror, links, incident tags, tag outbox, webhook inbox, bulk replies

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sirf.adapters.db.types import JSONDoc, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("incident_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requester", sa.String(length=200), nullable=False),
        sa.Column("organization", sa.String(length=200), nullable=True),
        sa.Column("form", sa.String(length=100), nullable=True),
        sa.Column("tags", JSONDoc, nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("segment", sa.String(length=20), nullable=True),
        sa.Column("region", sa.String(length=10), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("first_response_at", UTCDateTime(), nullable=True),
        sa.Column("last_public_reply_at", UTCDateTime(), nullable=True),
        sa.Column("satisfaction", sa.String(length=10), nullable=True),
        sa.Column("satisfaction_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("system", "ref", name=op.f("uq_tickets_system_ref")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_system_created_at", ["system", "created_at"], unique=False)

    op.create_table(
        "webhook_inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("delivery_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_inbox")),
        sa.UniqueConstraint("source", "delivery_id", name=op.f("uq_webhook_inbox_source_delivery_id")),
    )
    with op.batch_alter_table("webhook_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_inbox_state_id", ["state", "id"], unique=False)

    op.create_table(
        "bulk_replies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("source_ref", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("status_change", sa.String(length=10), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("leased_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_bulk_replies_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_replies")),
    )
    with op.batch_alter_table("bulk_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulk_replies_incident_id"), ["incident_id"], unique=False)

    op.create_table(
        "incident_tags",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=80), nullable=False),
        sa.Column("rule", JSONDoc, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_tags_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_tags")),
        sa.UniqueConstraint("tag", name=op.f("uq_incident_tags_tag")),
    )
    op.create_table(
        "ticket_comments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("marker", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_comments_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_comments")),
        sa.UniqueConstraint("ticket_id", "marker", name=op.f("uq_ticket_comments_ticket_id_marker")),
    )
    op.create_table(
        "ticket_links",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("linked_by", sa.String(length=100), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_ticket_links_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_links_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("incident_id", "ticket_id", name=op.f("pk_ticket_links")),
    )
    with op.batch_alter_table("ticket_links", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_links_ticket_id", ["ticket_id"], unique=False)

    op.create_table(
        "ticket_tag_ops",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("tag", sa.String(length=80), nullable=False),
        sa.Column("refs", JSONDoc, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_ticket_tag_ops_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_tag_ops")),
    )
    with op.batch_alter_table("ticket_tag_ops", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_tag_ops_due", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "bulk_reply_items",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("job_id", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["bulk_replies.id"], name=op.f("fk_bulk_reply_items_run_id_bulk_replies")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_bulk_reply_items_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("run_id", "ticket_id", name=op.f("pk_bulk_reply_items")),
    )
    with op.batch_alter_table("bulk_reply_items", schema=None) as batch_op:
        batch_op.create_index("ix_bulk_reply_items_run_id_state", ["run_id", "state"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE incident_id IS NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("incident_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("bulk_reply_items", schema=None) as batch_op:
        batch_op.drop_index("ix_bulk_reply_items_run_id_state")

    op.drop_table("bulk_reply_items")
    with op.batch_alter_table("ticket_tag_ops", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_tag_ops_due")

    op.drop_table("ticket_tag_ops")
    with op.batch_alter_table("ticket_links", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_links_ticket_id")

    op.drop_table("ticket_links")
    op.drop_table("ticket_comments")
    op.drop_table("incident_tags")
    with op.batch_alter_table("bulk_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_replies_incident_id"))

    op.drop_table("bulk_replies")
    with op.batch_alter_table("webhook_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_inbox_state_id")

    op.drop_table("webhook_inbox")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_system_created_at")

    op.drop_table("tickets")
