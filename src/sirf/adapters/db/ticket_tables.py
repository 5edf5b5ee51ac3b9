"""Tables for tickets: the ticket mirror (the built-in store's tickets live here too), links to
incidents, each incident's tag, the vendor tag outbox, the webhook inbox and the bulk-reply ledger."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from sirf.adapters.db.tables import metadata
from sirf.adapters.db.types import JSONDoc, UTCDateTime

# One row per ticket sirf knows, keyed by (system, ref): "builtin" tickets are owned here, "zendesk"
# ones are a mirror kept current by webhooks and searches.
tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("system", String(20), nullable=False),
    Column("ref", String(64), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("description", Text, nullable=False),
    Column("priority", String(10), nullable=False),
    Column("status", String(10), nullable=False),
    Column("requester", String(200), nullable=False),
    Column("organization", String(200)),
    Column("form", String(100)),
    Column("tags", JSONDoc, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("segment", String(20)),
    Column("region", String(10)),
    Column("escalated", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("first_response_at", UTCDateTime),
    Column("last_public_reply_at", UTCDateTime),
    Column("satisfaction", String(10)),
    Column("satisfaction_at", UTCDateTime),
    UniqueConstraint("system", "ref"),
)
Index("ix_tickets_system_created_at", tickets.c.system, tickets.c.created_at)

# Replies sirf posted to built-in tickets. The marker is the reply's identity: one per ticket.
ticket_comments = Table(
    "ticket_comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), nullable=False),
    Column("body", Text, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("author", String(100), nullable=False),
    Column("marker", String(100)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("ticket_id", "marker"),
)

ticket_links = Table(
    "ticket_links",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), primary_key=True),
    Column("reason", String(20), nullable=False),  # tag | rule | manual | surge
    Column("linked_by", String(100), nullable=False),
    Column("linked_at", UTCDateTime, nullable=False),
)
Index("ix_ticket_links_ticket_id", ticket_links.c.ticket_id)

# Each incident's tag and linking rule. The tag is retired (no more linking) when the incident closes.
incident_tags = Table(
    "incident_tags",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("tag", String(80), nullable=False, unique=True),
    Column("rule", JSONDoc),
    Column("created_at", UTCDateTime, nullable=False),
    Column("retired_at", UTCDateTime),
)

# Tag changes still to make in the ticket system; the worker applies them (at least once: adding a
# tag twice is harmless).
ticket_tag_ops = Table(
    "ticket_tag_ops",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("action", String(10), nullable=False),  # add | remove
    Column("tag", String(80), nullable=False),
    Column("refs", JSONDoc, nullable=False),
    Column("state", String(20), nullable=False),  # pending | done | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
)
Index("ix_ticket_tag_ops_due", ticket_tag_ops.c.state, ticket_tag_ops.c.next_attempt_at)

# Inbound webhook deliveries: stored before they are acknowledged, processed by the worker.
webhook_inbox = Table(
    "webhook_inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(20), nullable=False),
    Column("delivery_id", String(200), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(20), nullable=False),  # pending | processed | ignored | failed
    Column("received_at", UTCDateTime, nullable=False),
    Column("processed_at", UTCDateTime),
    Column("error", Text),
    UniqueConstraint("source", "delivery_id"),
)
Index("ix_webhook_inbox_state_id", webhook_inbox.c.state, webhook_inbox.c.id)

bulk_replies = Table(
    "bulk_replies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False, index=True),
    Column("source", String(10), nullable=False),  # update | macro
    Column("source_ref", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("public", Boolean, nullable=False),
    Column("status_change", String(10)),
    Column("state", String(20), nullable=False),  # running | completed | cancelled
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("lease_until", UTCDateTime),
    Column("leased_by", String(100)),
)

# The ledger: one row per ticket and run. A ticket moves pending -> sending -> submitted -> replied
# (or skipped / failed); "sending" rows left by a crash are checked against the ticket's marker tag.
bulk_reply_items = Table(
    "bulk_reply_items",
    metadata,
    Column("run_id", Integer, ForeignKey("bulk_replies.id"), primary_key=True),
    Column("ticket_id", Integer, ForeignKey("tickets.id"), primary_key=True),
    Column("ref", String(64), nullable=False),
    Column("state", String(20), nullable=False),
    Column("reason", String(200)),
    Column("job_id", String(100)),
    Column("attempts", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_bulk_reply_items_run_id_state", bulk_reply_items.c.run_id, bulk_reply_items.c.state)
