"""F6.1 sync points: CMOC and IMOC meet at an interval set by severity while both roles are held."""

from __future__ import annotations

from datetime import datetime

from sirf.domain.incident import Incident
from sirf.domain.reminders import ReminderKind, ReminderState
from sirf.domain.roles import Role
from sirf.services.context import Env
from sirf.services.ports import UnitOfWork


def schedule_sync(uow: UnitOfWork, env: Env, incident: Incident, *, after: datetime, now: datetime) -> None:
    """Schedule the next CMOC-IMOC sync while both roles are held and the incident is active."""
    if not incident.active or not (incident.holder(Role.CMOC) and incident.holder(Role.IMOC)):
        return
    reminders = uow.reminders.for_incident(incident.id)
    if any(r.kind is ReminderKind.SYNC_POINT and r.state is ReminderState.PENDING for r in reminders):
        return
    due = max(after, now) + env.framework.cadence.sync_interval(incident.severity)
    uow.reminders.schedule(incident.id, ReminderKind.SYNC_POINT, due, now)
