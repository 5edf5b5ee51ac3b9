"""What the ticket use cases need from storage: the ticket mirror with links and incident tags
(``TicketStore``), and the work queues: vendor tag operations, the webhook inbox and the bulk-reply
ledger (``TicketWork``). The SQL adapters implement both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sirf.domain.bulk_reply import ItemState, ReplySource, RunState
from sirf.domain.linking import LinkRule
from sirf.domain.tickets import Ticket, TicketStatus


@dataclass(frozen=True)
class StoredTicket:
    id: int
    ticket: Ticket


@dataclass(frozen=True)
class IncidentTag:
    incident_id: int
    tag: str
    rule: LinkRule | None
    created_at: datetime
    retired_at: datetime | None

    @property
    def active(self) -> bool:
        return self.retired_at is None


@dataclass(frozen=True)
class TagOp:
    id: int
    incident_id: int
    action: str
    tag: str
    refs: tuple[str, ...]
    attempts: int


@dataclass(frozen=True)
class InboxItem:
    id: int
    source: str
    delivery_id: str
    event_type: str
    body: str


@dataclass(frozen=True)
class BulkRun:
    id: int
    incident_id: int
    source: ReplySource
    source_ref: str
    body: str
    public: bool
    status_change: TicketStatus | None
    state: RunState
    created_by: str
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class LedgerItem:
    ticket_id: int
    ref: str
    state: ItemState
    job_id: str | None
    attempts: int
    updated_at: datetime


class TicketStore(Protocol):
    def upsert(self, system: str, tickets: Sequence[Ticket]) -> dict[str, int]: ...
    def ids(self, system: str, refs: Sequence[str]) -> dict[str, int]: ...
    def get(self, system: str, ref: str) -> StoredTicket | None: ...
    def by_refs(self, system: str, refs: Sequence[str]) -> dict[str, StoredTicket]: ...
    def created_between(self, system: str, start: datetime, end: datetime) -> list[Ticket]: ...
    def newest(self, system: str, *, limit: int, since: datetime | None = None) -> list[Ticket]: ...
    def set_satisfaction(self, system: str, ratings: Sequence[tuple[str, str, datetime]]) -> int: ...
    def systems(self) -> list[str]: ...
    def matching(
        self,
        system: str,
        *,
        words: Sequence[str],
        since: datetime | None,
        unsolved_only: bool,
        limit: int,
        offset: int = 0,
    ) -> list[Ticket]: ...
    def next_builtin_ref(self) -> str: ...
    def satisfaction_counts(
        self, system: str | None, since: datetime, *, excluding_incident: int | None = None
    ) -> tuple[int, int]: ...
    def link(
        self, incident_id: int, ticket_ids: Sequence[int], *, reason: str, by: str, at: datetime
    ) -> list[int]: ...
    def linked_among(self, incident_id: int, ticket_ids: Sequence[int]) -> set[int]: ...
    def unlink(self, incident_id: int, ticket_ids: Sequence[int]) -> int: ...
    def linked_count(self, incident_id: int) -> int: ...
    def linked_counts(self, incident_ids: Sequence[int]) -> dict[int, int]: ...
    def linked(
        self, incident_id: int, *, limit: int | None = None, offset: int = 0, unsolved_only: bool = False
    ) -> list[StoredTicket]: ...
    def incidents_of(self, ticket_id: int) -> list[int]: ...
    def add_tag(self, incident_id: int, tag: str, at: datetime) -> None: ...
    def tag_of(self, incident_id: int) -> IncidentTag | None: ...
    def tag_owner(self, tag: str) -> int | None: ...
    def active_tags(self) -> list[IncidentTag]: ...
    def set_rule(self, incident_id: int, rule: LinkRule | None) -> None: ...
    def retire_tag(self, incident_id: int, at: datetime) -> None: ...
    def add_comment(
        self, ticket_id: int, *, body: str, public: bool, author: str, marker: str | None, at: datetime
    ) -> bool: ...
    def comments(self, ticket_id: int) -> list[dict[str, Any]]: ...
    def marker_counts(self, marker: str) -> dict[int, int]: ...


class TicketWork(Protocol):
    def enqueue_tag_op(
        self, *, incident_id: int, action: str, tag: str, refs: Sequence[str], at: datetime
    ) -> None: ...
    def any_tag_op_due(self, *, now: datetime) -> bool: ...
    def claim_tag_ops(self, *, now: datetime, limit: int, lease: timedelta) -> list[TagOp]: ...
    def finish_tag_op(self, op_id: int, *, state: str, at: datetime, error: str | None = None) -> None: ...
    def retry_tag_op(self, op_id: int, *, at: datetime, error: str) -> None: ...
    def pending_tag_ops(self, incident_id: int) -> int: ...
    def accept(self, *, source: str, delivery_id: str, event_type: str, body: str, at: datetime) -> bool: ...
    def any_inbox_pending(self) -> bool: ...
    def peek_inbox(self, *, limit: int) -> list[InboxItem]: ...
    def claim_inbox(self, *, limit: int) -> list[InboxItem]: ...
    def finish_inbox(self, item_id: int, *, state: str, at: datetime, error: str | None = None) -> None: ...
    def inbox_counts(self) -> dict[str, int]: ...
    def create_run(
        self,
        *,
        incident_id: int,
        source: ReplySource,
        source_ref: str,
        body: str,
        public: bool,
        status_change: TicketStatus | None,
        created_by: str,
        at: datetime,
    ) -> int: ...
    def add_items(
        self, run_id: int, items: Sequence[tuple[int, str, ItemState, str | None]], at: datetime
    ) -> None: ...
    def run(self, run_id: int) -> BulkRun | None: ...
    def runs_for(self, incident_id: int) -> list[BulkRun]: ...
    def replied_refs(self, incident_id: int, source: ReplySource, source_ref: str) -> set[str]: ...
    def claim_run(self, *, now: datetime, lease: timedelta, worker: str) -> BulkRun | None: ...
    def any_run_due(self, *, now: datetime, worker: str | None = None) -> bool: ...
    def extend_lease(self, run_id: int, *, until: datetime, worker: str) -> bool: ...
    def release_run(self, run_id: int, worker: str) -> None: ...
    def finish_run(self, run_id: int, *, state: RunState, at: datetime) -> None: ...
    def items(self, run_id: int, states: Sequence[ItemState], *, limit: int) -> list[LedgerItem]: ...
    def all_items(
        self, run_id: int, *, limit: int, offset: int = 0
    ) -> list[tuple[LedgerItem, str | None]]: ...
    def set_items(
        self,
        run_id: int,
        ticket_ids: Sequence[int],
        *,
        state: ItemState,
        at: datetime,
        job_id: str | None = None,
        reason: str | None = None,
        count_attempt: bool = False,
        only_from: Sequence[ItemState] | None = None,
    ) -> int: ...
    def counts(self, run_id: int) -> dict[ItemState, int]: ...
