"""Status updates from the incident room (F8): draft from a template, edit, ask for review,
approve the exact text (its ETag, as shown), publish and withdraw."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from sirf.services import communications as uc
from sirf.web.actions import attempt
from sirf.web.context import PostedForm, Visitor, VisitorDep, guard_origin
from sirf.web.errors import Problem
from sirf.web.forms import Form
from sirf.web.room import error_page, room_action

router = APIRouter(dependencies=[Depends(guard_origin)], include_in_schema=False)


@router.post("/incidents/{incident_id:int}/updates")
def draft(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return room_action(
        visitor,
        incident_id,
        panel="updates",
        form=form,
        done="drafted",
        action=lambda: uc.draft_update(
            incident_id,
            uc.DraftRequest(template=form.get("template")),
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
            drafting=visitor.drafting,
        ),
    )


def _on_update(
    visitor: Visitor, update_id: int, form: Form, done: str, action: Callable[[], object]
) -> Response:
    """Run ``action`` on an update, coming back to the room of the update's incident."""
    found = attempt(
        lambda: uc.get_update(update_id, uow=visitor.uow, env=visitor.env, drafting=visitor.drafting)
    )
    if isinstance(found, Problem):
        return error_page(visitor, found)
    return room_action(
        visitor,
        found.update.incident_id,
        panel="updates",
        form=form,
        done=done,
        action=action,
        anchor=f"update-{update_id}",
    )


@router.post("/updates/{update_id:int}/edit")
def edit(update_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return _on_update(
        visitor,
        update_id,
        form,
        "edited",
        lambda: uc.edit_update(
            update_id,
            body=form.get("body"),
            public_state=None,
            components=None,
            next_update_at=None,
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
            drafting=visitor.drafting,
        ),
    )


@router.post("/updates/{update_id:int}/request-review")
def request_review(update_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return _on_update(
        visitor,
        update_id,
        form,
        "review-requested",
        lambda: uc.request_review(
            update_id, actor=visitor.actor, uow=visitor.uow, env=visitor.env, drafting=visitor.drafting
        ),
    )


@router.post("/updates/{update_id:int}/approve")
def approve(update_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return _on_update(
        visitor,
        update_id,
        form,
        "approved",
        lambda: uc.approve_update(
            update_id,
            etag=form.text("etag"),
            as_reviewer=None,
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
            drafting=visitor.drafting,
        ),
    )


@router.post("/updates/{update_id:int}/publish")
def publish(update_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return _on_update(
        visitor,
        update_id,
        form,
        "published",
        lambda: uc.publish_update(
            update_id,
            dry_run=False,
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
            drafting=visitor.drafting,
        ),
    )


@router.post("/updates/{update_id:int}/withdraw")
def withdraw(update_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    return _on_update(
        visitor,
        update_id,
        form,
        "withdrawn",
        lambda: uc.withdraw_update(
            update_id, actor=visitor.actor, uow=visitor.uow, env=visitor.env, drafting=visitor.drafting
        ),
    )
