"""Incident commands: declare, list, show, impact (the ticket figures, or the impact facts)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click

from sirf.cli import ticket_views, views
from sirf.cli.client import compact, incident_path
from sirf.cli.output import emit, fields, message, print_json
from sirf.cli.params import Moment
from sirf.cli.session import Decorated, Session, if_version_option, json_option, pass_session


@click.command(short_help="Declare a new incident.")
@click.argument("title")
@click.option(
    "--kind",
    required=True,
    metavar="KIND",
    help="saas-outage, customer-emergency, security-incident, product-issue or release-impact.",
)
@click.option("--severity", required=True, type=int, metavar="1-4", help="1 (critical) to 4 (minor).")
@click.option(
    "--source",
    metavar="SOURCE",
    help="Where it came in: infrastructure, security, support (default), product or release.",
)
@click.option("--summary", metavar="TEXT", help="What is known so far.")
@click.option("--service", "services", multiple=True, metavar="NAME", help="An affected service (repeat).")
@click.option(
    "--detected-at", type=Moment(past=True), help="When it was noticed: ISO time or e.g. 20m (ago)."
)
@click.option("--override-scope", metavar="REASON", help="Declare an out-of-scope kind anyway (SMOC, admin).")
@json_option
@pass_session
def declare(
    session: Session,
    title: str,
    kind: str,
    severity: int,
    source: str | None,
    summary: str | None,
    services: tuple[str, ...],
    detected_at: str | None,
    override_scope: str | None,
    as_json: bool,
) -> None:
    """\b
    Examples:
      sirf declare "Users cannot sign in" --kind saas-outage --severity 2 --source infrastructure
      sirf declare "Checkout fails for EU customers" --kind product-issue --severity 3 \\
          --service checkout --service payments --detected-at 20m

    Declare an incident. Kinds outside the framework's scope are refused (exit 5) with where the
    report belongs instead; someone on the SMOC roster or an admin may override with --override-scope.
    """
    body = {
        "title": title,
        "kind": kind,
        "severity": severity,
        "source": source,
        "summary": summary,
        "affected_services": list(services) or None,
        "detected_at": detected_at,
        "override_scope_reason": override_scope,
    }
    incident = session.api().post("/incidents", compact(body))
    emit(as_json, incident, views.summary_line)


@click.command("list", short_help="List incidents, most customers affected first.")
@click.option("--all", "show_all", is_flag=True, help="Every incident, whatever its status.")
@click.option("--status", metavar="STATUS", help="active (default), resolved, closed or all.")
@click.option("--severity", type=int, metavar="1-4", help="Only this severity.")
@click.option("--kind", metavar="KIND", help="Only this kind, e.g. saas-outage.")
@click.option("--phase", metavar="PHASE", help="Only this phase, e.g. response.")
@click.option("--limit", type=int, metavar="N", help="At most this many (1-200; server default 50).")
@click.option("--cursor", metavar="CURSOR", help="Continue from a previous page's next_cursor.")
@json_option
@pass_session
def list_incidents(
    session: Session,
    show_all: bool,
    status: str | None,
    severity: int | None,
    kind: str | None,
    phase: str | None,
    limit: int | None,
    cursor: str | None,
    as_json: bool,
) -> None:
    """\b
    Examples:
      sirf list
      sirf list --all --severity 1
      sirf list --status resolved --kind saas-outage --json

    List incidents ordered by customers affected, then severity, then newest. Active ones by default.
    """
    if show_all and status not in (None, "all"):
        raise click.UsageError("--all and --status contradict each other; use one of them")
    query = {
        "status": "all" if show_all else status,
        "severity": severity,
        "kind": kind,
        "phase": phase,
        "limit": limit,
        "cursor": cursor,
    }
    page = session.api().get("/incidents", query)
    if as_json:
        print_json(page)
        return
    items = page.get("items") or []
    if items:
        click.echo(views.list_table(items))
    else:
        message("no incidents match")
    if page.get("next_cursor"):
        message(f"more: add --cursor {page['next_cursor']}")


@click.command(short_help="Show everything about one incident.")
@click.argument("incident_id", metavar="ID", type=int)
@json_option
@pass_session
def show(session: Session, incident_id: int, as_json: bool) -> None:
    """\b
    Examples:
      sirf show 42
      sirf show 42 --json

    Show an incident: its facts, timestamps (in your local timezone), impact, roles and their
    holders, role history, tasks, engaged teams and release attestations.
    """
    incident = session.api().get(incident_path(incident_id))
    emit(as_json, incident, views.detail)


def _flag(name: str, key: str, what: str) -> Callable[[Decorated], Decorated]:
    return click.option(f"--{name}/--no-{name}", key, default=None, help=f"Whether {what}.")


@click.command(short_help="Show the ticket impact figures, or record impact facts.")
@click.argument("incident_id", metavar="ID", type=int)
@click.option("--customers", type=int, metavar="N", help="How many customers are affected.")
@_flag("bulk-communication", "bulk_communication_needed", "bulk customer communication is needed")
@_flag("support-coordination", "support_coordination_needed", "support resources need coordination")
@_flag("complex-impact", "complex_impact", "customer impact is complex")
@_flag("resource-conflict", "resource_conflict", "support resources conflict")
@_flag("sla-at-risk", "sla_at_risk", "an SLA is at risk")
@_flag("sirt", "sirt_involved", "SIRT is involved")
@click.option("--service", "services", multiple=True, metavar="NAME", help="Affected services (replaces).")
@click.option("--summary", metavar="TEXT", help="A new summary.")
@if_version_option
@json_option
@pass_session
def impact(
    session: Session,
    incident_id: int,
    customers: int | None,
    bulk_communication_needed: bool | None,
    support_coordination_needed: bool | None,
    complex_impact: bool | None,
    resource_conflict: bool | None,
    sla_at_risk: bool | None,
    sirt_involved: bool | None,
    services: tuple[str, ...],
    summary: str | None,
    if_version: int | None,
    as_json: bool,
) -> None:
    """\b
    Examples:
      sirf impact 42
      sirf impact 42 --customers 130 --bulk-communication
      sirf impact 42 --sla-at-risk --no-complex-impact --service login --service sso

    Without options: the figures from the incident's linked tickets: customers and organisations,
    segments, regions, tickets per hour with the peak and its hour (local time), current and
    average first response time, queue health, the top issues, and CSAT against its baseline.

    With options: update the impact facts; only the options given change. The engagement triggers
    are re-evaluated: see `sirf triggers ID` for which roles to engage now.
    """
    body = compact(
        {
            "customers_affected": customers,
            "bulk_communication_needed": bulk_communication_needed,
            "support_coordination_needed": support_coordination_needed,
            "complex_impact": complex_impact,
            "resource_conflict": resource_conflict,
            "sla_at_risk": sla_at_risk,
            "sirt_involved": sirt_involved,
            "affected_services": list(services) or None,
            "summary": summary,
        }
    )
    if not body:
        if if_version is not None:
            raise click.UsageError("--if-version applies to recording facts: give one, e.g. --customers 50")
        figures = session.api().get(incident_path(incident_id, "impact"))
        emit(as_json, figures, ticket_views.impact_figures)
        return
    incident = session.api().patch(incident_path(incident_id, "impact"), body, if_version=if_version)
    emit(as_json, incident, _impact_view)
    if not as_json:
        message(f"see which roles to engage: sirf triggers {incident_id}")


def _impact_view(incident: Mapping[str, Any]) -> str:
    facts = fields(views.impact_fields(incident.get("impact") or {}), indent="  ")
    return f"{views.summary_line(incident)}\n{facts}"
