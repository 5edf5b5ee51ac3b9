"""Lifecycle commands: severity, phase, resolve, reopen, close. Each prints the incident afterwards."""

from __future__ import annotations

from typing import Any

import click

from sirf.cli import views
from sirf.cli.client import compact, incident_path
from sirf.cli.output import emit
from sirf.cli.session import Session, if_version_option, json_option, pass_session


def _change(
    session: Session,
    incident_id: int,
    action: str,
    body: dict[str, Any],
    *,
    if_version: int | None,
    as_json: bool,
) -> None:
    path = incident_path(incident_id, action)
    incident = session.api().post(path, compact(body), if_version=if_version)
    emit(as_json, incident, views.summary_line)


incident_argument = click.argument("incident_id", metavar="ID", type=int)


@click.command(short_help="Change the severity (1 critical ... 4 minor).")
@incident_argument
@click.argument("severity", type=int)
@click.option("--reason", metavar="TEXT", required=True, help="Why the severity changes.")
@if_version_option
@json_option
@pass_session
def severity(
    session: Session, incident_id: int, severity: int, reason: str, if_version: int | None, as_json: bool
) -> None:
    """\b
    Examples:
      sirf severity 42 1 --reason "all regions affected"
      sirf severity 42 3 --reason "workaround published" --json

    Raise or lower an incident's severity. The reason goes on the timeline.
    """
    _change(
        session,
        incident_id,
        "severity",
        {"severity": severity, "reason": reason},
        if_version=if_version,
        as_json=as_json,
    )


@click.command(short_help="Move the incident to another lifecycle phase.")
@incident_argument
@click.argument("phase")
@click.option("--reason", metavar="TEXT", help="Why (required when going back from resolution).")
@if_version_option
@json_option
@pass_session
def phase(
    session: Session, incident_id: int, phase: str, reason: str | None, if_version: int | None, as_json: bool
) -> None:
    """\b
    Examples:
      sirf phase 42 triage
      sirf phase 42 response --reason "mitigation under way"

    Phases run detection -> triage -> response -> communication -> resolution -> closure. A refused
    move exits 5 and names the phases allowed from the current one.
    """
    _change(
        session,
        incident_id,
        "phase",
        {"phase": phase, "reason": reason},
        if_version=if_version,
        as_json=as_json,
    )


@click.command(short_help="Mark the incident resolved.")
@incident_argument
@click.option("--reason", metavar="TEXT", help="What fixed it.")
@if_version_option
@json_option
@pass_session
def resolve(
    session: Session, incident_id: int, reason: str | None, if_version: int | None, as_json: bool
) -> None:
    """\b
    Examples:
      sirf resolve 42
      sirf resolve 42 --reason "rollback completed, error rate normal"

    Resolve an incident from any active phase.
    """
    _change(session, incident_id, "resolve", {"reason": reason}, if_version=if_version, as_json=as_json)


@click.command(short_help="Reopen a resolved incident.")
@incident_argument
@click.option("--reason", metavar="TEXT", required=True, help="Why it is not over.")
@if_version_option
@json_option
@pass_session
def reopen(session: Session, incident_id: int, reason: str, if_version: int | None, as_json: bool) -> None:
    """\b
    Examples:
      sirf reopen 42 --reason "errors are back in EU"

    Reopen a resolved incident; it goes back into response.
    """
    _change(session, incident_id, "reopen", {"reason": reason}, if_version=if_version, as_json=as_json)


@click.command(short_help="Close a resolved incident.")
@incident_argument
@click.option("--reason", metavar="TEXT", help="A closing note.")
@if_version_option
@json_option
@pass_session
def close(
    session: Session, incident_id: int, reason: str | None, if_version: int | None, as_json: bool
) -> None:
    """\b
    Examples:
      sirf close 42
      sirf close 42 --reason "post-incident review scheduled"

    Close a resolved incident; closed incidents cannot change any more.
    """
    _change(session, incident_id, "close", {"reason": reason}, if_version=if_version, as_json=as_json)
