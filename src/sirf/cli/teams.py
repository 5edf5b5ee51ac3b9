"""Team commands: ``sirf team engage`` brings customer success, product, infrastructure or SIRT in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from sirf.cli.client import incident_path
from sirf.cli.output import emit, local_time, text
from sirf.cli.session import Session, if_version_option, json_option, pass_session


@click.group(short_help="Engage a team beside the support roles.")
def team() -> None:
    """\b
    Examples:
      sirf team engage 42 customer-success --contact "cs@example.com"
      sirf team engage 42 sirt --contact "#sirt-oncall"

    Teams that join a response: customer-success, product, infrastructure, sirt.
    """


@team.command(short_help="Engage a team and record how to reach it.")
@click.argument("incident_id", metavar="ID", type=int)
@click.argument("team_name", metavar="TEAM")
@click.option(
    "--contact",
    required=True,
    metavar="CONTACT",
    help="How to reach the team: an address, channel or person.",
)
@if_version_option
@json_option
@pass_session
def engage(
    session: Session, incident_id: int, team_name: str, contact: str, if_version: int | None, as_json: bool
) -> None:
    """\b
    Examples:
      sirf team engage 42 customer-success --contact "cs@example.com"
      sirf team engage 42 product --contact "@product-oncall" --json

    Engage TEAM (customer-success, product, infrastructure or sirt) on the incident.
    """
    body = {"team": team_name, "contact": contact}
    incident = session.api().post(incident_path(incident_id, "teams"), body, if_version=if_version)
    emit(as_json, incident, _teams_view)


def _teams_view(incident: Mapping[str, Any]) -> str:
    lines = [f"#{incident.get('id')} teams engaged:"]
    for engaged in incident.get("teams") or []:
        when = local_time(engaged.get("engaged_at"))
        lines.append(f"  {text(engaged.get('team'))}  {text(engaged.get('contact'))}  since {when}")
    return "\n".join(lines)
