"""Tickets (F5.1, F8.5-F8.8, F9.4-F9.5): the built-in store, matching and linking, the linking rule,
bulk replies with their progress, impact and SLA figures, and surges."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from sirf.api.context import Caller, CallerDep
from sirf.api.schemas import BulkReplyBody, MatchBody, RuleBody, TicketRefsBody
from sirf.api.ticket_json import (
    impact_json,
    link_json,
    plan_json,
    progress_json,
    sla_json,
    surge_json,
    ticket_json,
)
from sirf.domain.bulk_reply import ReplySource, check_status_change
from sirf.domain.errors import ValidationFailed
from sirf.domain.linking import LinkRule
from sirf.domain.tickets import check_tag
from sirf.services import bulk_replies as br
from sirf.services import ticket_figures as tf
from sirf.services import tickets as uc
from sirf.services.ticket_ports import TicketSearch

router = APIRouter(prefix="/api/v1", tags=["tickets"])
_DURATION = re.compile(r"^(\d{1,4})([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_since(value: str | None, now: datetime) -> datetime | None:
    """``2h``, ``30m``, ``1d`` (ago) or an ISO 8601 time with a zone."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    match = _DURATION.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    moment: datetime | None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        moment = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00:00+14:00 is before year 1 UTC
        moment = None
    if moment is None:
        raise ValidationFailed(
            f"since={value!r}: use a duration like 2h, 30m or 1d, or a time like 2026-11-27T08:00:00Z",
            field="since",
        )
    return moment


def _search(body: MatchBody, caller: Caller) -> TicketSearch:
    return TicketSearch(
        text=body.query,
        since=parse_since(body.since, caller.env.clock.now()),
        tag=check_tag(body.tag) if body.tag else None,
        unsolved_only=body.unsolved_only,
        limit=body.limit,
    )


