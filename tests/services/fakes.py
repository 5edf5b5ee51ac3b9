"""In-memory fakes of the service ports (DESIGN.md rule 3), behaving like the SQL adapters.

All state lives in one ``FakeStore``. The outermost ``with uow(write=...)`` deep-copies the
committed store; the repositories work on that copy and ``commit()`` makes it the committed store.
Leaving the outermost block without ``commit()`` drops the copy, which is a rollback. Nested
blocks join the outer transaction and their ``commit()`` does nothing, like ``SqlUnitOfWork``.

The fakes are stricter than SQL where strictness finds bugs in use cases: they refuse a write in a
read-only transaction, any use of a repository outside a transaction or after its commit, a save
of an incident not loaded in the same transaction, and duplicate or dangling keys (the SQL schema's
unique and foreign-key constraints).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType

from sirf.domain.accounts import ApiToken, User
from sirf.domain.errors import Conflict, PreconditionFailed
from sirf.domain.events import Event
from sirf.domain.incident import Incident
from sirf.domain.lifecycle import Phase
from sirf.domain.reminders import Reminder, ReminderKind, ReminderState
from sirf.domain.timeline import TimelineEntry
from sirf.services.ports import (
    Clock,
    IdempotencyStore,
    IncidentPage,
    IncidentQuery,
    IncidentRepository,
    Notification,
    NotificationRepository,
    ReminderStore,
    StoredResponse,
    TokenRepository,
    UnitOfWork,
    UserRepository,
)
from sirf.services.ticket_store import IncidentTag, TicketStore

# A weekday morning inside the default EMEA shift (07-15 UTC).
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeClock(Clock):
    """A clock that moves only when a test says so."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


class ConstraintViolation(Exception):
    """What the database would raise for a unique or foreign-key violation."""


@dataclass
class FakeStore:
    """Everything the fakes hold; compare two deep copies to see whether anything changed."""

    incidents: dict[int, Incident] = field(default_factory=dict)
    timelines: dict[int, list[TimelineEntry]] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    tokens: dict[str, ApiToken] = field(default_factory=dict)
    idempotency: dict[tuple[int, str], tuple[StoredResponse, datetime]] = field(default_factory=dict)
    notifications: list[Notification] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    ticket_tags: dict[int, IncidentTag] = field(default_factory=dict)
    last_incident_id: int = 0

    def timeline(self, incident_id: int) -> list[TimelineEntry]:
        return list(self.timelines.get(incident_id, []))

    def event_types(self, incident_id: int) -> list[str]:
        return [entry.type for entry in self.timelines.get(incident_id, [])]

    def notifications_for(self, recipient: str) -> list[Notification]:
        return [n for n in self.notifications if n.recipient == recipient]


class _Transaction:
    """The working copy of one outermost unit of work, and whether it may still be used."""

    def __init__(self, store: FakeStore, *, write: bool) -> None:
        self.store = store
        self.write = write
        self.finished = False
        self.incidents = FakeIncidentRepository(store, self)
        self.users = FakeUserRepository(store, self)
        self.tokens = FakeTokenRepository(store, self)
        self.idempotency = FakeIdempotencyStore(store, self)
        self.notifications = FakeNotificationRepository(store, self)
        self.reminders = FakeReminderStore(store, self)
        self.tickets = FakeTicketStore(store, self)

    def check(self, *, write: bool) -> None:
        if self.finished:
            raise RuntimeError("repository used after its unit of work committed or ended")
        if write and not self.write:
            raise RuntimeError("a write inside a read-only unit of work (use uow(write=True))")


# ----- incidents ----------------------------------------------------------------------------------


def _stored(incident: Incident) -> Incident:
    snapshot = copy.deepcopy(incident)
    snapshot.pending = []
    return snapshot


def _order_key(incident: Incident) -> tuple[int, int, int]:
    """F4.1 customer first: most customers affected (unknown counts as 0), most severe, newest."""
    return (-(incident.facts.customers_affected or 0), incident.severity.value, -incident.id)


def _cursor(incident: Incident) -> tuple[int, int, int]:
    return (incident.facts.customers_affected or 0, incident.severity.value, incident.id)


STATUS_FILTERS: dict[str, Callable[[Incident], bool]] = {
    "active": lambda incident: incident.active,
    "resolved": lambda incident: incident.phase is Phase.RESOLUTION,
    "closed": lambda incident: incident.phase is Phase.CLOSURE,
}


