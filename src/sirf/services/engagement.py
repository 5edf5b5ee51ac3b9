"""F7 engagement and release: triggers, proposals with notifications, attestations, releasing roles."""

from __future__ import annotations

from datetime import datetime

from sirf.domain.describe import describe
from sirf.domain.errors import ValidationFailed
from sirf.domain.incident import Incident
from sirf.domain.raci import Activity, Actor, OrgRole
from sirf.domain.release import CriterionStatus, ReleaseCriterion
from sirf.domain.roles import Role
from sirf.domain.triggers import Engagement, ImpactFacts
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
from sirf.services.sync import schedule_sync


def propose_vacant_roles(
    incident: Incident, *, before: list[Engagement], uow: UnitOfWork, env: Env, actor: Actor, at: datetime
) -> bool:
    """Record a proposal (and notify) for each role the triggers newly call for while it is vacant.

    Returns whether anything was proposed. The people concerned are the proposed on-call person and
    the holders of the other roles, so nobody learns second-hand that they are wanted.
    """
    already = {e.role for e in before if e.engage}
    proposed = False
    for engagement in incident.engagements(env.framework, at=at):
        if not engagement.vacant_but_needed or engagement.role in already:
            continue
        incident.propose_engagement(engagement, actor=actor.username, at=at)
        event = incident.pending[-1]
        message = f"#{incident.id} {incident.title}: {describe(event.type, event.payload())}"
        people = {engagement.proposed} | {h for role in Role if (h := incident.holder(role))}
        uow.notifications.add_all(
            [Notification(incident.id, person, message, at) for person in sorted(p for p in people if p)]
        )
        proposed = True
    return proposed


def engagements(incident_id: int, *, uow: UnitOfWork, env: Env) -> list[Engagement]:
    with uow(write=False):
        incident = get_or_raise(uow, incident_id)
    return incident.engagements(env.framework, at=env.clock.now())


def update_impact(
    incident_id: int,
    changes: dict[str, object],
    *,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    expected_version: int | None = None,
) -> Incident:
    """Change impact facts (F7 inputs), affected services or summary; then re-run the triggers."""
    with uow(write=True):
        incident = load_for_change(uow, incident_id, expected_version)
        check_allowed(env, Activity.UPDATE_IMPACT, actor, incident)
        now = env.clock.now()
        before = incident.engagements(env.framework, at=now)
        changes = dict(changes)
        unknown = set(changes) - set(vars(incident.facts)) - {"affected_services", "summary"}
        if unknown:
            raise ValidationFailed(f"unknown impact fields: {', '.join(sorted(unknown))}")
        services = changes.pop("affected_services", None)
        summary = changes.pop("summary", None)
        facts = ImpactFacts(**(vars(incident.facts) | changes))
        incident.update_impact(
            facts,
            actor=actor.username,
            at=now,
            affected_services=tuple(services) if isinstance(services, list | tuple) else None,
            summary=summary if isinstance(summary, str) else None,
        )
        propose_vacant_roles(incident, before=before, uow=uow, env=env, actor=actor, at=now)
        save_and_inform(uow, env, Activity.UPDATE_IMPACT, incident, actor)
        uow.commit()
    return incident


def release_check(incident_id: int, *, uow: UnitOfWork) -> list[CriterionStatus]:
    with uow(write=False):
        return get_or_raise(uow, incident_id).release_checklist()


def attest_criterion(
    incident_id: int,
    criterion: ReleaseCriterion,
    *,
    note: str,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    expected_version: int | None = None,
) -> Incident:
    with uow(write=True):
        incident = load_for_change(uow, incident_id, expected_version)
        check_allowed(env, Activity.ATTEST_RELEASE_CRITERION, actor, incident)
        incident.attest(criterion, note=note, actor=actor.username, at=env.clock.now())
        save_and_inform(uow, env, Activity.ATTEST_RELEASE_CRITERION, incident, actor)
        uow.commit()
    return incident


def assign_role(
    incident_id: int,
    role: Role,
    person: str,
    *,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    expected_version: int | None = None,
) -> Incident:
    ensure_may_act(actor)
    with uow(write=True):
        incident = load_for_change(uow, incident_id, expected_version)
        # A holder may always hand their own role over; otherwise the RACI decides.
        if incident.holder(role) != actor.username:
            check_allowed(env, Activity.ASSIGN_ROLE, actor, incident)
        _check_assignable(uow, person)
        now = env.clock.now()
        incident.assign(role, person, actor=actor.username, at=now, framework=env.framework)
        told = frozenset({person}) if person != actor.username else frozenset()
        save_and_inform(uow, env, Activity.ASSIGN_ROLE, incident, actor, personally_told=told)
        if told:
            message = f"#{incident.id} {incident.title}: you are now {role.label}"
            uow.notifications.add_all([Notification(incident.id, person, message, now)])
        if role in (Role.CMOC, Role.IMOC):
            schedule_sync(uow, env, incident, after=now, now=now)
        uow.commit()
    return incident


def _check_assignable(uow: UnitOfWork, person: str) -> None:
    user = user_or_raise(uow, person)
    if user.org_role is OrgRole.VIEWER or user.disabled_at is not None:
        raise ValidationFailed(
            f"{person} is a viewer or disabled and cannot hold an incident role; "
            "ask an admin to make them a responder",
            field="person",
        )


def release_role(
    incident_id: int,
    role: Role,
    *,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    expected_version: int | None = None,
) -> Incident:
    ensure_may_act(actor)
    with uow(write=True):
        incident = load_for_change(uow, incident_id, expected_version)
        if incident.holder(role) != actor.username:
            check_allowed(env, Activity.RELEASE_SUPPORT_ROLE, actor, incident)
        incident.release(role, actor=actor.username, at=env.clock.now())
        save_and_inform(uow, env, Activity.RELEASE_SUPPORT_ROLE, incident, actor)
        uow.commit()
    return incident
