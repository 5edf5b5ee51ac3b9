"""Ticket commands: the ``sirf tickets`` group (match, link, unlink, list, rule, create, reply, status,
surges) and ``sirf sla``.

An incident's tickets carry its tag in the ticket system and are linked to it: by a query
(``match``, previewed before anything changes), by number (``link``), or by a rule that links new
tickets as they arrive (``rule``). Bulk replies send an approved text (a published update or a
macro) to the linked tickets; the service's worker sends them, and ``reply`` follows its progress.

Only ``match`` ever asks a question, and only at a terminal: ``--yes`` answers it for scripts, and
without a terminal the preview is shown and nothing changes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any

import click

from sirf.cli import ticket_views as views
from sirf.cli.client import Api, Json, compact, incident_path
from sirf.cli.errors import CliError, ExitCode
from sirf.cli.output import emit, message, print_json
from sirf.cli.params import Moment
from sirf.cli.session import Session, json_option, pass_session

POLL_SECONDS = 1.0
INTERRUPTED = 130  # the shell's code for a process stopped by Ctrl-C (128 + SIGINT)
PRIORITIES = ("urgent", "high", "normal", "low")
REPLY_STATUSES = ("open", "pending", "solved")

incident_argument = click.argument("incident_id", metavar="ID", type=int)


def _interactive() -> bool:
    """Whether a person is at a terminal (both ends), so a question may be asked."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _terminal() -> bool:
    """Whether standard output is a terminal (an in-place progress line), not a pipe (JSON lines)."""
    return sys.stdout.isatty()


def _refs(values: tuple[str, ...]) -> list[str]:
    """Ticket numbers as given, without a leading ``#``; blank ones refused."""
    refs = [value.strip().removeprefix("#").strip() for value in values]
    if any(not ref for ref in refs):
        raise click.UsageError("a ticket number must not be blank")
    return refs


def _choice(values: tuple[str, ...]) -> click.Choice[str]:
    return click.Choice(values, case_sensitive=False)


@click.group(short_help="Link tickets to incidents and reply to them in bulk.")
def tickets() -> None:
    """\b
    Examples:
      sirf tickets match 42 --query "sign in" --since 2h
      sirf tickets reply 42 --update 7 --dry-run
      sirf tickets status 42

    An incident's tickets carry its tag and are linked to it: found by a query (`match`, previewed
    before anything changes), given by number (`link`), or picked up as they arrive by a rule
    (`rule`). `reply` sends a published update or a macro to every linked ticket; `status`, `sirf
    impact ID` and `sirf sla ID` show the figures. Times are in your local timezone.
    """


# -- match, link, unlink ----------------------------------------------------------------------------


@tickets.command("match", short_help="Preview the tickets a query finds; tag and link them.")
@incident_argument
@click.option("--query", default="", metavar="TEXT", help="Words to find in subject and description.")
@click.option(
    "--since", type=Moment(past=True), help="Only tickets created since: ISO time or e.g. 2h (ago)."
)
@click.option("--tag", metavar="TAG", help="Only tickets carrying this tag.")
@click.option("--unsolved", is_flag=True, help="Only tickets not solved or closed.")
@click.option(
    "--limit", type=click.IntRange(1, 20_000), metavar="N", help="At most N tickets (default 1000)."
)
@click.option("--yes", "assume_yes", is_flag=True, help="Tag and link them without asking (for scripts).")
@json_option
@pass_session
def match(
    session: Session,
    incident_id: int,
    query: str,
    since: str | None,
    tag: str | None,
    unsolved: bool,
    limit: int | None,
    assume_yes: bool,
    as_json: bool,
) -> None:
    """\b
    Examples:
      sirf tickets match 42 --query "sign in" --since 2h
      sirf tickets match 42 --query login --unsolved --limit 500 --yes
      sirf tickets match 42 --tag sso --json

    Search the ticket system and show what would be linked: reference, subject, status,
    organisation, creation time and whether it is linked already. At a terminal it then asks before
    tagging and linking them; --yes does so without asking. Without a terminal and without --yes
    only the preview is shown and nothing changes. --json prints the preview, or with --yes the
    link result.
    """
    search: Json = compact(
        {"query": query, "since": since, "tag": tag, "unsolved_only": unsolved or None, "limit": limit}
    )
    path = incident_path(incident_id, "tickets", "match")
    api = session.api()
    if as_json and assume_yes:
        print_json(api.post(path, {**search, "confirm": True}))
        return
    found = api.post(path, {**search, "confirm": False})
    if as_json:
        print_json(found)
        message("preview only: nothing was linked; add --yes to tag and link them")
        return
    click.echo(views.preview(found, incident_id))
    count = int(found.get("count") or 0)
    if not count:
        return
    if not assume_yes:
        if not _interactive():
            message("preview only: nothing was linked; run it again with --yes to tag and link them")
            return
        question = f"Tag and link these {views.plural(count, 'ticket')} to #{incident_id}?"
        if not click.confirm(question, default=False):
            message("nothing was linked")
            return
    linked = api.post(path, {**search, "confirm": True})
    click.echo(views.link_result(linked, incident_id))


