"""The small interfaces the use cases depend on; adapters implement them, tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol

from sirf.domain.accounts import ApiToken, User
from sirf.domain.incident import Incident
from sirf.domain.lifecycle import Phase
from sirf.domain.severity import Severity
from sirf.domain.timeline import TimelineEntry


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class IncidentQuery:
    status: str = "active"  # active | resolved | closed | all
    severity: Severity | None = None
    kind: str | None = None
    phase: Phase | None = None
    limit: int = 50
    after: tuple[int, int, int] | None = None  # keyset cursor: (customers_affected, severity, id)


@dataclass(frozen=True)
class IncidentPage:
    items: list[Incident]
    next_after: tuple[int, int, int] | None


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status_code: int
    body: str


@dataclass(frozen=True)
class Notification:
    incident_id: int
    recipient: str
    message: str
    created_at: datetime
    id: int = 0


class IncidentRepository(Protocol):
    def add(self, incident: Incident) -> int: ...
    def get(self, incident_id: int, *, for_update: bool = False) -> Incident | None: ...
    def save(self, incident: Incident) -> None: ...
    def find(self, query: IncidentQuery) -> IncidentPage: ...
    def timeline(self, incident_id: int, *, after: int, limit: int) -> list[TimelineEntry]: ...
    def last_entry(self, incident_id: int) -> TimelineEntry | None: ...


class UserRepository(Protocol):
    def add(self, user: User) -> User: ...
    def get_by_username(self, username: str) -> User | None: ...
    def get_by_id(self, user_id: int) -> User | None: ...
    def all(self) -> list[User]: ...
    def count(self) -> int: ...


class TokenRepository(Protocol):
    def add(self, token: ApiToken) -> None: ...
    def get(self, token_id: str) -> ApiToken | None: ...
    def all(self, user_id: int | None) -> list[ApiToken]: ...
    def revoke(self, token_id: str, at: datetime) -> None: ...
    def touch(self, token_id: str, at: datetime) -> None: ...


class IdempotencyStore(Protocol):
    def get(self, user_id: int, key: str) -> StoredResponse | None: ...
    def put(self, user_id: int, key: str, response: StoredResponse, at: datetime) -> None: ...


class NotificationRepository(Protocol):
    def add_all(self, notifications: Sequence[Notification]) -> None: ...
    def for_recipient(self, recipient: str, *, limit: int) -> list[Notification]: ...


class UnitOfWork(Protocol):
    """One transaction. Nested ``with`` blocks join the outer one; only the outermost commits.

    ``write=True`` declares the intent to write up front (SQLite takes its write lock at BEGIN).
    Leaving the outermost block without ``commit()`` rolls back.
    """

    @property
    def incidents(self) -> IncidentRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def tokens(self) -> TokenRepository: ...
    @property
    def idempotency(self) -> IdempotencyStore: ...
    @property
    def notifications(self) -> NotificationRepository: ...

    def __call__(self, *, write: bool) -> UnitOfWork: ...
    def __enter__(self) -> UnitOfWork: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
