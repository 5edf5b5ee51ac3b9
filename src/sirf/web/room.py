"""Rendering the incident room, and running one of its actions with the outcome shown in place.

An action that succeeds redirects back to its panel (post/redirect/get, so a reload never repeats
it) with a fixed notice; one the service refuses re-renders the room with the message next to the
form that was used, keeping what was typed.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.responses import HTMLResponse, Response

from sirf.domain.lifecycle import allowed_from
from sirf.domain.release import ReleaseCriterion
from sirf.domain.roles import Role
from sirf.domain.severity import Severity
from sirf.domain.tasks import TaskStatus
from sirf.services.room import incident_room
from sirf.templates.registry import TEMPLATES
from sirf.web.actions import attempt
from sirf.web.context import Visitor, see_other
from sirf.web.errors import Problem
from sirf.web.forms import Form
from sirf.web.ticket_panel import PAGE, ReplyPreview, figures_cache, room_panel

# Notices after a successful action, by the code in ``?done=``; never text from the request.
DONE = {
    "declared": "Incident declared.",
    "assigned": "Role assigned.",
    "released": "Role released.",
    "attested": "Release criterion attested.",
    "impact": "Impact updated; the triggers were re-run.",
    "severity": "Severity changed.",
    "phase": "Phase changed.",
    "task-added": "Task added.",
    "task-updated": "Task updated.",
    "note": "Note added.",
    "drafted": "Update drafted.",
    "edited": "Update edited; earlier approvals no longer count.",
    "review-requested": "Review requested.",
    "approved": "Approval recorded.",
    "published": "Update published.",
    "withdrawn": "Update withdrawn.",
    "tickets-linked": "Tickets linked; the incident tag is being added to them.",
    "tickets-already": "Those tickets were linked already; nothing changed.",
    "ticket-unlinked": "Ticket unlinked; the incident tag is being removed from it.",
    "rule-set": "Linking rule set; stored tickets that match it were linked.",
    "rule-cleared": "Linking rule cleared; tickets linked by it stay linked.",
    "reply-started": "Bulk reply under way; the worker sends it and its progress shows below.",
    "reply-cancelled": "Bulk reply cancelled; replies not yet handed over will not be sent.",
}

# Where a notice shows when it is not at the top of the room: next to the part of the tickets panel
# the action changed (its id is "flash" wherever it is, and the redirect scrolls to it).
NOTICE_PLACES = {
    "tickets-linked": "tickets",
    "tickets-already": "tickets",
    "ticket-unlinked": "tickets",
    "rule-set": "tickets",
    "rule-cleared": "tickets",
    "reply-started": "tickets-runs",
    "reply-cancelled": "tickets-runs",
}

IMPACT_FLAGS = {
    "bulk_communication_needed": "Bulk customer communication is needed",
    "support_coordination_needed": "Support resources need coordination",
    "complex_impact": "Customer impact is complex",
    "resource_conflict": "Support resources conflict",
    "sla_at_risk": "An SLA is at risk",
    "sirt_involved": "SIRT is involved",
}


def error_page(visitor: Visitor, problem: Problem) -> HTMLResponse:
    return visitor.page("error.html", status=problem.status, problem=problem, nav=None)


def room_page(
    visitor: Visitor,
    incident_id: int,
    *,
    panel: str | None = None,
    problem: Problem | None = None,
    form: Form | None = None,
    done: str | None = None,
    shown: int = PAGE,
    preview: ReplyPreview | None = None,
) -> HTMLResponse:
    room = attempt(
        lambda: incident_room(incident_id, uow=visitor.uow, env=visitor.env, drafting=visitor.drafting)
    )
    if isinstance(room, Problem):
        return error_page(visitor, room)
    cache = figures_cache(visitor.request)
    tickets, refresh = room_panel(cache, visitor.container, visitor.uow, room, shown=shown, preview=preview)
    response = visitor.page(
        "room.html",
        status=problem.status if problem else 200,
        nav=None,
        room=room,
        panel=panel,
        problem=problem,
        form=form or Form({}),
        done=DONE.get(done or ""),
        done_in=NOTICE_PLACES.get(done or ""),
        roles=list(Role),
        criteria=list(ReleaseCriterion),
        severities=list(Severity),
        next_phases=allowed_from(room.incident.phase),
        task_statuses=list(TaskStatus),
        templates=list(TEMPLATES.values()),
        impact_flags=IMPACT_FLAGS,
        tickets=tickets,
    )
    response.background = refresh  # stale ticket figures are worked out after the page is sent
    return response


def room_action(
    visitor: Visitor,
    incident_id: int,
    *,
    panel: str,
    form: Form,
    done: str,
    action: Callable[[], object],
    anchor: str | None = None,
) -> Response:
    result = attempt(action)
    if isinstance(result, Problem):
        return room_page(visitor, incident_id, panel=panel, problem=result, form=form)
    return see_other(f"/incidents/{incident_id}?done={done}#{anchor or 'panel-' + panel}")
