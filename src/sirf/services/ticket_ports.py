"""The ticket-system port: what sirf asks of Zendesk, or of its built-in ticket store.

Every call may fail with ``DeliveryFailed`` (retryable or not, with the vendor's Retry-After), the
same error the publishing channels raise, so the worker treats both alike.

Replies carry a ``marker_tag``: the system adds it to the ticket in the same change as the comment.
After a crash, a ticket that carries the marker has had that reply, so it is never sent twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sirf.domain.tickets import Satisfaction, Ticket, TicketStatus
from sirf.services.publishing import DeliveryFailed

__all__ = ["DeliveryFailed", "Rating", "Reply", "ReplyOutcome", "TicketSearch", "TicketSystem"]

# Zendesk's update_many takes at most 100 tickets; the built-in store uses the same chunk size.
MAX_BATCH = 100


@dataclass(frozen=True)
class TicketSearch:
    """Tickets whose subject or description holds every word of ``text`` (any case), created at or
    after ``since``, optionally only unsolved ones or ones carrying ``tag``."""

    text: str = ""
    since: datetime | None = None
    tag: str | None = None
    unsolved_only: bool = False
    limit: int = 1000


@dataclass(frozen=True)
class Reply:
    ref: str
    body: str
    marker_tag: str
    public: bool = True
    status: TicketStatus | None = None  # optional status change with the reply (open, solved, ...)


@dataclass(frozen=True)
class ReplyOutcome:
    ref: str
    ok: bool
    error: str | None = None  # why the system refused this one ticket (the others may succeed)


@dataclass(frozen=True)
class Rating:
    ref: str
    score: Satisfaction
    at: datetime


class TicketSystem(Protocol):
    @property
    def name(self) -> str: ...

    def search(self, search: TicketSearch) -> Iterator[Ticket]:
        """Matching tickets, newest first, at most ``search.limit``."""
        ...

    def get_many(self, refs: Sequence[str]) -> list[Ticket]:
        """The tickets named (at most MAX_BATCH); unknown refs are left out."""
        ...

    def add_tags(self, refs: Sequence[str], tags: Sequence[str]) -> None:
        """Add ``tags`` to each ticket (at most MAX_BATCH), keeping the tags it has."""
        ...

    def remove_tags(self, refs: Sequence[str], tags: Sequence[str]) -> None: ...

    def reply(self, replies: Sequence[Reply]) -> list[ReplyOutcome]:
        """Post each reply (at most MAX_BATCH) with its marker tag and status change; returns when
        the system has applied them, one outcome per reply."""
        ...

    def ratings(self, since: datetime) -> Iterator[Rating]:
        """Satisfaction ratings given at or after ``since``."""
        ...
