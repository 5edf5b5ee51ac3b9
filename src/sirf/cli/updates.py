"""Status update commands (F8): the ``sirf update`` group and its writing commands, draft, list,
show, edit and preview. Review and publishing (request-review, approve, publish, withdraw) live in
``sirf.cli.update_review`` and are added to the group here.

An update goes draft -> in-review -> approved -> published (or withdrawn). Approvals name the exact
text by its ETag, so ``edit`` reads the update and sends ``If-Match`` with the ETag it read: an edit
made meanwhile is not overwritten (exit 8), and any edit voids earlier approvals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

import click

from sirf.cli import update_views as views
from sirf.cli.client import Api, Json, compact, incident_path
from sirf.cli.errors import CliError, ExitCode
from sirf.cli.output import emit, message, print_json
from sirf.cli.session import Session, json_option, pass_session
from sirf.cli.update_input import (
    AUDIENCES,
    TEMPLATES,
    body_file_option,
    choice,
    component_option,
    edit_in_editor,
    interactive,
    next_update_option,
    read_body,
    state_option,
    update_argument,
    update_path,
)
from sirf.cli.update_review import approve, publish, request_review, withdraw

incident_argument = click.argument("incident_id", metavar="ID", type=int)


def _attention(update: Mapping[str, Any]) -> None:
    for line in views.attention(update):
        message(line)


@click.group(short_help="Draft, review, approve and publish status updates.")
def update() -> None:
    """\b
    Examples:
      sirf update draft 42 --template initial --component web=degraded-performance
      sirf update edit 7 --editor
      sirf update request-review 7
      sirf update approve 7 --as imoc
      sirf update publish 7 --dry-run

    Status updates go draft -> in-review -> approved -> published (or withdrawn). Public updates
    need the CMOC and the IMOC (two different people, plus SIRT on security incidents), customer
    updates the CMOC (plus SIRT); internal ones need no approval. Any edit voids earlier approvals.
    Unfilled fields read [[TODO: ...]]; publishing is refused while any remain.
    """


@update.command("draft", short_help="Draft a status update from a template.")
@incident_argument
@click.option("--template", required=True, metavar="NAME", help=f"The template: {TEMPLATES}.")
@state_option
@component_option("default: the incident's affected services as degraded-performance")
@next_update_option
@click.option("--audience", type=choice(AUDIENCES), help="Who reads it (default: the template's).")
@click.option("--corrects", type=int, metavar="UPDATE_ID", help="Correct this published update.")
@body_file_option
@json_option
@pass_session
def draft(
    session: Session,
    incident_id: int,
    template: str,
    state: str | None,
    components: tuple[tuple[str, str], ...],
    next_update: str | None,
    audience: str | None,
    corrects: int | None,
    body_file: IO[Any] | None,
    as_json: bool,
) -> None:
    """\b
    Examples:
      sirf update draft 42 --template initial
      sirf update draft 42 --template periodic --state identified --component web=degraded-performance \\
          --next-update 30m
      sirf update draft 42 --template resolution --corrects 7 --body-file fix.md
      echo "All clear." | sirf update draft 42 --template executive --audience internal --body-file -

    Draft an update filled from the incident; --body-file replaces the template's text. Warnings and
    blanks still to fill are listed on stderr.
    """
    body = {
        "template": template,
        "public_state": state,
        "components": dict(components) or None,
        "next_update_at": next_update,
        "audience": audience,
        "corrects": corrects,
        "body": read_body(body_file) if body_file is not None else None,
    }
    created = session.api().post(incident_path(incident_id, "updates"), compact(body))
    emit(as_json, created, views.brief)
    if not as_json:
        _attention(created)
        message(_next_step(created))


def _next_step(created: Mapping[str, Any]) -> str:
    number = created.get("id")
    review = f"sirf update request-review {number}"
    if created.get("blanks"):
        return f"next: fill the blanks (sirf update edit {number} --editor), then {review}"
    return f"next: {review}"


@update.command("list", short_help="List an incident's status updates, oldest first.")
@incident_argument
@json_option
@pass_session
def list_updates(session: Session, incident_id: int, as_json: bool) -> None:
    """\b
    Examples:
      sirf update list 42
      sirf update list 42 --json

    Every update of the incident with its state, what its approval still needs, how many blanks
    remain, and when it last changed (local time).
    """
    page = session.api().get(incident_path(incident_id, "updates"))
    if as_json:
        print_json(page)
    elif page.get("items"):
        click.echo(views.list_table(page["items"]))
    else:
        message(f"incident {incident_id} has no status updates")


@update.command("show", short_help="Show an update: text, state, approvals, blanks, channels.")
@update_argument
@json_option
@pass_session
def show(session: Session, update_id: int, as_json: bool) -> None:
    """\b
    Examples:
      sirf update show 7
      sirf update show 7 --json

    Show the update: its facts, approvals (who, as which reviewer, and whether they still count for
    the current text), what is still missing, warnings, blanks, channels, and the text itself.
    """
    emit(as_json, session.api().get(update_path(update_id)), views.detail)


@update.command("edit", short_help="Change an update's text, state, components or next update time.")
@update_argument
@body_file_option
@click.option("--editor", "use_editor", is_flag=True, help="Edit the current text in $VISUAL or $EDITOR.")
@state_option
@component_option("changes only the components named")
@next_update_option
@click.option(
    "--if-etag", metavar="ETAG", help="Only if the text is still this ETag (from `show`); else exit 8."
)
@json_option
@pass_session
def edit(
    session: Session,
    update_id: int,
    body_file: IO[Any] | None,
    use_editor: bool,
    state: str | None,
    components: tuple[tuple[str, str], ...],
    next_update: str | None,
    if_etag: str | None,
    as_json: bool,
) -> None:
    """\b
    Examples:
      sirf update edit 7 --editor
      sirf update edit 7 --body-file update.md --state monitoring
      sirf update show 7 --json | jq -r .body | sed s/web/website/ | sirf update edit 7 --body-file -
      sirf update edit 7 --component api=operational --next-update 1h

    Edit an update that is not yet published. It reads the update first and sends If-Match with the
    ETag it read (or --if-etag), so a change made meanwhile is not overwritten: that exits 8. Any
    change voids earlier approvals. --editor needs a terminal; scripts use --body-file.
    """
    if use_editor and body_file is not None:
        raise click.UsageError("--editor and --body-file both give the text; use one of them")
    if use_editor and not interactive():
        raise click.UsageError("--editor needs a terminal; pass the text with --body-file FILE or - (stdin)")
    if not (use_editor or body_file or state or components or next_update):
        raise click.UsageError(
            "nothing to change: give --editor, --body-file, --state, --component or --next-update"
        )
    new_body = read_body(body_file) if body_file is not None else None
    api = session.api()
    current = api.get(update_path(update_id))
    if use_editor:
        new_body = edit_in_editor(str(current.get("body", "")))
    change = compact(
        {
            "body": new_body,
            "public_state": state,
            "components": {**(current.get("components") or {}), **dict(components)} if components else None,
            "next_update_at": next_update,
        }
    )
    if not change:
        message(f"the text is unchanged; nothing was sent (update {update_id})")
        return
    edited = _patch(api, update_id, change, etag=if_etag or str(current.get("etag", "")))
    emit(as_json, edited, views.brief)
    if not as_json:
        _attention(edited)
        if _counted(current) and not _counted(edited):
            message("the edit voided earlier approvals: the reviewers must approve the new text")


def _patch(api: Api, update_id: int, change: Json, *, etag: str) -> Json:
    try:
        return api.patch(update_path(update_id), change, if_version=etag or None)
    except CliError as failed:
        if failed.exit_code == ExitCode.PRECONDITION_FAILED:
            failed.hints = (f"read the current text with `sirf update show {update_id}`, then edit again",)
        raise


def _counted(update: Mapping[str, Any]) -> bool:
    return any(approval.get("current") for approval in update.get("approvals") or [])


@update.command("preview", short_help="Show an update as each channel format renders it.")
@update_argument
@click.option(
    "--format",
    "fmt",
    type=choice(("markdown", "text", "html", "all")),
    default="all",
    show_default=True,
    help="One format as it is (to pipe on), or all of them with the channels.",
)
@json_option
@pass_session
def preview(session: Session, update_id: int, fmt: str, as_json: bool) -> None:
    """\b
    Examples:
      sirf update preview 7
      sirf update preview 7 --format text
      sirf update preview 7 --format html > update.html

    Render the update as Markdown, plain text and HTML. Warnings (such as a status-page text over
    220 characters) and blanks still to fill go to stderr.
    """
    rendered = session.api().get(update_path(update_id, "preview"))
    emit(as_json, rendered, lambda data: views.preview(data, fmt))
    if not as_json:
        _attention(rendered)


for _command in (request_review, approve, publish, withdraw):
    update.add_command(_command)
