"""Tables for communications: status updates, approvals, the outbox, vendor references,
reminders and the built-in status page's published posts."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from sirf.adapters.db.tables import metadata
from sirf.adapters.db.types import JSONDoc, UTCDateTime

status_updates = Table(
    "status_updates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("template", String(40), nullable=False),
    Column("audience", String(20), nullable=False),
    Column("body", Text, nullable=False),
    Column("author", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("state", String(20), nullable=False),
    Column("public_state", String(20)),
    Column("components", JSONDoc, nullable=False),
    Column("next_update_at", UTCDateTime),
    Column("corrects", Integer, ForeignKey("status_updates.id")),
    Column("published_at", UTCDateTime),
    Column("published_by", String(100)),
    Column("version", Integer, nullable=False),
    UniqueConstraint("incident_id", "sequence"),
)

update_approvals = Table(
    "update_approvals",
    metadata,
    Column("update_id", Integer, ForeignKey("status_updates.id"), primary_key=True),
    Column("ordinal", Integer, primary_key=True),
    Column("approved_by", String(100), nullable=False),
    Column("reviewer", String(10), nullable=False),
    Column("etag", String(64), nullable=False),
    Column("approved_at", UTCDateTime, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("update_id", Integer, ForeignKey("status_updates.id"), nullable=False),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("channel", String(100), nullable=False),
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_until", UTCDateTime),
    Column("last_error", Text),
    Column("external_ref", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    UniqueConstraint("update_id", "channel"),
)
Index("ix_deliveries_due", deliveries.c.state, deliveries.c.next_attempt_at)

channel_refs = Table(
    "channel_refs",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("channel", String(100), primary_key=True),
    Column("external_ref", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("state", String(20), nullable=False),
    Column("lease_until", UTCDateTime),
    Column("fired_at", UTCDateTime),
    Column("fired_by", String(100)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("incident_id", "kind", "due_at"),
)
Index("ix_reminders_due", reminders.c.state, reminders.c.due_at)

status_page_posts = Table(
    "status_page_posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False, index=True),
    Column("update_id", Integer, ForeignKey("status_updates.id"), nullable=False, unique=True),
    Column("title", String(500), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("public_state", String(20), nullable=False),
    Column("components", JSONDoc, nullable=False),
    Column("body_markdown", Text, nullable=False),
    Column("body_html", Text, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
)

status_page_components = Table(
    "status_page_components",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("status", String(40), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
