"""Review and publishing commands of ``sirf update``: request-review, approve, publish, withdraw.

Approvals name the exact text by its ETag: ``approve`` reads the update and sends the ETag of its
current text (or the one given with --etag), so an edit made since voids the approval instead of
slipping through. Refusals keep the client's exit codes and add what stands in the way on stderr:
blanks one per line (exit 7), missing approvals one per line (exit 5).
"""

from __future__ import annotations

import click

from sirf.cli import update_views as views
from sirf.cli.client import Api, compact
from sirf.cli.errors import CliError, ExitCode
from sirf.cli.output import emit, message
from sirf.cli.session import Session, json_option, pass_session
from sirf.cli.update_input import REVIEWERS, choice, update_argument, update_path


@click.command("request-review", short_help="Ask the required reviewers to approve an update.")
@update_argument
@json_option
@pass_session
def request_review(session: Session, update_id: int, as_json: bool) -> None:
    """\b
    Examples:
      sirf update request-review 7
      sirf update request-review 7 --json

    Send a draft for review; the reviewers it needs are notified. An update that needs no approval
    (internal) is approved at once.
    """
    reviewed = session.api().post(update_path(update_id, "request-review"), {})
    emit(as_json, reviewed, lambda u: f"{views.summary_line(u)}\napproval: {views.approval_summary(u)}")
    if not as_json:
        for line in views.still_needed(reviewed):
            message(line)


@click.command("approve", short_help="Approve an update's current text.")
@update_argument
@click.option("--as", "as_reviewer", type=choice(REVIEWERS), help="Approve in this capacity.")
@click.option(
    "--etag", metavar="ETAG", help="Approve only this exact text (from `show`); default: the current."
)
@json_option
@pass_session
def approve(
    session: Session, update_id: int, as_reviewer: str | None, etag: str | None, as_json: bool
) -> None:
    """\b
    Examples:
      sirf update approve 7
      sirf update approve 7 --as imoc
      sirf update approve 7 --etag 3f2a9c...   # exactly the text you reviewed

    Approve the text as it is now: the update is read first and its current ETag is sent, so an
    edit made since voids this approval rather than slipping through. Without --as, the first
    capacity you hold that the update still needs is used.
    """
    api = session.api()
    wanted = etag or str(api.get(update_path(update_id)).get("etag", ""))
    try:
        approved = api.post(update_path(update_id, "approve"), compact({"etag": wanted, "as": as_reviewer}))
    except CliError as refused:
        if refused.problem.get("current_etag"):
            refused.hints = (f"read the current text with `sirf update show {update_id}` and approve again",)
        raise
    emit(as_json, approved, views.approval_line)
    if not as_json and (approved.get("approval") or {}).get("complete"):
        message(f"ready: sirf update publish {update_id} --dry-run")


@click.command("publish", short_help="Publish an approved update to its channels.")
@update_argument
@click.option("--dry-run", is_flag=True, help="Check everything and list the channels; send nothing.")
@json_option
@pass_session
def publish(session: Session, update_id: int, dry_run: bool, as_json: bool) -> None:
    """\b
    Examples:
      sirf update publish 7 --dry-run
      sirf update publish 7

    Publish the update to its channels (status page, Slack, ...). Refused while blanks remain
    (exit 7, each blank on its own line) or approvals are missing (exit 5, each missing one listed).
    Warnings, such as a status-page text over 220 characters, go to stderr.
    """
    api = session.api()
    try:
        published = api.post(update_path(update_id, "publish"), {"dry_run": dry_run})
    except CliError as refused:
        _explain_refusal(api, update_id, refused)
        raise
    for warning in published.get("warnings") or []:
        message(f"warning: {warning}")
    emit(as_json, published, views.publication)
    if not as_json and not dry_run:
        message(f"follow the deliveries: sirf deliveries {published.get('incident_id')} --update {update_id}")


def _explain_refusal(api: Api, update_id: int, refused: CliError) -> None:
    """Add what stands in the way under the error line: the blanks, or the missing approvals."""
    blanks = refused.problem.get("blanks")
    if isinstance(blanks, list) and blanks:
        refused.details = tuple(f"blank: {blank}" for blank in blanks)
        refused.hints = (f"fill them in: sirf update edit {update_id} --editor (or --body-file FILE)",)
        return
    if refused.exit_code != ExitCode.REFUSED:
        return
    missing = refused.problem.get("missing")
    if isinstance(missing, list) and missing:
        refused.details = tuple(f"missing approval: {str(name).upper()}" for name in missing)
    else:
        try:
            current = api.get(update_path(update_id))
        except CliError:
            return
        if current.get("state") not in ("draft", "in-review", "approved"):
            return
        refused.details = tuple(views.still_needed(current))
        if current.get("state") == "draft":
            refused.hints = (f"ask for review first: sirf update request-review {update_id}",)
            return
    if refused.details:
        refused.hints = (f"the reviewers approve the current text with: sirf update approve {update_id}",)


@click.command("withdraw", short_help="Withdraw an update that is not published.")
@update_argument
@json_option
@pass_session
def withdraw(session: Session, update_id: int, as_json: bool) -> None:
    """\b
    Examples:
      sirf update withdraw 7
      sirf update withdraw 7 --json

    Withdraw a draft or an update under review. A published update cannot be withdrawn: draft a
    correction instead (sirf update draft ID --template ... --corrects UPDATE_ID).
    """
    emit(as_json, session.api().post(update_path(update_id, "withdraw"), {}), views.summary_line)
