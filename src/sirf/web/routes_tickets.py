"""The incident room's tickets panel (F5.1, F8.5, F8.6): its polled fragments, and linking,
unlinking, the linking rule and the bulk-reply wizard (dry run, send, cancel).

Every action calls the same use case as the API (``sirf.api.routes_tickets``); a refusal (a viewer,
a RACI role held by someone else, a bad ticket number) is shown next to the form that was used.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from sirf.domain.errors import NotFound, ValidationFailed
from sirf.domain.linking import LinkRule
from sirf.services import bulk_replies as br
from sirf.services import tickets as uc
from sirf.services.context import ensure_may_act
from sirf.web.actions import attempt
from sirf.web.context import PostedForm, Visitor, VisitorDep, guard_origin, see_other
from sirf.web.errors import Problem, problem
from sirf.web.forms import Form
from sirf.web.room import error_page, room_page
from sirf.web.ticket_panel import (
    ReplyPreview,
    current_figures,
    figures_cache,
    load_linked,
    load_runs,
    reply_request,
    shown_count,
)

router = APIRouter(
    prefix="/incidents/{incident_id:int}", dependencies=[Depends(guard_origin)], include_in_schema=False
)
_SEPARATORS = re.compile(r"[\s,;]+")


# ----- fragments (polled by htmx) --------------------------------------------------------------------


@router.get("/fragments/tickets")
def linked_fragment(incident_id: int, visitor: VisitorDep, shown: str = "") -> HTMLResponse:
    linked = attempt(lambda: load_linked(visitor.uow, incident_id, shown_count(shown)))
    if isinstance(linked, Problem):
        return error_page(visitor, linked)
    return visitor.page("room/_tickets_live.html", incident_id=incident_id, linked=linked)


@router.get("/fragments/tickets/figures")
def figures_fragment(incident_id: int, visitor: VisitorDep, recompute: str = "") -> HTMLResponse:
    cache = figures_cache(visitor.request)
    found = attempt(
        lambda: current_figures(
            cache, visitor.container, visitor.uow, incident_id, recompute=recompute == "1"
        )
    )
    if isinstance(found, Problem):
        return error_page(visitor, found)
    figures, refresh = found
    response = visitor.page("room/_tickets_figures.html", incident_id=incident_id, figures=figures)
    response.background = refresh
    return response


@router.get("/fragments/tickets/runs")
def runs_fragment(incident_id: int, visitor: VisitorDep) -> HTMLResponse:
    runs = attempt(lambda: load_runs(visitor.uow, incident_id))
    if isinstance(runs, Problem):
        return error_page(visitor, runs)
    return visitor.page("room/_tickets_runs.html", incident_id=incident_id, runs=runs)


# ----- actions -----------------------------------------------------------------------------------------


def _act(
    visitor: Visitor,
    incident_id: int,
    *,
    panel: str,
    form: Form,
    action: Callable[[], str],
    anchor: str = "flash",
) -> Response:
    """Run ``action`` (it returns the notice code); back to the panel, or the room with the problem
    next to the form. Either way the incident's cached figures are dropped: the tickets changed."""
    done = attempt(action)
    figures_cache(visitor.request).forget(incident_id)
    if isinstance(done, Problem):
        return room_page(visitor, incident_id, panel=panel, problem=done, form=form)
    return see_other(f"/incidents/{incident_id}?done={done}#{anchor}")


def ticket_refs(raw: str) -> list[str]:
    """Ticket numbers as typed: separated by spaces, commas or semicolons, with or without ``#``."""
    refs = [part.lstrip("#") for part in _SEPARATORS.split(raw) if part.lstrip("#")]
    if not refs:
        raise ValidationFailed("give one or more ticket numbers, such as 1042, 1043", field="tickets")
    return refs