@router.get("/incidents/{incident_id}/tickets", summary="Linked tickets, newest first, with the tag")
def list_linked(
    incident_id: int,
    caller: CallerDep,
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    page = uc.linked_tickets(incident_id, limit=limit, offset=offset, uow=caller.uow)
    next_offset = offset + len(page.tickets) if offset + len(page.tickets) < page.total else None
    return {
        "tag": page.tag,
        "tag_retired": page.retired,
        "rule": page.rule.to_json() if page.rule else None,
        "total": page.total,
        "items": [ticket_json(t) for t in page.tickets],
        "next_offset": next_offset,
    }


@router.post(
    "/incidents/{incident_id}/tickets/match",
    summary="Preview the tickets a query finds; with confirm=true, tag and link them",
)
def match(incident_id: int, body: MatchBody, caller: CallerDep) -> dict[str, Any]:
    system = caller.container.tickets
    search = _search(body, caller)
    if body.confirm:
        result = uc.link_matches(
            incident_id, search, actor=caller.actor, uow=caller.uow, env=caller.env, system=system
        )
        return link_json(result) | {"confirmed": True}
    found = uc.preview_matches(incident_id, search, uow=caller.uow, system=system)
    return {
        "confirmed": False,
        "count": len(found),
        "already_linked": sum(1 for m in found if m.linked),
        "items": [ticket_json(m.ticket) | {"linked": m.linked} for m in found],
    }


@router.post("/incidents/{incident_id}/tickets/link", summary="Link tickets by number (and tag them)")
def link(incident_id: int, body: TicketRefsBody, caller: CallerDep) -> dict[str, Any]:
    result = uc.link_refs(
        incident_id,
        body.tickets,
        actor=caller.actor,
        uow=caller.uow,
        env=caller.env,
        system=caller.container.tickets,
    )
    return link_json(result)


@router.post("/incidents/{incident_id}/tickets/unlink", summary="Unlink tickets (and remove the tag)")
def unlink(incident_id: int, body: TicketRefsBody, caller: CallerDep) -> dict[str, Any]:
    result = uc.unlink_refs(
        incident_id,
        body.tickets,
        actor=caller.actor,
        uow=caller.uow,
        env=caller.env,
        system_name=caller.container.tickets.name,
    )
    return link_json(result)


@router.put("/incidents/{incident_id}/tickets/rule", summary="Set the rule that links new tickets")
def set_rule(incident_id: int, body: RuleBody, caller: CallerDep) -> dict[str, Any]:
    rule = LinkRule(
        keywords=tuple(body.keywords),
        form=body.form,
        organization=body.organization,
        since=body.since,
        until=body.until,
    )
    return link_json(uc.set_link_rule(incident_id, rule, actor=caller.actor, uow=caller.uow, env=caller.env))


@router.delete("/incidents/{incident_id}/tickets/rule", summary="Clear the linking rule")
def clear_rule(incident_id: int, caller: CallerDep) -> dict[str, Any]:
    return link_json(uc.set_link_rule(incident_id, None, actor=caller.actor, uow=caller.uow, env=caller.env))


def _reply_request(body: BulkReplyBody) -> br.ReplyRequest:
    if (body.update is None) == (body.macro is None):
        raise ValidationFailed(
            "give exactly one of update (a published update's id) or macro", field="update"
        )
    source = ReplySource.UPDATE if body.update is not None else ReplySource.MACRO
    ref = str(body.update) if body.update is not None else str(body.macro)
    return br.ReplyRequest(source, ref, status=check_status_change(body.status), public=body.public)


@router.post(
    "/incidents/{incident_id}/tickets/replies",
    summary="Bulk reply to linked tickets from an approved text (dry_run previews the exact tickets)",
)
def bulk_reply(incident_id: int, body: BulkReplyBody, caller: CallerDep) -> JSONResponse:
    request = _reply_request(body)
    drafting = caller.container.drafting
    if body.dry_run:
        plan = br.plan_reply(incident_id, request, uow=caller.uow, env=caller.env, drafting=drafting)
        return JSONResponse(plan_json(plan))
    progress = br.start_reply(
        incident_id,
        request,
        actor=caller.actor,
        uow=caller.uow,
        env=caller.env,
        drafting=drafting,
    )
    return JSONResponse(progress_json(progress), status_code=202)


@router.get("/incidents/{incident_id}/tickets/replies", summary="Bulk replies of an incident")
def list_replies(incident_id: int, caller: CallerDep) -> dict[str, Any]:
    return {"items": [progress_json(p) for p in br.list_runs(incident_id, uow=caller.uow)]}


@router.get("/incidents/{incident_id}/tickets/replies/{run_id}", summary="A bulk reply's progress")
def reply_progress(incident_id: int, run_id: int, caller: CallerDep) -> dict[str, Any]:
    return progress_json(br.reply_progress(incident_id, run_id, uow=caller.uow))


@router.post("/incidents/{incident_id}/tickets/replies/{run_id}/cancel", summary="Stop a bulk reply")
def cancel_reply(incident_id: int, run_id: int, caller: CallerDep) -> dict[str, Any]:
    return progress_json(
        br.cancel_reply(incident_id, run_id, actor=caller.actor, uow=caller.uow, env=caller.env)
    )


@router.get("/incidents/{incident_id}/impact", summary="Customer impact figures from the linked tickets")
def impact(incident_id: int, caller: CallerDep) -> dict[str, Any]:
    figures = tf.incident_figures(incident_id, uow=caller.uow, env=caller.env)
    return {"incident_id": incident_id} | impact_json(figures.impact)


@router.get("/incidents/{incident_id}/sla", summary="First-response SLA: tickets at risk and breached")
def sla(incident_id: int, caller: CallerDep) -> dict[str, Any]:
    return sla_json(tf.incident_figures(incident_id, uow=caller.uow, env=caller.env))


@router.get("/incidents/{incident_id}/tickets/status", summary="Ticket summary of an incident")
def ticket_status(incident_id: int, caller: CallerDep) -> dict[str, Any]:
    page = uc.linked_tickets(incident_id, limit=1, offset=0, uow=caller.uow)
    figures = tf.incident_figures(incident_id, uow=caller.uow, env=caller.env)
    with caller.uow(write=False):
        pending_tags = caller.uow.ticket_work.pending_tag_ops(incident_id)
    runs = br.list_runs(incident_id, uow=caller.uow)
    return {
        "incident_id": incident_id,
        "system": caller.container.tickets.name,
        "tag": page.tag,
        "tag_retired": page.retired,
        "rule": page.rule.to_json() if page.rule else None,
        "linked": page.total,
        "pending_tag_operations": pending_tags,
        "customers": figures.impact.customers,
        "queue_health": figures.impact.queue_health.value,
        "sla_at_risk": len(figures.at_risk),
        "sla_breached": len(figures.breached),
        "replies": [progress_json(p) for p in runs],
    }


@router.get("/tickets/surges", summary="Groups of similar tickets surging above their baseline")
def surges(caller: CallerDep) -> dict[str, Any]:
    found = tf.find_surges(uow=caller.uow, env=caller.env, system=caller.container.tickets.name)
    return {"items": [surge_json(s) for s in found]}
