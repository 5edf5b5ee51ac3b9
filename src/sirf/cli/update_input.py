"""What the ``sirf update`` commands read from the user: the text (a file, stdin or an editor), public
states, audiences, reviewers and component statuses, as options shared by draft and edit; and the
UPDATE_ID argument with its API path, shared by every update command.

The editor is opened only when stdin and stdout are terminals: the CLI never waits on a person who
is not there (a script gets a usage error instead, exit 2).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

import click

from sirf.cli.client import segment
from sirf.cli.params import Moment
from sirf.cli.session import Decorated

if TYPE_CHECKING:
    _ComponentType = click.ParamType[tuple[str, str]]
else:  # click before 8.4 has no generic ParamType
    _ComponentType = click.ParamType

PUBLIC_STATES = ("investigating", "identified", "monitoring", "resolved")
AUDIENCES = ("public", "customer", "internal")
REVIEWERS = ("cmoc", "imoc", "sirt")
COMPONENT_STATUSES = (
    "operational",
    "degraded-performance",
    "partial-service-disruption",
    "service-disruption",
    "security-event",
)
TEMPLATES = (
    "initial, periodic, resolution, region-handoff, resource-allocation, customer-impact, "
    "cmoc-activation, support-summary, technical-handoff or executive"
)


class ComponentStatus(_ComponentType):
    """``web=degraded-performance`` -> ``("web", "degraded-performance")``."""

    name = "component"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "NAME=STATUS"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value  # already converted (a default)
        name, equals, status = str(value).partition("=")
        name, status = name.strip(), status.strip().lower()
        if not equals or not name or not status:
            self.fail(f"{value!r} is not NAME=STATUS, e.g. web=degraded-performance", param, ctx)
        if status not in COMPONENT_STATUSES:
            self.fail(
                f"{status!r} is not a component status: use {', '.join(COMPONENT_STATUSES)}", param, ctx
            )
        return name, status


def choice(values: tuple[str, ...]) -> click.Choice[str]:
    return click.Choice(values, case_sensitive=False)


def state_option(function: Decorated) -> Decorated:
    return click.option(
        "--state", type=choice(PUBLIC_STATES), help="The public state shown on the status page."
    )(function)


def component_option(what: str) -> Callable[[Decorated], Decorated]:
    return click.option(
        "--component",
        "components",
        multiple=True,
        type=ComponentStatus(),
        help=f"A component's status (repeat); {what}. Statuses: {', '.join(COMPONENT_STATUSES)}.",
    )


def next_update_option(function: Decorated) -> Decorated:
    return click.option(
        "--next-update",
        type=Moment(past=False),
        help="When the next update is due: from now (30m, 1h) or an ISO time (local if no zone).",
    )(function)


def body_file_option(function: Decorated) -> Decorated:
    return click.option(
        "--body-file",
        type=click.File("r", encoding="utf-8"),
        metavar="FILE|-",
        help="Take the text (Markdown) from FILE, or from stdin with -.",
    )(function)


def read_body(source: IO[Any]) -> str:
    text = str(source.read())
    if not text.strip():
        raise click.UsageError(f"the text from {_name_of(source)} is empty")
    return text


def _name_of(source: IO[Any]) -> str:
    name = getattr(source, "name", "")
    return "stdin" if name in ("<stdin>", "-", "") else str(name)


def interactive() -> bool:
    """Whether a person is at a terminal (both ends), so an editor may be opened."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def edit_in_editor(body: str) -> str | None:
    """Open $VISUAL or $EDITOR on ``body``; the new text, or None when it was left unchanged."""
    edited = click.edit(body, extension=".md", require_save=True)
    if edited is None or edited.strip() == body.strip():
        return None
    return edited


update_argument = click.argument("update_id", metavar="UPDATE_ID", type=int)


def update_path(update_id: int, *parts: str) -> str:
    """``/updates/7/approve`` from ``(7, "approve")``, every part quoted."""
    return "/".join([f"/updates/{segment(update_id)}", *(segment(part) for part in parts)])
