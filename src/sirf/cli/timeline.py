"""Timeline commands: ``sirf note`` adds to an incident's timeline, ``sirf timeline`` reads it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click

from sirf.cli.client import incident_path
from sirf.cli.output import SECONDS, emit, local_time, message, print_json, table, text
from sirf.cli.session import Session, if_version_option, json_option, pass_session

incident_argument = click.argument("incident_id", metavar="ID", type=int)

Describe = Callable[[Mapping[str, Any]], str]

# How each event type reads in one line; unknown types (or unexpected data) fall back to key=value.
EVENT_TEXT: dict[str, Describe] = {
    "incident.declared": lambda d: f"declared SEV{d['severity']} {d['kind']}: {d['title']}",
    "incident.scope_overridden": lambda d: f"scope override for {d['reported_kind']}: {d['reason']}",
    "incident.severity_changed": lambda d: f"SEV{d['previous']} -> SEV{d['severity']}: {d['reason']}",
    "incident.phase_changed": lambda d: f"{d['previous']} -> {d['phase']}" + _reason(d),
    "incident.reopened": lambda d: f"reopened: {d['reason']}",
    "role.assigned": lambda d: f"{d['role'].upper()} -> {d['holder']}" + _previous(d),
    "role.released": lambda d: f"{d['role'].upper()} released by {d['holder']}",
    "engagement.proposed": lambda d: f"engage {d['role'].upper()}, proposed {text(d['proposed'])}",
    "release.attested": lambda d: f"{d['criterion']}: {d['note']}",
    "impact.updated": lambda d: _pairs(d["changes"]),
    "task.added": lambda d: f"task {d['number']} for {d['owner']}: {d['title']}",
    "task.updated": lambda d: f"task {d['number']}: {_pairs(d['changes'])}",
    "team.engaged": lambda d: f"{d['team']} via {d['contact']}",
    "note.added": lambda d: str(d["text"]),
}


def _reason(data: Mapping[str, Any]) -> str:
    return f": {data['reason']}" if data.get("reason") else ""


def _previous(data: Mapping[str, Any]) -> str:
    return f" (was {data['previous_holder']})" if data.get("previous_holder") else ""


def describe_event(event: Mapping[str, Any]) -> str:
    data = event.get("data") or {}
    try:
        return EVENT_TEXT[str(event.get("type"))](data)
    except (KeyError, TypeError, AttributeError):
        return _pairs(data)


def _pairs(data: Mapping[str, Any]) -> str:
    """``a=1, b=yes``, nested mappings in braces: the fallback for events without their own wording."""
    return ", ".join(f"{key}={_value(item)}" for key, item in data.items())


def _value(value: object) -> str:
    return "{" + _pairs(value) + "}" if isinstance(value, Mapping) else text(value)


@click.command(short_help="Add a note to the incident's timeline.")
@incident_argument
@click.argument("note_text", metavar="TEXT")
@if_version_option
@json_option
@pass_session
def note(session: Session, incident_id: int, note_text: str, if_version: int | None, as_json: bool) -> None:
    """\b
    Examples:
      sirf note 42 "Rollback started"
      sirf note 42 "Zendesk macro updated with the workaround" --json

    Add a free-text note; it becomes a timeline entry like every other change.
    """
    body = {"text": note_text}
    entry = session.api().post(incident_path(incident_id, "notes"), body, if_version=if_version)
    emit(as_json, entry, lambda e: f"#{incident_id} note added as entry {e.get('seq')}")


@click.command(short_help="Show what happened, in order.")
@incident_argument
@click.option("--after", type=int, metavar="SEQ", help="Only entries after this sequence number.")
@click.option(
    "--limit", type=int, metavar="N", help="At most this many entries (server default 100, max 500)."
)
@json_option
@pass_session
def timeline(session: Session, incident_id: int, after: int | None, limit: int | None, as_json: bool) -> None:
    """\b
    Examples:
      sirf timeline 42
      sirf timeline 42 --after 17 --limit 20
      sirf timeline 42 --json

    The incident's timeline, oldest first, with times in your local timezone.
    """
    page = session.api().get(incident_path(incident_id, "timeline"), {"after": after, "limit": limit})
    if as_json:
        print_json(page)
        return
    items = page.get("items") or []
    rows = [
        [
            text(e.get("seq")),
            local_time(e.get("at"), fmt=SECONDS),
            text(e.get("actor")),
            text(e.get("type")),
            describe_event(e),
        ]
        for e in items
    ]
    if rows:
        click.echo(table(["SEQ", "AT", "ACTOR", "EVENT", "WHAT"], rows))
    else:
        message("no timeline entries")
    if page.get("next_cursor") and items:
        message(f"more: sirf timeline {incident_id} --after {items[-1].get('seq')}")
