"""The incident room: the page, its live timeline fragment and the actions on roles, release,
impact, severity, lifecycle, tasks and notes. Every action calls the same use case as the API."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from sirf.domain.errors import ValidationFailed
from sirf.domain.lifecycle import Phase
from sirf.domain.release import ReleaseCriterion
from sirf.domain.roles import Role
from sirf.domain.severity import Severity
from sirf.domain.tasks import TaskStatus
from sirf.services import engagement, incidents, work
from sirf.services.room import recent_timeline
from sirf.web.actions import attempt
from sirf.web.context import PostedForm, VisitorDep, guard_origin
from sirf.web.errors import Problem
from sirf.web.forms import Form
from sirf.web.room import IMPACT_FLAGS, error_page, room_action, room_page
from sirf.web.ticket_panel import shown_count

router = APIRouter(
    prefix="/incidents/{incident_id:int}", dependencies=[Depends(guard_origin)], include_in_schema=False
)


@router.get("")
def room(incident_id: int, visitor: VisitorDep, done: str = "", shown: str = "") -> HTMLResponse:
    # ``shown``: linked tickets listed ("Show more" without JavaScript); the fragment reads it too.
    return room_page(visitor, incident_id, done=done, shown=shown_count(shown))


@router.get("/fragments/timeline")
def timeline(incident_id: int, visitor: VisitorDep) -> HTMLResponse:
    entries = attempt(lambda: recent_timeline(incident_id, uow=visitor.uow))
    if isinstance(entries, Problem):
        return error_page(visitor, entries)
    return visitor.page("room/_timeline_items.html", entries=entries)


@router.post("/roles/{role}/assign")
def assign(incident_id: int, role: str, visitor: VisitorDep, form: PostedForm) -> Response:
    return room_action(
        visitor,
        incident_id,
        panel="roles",
        form=form,
        done="assigned",
        action=lambda: engagement.assign_role(
            incident_id,
            Role.parse(role),
            form.text("person").lower(),
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
        ),
    )


@router.post("/roles/{role}/release")
def release(incident_id: int, role: str, visitor: VisitorDep, form: PostedForm) -> Response:
    return room_action(
        visitor,
        incident_id,
        panel="roles",
        form=form,
        done="released",
        action=lambda: engagement.release_role(
            incident_id, Role.parse(role), actor=visitor.actor, uow=visitor.uow, env=visitor.env
        ),
    )


@router.post("/attestations")
def attest(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return room_action(
        visitor,
        incident_id,
        panel="roles",
        form=form,
        done="attested",
        action=lambda: engagement.attest_criterion(
            incident_id,
            ReleaseCriterion.parse(form.get("criterion")),
            note=form.get("note"),
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
        ),
    )


def _impact_changes(form: Form) -> dict[str, object]:
    raw = form.text("customers_affected")
    if raw and not raw.isdigit():
        raise ValidationFailed("customers affected must be a whole number", field="customers_affected")
    changes: dict[str, object] = {"customers_affected": int(raw) if raw else None}
    changes |= {name: form.checked(name) for name in IMPACT_FLAGS}
    return changes


@router.post("/impact")
def impact(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return room_action(
        visitor,
        incident_id,
        panel="triggers",
        form=form,
        done="impact",
        action=lambda: engagement.update_impact(
            incident_id, _impact_changes(form), actor=visitor.actor, uow=visitor.uow, env=visitor.env
        ),
    )


@router.post("/severity")
def severity(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return room_action(
        visitor,
        incident_id,
        panel="lifecycle",
        form=form,
        done="severity",
        action=lambda: incidents.change_severity(
            incident_id,
            Severity.parse(form.get("severity")),
            reason=form.get("reason"),
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
        ),
    )


@router.post("/phase")
def phase(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return room_action(
        visitor,
        incident_id,
        panel="lifecycle",
        form=form,
        done="phase",
        action=lambda: incidents.change_phase(
            incident_id,
            Phase.parse(form.get("phase")),
            reason=form.get("reason"),
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
        ),
    )


@router.post("/tasks")
def add_task(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return room_action(
        visitor,
        incident_id,
        panel="tasks",
        form=form,
        done="task-added",
        action=lambda: work.add_task(
            incident_id,
            form.get("title"),
            owner=form.text("owner").lower(),
            due_at=None,
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
        ),
    )


@router.post("/tasks/{number}")
def update_task(incident_id: int, number: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return room_action(
        visitor,
        incident_id,
        panel="tasks",
        form=form,
        done="task-updated",
        action=lambda: work.update_task(
            incident_id,
            number,
            status=TaskStatus.parse(form.get("status")),
            owner=None,
            due_at=None,
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
        ),
    )


@router.post("/notes")
def note(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return room_action(
        visitor,
        incident_id,
        panel="notes",
        form=form,
        done="note",
        action=lambda: work.add_note(
            incident_id, form.get("text"), actor=visitor.actor, uow=visitor.uow, env=visitor.env
        ),
    )
