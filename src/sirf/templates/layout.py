"""The Markdown building blocks shared by the templates, and the pieces several templates repeat.

The handbook's blocks are headings, ``**Label:** value`` lines and bullet or numbered lists; a
template is a list of such parts joined with line breaks. Sections are separated by a blank line
so every Markdown flavour (GitLab, Slack, CommonMark) keeps them apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sirf.domain.roles import Team
from sirf.templates.blanks import blank
from sirf.templates.context import Action, TemplateContext
from sirf.templates.formatting import clock_or_blank, format_time

Lines = list[str]

TEAM_LABELS: dict[Team, str] = {
    Team.CUSTOMER_SUCCESS: "Customer Success",
    Team.PRODUCT: "Product",
    Team.INFRASTRUCTURE: "Infrastructure",
    Team.SIRT: "SIRT",
}


def document(*parts: Lines) -> str:
    return "\n".join(line for part in parts for line in part).rstrip() + "\n"


def header(ctx: TemplateContext, suffix: str | None = None) -> Lines:
    title = f"## Incident #{ctx.incident_number} - {ctx.title}"
    return [f"{title} - {suffix}" if suffix else title]


def fields(*pairs: tuple[str, str]) -> Lines:
    return [f"**{label}:** {value}" for label, value in pairs]


def section(title: str, body: Lines) -> Lines:
    return ["", f"### {title}", *body]


def bullets(items: Iterable[str]) -> Lines:
    return [f"- {item}" for item in items]


def numbered(items: Iterable[str]) -> Lines:
    return [f"{index}. {item}" for index, item in enumerate(items, start=1)]


def paragraph(text: str, description: str) -> Lines:
    return text.splitlines() if text.strip() else [blank(description)]


def labelled_blanks(labels: Sequence[str], description: str) -> Lines:
    """Handbook lines like ``- [Team leads]: [specific action requested]``: the who, then a blank."""
    return bullets(f"{label}: {blank(description)}" for label in labels)


def next_update(ctx: TemplateContext) -> Lines:
    return section("Next Update", [f"Next status update expected by {clock_or_blank(ctx.next_update_at)}"])


def action_titles(actions: Sequence[Action]) -> list[str]:
    """For customer-facing text: what is being done, without internal names."""
    return [action.title for action in actions]


def action_lines(actions: Sequence[Action]) -> list[str]:
    """For internal text: what, who, and by when."""
    return [_describe_action(action) for action in actions]


def _describe_action(action: Action) -> str:
    due = f", due {format_time(action.due_at)}" if action.due_at else ""
    return f"{action.title} (owner: {action.owner}{due})"


def stakeholders(ctx: TemplateContext) -> list[str]:
    people = [f"{entry.role.label}: {entry.holder}" for entry in ctx.roles if entry.holder]
    teams = [f"{TEAM_LABELS[team.team]}: {team.contact}" for team in ctx.teams]
    return people + teams
