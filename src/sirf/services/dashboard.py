"""What a responder's dashboard shows: the active incidents in F4.1 order (customer impact, then
severity) with their roles, cadence and open triggers, and what waits for the viewer: updates
needing their approval (F5.1, F6.1, F5.3) and their open critical-path tasks (F4.2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sirf.domain.incident import Incident
from sirf.domain.raci import Actor
from sirf.domain.roles import Role
from sirf.domain.tasks import Task
from sirf.domain.triggers import Engagement
from sirf.domain.updates import Reviewer, StatusUpdate, UpdateState, approval_status, reviewer_capacities
from sirf.services.communications import holders, is_security
from sirf.services.context import Env
from sirf.services.incidents import list_incidents
from sirf.services.ports import IncidentQuery, UnitOfWork

MAX_INCIDENTS = 100


@dataclass(frozen=True)
class IncidentCard:
    incident: Incident
    holders: dict[Role, str | None]
    open_triggers: list[Engagement]  # roles the F7 rules call for that nobody holds yet

    def overdue(self, now: datetime) -> bool:
        due = self.incident.next_update_due_at
        return due is not None and due <= now


@dataclass(frozen=True)
class AwaitingApproval:
    incident: Incident
    update: StatusUpdate
    capacities: list[Reviewer]


@dataclass(frozen=True)
class OwnTask:
    incident: Incident
    task: Task


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    cards: list[IncidentCard]
    approvals: list[AwaitingApproval]
    tasks: list[OwnTask]
    more: bool  # more active incidents exist than are shown


def dashboard(*, actor: Actor, uow: UnitOfWork, env: Env) -> Dashboard:
    now = env.clock.now()
    # A fixed number of queries whatever the number of incidents: the list (with current role
    # holders), the viewer's open tasks, and the updates in review with their approvals.
    with uow(write=False):
        page = list_incidents(IncidentQuery(status="active", limit=MAX_INCIDENTS), uow=uow)
        full = page.items
        ids = [incident.id for incident in full]
        own_tasks = uow.incidents.open_tasks_of(actor.username, ids)
        updates: dict[int, list[StatusUpdate]] = {incident_id: [] for incident_id in ids}
        for update in uow.updates.in_review(ids):
            updates[update.incident_id].append(update)
    cards = [
        IncidentCard(
            incident,
            holders(incident),
            [e for e in incident.engagements(env.framework, at=now) if e.vacant_but_needed],
        )
        for incident in full
    ]
    approvals = [
        waiting
        for incident in full
        for update in updates[incident.id]
        if (waiting := _awaiting(actor, incident, update, env))
    ]
    tasks = [OwnTask(incident, task) for incident in full for task in own_tasks.get(incident.id, [])]
    return Dashboard(now, cards, approvals, tasks, page.next_after is not None)


def _awaiting(actor: Actor, incident: Incident, update: StatusUpdate, env: Env) -> AwaitingApproval | None:
    """The update, when it is in review and ``actor`` can give an approval it still lacks."""
    if update.state is not UpdateState.IN_REVIEW:
        return None
    if any(a.by == actor.username and a.etag == update.etag for a in update.approvals):
        return None
    current = holders(incident)
    status = approval_status(
        update,
        holders=current,
        security=is_security(incident),
        sirt_reviewers=env.framework.sirt_reviewers,
    )
    mine = reviewer_capacities(actor.username, holders=current, sirt_reviewers=env.framework.sirt_reviewers)
    capacities = [c for c in mine if c in status.missing]
    return AwaitingApproval(incident, update, capacities) if capacities else None
