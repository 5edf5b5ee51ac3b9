"""Build a ``TemplateContext`` from the incident aggregate and the framework (F8).

Everything computable is computed here, once, so the templates stay simple pure functions. Time
comes in as ``now``; nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from sirf.domain.errors import ValidationFailed
from sirf.domain.framework import Framework
from sirf.domain.incident import Incident, clean_text
from sirf.domain.public_state import PublicState
from sirf.domain.regions import Region, RegionHours, region_on_shift
from sirf.domain.roles import Role
from sirf.domain.tasks import Task, TaskStatus
from sirf.domain.triggers import Engagement
from sirf.templates.context import (
    Action,
    RoleEngagement,
    RoleHolder,
    TeamContact,
    TemplateContext,
    TicketFigures,
)


def build_context(
    incident: Incident,
    *,
    now: datetime,
    framework: Framework,
    update_number: int,
    last_public_update_at: datetime | None,
    next_update_at: datetime | None,
    requested_by: str,
    public_state: PublicState | None = None,
    handoff_to: Region | None = None,
    tickets: TicketFigures | None = None,
) -> TemplateContext:
    """The context for drafting an update; ``update_number`` is the X of "UPDATE #X".

    ``public_state`` is the state this update announces; it defaults to resolved for a resolved
    incident, else the incident's current public state, else investigating. ``handoff_to``
    defaults to the region whose shift follows the one on duty at ``now``.
    """
    _require_aware(now=now, last_public_update_at=last_public_update_at, next_update_at=next_update_at)
    if update_number < 0:
        raise ValidationFailed("update_number cannot be negative", field="update_number")
    state = public_state or _current_public_state(incident)
    return TemplateContext(
        incident_number=incident.id,
        title=incident.title,
        severity=incident.severity,
        public_state=state,
        kind=incident.kind,
        detected_at=incident.detected_at,
        declared_at=incident.declared_at,
        resolved_at=incident.resolved_at,
        duration=max((incident.resolved_at or now) - incident.detected_at, timedelta(0)),
        affected_services=incident.affected_services,
        summary=incident.summary,
        current_actions=_open_actions(incident.tasks.values()),
        completed_actions=_completed_since(incident.tasks.values(), since=last_public_update_at, now=now),
        customers_affected=incident.facts.customers_affected,
        update_number=update_number,
        last_public_update_at=last_public_update_at,
        next_update_at=next_update_at,
        update_interval=framework.cadence.update_interval(state, incident.severity),
        sync_interval=framework.cadence.sync_interval(incident.severity),
        roles=tuple(RoleHolder(role, incident.holder(role)) for role in Role),
        engagements=tuple(_engagement(e) for e in incident.engagements(framework, at=now)),
        teams=tuple(TeamContact(t.team, t.contact) for t in incident.teams.values()),
        region=region_on_shift(framework.region_hours, now),
        handoff_to=handoff_to or next_region(framework.region_hours, now),
        requested_by=clean_text(requested_by, field_name="requested_by", max_length=200),
        now=now,
        tickets=tickets,
    )


def _current_public_state(incident: Incident) -> PublicState:
    if incident.resolved_at is not None:
        return PublicState.RESOLVED
    return incident.public_state or PublicState.INVESTIGATING


def next_region(hours: Sequence[RegionHours], now: datetime) -> Region:
    """The region on shift right after the current shift ends (F6.4's handoff target)."""
    current = region_on_shift(hours, now)
    shift = next((s for s in hours if s.region is current), None)
    if shift is None:
        return current
    utc_now = now.astimezone(UTC)
    boundary = utc_now.replace(hour=shift.end_hour, minute=0, second=0, microsecond=0)
    if boundary <= utc_now:
        boundary += timedelta(days=1)
    return region_on_shift(hours, boundary)


def _open_actions(tasks: Iterable[Task]) -> tuple[Action, ...]:
    pending = [task for task in tasks if task.open]
    # Soonest due first; tasks without a due time keep their creation order after them.
    pending.sort(key=lambda task: (task.due_at is None, task.due_at or task.created_at, task.number))
    return tuple(Action(task.title, task.owner, task.due_at) for task in pending)


def _completed_since(tasks: Iterable[Task], *, since: datetime | None, now: datetime) -> tuple[Action, ...]:
    done = [
        task
        for task in tasks
        if task.status is TaskStatus.DONE
        and task.updated_at <= now
        and (since is None or task.updated_at > since)
    ]
    done.sort(key=lambda task: (task.updated_at, task.number))
    return tuple(Action(task.title, task.owner, task.due_at) for task in done)


def _engagement(engagement: Engagement) -> RoleEngagement:
    return RoleEngagement(
        role=engagement.role,
        engage=engagement.engage,
        criteria=tuple(criterion.description for criterion in engagement.criteria_met),
        holder=engagement.holder,
        proposed=engagement.proposed,
    )


def _require_aware(**times: datetime | None) -> None:
    for name, value in times.items():
        if value is not None and value.utcoffset() is None:
            raise ValidationFailed(f"{name} must be a timezone-aware datetime", field=name)
