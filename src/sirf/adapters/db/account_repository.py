"""Users, API tokens, idempotency records and notifications in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from sirf.adapters.db import tables as t
from sirf.domain.accounts import ApiToken, User
from sirf.domain.raci import OrgRole
from sirf.services.ports import Notification, StoredResponse


def _user(row: Any) -> User:
    return User(
        row["id"],
        row["username"],
        row["display_name"],
        OrgRole(row["org_role"]),
        row["created_at"],
        row["disabled_at"],
    )


def _token(row: Any) -> ApiToken:
    return ApiToken(
        row["id"],
        row["user_id"],
        row["name"],
        row["token_hash"],
        row["created_at"],
        row["last_used_at"],
        row["revoked_at"],
    )


# Built once: this query runs on every authenticated request.
TOKEN_WITH_OWNER = (
    select(t.api_tokens, t.users.c.username, t.users.c.display_name, t.users.c.org_role)
    .add_columns(t.users.c.created_at.label("user_created_at"), t.users.c.disabled_at)
    .join(t.users, t.users.c.id == t.api_tokens.c.user_id)
    .where(t.api_tokens.c.id == bindparam("token_id"))
)


class SqlUserRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, user: User) -> User:
        values = {
            "username": user.username,
            "display_name": user.display_name,
            "org_role": user.org_role.value,
            "created_at": user.created_at,
        }
        result = self.connection.execute(insert(t.users).values(values).returning(t.users.c.id))
        return User(
            int(result.scalar_one()), user.username, user.display_name, user.org_role, user.created_at
        )

    def get_by_username(self, username: str) -> User | None:
        row = (
            self.connection.execute(select(t.users).where(t.users.c.username == username)).mappings().first()
        )
        return _user(row) if row else None

    def get_by_id(self, user_id: int) -> User | None:
        row = self.connection.execute(select(t.users).where(t.users.c.id == user_id)).mappings().first()
        return _user(row) if row else None

    def all(self) -> list[User]:
        return [
            _user(row)
            for row in self.connection.execute(select(t.users).order_by(t.users.c.username)).mappings()
        ]

    def count(self) -> int:
        return int(self.connection.execute(select(func.count()).select_from(t.users)).scalar_one())


class SqlTokenRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, token: ApiToken) -> None:
        self.connection.execute(
            insert(t.api_tokens).values(
                id=token.id,
                user_id=token.user_id,
                name=token.name,
                token_hash=token.token_hash,
                created_at=token.created_at,
            )
        )

    def get(self, token_id: str) -> ApiToken | None:
        row = (
            self.connection.execute(select(t.api_tokens).where(t.api_tokens.c.id == token_id))
            .mappings()
            .first()
        )
        return _token(row) if row else None

    def get_with_owner(self, token_id: str) -> tuple[ApiToken, User] | None:
        """The token and its user in one round trip: this runs on every request."""
        row = self.connection.execute(TOKEN_WITH_OWNER, {"token_id": token_id}).mappings().first()
        if row is None:
            return None
        user = User(
            row["user_id"],
            row["username"],
            row["display_name"],
            OrgRole(row["org_role"]),
            row["user_created_at"],
            row["disabled_at"],
        )
        return _token(row), user

    def all(self, user_id: int | None) -> list[ApiToken]:
        query = select(t.api_tokens).order_by(t.api_tokens.c.created_at)
        if user_id is not None:
            query = query.where(t.api_tokens.c.user_id == user_id)
        return [_token(row) for row in self.connection.execute(query).mappings()]

    def revoke(self, token_id: str, at: datetime) -> None:
        self.connection.execute(
            update(t.api_tokens)
            .where(t.api_tokens.c.id == token_id, t.api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def touch(self, token_id: str, at: datetime) -> None:
        self.connection.execute(
            update(t.api_tokens).where(t.api_tokens.c.id == token_id).values(last_used_at=at)
        )


class SqlIdempotencyStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, user_id: int, key: str) -> StoredResponse | None:
        ik = t.idempotency_keys
        row = (
            self.connection.execute(select(ik).where(ik.c.user_id == user_id, ik.c.key == key))
            .mappings()
            .first()
        )
        return StoredResponse(row["request_hash"], row["status_code"], row["response_body"]) if row else None

    def put(self, user_id: int, key: str, response: StoredResponse, at: datetime) -> None:
        self.connection.execute(
            insert(t.idempotency_keys).values(
                user_id=user_id,
                key=key,
                request_hash=response.request_hash,
                status_code=response.status_code,
                response_body=response.body,
                created_at=at,
            )
        )


class SqlNotificationRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add_all(self, notifications: Sequence[Notification]) -> None:
        if not notifications:
            return
        self.connection.execute(
            insert(t.notifications),
            [
                {
                    "incident_id": n.incident_id,
                    "recipient": n.recipient,
                    "message": n.message,
                    "created_at": n.created_at,
                }
                for n in notifications
            ],
        )

    def for_recipient(self, recipient: str, *, limit: int) -> list[Notification]:
        n = t.notifications
        query = select(n).where(n.c.recipient == recipient).order_by(n.c.id.desc()).limit(limit)
        return [
            Notification(row["incident_id"], row["recipient"], row["message"], row["created_at"], row["id"])
            for row in self.connection.execute(query).mappings()
        ]
