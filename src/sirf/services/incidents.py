"""Use cases on the incident itself: declare (F1 scope), severity (F3.1), lifecycle (F3), reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sirf.domain.errors import PermissionDenied, ValidationFailed
from sirf.domain.incident import Incident
from sirf.domain.lifecycle import Phase
from sirf.domain.raci import Activity, Actor, OrgRole
from sirf.domain.reminders import ReminderKind
from sirf.domain.roles import Role, Source
from sirf.domain.scope import IncidentKind, classify, refusal
from sirf.domain.severity import Severity
from sirf.domain.timeline import TimelineEntry
from sirf.services.context import Env, check_allowed, get_or_raise, load_for_change, save_and_inform
from sirf.services.engagement import propose_vacant_roles
from sirf.services.ports import IncidentPage, IncidentQuery, UnitOfWork
from sirf.services.sync import schedule_sync
from sirf.services.tickets import open_ticket_tag, retire_ticket_tag


@dataclass(frozen=True)
class Declaration:
    title: str
    kind: str
    severity: Severity
    source: Source = Source.SUPPORT
    summary: str = ""
    affected_services: tuple[str, ...] = ()
    detected_at: datetime | None = None
    override_scope_reason: str | None = None


def declare_incident(declaration: Declaration, *, actor: Actor, uow: UnitOfWork, env: Env) -> Incident:
    if actor.org_role is OrgRole.VIEWER:
        raise PermissionDenied(f"{actor.username} is a viewer and cannot declare incidents")
    now = env.clock.now()
    kind = classify(declaration.kind)
    override = declaration.override_scope_reason
    if not isinstance(kind, IncidentKind):
        if not override:
            raise refusal(kind)
        _check_may_override_scope(actor, env)
    elif override:
        raise ValidationFailed(
            f"{kind.value} is in scope; drop the scope override", field="override_scope_reason"
        )
    incident = Incident.declare(
        title=declaration.title,
        # An overridden report is run as a customer emergency: the SMOC judged it one (F5.2).
        kind=kind if isinstance(kind, IncidentKind) else IncidentKind.CUSTOMER_EMERGENCY,
        severity=declaration.severity,
        source=declaration.source,
        actor=actor.username,
        at=now,
        framework=env.framework,
        detected_at=declaration.detected_at,
        summary=declaration.summary,
        affected_services=declaration.affected_services,
    )
    if override:
        incident.record_scope_override(
            reported_kind=kind.value, reason=override, actor=actor.username, at=now
        )
    with uow(write=True):
        uow.incidents.add(incident)
        open_ticket_tag(uow, env, incident, now)
        propose_vacant_roles(incident, before=[], uow=uow, env=env, actor=actor, at=now)
        uow.incidents.save(incident)
        uow.commit()
    return incident


def _check_may_override_scope(actor: Actor, env: Env) -> None:
    if actor.org_role is OrgRole.ADMIN or env.framework.roster.lists(Role.SMOC, actor.username):
        return
    raise PermissionDenied(
        f"only an SMOC (on the roster) or an admin may override the scope check (F5.2); "
        f"{actor.username} is neither",
        activity=Activity.DECLARE_EMERGENCY.value,
    )


def change_severity(
    incident_id: int,
    severity: Severity,
    *,
    reason: str,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    expected_version: int | None = None,
) -> Incident:
    with uow(write=True):
        incident = load_for_change(uow, incident_id, expected_version)
        check_allowed(env, Activity.SET_SEVERITY, actor, incident)
        now = env.clock.now()
        incident.change_severity(severity, reason=reason, actor=actor.username, at=now)
        save_and_inform(uow, env, Activity.SET_SEVERITY, incident, actor)
        # F6.1: the sync interval follows severity, so the next sync point moves with it.
        uow.reminders.cancel_pending(incident.id, (ReminderKind.SYNC_POINT,))
        schedule_sync(uow, env, incident, after=now, now=now)
        uow.commit()
    return incident


PHASE_ACTIVITIES = {
    Phase.RESOLUTION: Activity.RESOLVE_INCIDENT,
    Phase.CLOSURE: Activity.CLOSE_INCIDENT,
}


def change_phase(
    incident_id: int,
    target: Phase,
    *,
    reason: str = "",
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    expected_version: int | None = None,
) -> Incident:
    with uow(write=True):
        incident = load_for_change(uow, incident_id, expected_version)
        activity = PHASE_ACTIVITIES.get(target, Activity.CHANGE_PHASE)
        if incident.phase is Phase.RESOLUTION and target is Phase.RESPONSE:
            activity = Activity.REOPEN_INCIDENT
        check_allowed(env, activity, actor, incident)
        incident.move_to(target, actor=actor.username, at=env.clock.now(), reason=reason)
        if target is Phase.CLOSURE:
            retire_ticket_tag(uow, incident, env.clock.now())
        save_and_inform(uow, env, activity, incident, actor)
        uow.commit()
    return incident


def get_incident(incident_id: int, *, uow: UnitOfWork) -> Incident:
    with uow(write=False):
        return get_or_raise(uow, incident_id)


def list_incidents(query: IncidentQuery, *, uow: UnitOfWork) -> IncidentPage:
    with uow(write=False):
        return uow.incidents.find(query)


def read_timeline(incident_id: int, *, after: int, limit: int, uow: UnitOfWork) -> list[TimelineEntry]:
    with uow(write=False):
        get_or_raise(uow, incident_id)
        return uow.incidents.timeline(incident_id, after=after, limit=limit)
