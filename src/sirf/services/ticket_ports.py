"""The ticket-system port: what sirf asks of Zendesk, or of its built-in ticket store.

Every call may fail with ``DeliveryFailed`` (retryable or not, with the vendor's Retry-After), the
same error the publishing channels raise, so the worker treats both alike.

Bulk replies are pipelined, because the rate budget, not latency, bounds how fast 20,000 tickets
can be answered: ``submit_replies`` hands one batch (at most ``MAX_BATCH``) to the system and
returns a job id at once, and ``job_outcomes`` later asks about many jobs in one call. A caller
keeps several jobs in flight and polls them together instead of waiting for each batch in turn.

Two guards make a reply that is sent again (after a crash, a timeout, a lost answer) harmless:

- ``marker_tag``: the system adds it to the ticket in the same change as the comment, so a ticket
  that carries the marker has had that reply;
- ``updated_stamp``: the ticket's ``updated_at`` as the caller last saw it. The system refuses the
  change if the ticket changed since (Zendesk's ``safe_update``), and the outcome says
  ``conflict=True``: the caller re-reads the ticket and checks for its marker before trying again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sirf.domain.tickets import Satisfaction, Ticket, TicketStatus
from sirf.services.publishing import DeliveryFailed

__all__ = [
    "MAX_BATCH",
    "DeliveryFailed",
    "Rating",
    "Reply",
    "ReplyOutcome",
    "TicketSearch",
    "TicketSystem",
]

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
    # The ticket's updated_at as last read: the system refuses the reply if the ticket changed since,
    # which is what makes re-sending a reply whose first attempt may have landed safe.
    updated_stamp: datetime | None = None


@dataclass(frozen=True)
class ReplyOutcome:
    """What became of one reply. ``ref`` is ``""`` only when the system could not say which tickets
    a failed or forgotten job held (see ``TicketSystem.job_outcomes``)."""

    ref: str
    ok: bool
    error: str | None = None  # why the system refused this one ticket (the others may succeed)
    conflict: bool = False  # refused because the ticket changed after ``updated_stamp``


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
        """Add ``tags`` to each ticket (at most MAX_BATCH), keeping the tags it has. Returns when the
        change is applied; raises ``DeliveryFailed`` naming the tickets it could not change."""
        ...

    def remove_tags(self, refs: Sequence[str], tags: Sequence[str]) -> None: ...

    def submit_replies(self, replies: Sequence[Reply]) -> str:
        """Hand over one batch of replies (1 to MAX_BATCH, one per ticket), each with its marker tag,
        status change and ``updated_stamp``; returns the job id to pass to ``job_outcomes``. Returns
        before the replies are applied."""
        ...

    def job_outcomes(self, job_ids: Sequence[str]) -> dict[str, list[ReplyOutcome] | None]:
        """For each job id: ``None`` while the job is still queued or running, else one outcome
        per ticket of the job.

        A job that failed, or that the system no longer knows (expired, lost), gives ``ok=False``
        outcomes with the reason; when the system cannot even say which tickets the job held, the
        list is one outcome with ``ref=""``. Either way, every ticket of that batch without an ok
        outcome is unknown, not unreplied: the caller re-reads it and looks for its marker tag.
        """
        ...

    def organisations(self, ids: Sequence[str]) -> dict[str, str]:
        """Organisation id -> name for the ids given; unknown ids are left out."""
        ...

    def ratings(self, since: datetime) -> Iterator[Rating]:
        """Satisfaction ratings given at or after ``since``."""
        ...