@tickets.command("link", short_help="Link tickets by number (and tag them).")
@incident_argument
@click.argument("refs", metavar="TICKET...", nargs=-1, required=True)
@json_option
@pass_session
def link(session: Session, incident_id: int, refs: tuple[str, ...], as_json: bool) -> None:
    """\b
    Examples:
      sirf tickets link 42 123
      sirf tickets link 42 123 124 125
      sirf tickets link 42 123 --json

    Link tickets by their number in the ticket system; the worker tags them. Prints which were
    linked, which were linked already, and how many are linked in all. An unknown ticket number is
    refused (exit 3) and nothing is linked.
    """
    result = session.api().post(incident_path(incident_id, "tickets", "link"), {"tickets": _refs(refs)})
    emit(as_json, result, lambda data: views.link_result(data, incident_id))


@tickets.command("unlink", short_help="Unlink tickets by number (and remove the tag).")
@incident_argument
@click.argument("refs", metavar="TICKET...", nargs=-1, required=True)
@json_option
@pass_session
def unlink(session: Session, incident_id: int, refs: tuple[str, ...], as_json: bool) -> None:
    """\b
    Examples:
      sirf tickets unlink 42 123
      sirf tickets unlink 42 123 124 --json

    Unlink tickets from the incident; the worker removes the incident's tag from them. Prints which
    were unlinked, which were not linked, and how many stay linked.
    """
    result = session.api().post(incident_path(incident_id, "tickets", "unlink"), {"tickets": _refs(refs)})
    emit(as_json, result, lambda data: views.link_result(data, incident_id, unlinking=True))


# -- list, rule, create -----------------------------------------------------------------------------


@tickets.command("list", short_help="List an incident's linked tickets, newest first.")
@incident_argument
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="Tickets per page."
)
@click.option("--offset", type=click.IntRange(0), default=0, show_default=True, help="Skip this many first.")
@click.option("--all", "every", is_flag=True, help="Every linked ticket: follow the pages to the end.")
@json_option
@pass_session
def list_tickets(
    session: Session, incident_id: int, limit: int, offset: int, every: bool, as_json: bool
) -> None:
    """\b
    Examples:
      sirf tickets list 42
      sirf tickets list 42 --limit 100 --offset 100
      sirf tickets list 42 --all --json

    The incident's tag and linking rule, then its linked tickets, newest first: reference, priority,
    status, organisation, creation time and subject. --all follows the pages (with --json: one
    object with every item).
    """
    api = session.api()
    path = incident_path(incident_id, "tickets")
    page = api.get(path, {"limit": limit, "offset": offset})
    items = list(page.get("items") or [])
    while every and page.get("next_offset") is not None:
        page = api.get(path, {"limit": limit, "offset": page["next_offset"]})
        items.extend(page.get("items") or [])
    if every:
        page = {**page, "items": items, "next_offset": None}
    if as_json:
        print_json(page)
        return
    click.echo(views.list_header(page, incident_id))
    if items:
        click.echo("\n" + views.ticket_table(items))
    else:
        message(f"no tickets linked to #{incident_id}" + (" at this offset" if offset else ""))
    if page.get("next_offset") is not None:
        shown = f"{offset + 1}-{offset + len(items)}"
        message(f"showing {shown} of {page.get('total')}; more: --offset {page['next_offset']} (or --all)")


