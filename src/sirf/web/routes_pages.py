"""The dashboard (with its polled fragment) and the declare form (F1 scope check explained)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from sirf.domain.roles import Role, Source
from sirf.domain.scope import REDIRECTS, IncidentKind, OutOfScopeKind
from sirf.domain.severity import Severity
from sirf.services import incidents
from sirf.services.dashboard import dashboard
from sirf.web.actions import attempt
from sirf.web.context import PostedForm, Visitor, VisitorDep, guard_origin, see_other
from sirf.web.errors import Problem
from sirf.web.forms import Form

router = APIRouter(dependencies=[Depends(guard_origin)], include_in_schema=False)

KIND_LABELS = {
    IncidentKind.CUSTOMER_EMERGENCY: "Customer-reported production emergency (F1.1)",
    IncidentKind.SAAS_OUTAGE: "SaaS service outage needing support coordination (F1.2)",
    IncidentKind.SECURITY_INCIDENT: "Security incident needing a support response (F1.3)",
    IncidentKind.PRODUCT_ISSUE: "High-impact product issue (F1.4)",
    IncidentKind.RELEASE_IMPACT: "Customer impact after a release (F1.5)",
}


@router.get("/")
def home(visitor: VisitorDep) -> HTMLResponse:
    board = dashboard(actor=visitor.actor, uow=visitor.uow, env=visitor.env)
    return visitor.page("dashboard.html", board=board, roles=list(Role), nav="dashboard")


@router.get("/fragments/dashboard")
def dashboard_fragment(visitor: VisitorDep) -> HTMLResponse:
    board = dashboard(actor=visitor.actor, uow=visitor.uow, env=visitor.env)
    return visitor.page("_dashboard.html", board=board, roles=list(Role))


def may_override_scope(visitor: Visitor) -> bool:
    """Whether to offer the F5.2 override field; the use case decides again on submit."""
    roster = visitor.env.framework.roster
    return visitor.is_admin or roster.lists(Role.SMOC, visitor.user.username)


def _declare_page(visitor: Visitor, form: Form, problem: Problem | None = None) -> HTMLResponse:
    return visitor.page(
        "declare.html",
        status=problem.status if problem else 200,
        nav="declare",
        kinds=KIND_LABELS,
        out_of_scope={kind: REDIRECTS[kind] for kind in OutOfScopeKind},
        severities=list(Severity),
        descriptions=visitor.env.framework.severity_descriptions,
        sources=list(Source),
        may_override=may_override_scope(visitor),
        form=form,
        problem=problem,
    )


@router.get("/incidents/new")
def declare_page(visitor: VisitorDep) -> HTMLResponse:
    return _declare_page(visitor, Form({}))


@router.post("/incidents")
def declare(visitor: VisitorDep, form: PostedForm) -> Response:
    def run() -> int:
        declaration = incidents.Declaration(
            title=form.get("title"),
            kind=form.get("kind"),
            severity=Severity.parse(form.get("severity")),
            source=Source.parse(form.get("source") or Source.SUPPORT.value),
            summary=form.get("summary"),
            affected_services=tuple(s.strip() for s in form.get("services").split(",") if s.strip()),
            override_scope_reason=form.text("override_scope_reason") or None,
        )
        return incidents.declare_incident(
            declaration, actor=visitor.actor, uow=visitor.uow, env=visitor.env
        ).id

    result = attempt(run)
    if isinstance(result, Problem):
        return _declare_page(visitor, form, result)
    return see_other(f"/incidents/{result}?done=declared")