@router.post("/tickets/link")
def link(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    def run() -> str:
        result = uc.link_refs(
            incident_id,
            ticket_refs(form.get("tickets")),
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
            system=visitor.container.tickets,
        )
        return "tickets-linked" if result.linked else "tickets-already"

    return _act(visitor, incident_id, panel="tickets-link", form=form, action=run)


@router.post("/tickets/unlink")
def unlink(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    def run() -> str:
        refs = ticket_refs(form.get("ticket"))
        result = uc.unlink_refs(
            incident_id,
            refs,
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
            system_name=visitor.container.tickets.name,
        )
        if not result.linked:  # the use case changes nothing then; say so rather than "unlinked"
            numbers = ", ".join("#" + ref for ref in refs[:10])
            raise NotFound(f"{numbers} is not linked to incident #{incident_id}", tickets=refs[:100])
        return "ticket-unlinked"

    return _act(visitor, incident_id, panel="tickets-link", form=form, action=run)


def _keywords(form: Form) -> tuple[str, ...]:
    words = tuple(dict.fromkeys(line.strip() for line in form.get("keywords").splitlines() if line.strip()))
    if not words:
        raise ValidationFailed(
            "give at least one word or phrase, one per line (to stop linking by a rule, clear it)",
            field="keywords",
        )
    return words


@router.post("/tickets/rule")
def set_rule(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    def run() -> str:
        current = load_linked(visitor.uow, incident_id, 1).rule
        # The page edits the keywords; the rest of a rule set through the API or CLI is kept.
        rule = LinkRule(
            keywords=_keywords(form),
            form=current.form if current else None,
            organization=current.organization if current else None,
            since=current.since if current else None,
            until=current.until if current else None,
        )
        uc.set_link_rule(incident_id, rule, actor=visitor.actor, uow=visitor.uow, env=visitor.env)
        return "rule-set"

    return _act(visitor, incident_id, panel="tickets-rule", form=form, action=run)


@router.post("/tickets/rule/clear")
def clear_rule(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    def run() -> str:
        uc.set_link_rule(incident_id, None, actor=visitor.actor, uow=visitor.uow, env=visitor.env)
        return "rule-cleared"

    return _act(visitor, incident_id, panel="tickets-rule", form=form, action=run)


def _plan(visitor: Visitor, incident_id: int, request: br.ReplyRequest) -> br.ReplyPlan:
    return br.plan_reply(incident_id, request, uow=visitor.uow, env=visitor.env, drafting=visitor.drafting)


def _preview(visitor: Visitor, form: Form, incident_id: int) -> ReplyPreview:
    ensure_may_act(visitor.actor)  # the dry run changes nothing, but only people who may send see it
    request = reply_request(form)
    return ReplyPreview(_plan(visitor, incident_id, request), form.get("source"), form.get("status"))


@router.post("/tickets/replies/preview")
def preview(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    found = attempt(lambda: _preview(visitor, form, incident_id))
    if isinstance(found, Problem):
        return room_page(visitor, incident_id, panel="tickets-reply", problem=found, form=form)
    return room_page(visitor, incident_id, panel="tickets-reply", form=form, preview=found)


@router.post("/tickets/replies")
def send(incident_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    """Start the run previewed. When the targets changed since the preview (tickets linked or
    answered meanwhile), nothing is sent: the new dry run is shown with the difference."""
    found = attempt(lambda: _preview(visitor, form, incident_id))
    if isinstance(found, Problem):
        return room_page(visitor, incident_id, panel="tickets-reply", problem=found, form=form)
    expected = form.text("expected")
    targets = len(found.targets)
    if expected and expected != str(targets):
        changed = problem(
            409,
            "The tickets changed",
            f"this reply would now go to {targets} tickets, not the {expected} previewed; "
            "check the new preview and send again",
            code="targets_changed",
        )
        return room_page(
            visitor, incident_id, panel="tickets-reply", problem=changed, form=form, preview=found
        )

    def run() -> str:
        br.start_reply(
            incident_id,
            reply_request(form),
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
            drafting=visitor.drafting,
        )
        return "reply-started"

    return _act(visitor, incident_id, panel="tickets-reply", form=form, action=run)


@router.post("/tickets/replies/{run_id:int}/cancel")
def cancel(incident_id: int, run_id: int, visitor: VisitorDep, form: PostedForm) -> Response:
    def run() -> str:
        br.cancel_reply(incident_id, run_id, actor=visitor.actor, uow=visitor.uow, env=visitor.env)
        return "reply-cancelled"

    return _act(visitor, incident_id, panel="tickets-runs", form=form, action=run)
