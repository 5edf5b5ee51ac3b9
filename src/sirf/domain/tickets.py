"""Support tickets as sirf sees them, whichever ticket system holds them (Zendesk or built-in).

A ``Ticket`` is a plain snapshot: the ticket system owns it, sirf mirrors what it needs to link
tickets to incidents (F5.1), reply to them in bulk and compute the customer-impact figures (F8.5,
F8.6, F9.4, F9.5). Segment and region are not ticket-system fields: they are derived from tags by
the configured ``TicketPolicy`` when the ticket is mirrored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sirf.domain.errors import ValidationFailed
from sirf.domain.regions import Region

# CSAT within this many percentage points of the baseline counts as stable.
CSAT_STABLE_MARGIN = 2.0


class TicketPriority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @classmethod
    def parse(cls, value: str | None) -> TicketPriority:
        """Zendesk leaves priority empty on many tickets; an empty priority counts as normal."""
        if value is None or not value.strip():
            return cls.NORMAL
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValidationFailed(
                f"unknown ticket priority {value!r}: use urgent, high, normal or low", field="priority"
            ) from None


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    HOLD = "hold"
    SOLVED = "solved"
    CLOSED = "closed"

    @property
    def unsolved(self) -> bool:
        return self not in (TicketStatus.SOLVED, TicketStatus.CLOSED)

    @classmethod
    def parse(cls, value: str) -> TicketStatus:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValidationFailed(
                f"unknown ticket status {value!r}: use new, open, pending, hold, solved or closed",
                field="status",
            ) from None


class Satisfaction(StrEnum):
    """A customer's satisfaction rating; only good and bad count towards CSAT."""

    GOOD = "good"
    BAD = "bad"


class Segment(StrEnum):
    """F8.6 customer segments."""

    ENTERPRISE = "enterprise"
    SMB = "smb"
    PERSONAL = "personal"

    @property
    def label(self) -> str:
        return "SMB" if self is Segment.SMB else self.value.capitalize()


class QueueHealth(StrEnum):
    """F8.5 queue health, as the handbook names it."""

    HEALTHY = "healthy"
    STRAINED = "strained"
    CRITICAL = "critical"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class CsatTrend(StrEnum):
    STABLE = "stable"
    DECLINING = "declining"
    IMPROVING = "improving"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @classmethod
    def between(cls, current: float, baseline: float) -> CsatTrend:
        change = current - baseline
        if abs(change) <= CSAT_STABLE_MARGIN:
            return cls.STABLE
        return cls.IMPROVING if change > 0 else cls.DECLINING


@dataclass(frozen=True)
class Ticket:
    """One ticket. ``ref`` is the ticket system's own id as text (Zendesk's numeric id)."""

    ref: str
    subject: str
    created_at: datetime
    updated_at: datetime
    description: str = ""
    priority: TicketPriority = TicketPriority.NORMAL
    status: TicketStatus = TicketStatus.NEW
    requester: str = ""
    organization: str | None = None
    form: str | None = None
    tags: frozenset[str] = frozenset()
    public: bool = True  # False: a private ticket, never part of a bulk reply
    segment: Segment | None = None
    region: Region | None = None
    escalated: bool = False
    first_response_at: datetime | None = None  # first public reply by an agent
    last_public_reply_at: datetime | None = None  # latest public reply by an agent
    satisfaction: Satisfaction | None = None
    satisfaction_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.ref or len(self.ref) > 64:
            raise ValidationFailed("a ticket reference is 1 to 64 characters", field="ref")
        for moment in (self.created_at, self.updated_at, self.first_response_at, self.satisfaction_at):
            if moment is not None and moment.tzinfo is None:
                raise ValidationFailed("ticket times must carry a time zone", field="created_at")

    @property
    def customer(self) -> str:
        """Who counts as one affected customer: the organisation, else the requester."""
        return self.organization or self.requester


_TAG = re.compile(r"^[a-z0-9_\-./:]{1,80}$")


def check_tag(tag: str) -> str:
    """Zendesk tags are lower-case words without spaces; keep ours inside what every system accepts."""
    if not _TAG.match(tag):
        raise ValidationFailed(
            f"{tag!r} is not a valid ticket tag: "
            "use 1-80 lower-case letters, digits, '_', '-', '.', '/' or ':'",
            field="tag",
        )
    return tag


def incident_tag(convention: str, incident_id: int) -> str:
    """The incident's tag from the configured convention, e.g. ``incident_{id}`` -> ``incident_42``."""
    if "{id}" not in convention:
        raise ValidationFailed(
            "the incident tag convention must contain {id}", field="tickets.tag_convention"
        )
    return check_tag(convention.replace("{id}", str(incident_id)))


@dataclass(frozen=True)
class TagClassifier:
    """Derives a ticket's segment, region and escalation from its tags (configurable per team:
    GitLab's plan tags ``sub_dotcom_ultimate``... map to Enterprise, for example)."""

    segment_tags: Mapping[Segment, frozenset[str]] = field(
        default_factory=lambda: {
            Segment.ENTERPRISE: frozenset({"segment_enterprise"}),
            Segment.SMB: frozenset({"segment_smb"}),
            Segment.PERSONAL: frozenset({"segment_personal"}),
        }
    )
    region_tags: Mapping[Region, frozenset[str]] = field(
        default_factory=lambda: {region: frozenset({f"region_{region.value}"}) for region in Region}
    )
    escalation_tags: frozenset[str] = frozenset({"escalated"})

    def segment(self, tags: Iterable[str]) -> Segment | None:
        present = set(tags)
        return next((s for s in Segment if self.segment_tags.get(s, frozenset()) & present), None)

    def region(self, tags: Iterable[str]) -> Region | None:
        present = set(tags)
        return next((r for r in Region if self.region_tags.get(r, frozenset()) & present), None)

    def escalated(self, tags: Iterable[str]) -> bool:
        return bool(self.escalation_tags & set(tags))
