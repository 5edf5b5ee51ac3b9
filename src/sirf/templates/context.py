"""The typed context every communication template renders from (F8).

Plain values only: a template never reaches back into the incident aggregate, so each template is a
pure function of this object and its output can be pinned as a string. ``build.build_context``
fills it from the domain; ``TicketFigures`` is what a ticket integration will add later, and every
figure there is optional because sirf works with no ticket system configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from sirf.domain.errors import ValidationFailed
from sirf.domain.public_state import PublicState
from sirf.domain.regions import Region
from sirf.domain.roles import Role, Team
from sirf.domain.scope import IncidentKind
from sirf.domain.severity import Severity
from sirf.domain.tickets import CsatTrend, QueueHealth, Segment


@dataclass(frozen=True)
class IssueCount:
    issue: str
    reports: int


@dataclass(frozen=True)
class SegmentCount:
    segment: Segment
    reports: int


@dataclass(frozen=True)
class RegionCount:
    region: Region
    count: int


@dataclass(frozen=True)
class TicketFigures:
    """Ticket-system figures for the incident; None (or empty) means "not known"."""

    DERIVED: ClassVar[tuple[str, ...]] = ("csat_trend",)

    active_tickets: int | None = None
    pending_responses: int | None = None
    escalated: int | None = None
    total_tickets: int | None = None
    customers_reporting: int | None = None
    tickets_per_hour: int | None = None
    peak_tickets_per_hour: int | None = None
    current_response_time: timedelta | None = None
    average_response_time: timedelta | None = None
    queue_health: QueueHealth | None = None
    top_issues: tuple[IssueCount, ...] = ()  # most reported first
    segments: tuple[SegmentCount, ...] = ()  # most affected first
    regions: tuple[RegionCount, ...] = ()  # where the reports come from
    engineers_by_region: tuple[RegionCount, ...] = ()  # F8.5: engineers allocated to the incident
    support_staff: int | None = None
    csat_percent: float | None = None
    csat_baseline_percent: float | None = None

    def __post_init__(self) -> None:
        counts = [
            self.active_tickets,
            self.pending_responses,
            self.escalated,
            self.total_tickets,
            self.customers_reporting,
            self.tickets_per_hour,
            self.peak_tickets_per_hour,
            self.support_staff,
            *(item.reports for item in self.top_issues),
            *(item.reports for item in self.segments),
            *(item.count for item in (*self.regions, *self.engineers_by_region)),
        ]
        if any(count is not None and count < 0 for count in counts):
            raise ValidationFailed("ticket figures cannot be negative", field="tickets")

    @property
    def csat_trend(self) -> CsatTrend | None:
        if self.csat_percent is None or self.csat_baseline_percent is None:
            return None
        return CsatTrend.between(self.csat_percent, self.csat_baseline_percent)


@dataclass(frozen=True)
class Action:
    """A critical-path task (F4.2) as the templates show it."""

    title: str
    owner: str
    due_at: datetime | None = None


@dataclass(frozen=True)
class RoleHolder:
    role: Role
    holder: str | None


@dataclass(frozen=True)
class RoleEngagement:
    """F7.1/F7.2 verdict for one role: whether to engage it and the criteria met (descriptions)."""

    role: Role
    engage: bool
    criteria: tuple[str, ...]
    holder: str | None
    proposed: str | None


@dataclass(frozen=True)
class TeamContact:
    team: Team
    contact: str


@dataclass(frozen=True)
class TemplateContext:
    """Everything any F8 template needs, as typed values; times are aware datetimes (UTC when shown)."""

    DERIVED: ClassVar[tuple[str, ...]] = ("status", "resolved")

    incident_number: int
    title: str
    severity: Severity
    public_state: PublicState
    kind: IncidentKind
    detected_at: datetime
    declared_at: datetime
    resolved_at: datetime | None
    duration: timedelta  # detection to resolution, or to ``now`` while unresolved
    affected_services: tuple[str, ...]
    summary: str
    current_actions: tuple[Action, ...]  # open tasks, soonest due first
    completed_actions: tuple[Action, ...]  # tasks done since the last public update
    customers_affected: int | None
    update_number: int
    last_public_update_at: datetime | None
    next_update_at: datetime | None
    update_interval: timedelta | None  # F3.2 cadence for this severity and public state
    sync_interval: timedelta  # F6.1 CMOC-IMOC sync interval
    roles: tuple[RoleHolder, ...]
    engagements: tuple[RoleEngagement, ...]
    teams: tuple[TeamContact, ...]
    region: Region  # the region on shift at ``now``
    handoff_to: Region
    requested_by: str
    now: datetime
    tickets: TicketFigures | None = field(default=None)

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def status(self) -> str:
        """The handbook's status words; sirf cannot tell "On Hold", so that is never chosen for you."""
        return "Resolved" if self.resolved else "In Progress"

    def holder(self, role: Role) -> str | None:
        return next((entry.holder for entry in self.roles if entry.role is role), None)

    def engagement(self, role: Role) -> RoleEngagement | None:
        return next((entry for entry in self.engagements if entry.role is role), None)