def _matches(incident: Incident, query: IncidentQuery) -> bool:
    status = STATUS_FILTERS.get(query.status)
    return (
        (status is None or status(incident))
        and (query.severity is None or incident.severity is query.severity)
        and (not query.kind or incident.kind.value == query.kind)
        and (query.phase is None or incident.phase is query.phase)
    )


def _listed(incident: Incident) -> Incident:
    """What the SQL list query loads: the incident row plus its active role assignments only."""
    listed = _stored(incident)
    listed.assignments = [a for a in listed.assignments if a.active]
    listed.tasks, listed.attestations, listed.teams = {}, {}, {}
    return listed


class FakeIncidentRepository(IncidentRepository):
    def __init__(self, store: FakeStore, transaction: _Transaction) -> None:
        self._store = store
        self._tx = transaction
        self._loaded: set[int] = set()

    def add(self, incident: Incident) -> int:
        self._tx.check(write=True)
        events = incident.take_events()
        self._store.last_incident_id += 1
        incident.id = self._store.last_incident_id
        incident.version = 1
        self._store.incidents[incident.id] = _stored(incident)
        self._store.timelines[incident.id] = []
        self._loaded.add(incident.id)
        self._append(incident.id, events)
        return incident.id

    def get(self, incident_id: int, *, for_update: bool = False, roles_only: bool = False) -> Incident | None:
        self._tx.check(write=False)
        stored = self._store.incidents.get(incident_id)
        if stored is None:
            return None
        if roles_only:
            return _listed(stored)  # like SQL: the row and the current role holders, nothing else
        self._loaded.add(incident_id)
        return _stored(stored)

    def append(
        self, incident_id: int, events: list[Event], *, expected_version: int | None
    ) -> tuple[int, int]:
        self._tx.check(write=True)
        stored = self._store.incidents[incident_id]
        if expected_version is not None and stored.version != expected_version:
            raise PreconditionFailed(f"incident #{incident_id} is no longer at version {expected_version}")
        stored.version += 1
        first = len(self._store.timelines[incident_id]) + 1
        self._append(incident_id, events)
        return first, stored.version

    def save(self, incident: Incident) -> None:
        self._tx.check(write=True)
        if incident.id not in self._loaded:
            raise RuntimeError(f"incident #{incident.id} saved without being loaded in this unit of work")
        if self._store.incidents[incident.id].version != incident.version:
            raise Conflict(f"incident #{incident.id} changed while this request ran; retry it")
        events = incident.take_events()
        incident.version += 1
        self._store.incidents[incident.id] = _stored(incident)
        self._append(incident.id, events)

    def _append(self, incident_id: int, events: list[Event]) -> None:
        timeline = self._store.timelines[incident_id]
        for event in events:
            # Through JSON, as the database stores it: the payload must be plain data.
            data = json.loads(json.dumps(event.payload()))
            timeline.append(
                TimelineEntry(incident_id, len(timeline) + 1, event.type, event.actor, event.at, data)
            )

    def find(self, query: IncidentQuery) -> IncidentPage:
        self._tx.check(write=False)
        found = sorted(
            (i for i in self._store.incidents.values() if _matches(i, query)),
            key=_order_key,
        )
        if query.after is not None:
            customers, severity, incident_id = query.after
            after = (-customers, severity, -incident_id)
            found = [i for i in found if _order_key(i) > after]
        page = found[: query.limit + 1]
        items = [_listed(i) for i in page[: query.limit]]
        more = len(page) > query.limit and bool(items)
        return IncidentPage(items, _cursor(page[query.limit - 1]) if more else None)

    def timeline(self, incident_id: int, *, after: int, limit: int) -> list[TimelineEntry]:
        self._tx.check(write=False)
        entries = [e for e in self._store.timelines.get(incident_id, []) if e.seq > after]
        return entries[:limit]

    def last_entry(self, incident_id: int) -> TimelineEntry | None:
        self._tx.check(write=False)
        entries = self._store.timelines.get(incident_id, [])
        return entries[-1] if entries else None


# ----- people, tokens, idempotency, notifications ------------------------------------------------


class FakeUserRepository(UserRepository):
    def __init__(self, store: FakeStore, transaction: _Transaction) -> None:
        self._store = store
        self._tx = transaction

    def add(self, user: User) -> User:
        self._tx.check(write=True)
        if self._by_username(user.username) is not None:
            raise ConstraintViolation(f"users.username {user.username!r} is not unique")
        user_id = max(self._store.users, default=0) + 1
        stored = User(user_id, user.username, user.display_name, user.org_role, user.created_at)
        self._store.users[user_id] = stored
        return stored

    def _by_username(self, username: str) -> User | None:
        return next((u for u in self._store.users.values() if u.username == username), None)

    def get_by_username(self, username: str) -> User | None:
        self._tx.check(write=False)
        return self._by_username(username)

    def get_by_id(self, user_id: int) -> User | None:
        self._tx.check(write=False)
        return self._store.users.get(user_id)

    def all(self) -> list[User]:
        self._tx.check(write=False)
        return sorted(self._store.users.values(), key=lambda u: u.username)

    def count(self) -> int:
        self._tx.check(write=False)
        return len(self._store.users)


