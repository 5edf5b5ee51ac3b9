"""Typed timeline events. Every change to an incident records one; the timeline is these, in order.

Events are immutable facts. ``payload()`` turns one into plain JSON-ready data for storage; the
timeline never edits or deletes them, a correction is a new event.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from enum import Enum
from typing import Any, ClassVar


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    type: ClassVar[str] = "event"
    at: datetime
    actor: str

    def payload(self) -> dict[str, Any]:
        return {
            field.name: _plain(getattr(self, field.name))
            for field in dataclasses.fields(self)
            if field.name not in ("at", "actor")
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        # The API's one time format: ISO 8601 in UTC with a "Z" (times in the domain are aware).
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentDeclared(Event):
    type: ClassVar[str] = "incident.declared"
    title: str
    kind: str
    severity: int
    source: str
    detected_at: datetime
    region: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class ScopeOverridden(Event):
    type: ClassVar[str] = "incident.scope_overridden"
    reported_kind: str
    reason: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class SeverityChanged(Event):
    type: ClassVar[str] = "incident.severity_changed"
    previous: int
    severity: int
    reason: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class PhaseChanged(Event):
    type: ClassVar[str] = "incident.phase_changed"
    previous: str
    phase: str
    reason: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class IncidentReopened(Event):
    type: ClassVar[str] = "incident.reopened"
    reason: str
    times_reopened: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoleAssigned(Event):
    type: ClassVar[str] = "role.assigned"
    role: str
    holder: str
    previous_holder: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class RoleReleased(Event):
    type: ClassVar[str] = "role.released"
    role: str
    holder: str
    criteria: list[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImpactUpdated(Event):
    type: ClassVar[str] = "impact.updated"
    changes: dict[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class EngagementProposed(Event):
    type: ClassVar[str] = "engagement.proposed"
    role: str
    proposed: str | None
    criteria: list[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class CriterionAttested(Event):
    type: ClassVar[str] = "release.attested"
    criterion: str
    note: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaskAdded(Event):
    type: ClassVar[str] = "task.added"
    number: int
    title: str
    owner: str
    due_at: datetime | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaskUpdated(Event):
    type: ClassVar[str] = "task.updated"
    number: int
    changes: dict[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class TeamEngaged(Event):
    type: ClassVar[str] = "team.engaged"
    team: str
    contact: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class NoteAdded(Event):
    type: ClassVar[str] = "note.added"
    text: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class UpdateDrafted(Event):
    type: ClassVar[str] = "update.drafted"
    update_id: int
    template: str
    audience: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class UpdateApproved(Event):
    type: ClassVar[str] = "update.approved"
    update_id: int
    reviewer: str
    etag: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class UpdatePublished(Event):
    type: ClassVar[str] = "update.published"
    update_id: int
    template: str
    public_state: str | None
    next_update_due_at: datetime | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeliveryOutcome(Event):
    type: ClassVar[str] = "delivery.outcome"
    update_id: int
    channel: str
    state: str
    detail: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketTagCreated(Event):
    type: ClassVar[str] = "tickets.tag_created"
    tag: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketTagRetired(Event):
    type: ClassVar[str] = "tickets.tag_retired"
    tag: str
    linked: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class LinkRuleSet(Event):
    type: ClassVar[str] = "tickets.rule_set"
    rule: dict[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketsLinked(Event):
    type: ClassVar[str] = "tickets.linked"
    refs: tuple[str, ...]
    reason: str
    linked: int  # linked tickets after this change


@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketsUnlinked(Event):
    type: ClassVar[str] = "tickets.unlinked"
    refs: tuple[str, ...]
    linked: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketsTagged(Event):
    """A tag operation in the ticket system finished (or gave up)."""

    type: ClassVar[str] = "tickets.tagged"
    tag: str
    action: str  # add | remove
    refs: tuple[str, ...]
    outcome: str  # done | failed
    detail: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class BulkReplyStarted(Event):
    type: ClassVar[str] = "tickets.bulk_reply_started"
    run_id: int
    source: str
    source_ref: str
    targets: int
    skipped: int
    status_change: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketsReplied(Event):
    type: ClassVar[str] = "tickets.replied"
    run_id: int
    refs: tuple[str, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class BulkReplyFinished(Event):
    type: ClassVar[str] = "tickets.bulk_reply_finished"
    run_id: int
    state: str
    replied: int
    skipped: int
    failed: int


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        IncidentDeclared,
        ScopeOverridden,
        SeverityChanged,
        PhaseChanged,
        IncidentReopened,
        RoleAssigned,
        RoleReleased,
        ImpactUpdated,
        EngagementProposed,
        CriterionAttested,
        TaskAdded,
        TaskUpdated,
        TeamEngaged,
        NoteAdded,
        UpdateDrafted,
        UpdateApproved,
        UpdatePublished,
        DeliveryOutcome,
        TicketTagCreated,
        TicketTagRetired,
        LinkRuleSet,
        TicketsLinked,
        TicketsUnlinked,
        TicketsTagged,
        BulkReplyStarted,
        TicketsReplied,
        BulkReplyFinished,
    )
}
