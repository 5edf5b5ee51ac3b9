"""What every use case needs besides its arguments: the clock, the framework and helpers shared
by the incident use cases (load under lock, check the RACI, notify the informed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sirf.domain.accounts import User
from sirf.domain.describe import describe
from sirf.domain.errors import NotFound, PermissionDenied, PreconditionFailed
from sirf.domain.events import Event
from sirf.domain.framework import Framework
from sirf.domain.incident import Incident
from sirf.domain.raci import Activity, Actor, OrgRole, Raci, authorize
from sirf.services.ports import Clock, Notification, UnitOfWork


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Env:
    clock: Clock
    framework: Framework


def get_or_raise(
    uow: UnitOfWork, incident_id: int, *, for_update: bool = False, roles_only: bool = False
) -> Incident:
    incident = uow.incidents.get(incident_id, for_update=for_update, roles_only=roles_only)
    if incident is None:
        raise NotFound(f"incident #{incident_id} does not exist", incident=incident_id)
    return incident


def user_or_raise(uow: UnitOfWork, username: str, *, needed_for: str = "") -> User:
    """The user named, or NotFound saying how to create them (``needed_for`` says why we asked)."""
    user = uow.users.get_by_username(username)
    if user is None:
        why = f" {needed_for}" if needed_for else ""
        raise NotFound(
            f"no user {username!r}{why}; create it first with `sirf user create {username}`", user=username
        )
    return user


def load_for_change(uow: UnitOfWork, incident_id: int, expected_version: int | None) -> Incident:
    incident = get_or_raise(uow, incident_id, for_update=True)
    if expected_version is not None and expected_version != incident.version:
        raise PreconditionFailed(
            f"incident #{incident_id} is at version {incident.version}, not {expected_version}: "
            "someone changed it; reload and try again",
            current_version=incident.version,
        )
    return incident


def ensure_may_act(actor: Actor) -> None:
    """Viewers never change anything, whatever role or task they happen to hold."""
    if actor.org_role is OrgRole.VIEWER:
        raise PermissionDenied(f"{actor.username} is a viewer and cannot change incidents")


def check_allowed(env: Env, activity: Activity, actor: Actor, incident: Incident) -> None:
    authorize(
        env.framework.raci,
        activity,
        actor,
        actor_roles=incident.roles_of(actor.username),
        held_roles=incident.held_roles(),
    )


def informed_notifications(
    env: Env, activity: Activity, incident: Incident, events: list[Event], actor: Actor
) -> list[Notification]:
    """F4.2: the holders of roles marked Informed (and Consulted) hear about the change."""
    roles = env.framework.raci.roles_with(activity, Raci.INFORMED) + env.framework.raci.roles_with(
        activity, Raci.CONSULTED
    )
    recipients = {holder for role in roles if (holder := incident.holder(role)) and holder != actor.username}
    return [
        Notification(
            incident.id,
            person,
            f"#{incident.id} {describe(event.type, event.payload())} (by {actor.username})",
            event.at,
        )
        for person in sorted(recipients)
        for event in events
    ]


def save_and_inform(
    uow: UnitOfWork,
    env: Env,
    activity: Activity,
    incident: Incident,
    actor: Actor,
    *,
    personally_told: frozenset[str] = frozenset(),
) -> None:
    """Save, then tell the Informed and Consulted holders (except those told in person already)."""
    events = list(incident.pending)
    uow.incidents.save(incident)
    notes = informed_notifications(env, activity, incident, events, actor)
    uow.notifications.add_all([n for n in notes if n.recipient not in personally_told])
