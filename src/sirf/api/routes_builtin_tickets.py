"""The built-in ticket store's own operations (for teams without Zendesk): create a ticket, show it
with its comments, change it (status, priority, tags, the customer's rating) and comment on it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sirf.api.context import Caller, CallerDep
from sirf.api.schemas import CommentBody, TicketBody, TicketChangeBody
from sirf.api.serialize import iso
from sirf.api.ticket_json import ticket_json
from sirf.domain.errors import NotFound, ValidationFailed
from sirf.domain.tickets import Satisfaction, TicketPriority, TicketStatus
from sirf.services import tickets as uc

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])


def _builtin_only(caller: Caller, *, creating: bool = False) -> None:
    name = caller.container.tickets.name
    if name == uc.BUILTIN:
        return
    if creating:
        message = f"tickets come from {name} here; create them there (its webhook brings them in)"
    else:
        message = f"tickets live in {name} here; change them there"
    raise ValidationFailed(message, field="system")


@router.post("", status_code=201, summary="Create a ticket in the built-in ticket store")
def create(body: TicketBody, caller: CallerDep) -> JSONResponse:
    _builtin_only(caller, creating=True)
    ticket, incidents = uc.create_builtin_ticket(
        uc.NewTicket(
            subject=body.subject,
            requester=body.requester,
            description=body.description,
            priority=TicketPriority.parse(body.priority),
            organization=body.organization,
            form=body.form,
            tags=tuple(body.tags),
            public=body.public,
        ),
        actor=caller.actor,
        uow=caller.uow,
        env=caller.env,
    )
    return JSONResponse(ticket_json(ticket) | {"linked_incidents": incidents}, status_code=201)


def _satisfaction(value: str | None) -> Satisfaction | None:
    if value is None:
        return None
    try:
        return Satisfaction(value.strip().lower())
    except ValueError:
        raise ValidationFailed(f"satisfaction {value!r}: use good or bad", field="satisfaction") from None


@router.get("/{ref}", summary="A built-in ticket with its comments and the incidents it is linked to")
def show(ref: str, caller: CallerDep) -> dict[str, Any]:
    _builtin_only(caller)
    uow = caller.uow
    with uow(write=False):
        stored = uow.tickets.get(uc.BUILTIN, ref)
        if stored is None:
            raise NotFound(f"no built-in ticket #{ref}", ticket=ref)
        comments = uow.tickets.comments(stored.id)
        incidents = uow.tickets.incidents_of(stored.id)
    return ticket_json(stored.ticket) | {
        "description": stored.ticket.description,
        "linked_incidents": incidents,
        "comments": [
            {
                "author": c["author"],
                "public": c["public"],
                "body": c["body"],
                "created_at": iso(c["created_at"]),
            }
            for c in comments
        ],
    }


@router.patch("/{ref}", summary="Change a built-in ticket: status, priority, tags, satisfaction")
def change(ref: str, body: TicketChangeBody, caller: CallerDep) -> dict[str, Any]:
    _builtin_only(caller)
    ticket, incidents = uc.change_builtin_ticket(
        ref,
        uc.TicketChange(
            status=TicketStatus.parse(body.status) if body.status else None,
            priority=TicketPriority.parse(body.priority) if body.priority else None,
            add_tags=tuple(body.add_tags),
            remove_tags=tuple(body.remove_tags),
            satisfaction=_satisfaction(body.satisfaction),
        ),
        actor=caller.actor,
        uow=caller.uow,
        env=caller.env,
    )
    return ticket_json(ticket) | {"linked_incidents": incidents}


@router.post("/{ref}/comments", status_code=201, summary="Reply to (or note on) a built-in ticket")
def comment(ref: str, body: CommentBody, caller: CallerDep) -> dict[str, Any]:
    _builtin_only(caller)
    ticket = uc.comment_on_builtin_ticket(
        ref, body.body, public=body.public, actor=caller.actor, uow=caller.uow, env=caller.env
    )
    return ticket_json(ticket)
