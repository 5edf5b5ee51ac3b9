"""The built-in ticket store's own operations (for teams without Zendesk): show a ticket with its
comments, change it (status, priority, tags, the customer's rating) and comment on it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sirf.api.context import Caller, CallerDep
from sirf.api.schemas import CommentBody, TicketChangeBody
from sirf.api.serialize import iso
from sirf.api.ticket_json import ticket_json
from sirf.domain.errors import NotFound, ValidationFailed
from sirf.domain.tickets import Satisfaction, TicketPriority, TicketStatus
from sirf.services import tickets as uc

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])


def _builtin_only(caller: Caller) -> None:
    name = caller.container.tickets.name
    if name != uc.BUILTIN:
        raise ValidationFailed(f"tickets live in {name} here; change them there", field="system")


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