@tickets.command("rule", short_help="Set or clear the rule that links new tickets.")
@incident_argument
@click.option("--keyword", "keywords", multiple=True, metavar="TEXT", help="A word or phrase (repeat).")
@click.option("--form", metavar="FORM", help="Only tickets from this ticket form.")
@click.option("--org", "organization", metavar="ORG", help="Only tickets from this organisation.")
@click.option(
    "--since", type=Moment(past=True), help="Only tickets created since: ISO time or e.g. 2h (ago)."
)
@click.option("--until", type=Moment(past=False), help="Only tickets created before: ISO time or e.g. 4h.")
@click.option("--clear", is_flag=True, help="Remove the rule; linked tickets stay linked.")
@json_option
@pass_session
def rule(
    session: Session,
    incident_id: int,
    keywords: tuple[str, ...],
    form: str | None,
    organization: str | None,
    since: str | None,
    until: str | None,
    clear: bool,
    as_json: bool,
) -> None:
    """\b
    Examples:
      sirf tickets rule 42 --keyword "sign in" --keyword login
      sirf tickets rule 42 --form "Login problems" --org Acme --since 2026-11-27T06:00
      sirf tickets rule 42 --clear

    Set the incident's linking rule: a ticket arriving with any keyword in its subject or
    description (and from the form and organisation, within the times, when given) is tagged and
    linked. Tickets already in sirf that match are linked at once. A new rule replaces the old one.
    """
    path = incident_path(incident_id, "tickets", "rule")
    conditions = {
        "keywords": list(keywords) or None,
        "form": form,
        "organization": organization,
        "since": since,
        "until": until,
    }
    if clear:
        if any(value is not None for value in conditions.values()):
            raise click.UsageError("--clear removes the rule; give it alone, without conditions")
        cleared = session.api().delete(path)
        emit(as_json, cleared, lambda data: _cleared(data, incident_id))
        return
    body = compact(conditions)
    if not (keywords or form or organization):
        raise click.UsageError("a rule needs --keyword, --form or --org (or --clear to remove it)")
    result = session.api().put(path, body)
    emit(as_json, result, lambda data: _rule_set(data, incident_id, body))


def _rule_set(data: Mapping[str, Any], incident_id: int, body: Mapping[str, Any]) -> str:
    return f"rule for #{incident_id}: {views.rule_text(body)}\n{views.link_result(data, incident_id)}"


def _cleared(data: Mapping[str, Any], incident_id: int) -> str:
    total = int(data.get("total") or 0)
    stay = "stays" if total == 1 else "stay"
    return f"rule for #{incident_id} cleared; {views.plural(total, 'ticket')} {stay} linked"


