"""Tables for signing in to the web UI: password hashes, sessions, invitations, failed sign-ins.

Secrets are stored only as hashes: a session id and an invitation token are random values of 256
bits, so a plain SHA-256 of them cannot be reversed; passwords get Argon2 (they are guessable).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from sirf.adapters.db.tables import metadata, users
from sirf.adapters.db.types import UTCDateTime

# The users table belongs to tables.py; the web adds one nullable column to it (migration 0004).
# Appending here keeps the column next to the tables that use it; every reader imports this module
# through schema.py or web_repository.py before the first query.
if "password_hash" not in users.c:
    users.append_column(Column("password_hash", String(255), nullable=True))

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("csrf_token", String(64), nullable=False),
)

invitations = Table(
    "invitations",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False),
    Column("client_ip", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
)
# The rate limit counts recent failures per username and per address.
Index("ix_login_failures_username_at", login_failures.c.username, login_failures.c.at)
Index("ix_login_failures_client_ip_at", login_failures.c.client_ip, login_failures.c.at)
Index("ix_login_failures_at", login_failures.c.at)
