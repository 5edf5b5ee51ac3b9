"""Table definitions (SQLAlchemy Core). Alembic migrations create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from sirf.adapters.db.types import JSONDoc, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(500), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("source", String(40), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("highest_severity", Integer, nullable=False),
    Column("phase", String(20), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("region", String(10), nullable=False),
    Column("declared_by", String(100), nullable=False),
    Column("declared_at", UTCDateTime, nullable=False),
    Column("detected_at", UTCDateTime, nullable=False),
    Column("triaged_at", UTCDateTime),
    Column("first_response_at", UTCDateTime),
    Column("first_customer_communication_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("times_reopened", Integer, nullable=False, default=0),
    Column("summary", Text, nullable=False, default=""),
    Column("affected_services", JSONDoc, nullable=False),
    # Customers affected is a column of its own: it orders every list (F4.1 customer first).
    Column("customers_affected", Integer, nullable=False, default=0),
    Column("customers_known", Boolean, nullable=False, default=False),
    Column("facts", JSONDoc, nullable=False),
    Column("scope_override", String(40)),
    Column("public_state", String(20)),
    Column("last_public_update_at", UTCDateTime),
    Column("next_update_due_at", UTCDateTime),
    Column("version", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
)
# Matches the list order exactly (F4.1: customers affected, then severity, then newest), so a page
# is read from the index instead of sorting every incident.
Index(
    "ix_incidents_list_order",
    incidents.c.active,
    incidents.c.customers_affected.desc(),
    incidents.c.severity,
    incidents.c.id.desc(),
)

role_assignments = Table(
    "role_assignments",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("role", String(10), primary_key=True),
    Column("ordinal", Integer, primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("assumed_at", UTCDateTime, nullable=False),
    Column("assigned_by", String(100), nullable=False),
    Column("released_at", UTCDateTime),
    Column("released_by", String(100)),
)
# At most one holder per role at a time, enforced by the database as well as the domain.
Index(
    "uq_role_assignments_one_active_holder",
    role_assignments.c.incident_id,
    role_assignments.c.role,
    unique=True,
    sqlite_where=text("released_at IS NULL"),
    postgresql_where=text("released_at IS NULL"),
)
Index("ix_role_assignments_holder", role_assignments.c.holder)

tasks = Table(
    "tasks",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("title", String(500), nullable=False),
    Column("owner", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("due_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

attestations = Table(
    "attestations",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("criterion", String(40), primary_key=True),
    Column("attested_by", String(100), nullable=False),
    Column("attested_at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=False),
)

team_engagements = Table(
    "team_engagements",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("team", String(40), primary_key=True),
    Column("contact", String(200), nullable=False),
    Column("engaged_at", UTCDateTime, nullable=False),
    Column("engaged_by", String(100), nullable=False),
)

timeline = Table(
    "timeline",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(60), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("data", JSONDoc, nullable=False),
    UniqueConstraint("incident_id", "seq"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("org_role", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response_body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # No incident for notices about tickets before any incident exists (a surge proposal).
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=True),
    Column("recipient", String(100), nullable=False, index=True),
    Column("message", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