@tickets.command("create", short_help="Create a ticket in the built-in ticket store.")
@click.option("--subject", required=True, metavar="TEXT", help="The ticket's subject.")
@click.option("--requester", required=True, metavar="WHO", help="Who asks: an e-mail address or a name.")
@click.option("--description", default="", metavar="TEXT", help="The request itself.")
@click.option("--priority", type=_choice(PRIORITIES), help="urgent, high, normal (default) or low.")
@click.option("--org", "organization", metavar="ORG", help="The requester's organisation.")
@click.option("--form", metavar="FORM", help="The ticket form.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag (repeat).")
@click.option("--private", is_flag=True, help="Not visible to the requester (an internal ticket).")
@json_option
@pass_session
def create(
    session: Session,
    subject: str,
    requester: str,
    description: str,
    priority: str | None,
    organization: str | None,
    form: str | None,
    tags: tuple[str, ...],
    private: bool,
    as_json: bool,
) -> None:
    """\b
    Examples:
      sirf tickets create --subject "Cannot sign in" --requester ann@example.com --org Acme
      sirf tickets create --subject "SSO loop" --requester bob@example.com --priority urgent \\
          --tag sso --tag enterprise --description "Redirects forever since 06:10"

    Create a ticket in sirf's built-in ticket store; linking rules of active incidents apply to it
    at once. When sirf is connected to Zendesk the server refuses (exit 7): create it there, and its
    webhook brings it in.
    """
    body = {
        "subject": subject,
        "requester": requester,
        "description": description or None,
        "priority": priority.lower() if priority else None,
        "organization": organization,
        "form": form,
        "tags": list(tags) or None,
        "public": False if private else None,
    }
    emit(as_json, session.api().post("/tickets", compact(body)), views.created)


# -- bulk replies -----------------------------------------------------------------------------------


@tickets.command("reply", short_help="Reply to every linked ticket with a published update or a macro.")
@incident_argument
@click.option(
    "--update", "update_id", type=click.IntRange(1), metavar="UPDATE_ID", help="A published update."
)
@click.option("--macro", metavar="NAME", help="A macro from the framework file's [tickets.macros].")
@click.option("--status", type=_choice(REPLY_STATUSES), help="Also set each ticket's status.")
@click.option("--internal", is_flag=True, help="An internal note, not a public reply.")
@click.option("--dry-run", is_flag=True, help="Show exactly who gets it and who does not; send nothing.")
@click.option("--no-wait", is_flag=True, help="Start it and return; follow it with `sirf tickets status`.")
@json_option
@pass_session
def reply(
    session: Session,
    incident_id: int,
    update_id: int | None,
    macro: str | None,
    status: str | None,
    internal: bool,
    dry_run: bool,
    no_wait: bool,
    as_json: bool,
) -> None:
    """\b
    Examples:
      sirf tickets reply 42 --update 7 --dry-run
      sirf tickets reply 42 --update 7 --status pending
      sirf tickets reply 42 --macro outage-resolved --status solved --no-wait

    Send a published update (approved by CMOC and IMOC) or a macro to every linked ticket, merge
    fields filled per ticket. Tickets that are closed, private, escalated, from an opted-out
    organisation, answered since the last update or that got this reply already are left out;
    --dry-run lists them with the reason, and each ticket that gets it with its first line.

    The service's worker sends the replies; this command follows the run every second: an
    in-place line at a terminal, otherwise one JSON line per poll on stdout
    ({"run", "state", "done", "total", "counts"}), then a summary. It exits 0 when no ticket
    failed, 9 when some failed or the run was cancelled. Ctrl-C stops waiting (exit 130), not the
    run; `sirf tickets status ID` follows it. With --json it prints the API's answer: the plan,
    the started run (--no-wait) or the finished run.
    """
    if (update_id is None) == (macro is None):
        raise click.UsageError("give exactly one of --update UPDATE_ID or --macro NAME")
    body = compact(
        {
            "update": update_id,
            "macro": macro,
            "status": status.lower() if status else None,
            "public": False if internal else None,
            "dry_run": dry_run or None,
        }
    )
    api = session.api()
    answer = api.post(incident_path(incident_id, "tickets", "replies"), body)
    if dry_run:
        emit(as_json, answer, views.plan)
        return
    if no_wait:
        emit(as_json, answer, lambda run: _started(run, incident_id))
        return
    try:
        finished = _follow(api, incident_id, answer, quiet=as_json)
    except KeyboardInterrupt:
        if _terminal() and not as_json:
            click.echo("")
        message(
            f"stopped waiting; bulk reply {answer.get('id')} goes on in the worker. "
            f"Follow it: sirf tickets status {incident_id}"
        )
        raise click.exceptions.Exit(INTERRUPTED) from None
    if as_json:
        print_json(finished)
    elif _terminal():
        click.echo(views.run_summary(finished))
    else:
        message(views.run_summary(finished))
    _check_finished(finished, incident_id)


