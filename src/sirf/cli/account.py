"""Account commands: ``sirf whoami`` and ``sirf notifications``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from sirf.cli.output import emit, local_time, message, print_json, table, text
from sirf.cli.session import Session, json_option, pass_session


@click.command(short_help="Show who the token belongs to, and which server.")
@json_option
@pass_session
def whoami(session: Session, as_json: bool) -> None:
    """\b
    Examples:
      sirf whoami
      sirf --profile staging whoami --json

    Show the user behind the current token and their organisation role (admin, responder, viewer).
    """
    api = session.api()
    emit(as_json, api.get("/users/me"), lambda user: _whoami_view(user, api.connection.server))


def _whoami_view(user: Mapping[str, Any], server: str) -> str:
    name = user.get("display_name")
    who = f"{user.get('username')} ({name})" if name else str(user.get("username"))
    return f"{who}, {text(user.get('org_role'))} on {server}"


@click.command(short_help="Show notifications sent to you.")
@click.option("--limit", type=int, metavar="N", help="At most this many.")
@json_option
@pass_session
def notifications(session: Session, limit: int | None, as_json: bool) -> None:
    """\b
    Examples:
      sirf notifications
      sirf notifications --limit 5 --json

    Notifications for you, such as a proposal to take a role on an incident.
    """
    page = session.api().get("/notifications", {"limit": limit})
    if as_json:
        print_json(page)
        return
    rows = [
        [
            local_time(n.get("created_at")),
            f"#{n['incident_id']}" if n.get("incident_id") else "-",
            text(n.get("message")),
        ]
        for n in page.get("items") or []
    ]
    if rows:
        click.echo(table(["AT", "INCIDENT", "MESSAGE"], rows))
    else:
        message("no notifications")
