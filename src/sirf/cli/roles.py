"""Role commands: assign, release, release-check, attest, triggers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from sirf.cli import views
from sirf.cli.client import incident_path
from sirf.cli.errors import CliError
from sirf.cli.output import emit, message, table, text
from sirf.cli.session import Session, if_version_option, json_option, pass_session

incident_argument = click.argument("incident_id", metavar="ID", type=int)
role_argument = click.argument("role", metavar="ROLE")


@click.command(short_help="Assign a role (cmoc, smoc, imoc) or hand it over.")
@incident_argument
@role_argument
@click.argument("person")
@if_version_option
@json_option
@pass_session
def assign(
    session: Session, incident_id: int, role: str, person: str, if_version: int | None, as_json: bool
) -> None:
    """\b
    Examples:
      sirf assign 42 cmoc alice
      sirf assign 42 smoc bob --json

    Give ROLE on the incident to PERSON. When someone already holds it, this is a hand-over: their
    assignment ends and PERSON's begins (both stay in the role history).
    """
    path = incident_path(incident_id, "roles", role.lower())
    incident = session.api().put(path, {"person": person}, if_version=if_version)
    emit(as_json, incident, _with_roles)


def _with_roles(incident: Mapping[str, Any]) -> str:
    return f"{views.summary_line(incident)}\n{views.roles_table(incident.get('roles') or {})}"


@click.command(short_help="Release a role; refused until the release criteria hold.")
@incident_argument
@role_argument
@if_version_option
@json_option
@pass_session
def release(session: Session, incident_id: int, role: str, if_version: int | None, as_json: bool) -> None:
    """\b
    Examples:
      sirf release 42 cmoc
      sirf release 42 imoc --json

    Release ROLE. CMOC and SMOC are released only when all six release criteria hold; otherwise
    this prints what is missing and exits 5. Attest a criterion with `sirf attest`.
    """
    path = incident_path(incident_id, "roles", role.lower(), "release")
    try:
        incident = session.api().post(path, {}, if_version=if_version)
    except CliError as refused:
        if refused.code == "release_blocked":
            _explain_blocked(session, incident_id, role.lower(), refused)
        raise
    emit(as_json, incident, _with_roles)


def _explain_blocked(session: Session, incident_id: int, role: str, refused: CliError) -> None:
    """Print the unmet criteria under the error, from the release check (or the problem's list)."""
    missing = [str(name) for name in refused.problem.get("missing") or []]
    try:
        check = session.api().get(incident_path(incident_id, "release-check"), {"role": role})
        checklist = [item for item in check.get("checklist") or [] if not item.get("holds")]
    except CliError:
        checklist = [{"criterion": name, "basis": "missing"} for name in missing]
    refused.details = (f"release criteria not met for {role.upper()}:", _checklist_table(checklist))
    refused.hints = (f'attest one that holds: sirf attest {incident_id} CRITERION --note "how you know"',)


@click.command("release-check", short_help="Show the six release criteria for a role.")
@incident_argument
@role_argument
@json_option
@pass_session
def release_check(session: Session, incident_id: int, role: str, as_json: bool) -> None:
    """\b
    Examples:
      sirf release-check 42 cmoc
      sirf release-check 42 smoc --json

    Show whether ROLE may be released: each of the six criteria, whether it holds, and whether that
    comes from data sirf has (computed), from a person's attestation, or is still missing.
    """
    check = session.api().get(incident_path(incident_id, "release-check"), {"role": role.lower()})
    emit(as_json, check, _release_check_view)


def _release_check_view(check: Mapping[str, Any]) -> str:
    role = str(check.get("role", "")).upper()
    verdict = "may be released" if check.get("releasable") else "may not be released yet"
    return f"{role} {verdict}\n{_checklist_table(check.get('checklist') or [])}"


def _checklist_table(checklist: list[Mapping[str, Any]]) -> str:
    rows = [
        [
            "[x]" if item.get("holds") else "[ ]",
            text(item.get("criterion")),
            text(item.get("basis")),
            text(item.get("detail") or item.get("description")),
        ]
        for item in checklist
    ]
    return table(["OK", "CRITERION", "BASIS", "DETAIL"], rows, indent="  ")


@click.command(short_help="Attest that a release criterion holds, with a note.")
@incident_argument
@click.argument("criterion")
@click.option("--note", required=True, metavar="TEXT", help="How you know it holds.")
@if_version_option
@json_option
@pass_session
def attest(
    session: Session, incident_id: int, criterion: str, note: str, if_version: int | None, as_json: bool
) -> None:
    """\b
    Examples:
      sirf attest 42 queue-normal --note "queue back under 20 tickets/h"
      sirf attest 42 handed-back --note "handed to tier 1 at shift change"

    Criteria: communication-stable, queue-normal, no-new-impact-patterns, ticket-flow-normal,
    final-status-documented, handed-back. Data sirf computes wins over an attestation.
    """
    body = {"criterion": criterion, "note": note}
    incident = session.api().post(incident_path(incident_id, "attestations"), body, if_version=if_version)
    emit(as_json, incident, views.summary_line)
    if not as_json:
        message(f"check the remaining criteria: sirf release-check {incident_id} cmoc")


@click.command(short_help="Which roles to engage, why, and whom to propose.")
@incident_argument
@json_option
@pass_session
def triggers(session: Session, incident_id: int, as_json: bool) -> None:
    """\b
    Examples:
      sirf triggers 42
      sirf triggers 42 --json

    Evaluate the engagement triggers against the incident's impact facts: for each role, whether to
    engage it, the criteria that say so, who holds it, and the person proposed from the roster.
    """
    emit(as_json, session.api().get(incident_path(incident_id, "triggers")), _triggers_view)


def _triggers_view(data: Mapping[str, Any]) -> str:
    blocks = []
    for engagement in data.get("engagements") or []:
        role = str(engagement.get("role", "")).upper()
        if not engagement.get("engage"):
            blocks.append(f"{role}: not needed")
            continue
        holder = engagement.get("holder")
        who = f"held by {holder}" if holder else f"vacant, proposed: {text(engagement.get('proposed'))}"
        reasons = [
            f"  - {c.get('name')}: {c.get('description')}" for c in engagement.get("criteria_met") or []
        ]
        blocks.append("\n".join([f"{role}: engage ({who})", *reasons]))
    return "\n".join(blocks) or "no engagement rules apply"
