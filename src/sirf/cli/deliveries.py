"""Delivery commands: ``sirf deliveries ID`` (the same as ``sirf deliveries list ID``) and
``sirf deliveries retry DELIVERY_ID``.

A published update becomes one delivery per channel, worked off by the service's worker: pending,
in-flight, then delivered or (after its retries) failed. A failed one can be queued again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from sirf.cli.client import incident_path, segment
from sirf.cli.output import NONE, emit, local_time, message, print_json, table, text
from sirf.cli.session import Session, json_option, pass_session

DEFAULT_COMMAND = "list"


class ListByDefault(click.Group):
    """A group whose first word, when it names no subcommand, is an argument of ``list``:
    ``sirf deliveries 42 --json`` runs ``sirf deliveries list 42 --json``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


@click.group(
    cls=ListByDefault,
    short_help="Show where updates were delivered; retry failed deliveries.",
    subcommand_metavar="[list] ID | retry DELIVERY_ID",
)
def deliveries() -> None:
    """\b
    Examples:
      sirf deliveries 42
      sirf deliveries 42 --update 7 --json
      sirf deliveries retry 12

    Each published update is delivered once per channel (status page, Slack, ...) by the service's
    worker, with retries. `sirf deliveries ID` lists them; a failed one can be sent again.
    """


@deliveries.command("list", short_help="List the deliveries of an incident's updates.")
@click.argument("incident_id", metavar="ID", type=int)
@click.option("--update", "update_id", type=int, metavar="UPDATE_ID", help="Only this update's deliveries.")
@json_option
@pass_session
def list_deliveries(session: Session, incident_id: int, update_id: int | None, as_json: bool) -> None:
    """\b
    Examples:
      sirf deliveries 42
      sirf deliveries list 42 --update 7
      sirf deliveries 42 --json

    One row per delivery: its update, channel, state, attempts so far, the next attempt (local time)
    and the last error.
    """
    page = session.api().get(incident_path(incident_id, "deliveries"), {"update": update_id})
    if as_json:
        print_json(page)
        return
    items = page.get("items") or []
    if not items:
        message(f"no deliveries for incident {incident_id}" + (f" update {update_id}" if update_id else ""))
        return
    click.echo(deliveries_table(items))
    failed = [item for item in items if item.get("state") == "failed"]
    if failed:
        message(f"retry a failed delivery: sirf deliveries retry {failed[0].get('id')}")


def deliveries_table(items: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [
            text(item.get("id")),
            text(item.get("update_id")),
            text(item.get("channel")),
            text(item.get("state")),
            text(item.get("attempts")),
            _next_attempt(item),
            text(item.get("last_error")),
        ]
        for item in items
    ]
    return table(["ID", "UPDATE", "CHANNEL", "STATE", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"], rows)


def _next_attempt(item: Mapping[str, Any]) -> str:
    if item.get("state") in ("delivered", "failed"):
        return NONE
    return local_time(item.get("next_attempt_at"))


@deliveries.command("retry", short_help="Send a failed delivery again.")
@click.argument("delivery_id", metavar="DELIVERY_ID", type=int)
@json_option
@pass_session
def retry(session: Session, delivery_id: int, as_json: bool) -> None:
    """\b
    Examples:
      sirf deliveries retry 12
      sirf deliveries retry 12 --json

    Queue a failed delivery again with a fresh budget of attempts. Only failed deliveries can be
    retried; any other is refused (exit 5).
    """
    path = f"/deliveries/{segment(delivery_id)}/retry"
    emit(as_json, session.api().post(path, {}), _retried)


def _retried(delivery: Mapping[str, Any]) -> str:
    when = local_time(delivery.get("next_attempt_at"))
    channel, update = text(delivery.get("channel")), text(delivery.get("update_id"))
    state = text(delivery.get("state"))
    return f"delivery {delivery.get('id')} ({channel}, update {update}) is {state}; next attempt {when}"
