"""Human views of status updates: the one-line summary, the list table, the ``sirf update show`` page,
previews, and the lines that say what still stands between an update and publishing.

Times arrive in UTC and are shown in the local timezone (``sirf.cli.output.local_time``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sirf.cli.output import NONE, SECONDS, fields, local_time, table, text

FORMATS = ("markdown", "text", "html")


def summary_line(update: Mapping[str, Any]) -> str:
    """``update 7  #42  periodic  public  in-review``"""
    parts = [
        f"update {update.get('id')}",
        f"#{update.get('incident_id')}",
        text(update.get("template")),
        text(update.get("audience")),
        text(update.get("state")),
    ]
    return "  ".join(parts)


def brief(update: Mapping[str, Any]) -> str:
    """The summary line and the text, as ``draft`` and ``edit`` print them."""
    return f"{summary_line(update)}\n\n{update.get('body', '')}"


def upper(names: object) -> str:
    """``CMOC, IMOC`` from ``["cmoc", "imoc"]``; ``-`` for none."""
    if not isinstance(names, list) or not names:
        return NONE
    return ", ".join(str(name).upper() for name in names)


def approval_summary(update: Mapping[str, Any]) -> str:
    """``none needed``, ``complete``, ``missing CMOC``, ``blocked`` (see the problems), or ``-`` once
    withdrawn."""
    approval = update.get("approval") or {}
    if update.get("state") == "withdrawn":
        return NONE
    if not approval.get("required"):
        return "none needed"
    if approval.get("complete"):
        return "complete"
    missing = approval.get("missing") or []
    return f"missing {upper(missing)}" if missing else "blocked"


def approval_line(update: Mapping[str, Any]) -> str:
    """After an approval: who approved last, and what the update still needs."""
    current = [a for a in update.get("approvals") or [] if a.get("current")]
    lines = [summary_line(update)]
    if current:
        last = current[-1]
        lines.append(f"approved as {text(last.get('as')).upper()} by {text(last.get('by'))}")
    lines.append(f"approval: {approval_summary(update)}")
    return "\n".join(lines)


def list_table(items: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [
            text(item.get("id")),
            text(item.get("sequence")),
            text(item.get("template")),
            text(item.get("audience")),
            text(item.get("state")),
            approval_summary(item),
            str(len(item.get("blanks") or [])),
            local_time(item.get("updated_at")),
        ]
        for item in items
    ]
    headers = ["ID", "#", "TEMPLATE", "AUDIENCE", "STATE", "APPROVAL", "BLANKS", "UPDATED"]
    return table(headers, rows)


def detail(update: Mapping[str, Any]) -> str:
    """Everything ``GET /updates/{id}`` says, in sections, with the text last."""
    sections = [
        summary_line(update),
        fields(_facts(update)),
        _approvals(update),
        "Warnings\n" + _bullets(update.get("warnings")),
        "Blanks\n" + _bullets(update.get("blanks")),
        f"Text\n{update.get('body', '')}",
    ]
    return "\n\n".join(sections)


def _facts(update: Mapping[str, Any]) -> list[tuple[str, str]]:
    published = local_time(update.get("published_at"), fmt=SECONDS)
    if update.get("published_by"):
        published += f" by {update['published_by']}"
    return [
        ("sequence", text(update.get("sequence"))),
        ("author", text(update.get("author"))),
        ("created", local_time(update.get("created_at"), fmt=SECONDS)),
        ("updated", local_time(update.get("updated_at"), fmt=SECONDS)),
        ("public state", text(update.get("public_state"))),
        ("components", components_text(update.get("components"))),
        ("next update", local_time(update.get("next_update_at"))),
        ("corrects", text(update.get("corrects"))),
        ("published", published),
        ("etag", text(update.get("etag"))),
        ("channels", text(update.get("channels"))),
    ]


def components_text(components: object) -> str:
    if not isinstance(components, Mapping) or not components:
        return NONE
    return ", ".join(f"{name}: {status}" for name, status in components.items())


def _approvals(update: Mapping[str, Any]) -> str:
    approval = update.get("approval") or {}
    heading = f"Approvals (required: {upper(approval.get('required'))})"
    approvals = update.get("approvals") or []
    rows = [
        [
            text(a.get("by")),
            text(a.get("as")).upper(),
            local_time(a.get("at")),
            "yes" if a.get("current") else "no (text changed since)",
        ]
        for a in approvals
    ]
    lines = [heading, table(["BY", "AS", "AT", "CURRENT"], rows, indent="  ") if rows else "  (none)"]
    lines.extend(f"  {line}" for line in still_needed(update))
    return "\n".join(lines)


def still_needed(update: Mapping[str, Any]) -> Iterator[str]:
    """``missing approval: CMOC`` and ``problem: ...`` lines; nothing when approval is complete."""
    approval = update.get("approval") or {}
    if approval.get("complete"):
        return
    for reviewer in approval.get("missing") or []:
        yield f"missing approval: {str(reviewer).upper()}"
    for problem in approval.get("problems") or []:
        yield f"problem: {problem}"


def _bullets(items: object) -> str:
    if not isinstance(items, list) or not items:
        return "  (none)"
    return "\n".join(f"  - {item}" for item in items)


def attention(data: Mapping[str, Any]) -> Iterator[str]:
    """``warning: ...`` and ``blank: ...`` lines for stderr, from an update or a preview."""
    for warning in data.get("warnings") or []:
        yield f"warning: {warning}"
    for blank in data.get("blanks") or []:
        yield f"blank: {blank}"


def preview(data: Mapping[str, Any], fmt: str) -> str:
    """One format's text as it is, or (``all``) each format under its own heading, then channels."""
    if fmt != "all":
        return str(data.get(fmt, ""))
    parts = [f"--- {name} ---\n{str(data.get(name, '')).rstrip()}" for name in FORMATS]
    parts.append(f"--- channels ---\n{_lines(data.get('channels'))}")
    return "\n\n".join(parts)


def _lines(items: object) -> str:
    if not isinstance(items, list) or not items:
        return "(none)"
    return "\n".join(str(item) for item in items)


def publication(update: Mapping[str, Any]) -> str:
    """What ``publish`` did (or, in a dry run, would do), and where it goes."""
    channels = [str(channel) for channel in update.get("channels") or []]
    done = "would be published" if update.get("dry_run") else "published"
    where = f"to {len(channels)} channel{'s' if len(channels) != 1 else ''}" if channels else "(no channels)"
    note = " (dry run: nothing was sent)" if update.get("dry_run") else ""
    lines = [f"update {update.get('id')} {done} {where}{note}" + (":" if channels else "")]
    lines.extend(f"  {channel}" for channel in channels)
    return "\n".join(lines)