class FakeTokenRepository(TokenRepository):
    def __init__(self, store: FakeStore, transaction: _Transaction) -> None:
        self._store = store
        self._tx = transaction

    def add(self, token: ApiToken) -> None:
        self._tx.check(write=True)
        if token.id in self._store.tokens:
            raise ConstraintViolation(f"api_tokens.id {token.id!r} is not unique")
        if token.user_id not in self._store.users:
            raise ConstraintViolation(f"api_tokens.user_id {token.user_id} names no user")
        # Only these columns are inserted; last use and revocation start empty.
        self._store.tokens[token.id] = ApiToken(
            token.id, token.user_id, token.name, token.token_hash, token.created_at
        )

    def get(self, token_id: str) -> ApiToken | None:
        self._tx.check(write=False)
        return self._store.tokens.get(token_id)

    def get_with_owner(self, token_id: str) -> tuple[ApiToken, User] | None:
        token = self.get(token_id)
        owner = self._store.users.get(token.user_id) if token else None
        return (token, owner) if token and owner else None

    def all(self, user_id: int | None) -> list[ApiToken]:
        self._tx.check(write=False)
        tokens = [t for t in self._store.tokens.values() if user_id is None or t.user_id == user_id]
        return sorted(tokens, key=lambda t: t.created_at)

    def revoke(self, token_id: str, at: datetime) -> None:
        self._tx.check(write=True)
        token = self._store.tokens.get(token_id)
        if token is not None and token.revoked_at is None:
            self._store.tokens[token_id] = replace(token, revoked_at=at)

    def touch(self, token_id: str, at: datetime) -> None:
        self._tx.check(write=True)
        token = self._store.tokens.get(token_id)
        if token is not None:
            self._store.tokens[token_id] = replace(token, last_used_at=at)


class FakeIdempotencyStore(IdempotencyStore):
    def __init__(self, store: FakeStore, transaction: _Transaction) -> None:
        self._store = store
        self._tx = transaction

    def get(self, user_id: int, key: str) -> StoredResponse | None:
        self._tx.check(write=False)
        stored = self._store.idempotency.get((user_id, key))
        return stored[0] if stored else None

    def put(self, user_id: int, key: str, response: StoredResponse, at: datetime) -> None:
        self._tx.check(write=True)
        if (user_id, key) in self._store.idempotency:
            raise ConstraintViolation(f"idempotency key {key!r} of user {user_id} is not unique")
        self._store.idempotency[(user_id, key)] = (response, at)


class FakeNotificationRepository(NotificationRepository):
    def __init__(self, store: FakeStore, transaction: _Transaction) -> None:
        self._store = store
        self._tx = transaction

    def add_all(self, notifications: Sequence[Notification]) -> None:
        self._tx.check(write=True)
        for notification in notifications:
            if notification.incident_id not in self._store.incidents:
                raise ConstraintViolation(f"notification for missing incident #{notification.incident_id}")
            next_id = len(self._store.notifications) + 1
            self._store.notifications.append(replace(notification, id=next_id))

    def for_recipient(self, recipient: str, *, limit: int) -> list[Notification]:
        self._tx.check(write=False)
        mine = [n for n in self._store.notifications if n.recipient == recipient]
        return sorted(mine, key=lambda n: n.id, reverse=True)[:limit]


