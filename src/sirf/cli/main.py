"""The ``sirf`` entry point: a click group whose commands are imported only when they run.

``COMMANDS`` names every command as ``"module:attribute"`` together with its one-line help and its
section, so ``sirf --help`` lists them all (the operator commands in ``sirf.cli.admin`` too) without
importing any of them, and ``sirf list`` imports only ``sirf.cli.incidents``. A command whose module
cannot be imported fails on its own, with a message naming the module; the others keep working.

Exit codes are documented in ``sirf.cli.errors`` and at the end of ``sirf --help``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import click

from sirf import __version__
from sirf.cli.client import Wiring
from sirf.cli.errors import EXIT_CODES_HELP, CliError
from sirf.cli.session import Session


class LazyCommand(NamedTuple):
    target: str  # "package.module:attribute"
    help: str  # shown by `sirf --help`, which must not import the command
    section: str


def _commands(section: str, entries: dict[str, tuple[str, str]]) -> dict[str, LazyCommand]:
    return {name: LazyCommand(target, help_text, section) for name, (target, help_text) in entries.items()}


COMMANDS: dict[str, LazyCommand] = {
    **_commands(
        "Incidents",
        {
            "declare": ("sirf.cli.incidents:declare", "Declare a new incident."),
            "list": ("sirf.cli.incidents:list_incidents", "List incidents, most customers affected first."),
            "show": ("sirf.cli.incidents:show", "Show everything about one incident."),
            "impact": (
                "sirf.cli.incidents:impact",
                "Show the ticket impact figures, or record impact facts.",
            ),
            "severity": ("sirf.cli.lifecycle:severity", "Change the severity (1 critical ... 4 minor)."),
            "phase": ("sirf.cli.lifecycle:phase", "Move the incident to another lifecycle phase."),
            "resolve": ("sirf.cli.lifecycle:resolve", "Mark the incident resolved."),
            "reopen": ("sirf.cli.lifecycle:reopen", "Reopen a resolved incident."),
            "close": ("sirf.cli.lifecycle:close", "Close a resolved incident."),
            "note": ("sirf.cli.timeline:note", "Add a note to the incident's timeline."),
            "timeline": ("sirf.cli.timeline:timeline", "Show what happened, in order."),
        },
    ),
    **_commands(
        "Roles",
        {
            "triggers": ("sirf.cli.roles:triggers", "Which roles to engage, why, and whom to propose."),
            "assign": ("sirf.cli.roles:assign", "Assign a role (cmoc, smoc, imoc) or hand it over."),
            "release": ("sirf.cli.roles:release", "Release a role; refused until the release criteria hold."),
            "release-check": ("sirf.cli.roles:release_check", "Show the six release criteria for a role."),
            "attest": ("sirf.cli.roles:attest", "Attest that a release criterion holds, with a note."),
        },
    ),
    **_commands(
        "Tasks and teams",
        {
            "task": ("sirf.cli.tasks:task", "Add, list and update an incident's tasks."),
            "team": ("sirf.cli.teams:team", "Engage a team beside the support roles."),
        },
    ),
    **_commands(
        "Status updates",
        {
            "update": ("sirf.cli.updates:update", "Draft, review, approve and publish status updates."),
            "deliveries": (
                "sirf.cli.deliveries:deliveries",
                "Show where updates were delivered; retry failed deliveries.",
            ),
        },
    ),
    **_commands(
        "Tickets",
        {
            "tickets": (
                "sirf.cli.tickets:tickets",
                "Link tickets to incidents and reply to them in bulk.",
            ),
            "sla": ("sirf.cli.tickets:sla", "First-response SLA: compliance, breached and at-risk tickets."),
        },
    ),
    **_commands(
        "You",
        {
            "whoami": ("sirf.cli.account:whoami", "Show who the token belongs to, and which server."),
            "notifications": ("sirf.cli.account:notifications", "Show notifications sent to you."),
        },
    ),
    **_commands(
        "Operator",
        {
            "server": ("sirf.cli.admin:server", "Run the sirf service; the first run sets up a CLI profile."),
            "worker": ("sirf.cli.admin:worker", "Run a background worker: reminders and deliveries."),
            "db": ("sirf.cli.admin:db", "Manage the database (migrations)."),
            "user": ("sirf.cli.admin:user", "Manage users and their organisation roles."),
            "token": ("sirf.cli.admin:token", "Create, list and revoke API tokens."),
        },
    ),
}


class LazyGroup(click.Group):
    def __init__(self, *args: Any, lazy_commands: Mapping[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy_commands, *super().list_commands(ctx)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy_commands.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        return load_command(cmd_name, entry)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for name, entry in self.lazy_commands.items():
            sections.setdefault(entry.section, []).append((name, entry.help))
        for title, rows in sections.items():
            with formatter.section(title):
                formatter.write_dl(rows)


def load_command(name: str, entry: LazyCommand) -> click.Command:
    module_name, _, attribute = entry.target.partition(":")
    try:
        command = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        return _unavailable(name, entry, f"cannot load {entry.target}: {exc}")
    if not isinstance(command, click.Command):
        return _unavailable(name, entry, f"{entry.target} is not a click command")
    return command


def _unavailable(name: str, entry: LazyCommand, reason: str) -> click.Command:
    """A stand-in that accepts any arguments and explains why the real command cannot run."""

    def fail() -> None:
        raise CliError(f"`sirf {name}` is not available in this installation ({reason})")

    return click.Command(
        name,
        callback=fail,
        help=f"{entry.help} (not available: {reason})",
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option("--server", envvar="SIRF_SERVER", metavar="URL", help="The sirf server (env SIRF_SERVER).")
@click.option("--token", envvar="SIRF_TOKEN", help="API token (env SIRF_TOKEN).")
@click.option("--profile", envvar="SIRF_PROFILE", metavar="NAME", help="A stored profile (env SIRF_PROFILE).")
@click.version_option(__version__, prog_name="sirf")
@click.pass_context
def cli(ctx: click.Context, server: str | None, token: str | None, profile: str | None) -> None:
    """\b
    Examples:
      sirf declare "Users cannot sign in" --kind saas-outage --severity 2 --source infrastructure
      sirf list --all
      sirf release-check 42 cmoc
      sirf update draft 42 --template initial
      sirf tickets match 42 --query "sign in" --since 2h

    Run the customer side of incidents: declare and triage them, staff the support roles (CMOC,
    SMOC, IMOC), track tasks, draft, approve and publish status updates, and release roles when
    the criteria hold. Talks to a sirf server:
    run `sirf server` once to store a profile, or pass --server and --token. Every command takes
    --json for the API's own JSON on stdout; messages go to stderr. Nothing prompts but
    `sirf tickets match` at a terminal (--yes answers it).
    """
    wiring = ctx.obj if isinstance(ctx.obj, Wiring) else Wiring()
    session = Session(server=server, token=token, profile=profile, wiring=wiring)
    ctx.obj = session
    ctx.call_on_close(session.close)


def main() -> None:
    cli(prog_name="sirf")
