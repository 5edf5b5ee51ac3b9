"""Everything the incident room shows, read in one transaction: the incident, the newest timeline
entries, its status updates with their approval state and rendered preview, the F7 engagement
verdicts, the F7.3 release checklist and the people who may hold a role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sirf.domain.accounts import User
from sirf.domain.incident import Incident
from sirf.domain.raci import OrgRole
from sirf.domain.release import CriterionStatus
from sirf.domain.timeline import TimelineEntry
from sirf.domain.triggers import Engagement
from sirf.services.communications import UpdateView, view
from sirf.services.context import Env, get_or_raise
from sirf.services.drafting import Drafting
from sirf.services.ports import UnitOfWork

TIMELINE_LIMIT = 200


@dataclass(frozen=True)
class UpdateCard:
    view: UpdateView
    html: str  # sanitised by the drafting port (markdown-it js-default + nh3 allow-list)


@dataclass(frozen=True)
class Room:
    now: datetime
    incident: Incident
    timeline: list[TimelineEntry]  # newest first
    updates: list[UpdateCard]  # newest first
    engagements: list[Engagement]
    checklist: list[CriterionStatus]
    people: list[User]  # who may be assigned a role: responders and admins, not disabled


def incident_room(incident_id: int, *, uow: UnitOfWork, env: Env, drafting: Drafting) -> Room:
    now = env.clock.now()
    with uow(write=False):
        incident = get_or_raise(uow, incident_id)
        entries = _tail(uow, incident_id, TIMELINE_LIMIT)
        updates = uow.updates.for_incident(incident_id)
        users = uow.users.all()
    cards = [UpdateCard(view(u, incident, env, drafting), drafting.formats(u.body).html) for u in updates]
    people = [u for u in users if u.org_role is not OrgRole.VIEWER and u.disabled_at is None]
    return Room(
        now=now,
        incident=incident,
        timeline=entries,
        updates=sorted(cards, key=lambda c: c.view.update.sequence, reverse=True),
        engagements=incident.engagements(env.framework, at=now),
        checklist=incident.release_checklist(),
        people=people,
    )


def recent_timeline(incident_id: int, *, uow: UnitOfWork, limit: int = TIMELINE_LIMIT) -> list[TimelineEntry]:
    """The newest ``limit`` entries, newest first (the room's live panel)."""
    with uow(write=False):
        get_or_raise(uow, incident_id)
        return _tail(uow, incident_id, limit)


def _tail(uow: UnitOfWork, incident_id: int, limit: int) -> list[TimelineEntry]:
    last = uow.incidents.last_entry(incident_id)
    after = max(0, last.seq - limit) if last else 0
    return list(reversed(uow.incidents.timeline(incident_id, after=after, limit=limit)))
