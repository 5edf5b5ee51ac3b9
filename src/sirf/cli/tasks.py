"""Task commands: ``sirf task add|list|update`` for an incident's critical-path tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from sirf.cli import views
from sirf.cli.client import compact, incident_path
from sirf.cli.output import emit, local_time, message, print_json, text
from sirf.cli.params import Moment
from sirf.cli.session import Session, if_version_option, json_option, pass_session

incident_argument = click.argument("incident_id", metavar="ID", type=int)


@click.group(short_help="Add, list and update an incident's tasks.")
def task() -> None:
    """\b
    Examples:
      sirf task add 42 "Create Zendesk tag" --owner alice --due 30m
      sirf task list 42
      sirf task update 42 1 --status done

    Critical-path tasks: each has one owner for the whole incident, a status and an optional due time.
    """


def task_line(item: Mapping[str, Any]) -> str:
    due = f", due {local_time(item.get('due_at'))}" if item.get("due_at") else ""
    owner = text(item.get("owner"))
    return f"task {item.get('number')} [{text(item.get('status'))}] {item.get('title')} (owner {owner}{due})"


@task.command("add", short_help="Add a task with an owner.")
@incident_argument
@click.argument("title")
@click.option("--owner", metavar="PERSON", required=True, help="Who owns it for the whole incident.")
@click.option("--due", type=Moment(past=False), help="ISO time (local if no zone) or from now: 30m, 2h.")
@if_version_option
@json_option
@pass_session
def add(
    session: Session,
    incident_id: int,
    title: str,
    owner: str,
    due: str | None,
    if_version: int | None,
    as_json: bool,
) -> None:
    """\b
    Examples:
      sirf task add 42 "Create Zendesk tag" --owner alice
      sirf task add 42 "Draft the status page update" --owner bob --due 30m

    Add a task to the incident.
    """
    body = compact({"title": title, "owner": owner, "due_at": due})
    created = session.api().post(incident_path(incident_id, "tasks"), body, if_version=if_version)
    emit(as_json, created, task_line)


@task.command("list", short_help="List the incident's tasks.")
@incident_argument
@json_option
@pass_session
def list_tasks(session: Session, incident_id: int, as_json: bool) -> None:
    """\b
    Examples:
      sirf task list 42
      sirf task list 42 --json

    List the tasks with status, owner and due time (local timezone).
    """
    page = session.api().get(incident_path(incident_id, "tasks"))
    if as_json:
        print_json(page)
    elif page.get("items"):
        click.echo(views.tasks_table(page["items"], indent=""))
    else:
        message(f"incident {incident_id} has no tasks")


@task.command("update", short_help="Change a task's status, owner or due time.")
@incident_argument
@click.argument("number", type=int)
@click.option("--status", metavar="STATUS", help="open, in-progress, done or cancelled.")
@click.option("--owner", metavar="PERSON", help="Hand the task to someone else.")
@click.option("--due", type=Moment(past=False), help="New due time: ISO or from now (30m, 2h).")
@if_version_option
@json_option
@pass_session
def update(
    session: Session,
    incident_id: int,
    number: int,
    status: str | None,
    owner: str | None,
    due: str | None,
    if_version: int | None,
    as_json: bool,
) -> None:
    """\b
    Examples:
      sirf task update 42 1 --status done
      sirf task update 42 2 --owner bob --due 2h

    Update a task; only the options given change.
    """
    body = compact({"status": status, "owner": owner, "due_at": due})
    if not body:
        raise click.UsageError("nothing to change: give --status, --owner or --due")
    path = incident_path(incident_id, "tasks", str(number))
    emit(as_json, session.api().patch(path, body, if_version=if_version), task_line)
