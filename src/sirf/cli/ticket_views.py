"""Human views of tickets and their figures: ticket tables, link results, the linking rule, bulk
replies (the dry-run plan, progress and summary), the ticket status of an incident, surges, the
impact figures and the first-response SLA.

Every function takes the API's JSON (the shapes in docs/api.md, "Tickets") and returns text. Times
arrive in UTC and are shown in the local timezone (``sirf.cli.output.local_time``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sirf.cli.output import NONE, fields, local_time, table, text

RUN_STATES = ("pending", "sending", "submitted", "replied", "skipped", "failed")
SLA_STATES = ("met", "missed", "on_track", "at_risk", "breached")
LINE_WIDTH = 80


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 ticket``, ``3 tickets``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def clip(value: str, width: int = LINE_WIDTH) -> str:
    return value if len(value) <= width else value[: width - 3].rstrip() + "..."


def first_line(value: object) -> str:
    """The first line of a text that has any words on it, clipped to the line width."""
    for line in str(value or "").splitlines():
        if line.strip():
            return clip(line.strip())
    return NONE


def minutes(value: object) -> str:
    """``35 min``, ``1 h 30 min``, ``0.5 min``; ``-`` when not known."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return NONE
    if abs(value) < 1:
        return f"{abs(value):g} min"
    hours, rest = divmod(round(abs(value)), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def percent(value: object) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return NONE
    return f"{value:.1f}".removesuffix(".0") + "%"


def counted(pairs: Iterable[tuple[str, int]], unclassified: object = 0) -> str:
    """``enterprise 12, smb 30; 3 unclassified`` from name/count pairs."""
    listed = ", ".join(f"{name} {count}" for name, count in pairs)
    extra = f"{unclassified} unclassified" if isinstance(unclassified, int) and unclassified else ""
    return "; ".join(part for part in (listed, extra) if part) or NONE


# -- tickets ----------------------------------------------------------------------------------------


def ticket_table(items: Sequence[Mapping[str, Any]], *, linked_column: bool = False) -> str:
    headers = ["REF", "PRIORITY", "STATUS", "ORGANISATION", "CREATED"]
    if linked_column:
        headers.append("LINKED")
    rows = []
    for item in items:
        row = [
            text(item.get("ref")),
            text(item.get("priority")),
            text(item.get("status")),
            text(item.get("organization")),
            local_time(item.get("created_at")),
        ]
        if linked_column:
            row.append("linked" if item.get("linked") else "")
        rows.append([*row, str(item.get("subject", ""))])
    return table([*headers, "SUBJECT"], rows)


def created(ticket: Mapping[str, Any]) -> str:
    """What ``tickets create`` made, and which incidents its rules linked it to."""
    visibility = "public" if ticket.get("public", True) else "private"
    lines = [
        f"ticket {ticket.get('ref')} created: {ticket.get('subject', '')}",
        fields(
            [
                ("requester", text(ticket.get("requester"))),
                ("priority", text(ticket.get("priority"))),
                ("status", text(ticket.get("status"))),
                ("organisation", text(ticket.get("organization"))),
                ("form", text(ticket.get("form"))),
                ("tags", text(ticket.get("tags"))),
                ("visibility", visibility),
                ("created", local_time(ticket.get("created_at"))),
            ],
            indent="  ",
        ),
    ]
    incidents = ticket.get("linked_incidents") or []
    if incidents:
        lines.append("linked (by its tag or a rule) to " + ", ".join(f"#{number}" for number in incidents))
    return "\n".join(lines)


def rule_text(rule: object) -> str:
    """``keywords "sign in", "login"; form Login; from ... until ...``; ``none`` without a rule."""
    if not isinstance(rule, Mapping) or not rule:
        return "none"
    parts = []
    keywords = rule.get("keywords") or []
    if keywords:
        parts.append("keywords " + ", ".join(json.dumps(str(word), ensure_ascii=False) for word in keywords))
    if rule.get("form"):
        parts.append(f"form {rule['form']}")
    if rule.get("organization"):
        parts.append(f"organisation {rule['organization']}")
    if rule.get("since"):
        parts.append(f"from {local_time(rule['since'])}")
    if rule.get("until"):
        parts.append(f"until {local_time(rule['until'])}")
    return "; ".join(parts) or "none"


def tag_text(tag: object, retired: object) -> str:
    return f"{text(tag)} (retired)" if retired else text(tag)


def list_header(page: Mapping[str, Any], incident_id: int) -> str:
    return fields(
        [
            ("incident", f"#{incident_id}"),
            ("tag", tag_text(page.get("tag"), page.get("tag_retired"))),
            ("rule", rule_text(page.get("rule"))),
            ("linked", text(page.get("total"))),
        ]
    )


def preview(data: Mapping[str, Any], incident_id: int) -> str:
    """The tickets a match found, and how many of them are linked already."""
    items = data.get("items") or []
    count = int(data.get("count") or len(items))
    already = int(data.get("already_linked") or 0)
    summary = f"{plural(count, 'ticket')} match for #{incident_id}"
    if already:
        summary += f" ({already} already linked)"
    return f"{ticket_table(items, linked_column=True)}\n{summary}" if items else summary


def link_result(data: Mapping[str, Any], incident_id: int, *, unlinking: bool = False) -> str:
    """What ``link``, ``unlink``, ``match --yes`` and ``rule`` changed, and the total after it."""
    changed = [str(ref) for ref in data.get("linked") or []]
    unchanged = [str(ref) for ref in data.get("unchanged") or []]
    verb, same = ("unlinked", "were not linked") if unlinking else ("linked", "already linked")
    lines = [f"{verb} {plural(len(changed), 'ticket')}" + (": " + ", ".join(changed) if changed else "")]
    if unchanged:
        lines.append(f"{same}: " + ", ".join(unchanged))
    lines.append(f"#{incident_id} now has {plural(int(data.get('total') or 0), 'linked ticket')}")
    if data.get("tag"):
        lines[-1] += f" (tag {data['tag']})"
    return "\n".join(lines)


# -- bulk replies -----------------------------------------------------------------------------------


def plan(data: Mapping[str, Any]) -> str:
    """The dry run: exactly which tickets get the reply, with its first line, and which are left out
    and why."""
    items = data.get("items") or []
    targets = [item for item in items if not item.get("excluded")]
    excluded = [item for item in items if item.get("excluded")]
    source = text(data.get("source"))
    lines = [
        f"dry run: {source} would go to {plural(len(targets), 'ticket')}, "
        f"{len(excluded)} left out; nothing was sent",
        "",
        f"Gets the reply ({len(targets)})",
    ]
    if targets:
        rows = [
            [text(t.get("ref")), clip(str(t.get("subject", "")), 50), first_line(t.get("text"))]
            for t in targets
        ]
        lines.append(table(["REF", "SUBJECT", "FIRST LINE"], rows, indent="  "))
    else:
        lines.append("  (none)")
    lines.append(f"Left out ({len(excluded)})")
    if excluded:
        rows = [
            [text(t.get("ref")), clip(str(t.get("subject", "")), 50), text(t.get("excluded"))]
            for t in excluded
        ]
        lines.append(table(["REF", "SUBJECT", "REASON"], rows, indent="  "))
    else:
        lines.append("  (none)")
    return "\n".join(lines)


def run_counts(run: Mapping[str, Any]) -> dict[str, int]:
    counts = run.get("counts") or {}
    return {state: int(counts.get(state) or 0) for state in (*RUN_STATES, *counts)}


def progress_line(run: Mapping[str, Any]) -> str:
    """``replied 1200/20000, failed 3, skipped 40`` for the in-place line on a terminal."""
    counts = run_counts(run)
    line = f"bulk reply {run.get('id')}: replied {counts['replied']}/{run.get('total', 0)}"
    line += f", failed {counts['failed']}"
    if counts["skipped"]:
        line += f", skipped {counts['skipped']}"
    return line


def progress_record(run: Mapping[str, Any]) -> str:
    """One JSON line per poll, for scripts: run, state, done, total and the counts."""
    record = {
        "run": run.get("id"),
        "state": run.get("state"),
        "done": run.get("done"),
        "total": run.get("total"),
        "counts": run.get("counts") or {},
    }
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def run_summary(run: Mapping[str, Any]) -> str:
    counts = run_counts(run)
    source = f"{text(run.get('source'))} {text(run.get('source_ref'))}"
    summary = (
        f"bulk reply {run.get('id')} ({source}) {text(run.get('state'))}: "
        f"{counts['replied']} replied, {counts['skipped']} skipped, {counts['failed']} failed "
        f"of {plural(int(run.get('total') or 0), 'ticket')}"
    )
    if run.get("status_change"):
        summary += f"; status set to {run['status_change']}"
    return summary


def runs_table(runs: Sequence[Mapping[str, Any]], *, indent: str = "  ") -> str:
    rows = []
    for run in runs:
        counts = run_counts(run)
        rows.append(
            [
                text(run.get("id")),
                f"{text(run.get('source'))} {text(run.get('source_ref'))}",
                text(run.get("state")),
                f"{run.get('done', 0)}/{run.get('total', 0)}",
                str(counts["replied"]),
                str(counts["skipped"]),
                str(counts["failed"]),
                str(counts["pending"] + counts["sending"] + counts["submitted"]),
                local_time(run.get("created_at")),
                text(run.get("created_by")),
            ]
        )
    headers = ["RUN", "SOURCE", "STATE", "DONE", "REPLIED", "SKIPPED", "FAILED", "WAITING", "STARTED", "BY"]
    return table(headers, rows, indent=indent)


# -- status, surges ---------------------------------------------------------------------------------


def status(data: Mapping[str, Any]) -> str:
    replies = data.get("replies") or []
    facts = fields(
        [
            ("ticket system", text(data.get("system"))),
            ("tag", tag_text(data.get("tag"), data.get("tag_retired"))),
            ("rule", rule_text(data.get("rule"))),
            ("linked", text(data.get("linked"))),
            ("pending tag operations", text(data.get("pending_tag_operations"))),
            ("customers", text(data.get("customers"))),
            ("queue health", text(data.get("queue_health"))),
            ("SLA", f"{data.get('sla_at_risk', 0)} at risk, {data.get('sla_breached', 0)} breached"),
        ]
    )
    runs = runs_table(replies) if replies else "  (none)"
    return f"#{data.get('incident_id')} tickets\n{facts}\n\nBulk replies\n{runs}"


def hourly(entries: object, *, fmt: str = "%H:%M") -> str:
    """``06:00 2, 07:00 12`` in local time."""
    if not isinstance(entries, list) or not entries:
        return NONE
    return ", ".join(f"{local_time(e.get('hour'), fmt=fmt)} {e.get('tickets', 0)}" for e in entries)


def surges(items: Sequence[Mapping[str, Any]]) -> str:
    blocks = []
    for number, surge in enumerate(items, start=1):
        count, baseline = surge.get("count", 0), surge.get("baseline_per_window", 0)
        heading = (
            f"Surge {number}: {surge.get('label', '')}  "
            f"({count} tickets vs {baseline:g} usual, x{surge.get('ratio', 0):g})"
        )
        organisations = surge.get("organisations") or []
        facts = fields(
            [
                ("reason", text(surge.get("reason"))),
                ("keywords", text(surge.get("keywords"))),
                ("first seen", local_time(surge.get("first_seen_at"))),
                ("per hour", hourly(surge.get("hourly"))),
                ("customers", text(surge.get("customers"))),
                ("organisations", text(organisations)),
                ("tickets", text(surge.get("refs"))),
            ],
            indent="  ",
        )
        samples = [f"    - {subject}" for subject in surge.get("sample_subjects") or []]
        blocks.append("\n".join([heading, facts, "  sample subjects", *(samples or ["    (none)"])]))
    return "\n\n".join(blocks)


# -- impact figures and SLA -------------------------------------------------------------------------


def impact_figures(data: Mapping[str, Any]) -> str:
    """``GET /incidents/{id}/impact``: who is affected, how fast tickets come, how the queue copes."""
    segments = data.get("segments") or {}
    regions = data.get("regions") or {}
    peak = f"peak {data.get('peak_per_hour', 0)}"
    if data.get("peak_hour"):
        peak += f" in the hour from {local_time(data['peak_hour'])}"
    csat = percent(data.get("csat_percent"))
    if data.get("csat_percent") is not None:
        csat += f" of {plural(int(data.get('csat_ratings') or 0), 'rating')}"
    else:
        csat += " (no ratings yet)"
    if data.get("csat_baseline_percent") is not None:
        csat += f", baseline {percent(data['csat_baseline_percent'])}"
    if data.get("csat_trend"):
        csat += f", {data['csat_trend']}"
    tickets = (
        f"{data.get('total_tickets', 0)} ({data.get('active_tickets', 0)} active, "
        f"{data.get('awaiting_first_response', 0)} awaiting a first response, "
        f"{data.get('escalated', 0)} escalated)"
    )
    response = (
        f"current {minutes(data.get('current_response_minutes'))}, "
        f"average {minutes(data.get('average_response_minutes'))}, "
        f"longest wait {minutes(data.get('longest_wait_minutes'))}"
    )
    facts = fields(
        [
            ("customers", text(data.get("customers"))),
            ("organisations", text(data.get("organisations"))),
            ("tickets", tickets),
            ("segments", counted(segments.items(), data.get("unclassified_segment"))),
            (
                "regions",
                counted(((k.upper(), v) for k, v in regions.items()), data.get("unclassified_region")),
            ),
            ("tickets per hour", f"{data.get('tickets_per_hour', 0)} in the last hour; {peak}"),
            ("first response", response),
            ("queue health", text(data.get("queue_health"))),
            ("CSAT", csat),
        ]
    )
    issues = data.get("top_issues") or []
    top = (
        fields([(str(i.get("issue", "")), f"x {i.get('reports', 0)}") for i in issues], indent="  ")
        if issues
        else "  (none)"
    )
    heading = f"#{data.get('incident_id')} ticket impact, computed {local_time(data.get('computed_at'))}"
    return f"{heading}\n{facts}\n\nTop issues\n{top}"


def _remaining(value: object) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return NONE
    return f"overdue {minutes(value)}" if value < 0 else f"{minutes(value)} left"


def _assessments(items: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [
            text(a.get("ref")),
            text(a.get("priority")),
            text(a.get("region")).upper(),
            local_time(a.get("due_at")),
            _remaining(a.get("remaining_minutes")),
        ]
        for a in items
    ]
    return table(["REF", "PRIORITY", "REGION", "DUE", "REMAINING"], rows, indent="  ")


def _by_remaining(items: object) -> list[Mapping[str, Any]]:
    listed = [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []

    def key(item: Mapping[str, Any]) -> float:
        value = item.get("remaining_minutes")
        return float(value) if isinstance(value, int | float) else 0.0

    return sorted(listed, key=key)


def sla(data: Mapping[str, Any]) -> str:
    """Compliance, counts per state, then breached (longest overdue first) and at risk (least time
    left first)."""
    counts = data.get("counts") or {}
    states = [*SLA_STATES, *(state for state in counts if state not in SLA_STATES)]
    per_state = ", ".join(f"{state.replace('_', ' ')} {counts.get(state, 0)}" for state in states)
    compliance = percent(data.get("compliance_percent"))
    if data.get("compliance_percent") is None:
        compliance += " (no ticket decided yet)"
    breached, at_risk = _by_remaining(data.get("breached")), _by_remaining(data.get("at_risk"))
    return "\n".join(
        [
            f"#{data.get('incident_id')} first-response SLA",
            fields([("compliance", compliance), ("tickets", per_state)]),
            "",
            f"Breached ({len(breached)})",
            _assessments(breached) if breached else "  (none)",
            f"At risk ({len(at_risk)})",
            _assessments(at_risk) if at_risk else "  (none)",
        ]
    )