def _started(run: Mapping[str, Any], incident_id: int) -> str:
    counts = views.run_counts(run)
    targets = int(run.get("total") or 0) - counts["skipped"]
    return (
        f"bulk reply {run.get('id')} started: {views.plural(targets, 'ticket')} to reply to, "
        f"{counts['skipped']} left out\nfollow it: sirf tickets status {incident_id}"
    )


def _follow(api: Api, incident_id: int, run: Json, *, quiet: bool) -> Json:
    """Poll the run until it is no longer running, showing each state as it comes."""
    path = incident_path(incident_id, "tickets", "replies", str(run.get("id")))
    terminal = _terminal()
    while True:
        if not quiet:
            if terminal:
                click.echo("\r" + views.progress_line(run), nl=False)
            else:
                click.echo(views.progress_record(run))
        if run.get("state") != "running":
            if terminal and not quiet:
                click.echo("")
            return run
        time.sleep(POLL_SECONDS)
        run = api.get(path)


def _check_finished(run: Mapping[str, Any], incident_id: int) -> None:
    counts = views.run_counts(run)
    if counts["failed"]:
        raise CliError(
            f"{views.plural(counts['failed'], 'ticket')} of bulk reply {run.get('id')} failed",
            exit_code=ExitCode.PARTIAL,
            hints=[
                "run the same command again: tickets that got the reply are left out",
                f"sirf tickets status {incident_id} shows the bulk replies",
            ],
        )
    if run.get("state") == "cancelled":
        raise CliError(
            f"bulk reply {run.get('id')} was cancelled before every ticket got it",
            exit_code=ExitCode.PARTIAL,
            hints=["run the same command again to reply to the tickets left"],
        )


# -- status, surges, SLA ----------------------------------------------------------------------------


@tickets.command("status", short_help="Ticket summary of an incident: tag, rule, queue, SLA, bulk replies.")
@incident_argument
@json_option
@pass_session
def status(session: Session, incident_id: int, as_json: bool) -> None:
    """\b
    Examples:
      sirf tickets status 42
      sirf tickets status 42 --json

    The ticket system, the incident's tag (and whether it is retired), its linking rule, how many
    tickets are linked, tag operations still waiting for the worker, customers affected, queue
    health, SLA at-risk and breached counts, and every bulk reply with its state and counts.
    """
    emit(as_json, session.api().get(incident_path(incident_id, "tickets", "status")), views.status)


@tickets.command("surges", short_help="Groups of similar tickets surging above their usual level.")
@json_option
@pass_session
def surges(session: Session, as_json: bool) -> None:
    """\b
    Examples:
      sirf tickets surges
      sirf tickets surges --json

    Groups of similar tickets arriving faster than usual for the time of day, strongest first:
    the group's label, its count against the baseline (and the ratio), why it counts as a surge,
    tickets per hour (local time), sample subjects and the organisations affected. A surge may be
    an incident nobody has declared yet.
    """
    found = session.api().get("/tickets/surges")
    if as_json:
        print_json(found)
    elif found.get("items"):
        click.echo(views.surges(found["items"]))
    else:
        message("no surges: ticket volume is at its usual level")


@click.command(short_help="First-response SLA: compliance, breached and at-risk tickets.")
@incident_argument
@json_option
@pass_session
def sla(session: Session, incident_id: int, as_json: bool) -> None:
    """\b
    Examples:
      sirf sla 42
      sirf sla 42 --json

    The first-response SLA of the incident's linked tickets: compliance (met among decided
    tickets), counts per state, then the breached tickets (longest overdue first) and those at
    risk (least time left first) with priority, region, due time (local) and minutes left or
    overdue.
    """
    emit(as_json, session.api().get(incident_path(incident_id, "sla")), views.sla)
