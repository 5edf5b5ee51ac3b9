"""Use cases for the work around an incident: critical-path tasks (F4.2), teams (F2.2), notes."""

from __future__ import annotations

from datetime import datetime

from sirf.domain.incident import Incident
from sirf.domain.raci import Activity, Actor
from sirf.domain.roles import Team
from sirf.domain.tasks import Task, TaskStatus
from sirf.domain.timeline import TimelineEntry
from sirf.services.context import (
    Env,
    check_allowed,
    ensure_may_act,
    get_or_raise,
    load_for_change,
    save_and_inform,
    user_or_raise,
)
from sirf.services.ports import Notification, UnitOfWork


def add_task(
    incident_id: int,
    title: str,
    *,
    owner: str,
    due_at: datetime | None,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    expected_version: int | None = None,
) -> tuple[Task, int]:
    """Add a task; returns it with the incident's new version (its ETag)."""
    with uow(write=True):
        incident = load_for_change(uow, incident_id, expected_version)
        check_allowed(env, Activity.MANAGE_TASKS, actor, incident)
        _check_owner(uow, owner)
        now = env.clock.now()
        task = incident.add_task(title, owner=owner, due_at=due_at, actor=actor.username, at=now)
        save_and_inform(uow, env, Activity.MANAGE_TASKS, incident, actor)
        if task.owner != actor.username:
            message = f"#{incident.id} {incident.title}: task {task.number} is yours: {task.title}"
            uow.notifications.add_all([Notification(incident.id, task.owner, message, now)])
        uow.commit()
    return task, incident.version


def update_task(
    incident_id: int,
    number: int,
    *,
    status: TaskStatus | None,
    owner: str | None,
    due_at: datetime | None,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    expected_version: int | None = None,
) -> tuple[Task, int]:
    """Update a task; returns it with the incident's new version (its ETag)."""
    ensure_may_act(actor)
    with uow(write=True):
        incident = load_for_change(uow, incident_id, expected_version)
        current = incident.tasks.get(number)
        # The owner of a task may always update it; anyone else needs the RACI.
        if current is None or current.owner != actor.username:
            check_allowed(env, Activity.MANAGE_TASKS, actor, incident)
        if owner is not None:
            _check_owner(uow, owner)
        task = incident.update_task(
            number, status=status, owner=owner, due_at=due_at, actor=actor.username, at=env.clock.now()
        )
        save_and_inform(uow, env, Activity.MANAGE_TASKS, incident, actor)
        if current is not None and task.owner != current.owner and task.owner != actor.username:
            message = f"#{incident.id} {incident.title}: task {task.number} is now yours: {task.title}"
            uow.notifications.add_all([Notification(incident.id, task.owner, message, task.updated_at)])
        uow.commit()
    return task, incident.version


def _check_owner(uow: UnitOfWork, owner: str) -> None:
    """Every critical-path task has a real owner (F4.2): someone who can be told and can act."""
    name = owner.strip().lower()
    if name:
        user_or_raise(uow, name, needed_for="to own the task")


def list_tasks(incident_id: int, *, uow: UnitOfWork) -> list[Task]:
    with uow(write=False):
        incident = get_or_raise(uow, incident_id)
    return [incident.tasks[number] for number in sorted(incident.tasks)]


def engage_team(
    incident_id: int,
    team: Team,
    *,
    contact: str,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    expected_version: int | None = None,
) -> Incident:
    with uow(write=True):
        incident = load_for_change(uow, incident_id, expected_version)
        check_allowed(env, Activity.ENGAGE_TEAM, actor, incident)
        incident.engage_team(team, contact=contact, actor=actor.username, at=env.clock.now())
        save_and_inform(uow, env, Activity.ENGAGE_TEAM, incident, actor)
        uow.commit()
    return incident


def add_note(
    incident_id: int,
    text: str,
    *,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    expected_version: int | None = None,
) -> tuple[TimelineEntry, int]:
    """Append a note; returns its timeline entry and the incident's new version (its ETag)."""
    with uow(write=True):
        # Appending needs no lock on the aggregate: the sequence number is taken atomically.
        incident = get_or_raise(uow, incident_id, roles_only=True)
        check_allowed(env, Activity.ADD_NOTE, actor, incident)
        incident.add_note(
            text, actor=actor.username, at=env.clock.now(), max_length=env.framework.max_note_length
        )
        [event] = incident.take_events()
        seq, version = uow.incidents.append(incident_id, [event], expected_version=expected_version)
        uow.commit()
    return TimelineEntry(incident_id, seq, event.type, event.actor, event.at, event.payload()), version
