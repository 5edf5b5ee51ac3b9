"""Use cases for status updates (F8): draft from a template, edit, review, approve, publish.

Publishing is one transaction: the update becomes immutable, the built-in status page gets its
post, one outbox row per configured channel is written for the worker, the incident records the
communication (F9.4 time to first customer communication) and the cadence reminders are
rescheduled (F3.2). Two people publishing at once produce one post: the update row is locked and
the second finds it already published.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sirf.domain.errors import NotFound, ValidationFailed
from sirf.domain.incident import Incident
from sirf.domain.public_state import ComponentStatus, PublicState
from sirf.domain.raci import Activity, Actor
from sirf.domain.reminders import ReminderKind
from sirf.domain.roles import Role
from sirf.domain.scope import IncidentKind
from sirf.domain.updates import (
    Approval,
    ApprovalStatus,
    Audience,
    Reviewer,
    StatusUpdate,
    UpdateState,
    approval_status,
    check_body,
    choose_capacity,
)
from sirf.services.context import Env, check_allowed, ensure_may_act, get_or_raise
from sirf.services.drafting import Drafting, RenderedText
from sirf.services.ports import Notification, UnitOfWork
from sirf.services.ticket_figures import figures_in
from sirf.templates.context import TicketFigures
from sirf.templates.impact_figures import ticket_figures

UPDATE_REMINDERS = (ReminderKind.UPDATE_DUE, ReminderKind.UPDATE_OVERDUE)


@dataclass(frozen=True)
class UpdateView:
    """An update with what a reviewer needs to know about it right now."""

    update: StatusUpdate
    approval: ApprovalStatus
    warnings: list[str]
    blanks: list[str]
    channels: list[str]


@dataclass(frozen=True)
class DraftRequest:
    template: str
    public_state: PublicState | None = None
    components: Mapping[str, ComponentStatus] | None = None
    next_update_at: datetime | None = None
    audience: Audience | None = None
    corrects: int | None = None
    body: str | None = None


def is_security(incident: Incident) -> bool:
    return incident.kind is IncidentKind.SECURITY_INCIDENT or incident.facts.sirt_involved


def holders(incident: Incident) -> dict[Role, str | None]:
    return {role: incident.holder(role) for role in Role}


def view(update: StatusUpdate, incident: Incident, env: Env, drafting: Drafting) -> UpdateView:
    status = approval_status(
        update,
        holders=holders(incident),
        security=is_security(incident),
        sirt_reviewers=env.framework.sirt_reviewers,
    )
    channels = drafting.channels_for(update.template, update.audience)
    return UpdateView(update, status, update.warnings(), update.blanks, channels)


def draft_update(
    incident_id: int, request: DraftRequest, *, actor: Actor, uow: UnitOfWork, env: Env, drafting: Drafting
) -> UpdateView:
    spec = drafting.template(request.template)
    now = env.clock.now()
    with uow(write=True):
        incident = get_or_raise(uow, incident_id, for_update=True)
        check_allowed(env, Activity.DRAFT_UPDATE, actor, incident)
        if request.corrects is not None:
            _check_correctable(uow, incident_id, request.corrects)
        audience = request.audience or spec.audience
        state = _public_state_for(request, spec.name, incident, audience)
        announced = request.next_update_at or _next_due(env, incident, state, now)
        number = uow.updates.published_count(incident_id, Audience.PUBLIC)
        body = request.body or drafting.draft(
            spec.name,
            incident,
            now=now,
            update_number=number,
            next_update_at=announced,
            requested_by=actor.username,
            public_state=state,
            tickets=_ticket_figures(uow, env, incident_id),
        )
        update = StatusUpdate(
            id=0,
            incident_id=incident_id,
            sequence=uow.updates.next_sequence(incident_id),
            template=spec.name,
            audience=audience,
            body=check_body(body),
            author=actor.username,
            created_at=now,
            updated_at=now,
            public_state=state,
            components=dict(request.components or _default_components(incident)),
            next_update_at=announced if state not in (None, PublicState.RESOLVED) else None,
            corrects=request.corrects,
        )
        uow.updates.add(update)
        incident.record_draft(
            update_id=update.id, template=spec.name, audience=audience.value, actor=actor.username, at=now
        )
        uow.incidents.save(incident)
        uow.commit()
    return view(update, incident, env, drafting)


def _public_state_for(
    request: DraftRequest, template: str, incident: Incident, audience: Audience
) -> PublicState | None:
    if audience is not Audience.PUBLIC:
        return request.public_state
    if request.public_state is not None:
        return request.public_state
    if template == "resolution":
        return PublicState.RESOLVED
    return incident.public_state or PublicState.INVESTIGATING


def _next_due(env: Env, incident: Incident, state: PublicState | None, now: datetime) -> datetime | None:
    if state is None:
        return None
    return env.framework.cadence.next_update_due(published_at=now, state=state, severity=incident.severity)


def _default_components(incident: Incident) -> dict[str, ComponentStatus]:
    return dict.fromkeys(incident.affected_services, ComponentStatus.DEGRADED_PERFORMANCE)


def _check_correctable(uow: UnitOfWork, incident_id: int, update_id: int) -> None:
    original = uow.updates.get(update_id)
    if original is None or original.incident_id != incident_id:
        raise NotFound(f"incident #{incident_id} has no update {update_id} to correct", update=update_id)
    if original.state is not UpdateState.PUBLISHED:
        raise ValidationFailed(f"update {update_id} is not published; edit it instead of correcting it")


def load_update(uow: UnitOfWork, update_id: int, *, for_update: bool = False) -> StatusUpdate:
    update = uow.updates.get(update_id, for_update=for_update)
    if update is None:
        raise NotFound(f"status update {update_id} does not exist", update=update_id)
    return update


def edit_update(
    update_id: int,
    *,
    body: str | None,
    public_state: PublicState | None,
    components: Mapping[str, ComponentStatus] | None,
    next_update_at: datetime | None,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    drafting: Drafting,
) -> UpdateView:
    ensure_may_act(actor)
    with uow(write=True):
        update = load_update(uow, update_id, for_update=True)
        incident = get_or_raise(uow, update.incident_id, for_update=True)
        if update.author != actor.username:
            check_allowed(env, Activity.DRAFT_UPDATE, actor, incident)
        changed = update.edit(
            at=env.clock.now(),
            body=body,
            public_state=public_state,
            components=dict(components) if components is not None else None,
            next_update_at=next_update_at,
        )
        if changed:
            uow.updates.save(update)
            uow.commit()
    return view(update, incident, env, drafting)


def request_review(
    update_id: int, *, actor: Actor, uow: UnitOfWork, env: Env, drafting: Drafting
) -> UpdateView:
    ensure_may_act(actor)
    now = env.clock.now()
    with uow(write=True):
        update = load_update(uow, update_id, for_update=True)
        incident = get_or_raise(uow, update.incident_id, for_update=True)
        if update.author != actor.username:
            check_allowed(env, Activity.DRAFT_UPDATE, actor, incident)
        update.request_review(at=now)
        status = view(update, incident, env, drafting).approval
        if status.complete:
            update.mark(UpdateState.APPROVED, at=now)
        uow.updates.save(update)
        uow.notifications.add_all(_review_requests(update, incident, env, status, actor, now))
        uow.commit()
    return view(update, incident, env, drafting)


def _review_requests(
    update: StatusUpdate, incident: Incident, env: Env, status: ApprovalStatus, actor: Actor, now: datetime
) -> list[Notification]:
    people: set[str] = set()
    for reviewer in status.missing:
        if reviewer is Reviewer.SIRT:
            people |= set(env.framework.sirt_reviewers)
        elif holder := incident.holder(Role(reviewer.value)):
            people.add(holder)
    message = f"#{incident.id} {incident.title}: {update.template} update {update.id} needs your approval"
    return [Notification(incident.id, person, message, now) for person in sorted(people - {actor.username})]


def approve_update(
    update_id: int,
    *,
    etag: str,
    as_reviewer: Reviewer | None,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    drafting: Drafting,
) -> UpdateView:
    ensure_may_act(actor)
    now = env.clock.now()
    with uow(write=True):
        update = load_update(uow, update_id, for_update=True)
        incident = get_or_raise(uow, update.incident_id, for_update=True)
        capacity = choose_capacity(
            update,
            actor.username,
            holders=holders(incident),
            security=is_security(incident),
            sirt_reviewers=env.framework.sirt_reviewers,
            wanted=as_reviewer,
        )
        update.approve(Approval(actor.username, capacity, etag, now))
        status = view(update, incident, env, drafting).approval
        if status.complete:
            update.mark(UpdateState.APPROVED, at=now)
        uow.updates.save(update)
        incident.record_approval(
            update_id=update.id, reviewer=capacity.value, etag=etag, actor=actor.username, at=now
        )
        uow.incidents.save(incident)
        if update.author != actor.username:
            message = (
                f"#{incident.id}: {actor.username} approved update {update.id} as {capacity.value.upper()}"
            )
            uow.notifications.add_all([Notification(incident.id, update.author, message, now)])
        uow.commit()
    return view(update, incident, env, drafting)


def withdraw_update(
    update_id: int, *, actor: Actor, uow: UnitOfWork, env: Env, drafting: Drafting
) -> UpdateView:
    ensure_may_act(actor)
    with uow(write=True):
        update = load_update(uow, update_id, for_update=True)
        incident = get_or_raise(uow, update.incident_id)
        if update.author != actor.username:
            check_allowed(env, Activity.DRAFT_UPDATE, actor, incident)
        update.withdraw(at=env.clock.now())
        uow.updates.save(update)
        uow.commit()
    return view(update, incident, env, drafting)


def get_update(update_id: int, *, uow: UnitOfWork, env: Env, drafting: Drafting) -> UpdateView:
    with uow(write=False):
        update = load_update(uow, update_id)
        incident = get_or_raise(uow, update.incident_id)
    return view(update, incident, env, drafting)


def list_updates(incident_id: int, *, uow: UnitOfWork, env: Env, drafting: Drafting) -> list[UpdateView]:
    with uow(write=False):
        incident = get_or_raise(uow, incident_id)
        updates = uow.updates.for_incident(incident_id)
    return [view(u, incident, env, drafting) for u in updates]


def preview_update(update_id: int, *, uow: UnitOfWork, drafting: Drafting) -> RenderedText:
    with uow(write=False):
        update = load_update(uow, update_id)
    return drafting.formats(update.body)


@dataclass(frozen=True)
class PublishOutcome:
    view: UpdateView
    dry_run: bool


def publish_update(
    update_id: int, *, dry_run: bool, actor: Actor, uow: UnitOfWork, env: Env, drafting: Drafting
) -> PublishOutcome:
    """Publish an approved update (or, with ``dry_run``, check everything and write nothing)."""
    ensure_may_act(actor)
    now = env.clock.now()
    with uow(write=not dry_run):
        update = load_update(uow, update_id, for_update=not dry_run)
        incident = get_or_raise(uow, update.incident_id, for_update=not dry_run)
        check_allowed(env, Activity.PUBLISH_UPDATE, actor, incident)
        current = view(update, incident, env, drafting)
        _check_approvals(update, current.approval)
        update.publish(by=actor.username, at=now)
        if dry_run:
            return PublishOutcome(view(update, incident, env, drafting), dry_run=True)
        uow.updates.save(update)
        _write_effects(
            update, incident, current.channels, uow=uow, env=env, drafting=drafting, actor=actor, now=now
        )
        uow.incidents.save(incident)
        uow.commit()
    return PublishOutcome(view(update, incident, env, drafting), dry_run=False)


def _check_approvals(update: StatusUpdate, status: ApprovalStatus) -> None:
    """Approvals are checked again at publish time: a role may have changed hands since."""
    if update.state is UpdateState.APPROVED and not status.complete:
        missing = ", ".join(r.value.upper() for r in status.missing) or "none"
        reasons = "; ".join(status.problems)
        raise ValidationFailed(
            f"update {update.id} no longer has the approvals it needs (missing: {missing}"
            + (f"; {reasons}" if reasons else "")
            + "); ask for approval again",
            missing=[r.value for r in status.missing],
        )


def _write_effects(
    update: StatusUpdate,
    incident: Incident,
    channels: list[str],
    *,
    uow: UnitOfWork,
    env: Env,
    drafting: Drafting,
    actor: Actor,
    now: datetime,
) -> None:
    customer_facing = update.audience in (Audience.PUBLIC, Audience.CUSTOMER)
    due = update.next_update_at if update.audience is Audience.PUBLIC else incident.next_update_due_at
    if update.audience is Audience.PUBLIC:
        _post_to_builtin_page(update, incident, uow=uow, drafting=drafting, now=now)
        _reschedule_update_reminders(incident, due, uow=uow, env=env, now=now)
    uow.outbox.enqueue(update_id=update.id, incident_id=incident.id, channels=channels, at=now)
    incident.record_publication(
        update_id=update.id,
        template=update.template,
        customer_facing=customer_facing,
        public_state=update.public_state if update.audience is Audience.PUBLIC else None,
        next_update_due_at=due,
        actor=actor.username,
        at=now,
    )


def _post_to_builtin_page(
    update: StatusUpdate, incident: Incident, *, uow: UnitOfWork, drafting: Drafting, now: datetime
) -> None:
    rendered = drafting.formats(update.body)
    uow.status_page.add_post(
        {
            "incident_id": incident.id,
            "update_id": update.id,
            "title": incident.title,
            "severity": incident.severity.value,
            "public_state": (update.public_state or PublicState.INVESTIGATING).value,
            "components": {name: status.value for name, status in update.components.items()},
            "body_markdown": update.body,
            "body_html": rendered.html,
            "published_at": now,
        }
    )
    uow.status_page.set_components(update.components, now)


def _reschedule_update_reminders(
    incident: Incident, due: datetime | None, *, uow: UnitOfWork, env: Env, now: datetime
) -> None:
    uow.reminders.cancel_pending(incident.id, UPDATE_REMINDERS)
    if due is None or due <= now:
        return
    remind_at = env.framework.cadence.reminder_time(published_at=now, due=due)
    uow.reminders.schedule(incident.id, ReminderKind.UPDATE_DUE, remind_at, now)
    uow.reminders.schedule(incident.id, ReminderKind.UPDATE_OVERDUE, due, now)


def _ticket_figures(uow: UnitOfWork, env: Env, incident_id: int) -> TicketFigures | None:
    """What the linked tickets say, for the template; None (the handbook's blanks) without tickets."""
    if uow.tickets.linked_count(incident_id) == 0:
        return None
    return ticket_figures(figures_in(uow, env, incident_id).impact)