class FakeReminderStore(ReminderStore):
    def __init__(self, store: FakeStore, transaction: _Transaction) -> None:
        self._store = store
        self._tx = transaction

    def schedule(self, incident_id: int, kind: ReminderKind, due_at: datetime, at: datetime) -> None:
        self._tx.check(write=True)
        if any(
            (r.incident_id, r.kind, r.due_at) == (incident_id, kind, due_at) for r in self._store.reminders
        ):
            return
        reminder = Reminder(
            len(self._store.reminders) + 1, incident_id, kind, due_at, ReminderState.PENDING, at
        )
        self._store.reminders.append(reminder)

    def cancel_pending(self, incident_id: int, kinds: tuple[ReminderKind, ...]) -> None:
        self._tx.check(write=True)
        self._store.reminders = [
            replace(r, state=ReminderState.CANCELLED)
            if r.incident_id == incident_id and r.kind in kinds and r.state is ReminderState.PENDING
            else r
            for r in self._store.reminders
        ]

    def any_due(self, *, now: datetime) -> bool:
        self._tx.check(write=False)
        return any(r.state is ReminderState.PENDING and r.due_at <= now for r in self._store.reminders)

    def claim_due(self, *, now: datetime, limit: int) -> list[Reminder]:
        self._tx.check(write=True)
        due = [r for r in self._store.reminders if r.state is ReminderState.PENDING and r.due_at <= now]
        return sorted(due, key=lambda r: r.due_at)[:limit]

    def mark_fired(self, reminder_id: int, *, at: datetime, by: str) -> None:
        self._tx.check(write=True)
        self._store.reminders = [
            replace(r, state=ReminderState.FIRED, fired_at=at, fired_by=by)
            if r.id == reminder_id and r.state is ReminderState.PENDING
            else r
            for r in self._store.reminders
        ]

    def for_incident(self, incident_id: int) -> list[Reminder]:
        self._tx.check(write=False)
        return [r for r in self._store.reminders if r.incident_id == incident_id]


class FakeTicketStore(TicketStore):
    """Only the incident tag's lifecycle: the ticket use cases themselves are tested on real databases."""

    def __init__(self, store: FakeStore, transaction: _Transaction) -> None:
        self._store = store
        self._tx = transaction

    def add_tag(self, incident_id: int, tag: str, at: datetime) -> None:
        self._tx.check(write=True)
        if any(t.tag == tag for t in self._store.ticket_tags.values()):
            raise AssertionError(f"tag {tag} is taken")
        self._store.ticket_tags[incident_id] = IncidentTag(incident_id, tag, None, at, None)

    def tag_of(self, incident_id: int) -> IncidentTag | None:
        self._tx.check(write=False)
        return self._store.ticket_tags.get(incident_id)

    def retire_tag(self, incident_id: int, at: datetime) -> None:
        self._tx.check(write=True)
        tag = self._store.ticket_tags[incident_id]
        self._store.ticket_tags[incident_id] = replace(tag, retired_at=tag.retired_at or at)

    def linked_count(self, incident_id: int) -> int:
        self._tx.check(write=False)
        return 0


# ----- the unit of work ---------------------------------------------------------------------------


class FakeUnitOfWork(UnitOfWork):
    """One transaction at a time over a ``FakeStore``; ``commits`` counts outermost commits.

    ``store`` is the committed state and is replaced on each commit: read ``uow.store`` afresh
    after a use case rather than keeping a reference from before it.
    """

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store if store is not None else FakeStore()
        self.commits = 0
        self.rollbacks = 0
        self._requested_write = False
        self._depth = 0
        self._tx: _Transaction | None = None

    def _current(self) -> _Transaction:
        if self._tx is None:
            raise RuntimeError("repositories are only available inside `with uow(write=...)`")
        return self._tx

    @property
    def incidents(self) -> FakeIncidentRepository:
        return self._current().incidents

    @property
    def users(self) -> FakeUserRepository:
        return self._current().users

    @property
    def tokens(self) -> FakeTokenRepository:
        return self._current().tokens

    @property
    def idempotency(self) -> FakeIdempotencyStore:
        return self._current().idempotency

    @property
    def notifications(self) -> FakeNotificationRepository:
        return self._current().notifications

    @property
    def reminders(self) -> FakeReminderStore:
        return self._current().reminders

    @property
    def tickets(self) -> FakeTicketStore:
        return self._current().tickets

    def __call__(self, *, write: bool) -> FakeUnitOfWork:
        self._requested_write = write
        return self

    def __enter__(self) -> FakeUnitOfWork:
        write, self._requested_write = self._requested_write, False
        if self._depth > 0:
            if write and not self._current().write:
                raise RuntimeError("a write was nested inside a read-only unit of work")
            self._depth += 1
            return self
        self._tx = _Transaction(copy.deepcopy(self.store), write=write)
        self._depth = 1
        return self

    def commit(self) -> None:
        transaction = self._current()
        if self._depth > 1:
            return  # a nested block joins the outer transaction; only the outermost commits
        transaction.check(write=False)
        transaction.finished = True
        self.store = transaction.store
        self.commits += 1

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        transaction = self._current()
        if not transaction.finished:
            transaction.finished = True
            self.rollbacks += 1
        self._tx = None
