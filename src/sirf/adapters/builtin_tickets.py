"""The built-in ticket store: the ticket-system port for teams without Zendesk.

Its tickets live in sirf's own database (the ``tickets`` table, system ``builtin``), created over
the API. Replies are applied at once, each in its own transaction with its marker as the reply's
identity (a unique key), so a reply sent twice is stored once. Job ids are only remembered in this
process: after a restart an unknown job sends the caller to the marker check, which is exact here.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime

from sirf.domain.tickets import Ticket, TicketStatus
from sirf.services.ports import Clock, UnitOfWork
from sirf.services.ticket_ports import MAX_BATCH, Rating, Reply, ReplyOutcome, TicketSearch
from sirf.services.tickets import BUILTIN

_MAX_REMEMBERED_JOBS = 10_000
SEARCH_PAGE = 1000


class BuiltinTickets:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock, *, author: str = "sirf") -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._author = author
        self._jobs: dict[str, list[ReplyOutcome]] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return BUILTIN

    def search(self, search: TicketSearch) -> Iterator[Ticket]:
        # Words, time and status are filtered by the database; the tag (a JSON list, stored
        # differently by SQLite and PostgreSQL) here, reading on page by page until the limit.
        words, found, offset = search.text.split(), 0, 0
        while found < search.limit:
            uow = self._uow_factory()
            with uow(write=False):
                page = uow.tickets.matching(
                    BUILTIN,
                    words=words,
                    since=search.since,
                    unsolved_only=search.unsolved_only,
                    limit=SEARCH_PAGE,
                    offset=offset,
                )
            for ticket in page:
                if search.tag is None or search.tag in ticket.tags:
                    found += 1
                    yield ticket
                    if found >= search.limit:
                        return
            if len(page) < SEARCH_PAGE:
                return
            offset += SEARCH_PAGE

    def get_many(self, refs: Sequence[str]) -> list[Ticket]:
        uow = self._uow_factory()
        with uow(write=False):
            stored = uow.tickets.by_refs(BUILTIN, list(refs)[:MAX_BATCH])
        return [stored[ref].ticket for ref in refs if ref in stored]

    def add_tags(self, refs: Sequence[str], tags: Sequence[str]) -> None:
        self._retag(refs, lambda current: current | set(tags))

    def remove_tags(self, refs: Sequence[str], tags: Sequence[str]) -> None:
        self._retag(refs, lambda current: current - set(tags))

    def _retag(self, refs: Sequence[str], change: Callable[[frozenset[str]], frozenset[str]]) -> None:
        uow = self._uow_factory()
        with uow(write=True):
            stored = uow.tickets.by_refs(BUILTIN, list(refs))
            uow.tickets.upsert(
                BUILTIN, [replace(s.ticket, tags=change(s.ticket.tags)) for s in stored.values()]
            )
            uow.commit()

    def submit_replies(self, replies: Sequence[Reply]) -> str:
        now = self._clock.now()
        uow = self._uow_factory()
        outcomes: list[ReplyOutcome] = []
        with uow(write=True):
            stored = uow.tickets.by_refs(BUILTIN, [r.ref for r in replies])
            changed: list[Ticket] = []
            for reply in replies:
                found = stored.get(reply.ref)
                if found is None:
                    outcomes.append(ReplyOutcome(reply.ref, ok=False, error="no such ticket"))
                    continue
                ticket = found.ticket
                if reply.updated_stamp is not None and ticket.updated_at != reply.updated_stamp:
                    outcomes.append(ReplyOutcome(reply.ref, ok=False, error="ticket changed", conflict=True))
                    continue
                if ticket.status is TicketStatus.CLOSED:
                    outcomes.append(
                        ReplyOutcome(reply.ref, ok=False, error="closed tickets cannot be updated")
                    )
                    continue
                added = uow.tickets.add_comment(
                    found.id,
                    body=reply.body,
                    public=reply.public,
                    author=self._author,
                    marker=reply.marker_tag,
                    at=now,
                )
                if added:
                    changed.append(_replied(ticket, reply, now))
                outcomes.append(ReplyOutcome(reply.ref, ok=True))
            uow.tickets.upsert(BUILTIN, changed)
            uow.commit()
        job_id = f"builtin-{uuid.uuid4().hex}"
        with self._lock:
            if len(self._jobs) >= _MAX_REMEMBERED_JOBS:
                self._jobs.pop(next(iter(self._jobs)))
            self._jobs[job_id] = outcomes
        return job_id

    def job_outcomes(self, job_ids: Sequence[str]) -> dict[str, list[ReplyOutcome] | None]:
        with self._lock:
            return {
                job: list(self._jobs.pop(job, [ReplyOutcome("", ok=False, error="unknown job (restarted?)")]))
                for job in job_ids
            }

    def organisations(self, ids: Sequence[str]) -> dict[str, str]:
        return {org: org for org in ids}  # built-in tickets name their organisation directly

    def ratings(self, since: datetime) -> Iterator[Rating]:
        uow = self._uow_factory()
        with uow(write=False):
            tickets = uow.tickets.newest(BUILTIN, limit=1_000_000)
        for ticket in tickets:
            if ticket.satisfaction and ticket.satisfaction_at and ticket.satisfaction_at >= since:
                yield Rating(ticket.ref, ticket.satisfaction, ticket.satisfaction_at)


def _replied(ticket: Ticket, reply: Reply, now: datetime) -> Ticket:
    return replace(
        ticket,
        tags=ticket.tags | {reply.marker_tag},
        status=reply.status or (TicketStatus.OPEN if ticket.status is TicketStatus.NEW else ticket.status),
        updated_at=now,
        first_response_at=ticket.first_response_at or (now if reply.public else None),
        last_public_reply_at=now if reply.public else ticket.last_public_reply_at,
    )
