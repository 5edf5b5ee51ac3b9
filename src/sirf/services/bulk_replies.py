"""F5.1 bulk replies, the CMOC's side: see who would get the approved text (dry run), start a run,
follow its progress, cancel it. The worker does the sending (``bulk_runner``).

The text is only ever an approved one: a published update of this incident (approved by CMOC and
IMOC before it went out, F6.1) or a macro an admin configured in the framework file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sirf.domain import events as ev
from sirf.domain.bulk_reply import (
    Exclusions,
    ItemState,
    ReplySource,
    RunState,
    check_template,
    merge,
)
from sirf.domain.errors import Conflict, NotFound, ValidationFailed
from sirf.domain.raci import Activity, Actor
from sirf.domain.tickets import Ticket, TicketStatus
from sirf.domain.updates import UpdateState
from sirf.services.context import Env, check_allowed, ensure_may_act, get_or_raise
from sirf.services.drafting import Drafting
from sirf.services.ports import UnitOfWork
from sirf.services.ticket_store import BulkRun


@dataclass(frozen=True)
class ReplyRequest:
    source: ReplySource
    ref: str  # the update's id, or the macro's name
    status: TicketStatus | None = None
    public: bool = True


@dataclass(frozen=True)
class Planned:
    ticket_id: int
    ticket: Ticket
    excluded: str | None  # why this ticket gets no reply; None: it gets one
    text: str  # the reply with its merge fields filled in


@dataclass(frozen=True)
class ReplyPlan:
    body: str
    source_label: str
    items: list[Planned]

    @property
    def targets(self) -> list[Planned]:
        return [p for p in self.items if p.excluded is None]

    @property
    def excluded(self) -> list[Planned]:
        return [p for p in self.items if p.excluded is not None]


@dataclass(frozen=True)
class RunProgress:
    run: BulkRun
    counts: dict[ItemState, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return sum(n for state, n in self.counts.items() if state.final)

    @property
    def finished(self) -> bool:
        return self.run.state is not RunState.RUNNING


def plan_reply(
    incident_id: int, request: ReplyRequest, *, uow: UnitOfWork, env: Env, drafting: Drafting
) -> ReplyPlan:
    """The dry run: the exact tickets, the text each gets, and who is left out and why."""
    with uow(write=False):
        return _plan(uow, env, incident_id, request, drafting)


def _plan(
    uow: UnitOfWork, env: Env, incident_id: int, request: ReplyRequest, drafting: Drafting
) -> ReplyPlan:
    incident = get_or_raise(uow, incident_id, roles_only=True)
    policy = env.framework.tickets
    last_update_at = _last_public_update_at(uow, incident_id)
    if request.source is ReplySource.UPDATE:
        body, label, answered_since = _approved_update(uow, incident_id, request.ref, drafting)
    else:
        if request.ref not in policy.macros:
            known = (
                ", ".join(sorted(policy.macros))
                or "none are configured ([tickets.macros] in the framework file)"
            )
            raise NotFound(f"no macro {request.ref!r}; known macros: {known}", macro=request.ref)
        body, label, answered_since = policy.macros[request.ref], f"macro {request.ref}", last_update_at
    check_template(body)
    exclusions = Exclusions(
        answered_since=answered_since,
        opted_out_organizations=policy.opted_out_organizations,
        already_replied=frozenset(uow.ticket_work.replied_refs(incident_id, request.source, request.ref)),
    )
    items = [
        Planned(
            stored.id,
            stored.ticket,
            exclusions.reason(stored.ticket),
            merge(body, stored.ticket, incident_id=incident_id, incident_title=incident.title),
        )
        for stored in uow.tickets.linked(incident_id)
    ]
    return ReplyPlan(body, label, items)


def _approved_update(
    uow: UnitOfWork, incident_id: int, ref: str, drafting: Drafting
) -> tuple[str, str, datetime | None]:
    if not ref.isdigit():
        raise ValidationFailed(f"{ref!r} is not an update number", field="update")
    update = uow.updates.get(int(ref))
    if update is None or update.incident_id != incident_id:
        raise NotFound(f"incident #{incident_id} has no update {ref}", update=ref)
    if update.state is not UpdateState.PUBLISHED:
        raise ValidationFailed(
            f"update {ref} is {update.state.value}: only a published update (approved by CMOC and IMOC) "
            "can go to customers in bulk; approve and publish it first, or use a macro",
            field="update",
        )
    # Ticket comments are plain text: the update as its text rendering, as other channels get it.
    return drafting.formats(update.body).text, f"update {ref}", update.published_at


def _last_public_update_at(uow: UnitOfWork, incident_id: int) -> datetime | None:
    published = [u.published_at for u in uow.updates.for_incident(incident_id) if u.published_at is not None]
    return max(published, default=None)


def start_reply(
    incident_id: int,
    request: ReplyRequest,
    *,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    drafting: Drafting,
) -> RunProgress:
    """Record the run and its ledger (one row per linked ticket) in one transaction; the worker
    sends. A second request for the same text while one runs returns that run."""
    ensure_may_act(actor)
    now = env.clock.now()
    with uow(write=True):
        incident = get_or_raise(uow, incident_id, for_update=True)
        check_allowed(env, Activity.BULK_REPLY, actor, incident)
        for run in uow.ticket_work.runs_for(incident_id):
            if run.state is RunState.RUNNING and (run.source, run.source_ref) == (
                request.source,
                request.ref,
            ):
                return RunProgress(run, uow.ticket_work.counts(run.id))
        plan = _plan(uow, env, incident_id, request, drafting)
        if not plan.targets:
            raise Conflict(
                f"no linked ticket of incident #{incident_id} would get this reply "
                f"({len(plan.excluded)} left out); a dry run shows why each is left out",
                excluded=len(plan.excluded),
            )
        run_id = uow.ticket_work.create_run(
            incident_id=incident_id,
            source=request.source,
            source_ref=request.ref,
            body=plan.body,
            public=request.public,
            status_change=request.status,
            created_by=actor.username,
            at=now,
        )
        uow.ticket_work.add_items(
            run_id,
            [
                (
                    p.ticket_id,
                    p.ticket.ref,
                    ItemState.SKIPPED if p.excluded else ItemState.PENDING,
                    p.excluded,
                )
                for p in plan.items
            ],
            now,
        )
        uow.incidents.append(
            incident_id,
            [
                ev.BulkReplyStarted(
                    at=now,
                    actor=actor.username,
                    run_id=run_id,
                    source=request.source.value,
                    source_ref=request.ref,
                    targets=len(plan.targets),
                    skipped=len(plan.excluded),
                    status_change=request.status.value if request.status else None,
                )
            ],
            expected_version=None,
        )
        progress = RunProgress(_run_or_raise(uow, incident_id, run_id), uow.ticket_work.counts(run_id))
        uow.commit()
    return progress


def reply_progress(incident_id: int, run_id: int, *, uow: UnitOfWork) -> RunProgress:
    with uow(write=False):
        run = _run_or_raise(uow, incident_id, run_id)
        return RunProgress(run, uow.ticket_work.counts(run_id))


def list_runs(incident_id: int, *, uow: UnitOfWork) -> list[RunProgress]:
    with uow(write=False):
        get_or_raise(uow, incident_id, roles_only=True)
        return [
            RunProgress(run, uow.ticket_work.counts(run.id)) for run in uow.ticket_work.runs_for(incident_id)
        ]


def cancel_reply(incident_id: int, run_id: int, *, actor: Actor, uow: UnitOfWork, env: Env) -> RunProgress:
    """Stop sending: tickets not handed to the ticket system yet are left out. Replies already on
    their way (submitted) still land; the worker records them."""
    now = env.clock.now()
    with uow(write=True):
        incident = get_or_raise(uow, incident_id, for_update=True)
        check_allowed(env, Activity.BULK_REPLY, actor, incident)
        run = _run_or_raise(uow, incident_id, run_id)
        if run.state is RunState.RUNNING:
            pending = uow.ticket_work.items(run_id, [ItemState.PENDING], limit=1_000_000)
            uow.ticket_work.set_items(
                run_id,
                [item.ticket_id for item in pending],
                state=ItemState.SKIPPED,
                at=now,
                reason=f"cancelled by {actor.username}",
                only_from=[ItemState.PENDING],
            )
            finish_run(uow, run, RunState.CANCELLED, actor=actor.username, at=now)
        progress = RunProgress(_run_or_raise(uow, incident_id, run_id), uow.ticket_work.counts(run_id))
        uow.commit()
    return progress


def finish_run(uow: UnitOfWork, run: BulkRun, state: RunState, *, actor: str, at: datetime) -> None:
    """End a run and record its totals on the incident's timeline."""
    uow.ticket_work.finish_run(run.id, state=state, at=at)
    counts = uow.ticket_work.counts(run.id)
    event = ev.BulkReplyFinished(
        at=at,
        actor=actor,
        run_id=run.id,
        state=state.value,
        replied=counts[ItemState.REPLIED],
        skipped=counts[ItemState.SKIPPED],
        failed=counts[ItemState.FAILED],
    )
    uow.incidents.append(run.incident_id, [event], expected_version=None)


def _run_or_raise(uow: UnitOfWork, incident_id: int, run_id: int) -> BulkRun:
    run = uow.ticket_work.run(run_id)
    if run is None or run.incident_id != incident_id:
        raise NotFound(f"incident #{incident_id} has no bulk reply {run_id}", run=run_id)
    return run
