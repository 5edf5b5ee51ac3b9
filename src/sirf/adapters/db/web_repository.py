"""Web sign-in storage in SQL: credentials, sessions, invitations and failed sign-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from sirf.adapters.db import tables as t
from sirf.adapters.db import web_tables as w
from sirf.domain.accounts import User
from sirf.domain.raci import OrgRole
from sirf.services.web_ports import Invitation, StoredSession


def _user(row: Any) -> User:
    return User(
        row["id"],
        row["username"],
        row["display_name"],
        OrgRole(row["org_role"]),
        row["created_at"],
        row["disabled_at"],
    )


class SqlCredentials:
    """Password hashes and organisation roles: the account changes the web admin makes."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, username: str) -> tuple[User, str | None] | None:
        row = (
            self.connection.execute(select(t.users).where(t.users.c.username == username)).mappings().first()
        )
        return (_user(row), row["password_hash"]) if row else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        query = update(t.users).where(t.users.c.id == user_id).values(password_hash=password_hash)
        self.connection.execute(query)

    def with_password(self) -> set[int]:
        query = select(t.users.c.id).where(t.users.c.password_hash.is_not(None))
        return {int(user_id) for user_id in self.connection.execute(query).scalars()}

    def set_org_role(self, user_id: int, org_role: OrgRole) -> None:
        query = update(t.users).where(t.users.c.id == user_id).values(org_role=org_role.value)
        self.connection.execute(query)

    def count_admins(self) -> int:
        query = (
            select(func.count())
            .select_from(t.users)
            .where(t.users.c.org_role == OrgRole.ADMIN.value, t.users.c.disabled_at.is_(None))
        )
        return int(self.connection.execute(query).scalar_one())


# One round trip per page view: the session and its user together.
SESSION_WITH_USER = select(
    w.sessions.c.id_hash,
    w.sessions.c.created_at.label("session_created_at"),
    w.sessions.c.last_seen_at,
    w.sessions.c.csrf_token,
    t.users,
).join(t.users, t.users.c.id == w.sessions.c.user_id)


class SqlSessions:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, session: StoredSession) -> None:
        self.connection.execute(
            insert(w.sessions).values(
                id_hash=session.id_hash,
                user_id=session.user.id,
                created_at=session.created_at,
                last_seen_at=session.last_seen_at,
                csrf_token=session.csrf_token,
            )
        )

    def get(self, id_hash: str) -> StoredSession | None:
        query = SESSION_WITH_USER.where(w.sessions.c.id_hash == id_hash)
        row = self.connection.execute(query).mappings().first()
        if row is None:
            return None
        return StoredSession(
            row["id_hash"], _user(row), row["session_created_at"], row["last_seen_at"], row["csrf_token"]
        )

    def touch(self, id_hash: str, at: datetime) -> None:
        query = update(w.sessions).where(w.sessions.c.id_hash == id_hash).values(last_seen_at=at)
        self.connection.execute(query)

    def delete(self, id_hash: str) -> None:
        self.connection.execute(delete(w.sessions).where(w.sessions.c.id_hash == id_hash))

    def delete_for_user(self, user_id: int) -> None:
        self.connection.execute(delete(w.sessions).where(w.sessions.c.user_id == user_id))

    def delete_older(self, *, created_before: datetime, seen_before: datetime) -> None:
        old = (w.sessions.c.created_at < created_before) | (w.sessions.c.last_seen_at < seen_before)
        self.connection.execute(delete(w.sessions).where(old))


class SqlInvitations:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, invitation: Invitation) -> None:
        self.connection.execute(
            insert(w.invitations).values(
                token_hash=invitation.token_hash,
                user_id=invitation.user_id,
                created_by=invitation.created_by,
                created_at=invitation.created_at,
                expires_at=invitation.expires_at,
            )
        )

    def get(self, token_hash: str) -> Invitation | None:
        query = select(w.invitations).where(w.invitations.c.token_hash == token_hash)
        row = self.connection.execute(query).mappings().first()
        if row is None:
            return None
        return Invitation(
            row["token_hash"],
            row["user_id"],
            row["created_by"],
            row["created_at"],
            row["expires_at"],
            row["used_at"],
        )

    def mark_used(self, token_hash: str, at: datetime) -> None:
        query = update(w.invitations).where(w.invitations.c.token_hash == token_hash).values(used_at=at)
        self.connection.execute(query)

    def void_unused(self, user_id: int, at: datetime) -> None:
        """A new link replaces the older ones: only the latest link works."""
        pending = (w.invitations.c.user_id == user_id) & w.invitations.c.used_at.is_(None)
        self.connection.execute(update(w.invitations).where(pending).values(used_at=at))


class SqlLoginFailures:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, username: str, client_ip: str, at: datetime) -> None:
        values = {"username": username[:100], "client_ip": client_ip[:64], "at": at}
        self.connection.execute(insert(w.login_failures).values(values))

    def recent(
        self, *, username: str, client_ip: str, since: datetime
    ) -> tuple[list[datetime], list[datetime]]:
        """Times of the failures since ``since`` for this username and for this address."""
        f = w.login_failures
        by_user = select(f.c.at).where(f.c.username == username[:100], f.c.at >= since)
        by_ip = select(f.c.at).where(f.c.client_ip == client_ip[:64], f.c.at >= since)
        return (
            list(self.connection.execute(by_user).scalars()),
            list(self.connection.execute(by_ip).scalars()),
        )

    def forget(self, *, username: str) -> None:
        f = w.login_failures
        self.connection.execute(delete(f).where(f.c.username == username[:100]))

    def purge(self, *, before: datetime) -> None:
        self.connection.execute(delete(w.login_failures).where(w.login_failures.c.at < before))
