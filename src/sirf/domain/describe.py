"""One-line, human descriptions of timeline events (used in notifications and summaries)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_DESCRIBERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "incident.declared": lambda d: f"declared as SEV{d['severity']} {d['kind']}: {d['title']}",
    "incident.scope_overridden": lambda d: f"scope overridden ({d['reported_kind']}): {d['reason']}",
    "incident.severity_changed": lambda d: (
        f"severity SEV{d['previous']} -> SEV{d['severity']}: {d['reason']}"
    ),
    "incident.phase_changed": lambda d: f"phase {d['previous']} -> {d['phase']}",
    "incident.reopened": lambda d: f"reopened: {d['reason']}",
    "role.assigned": lambda d: (
        f"{d['role'].upper()} handed over from {d['previous_holder']} to {d['holder']}"
        if d["previous_holder"]
        else f"{d['role'].upper()} assigned to {d['holder']}"
    ),
    "role.released": lambda d: f"{d['role'].upper()} released ({d['holder']})",
    "impact.updated": lambda d: "impact updated: " + ", ".join(f"{k}={v}" for k, v in d["changes"].items()),
    "engagement.proposed": lambda d: (
        f"{d['role'].upper()} should be engaged ({', '.join(d['criteria'])}); "
        f"proposed: {d['proposed'] or 'nobody on call'}"
    ),
    "release.attested": lambda d: f"release criterion {d['criterion']} attested: {d['note']}",
    "task.added": lambda d: f"task {d['number']} added for {d['owner']}: {d['title']}",
    "task.updated": lambda d: (
        f"task {d['number']} updated: " + ", ".join(f"{k}={v}" for k, v in d["changes"].items())
    ),
    "team.engaged": lambda d: f"team {d['team']} engaged (contact {d['contact']})",
    "note.added": lambda d: f"note: {d['text']}",
    "update.drafted": lambda d: f"{d['template']} update {d['update_id']} drafted ({d['audience']})",
    "update.approved": lambda d: f"update {d['update_id']} approved as {d['reviewer'].upper()}",
    "update.published": lambda d: (
        f"{d['template']} update {d['update_id']} published"
        + (f"; next update due {d['next_update_due_at']}" if d.get("next_update_due_at") else "")
    ),
    "delivery.outcome": lambda d: (
        f"update {d['update_id']} to {d['channel']}: {d['state']} {d['detail']}".rstrip()
    ),
    "tickets.tag_created": lambda d: f"ticket tag {d['tag']} created",
    "tickets.tag_retired": lambda d: f"ticket tag {d['tag']} retired ({d['linked']} tickets linked)",
    "tickets.rule_set": lambda d: "ticket linking rule set: " + _rule(d["rule"]),
    "tickets.linked": lambda d: (
        f"{_count(d['refs'], 'ticket')} linked by {d['reason']} ({_refs(d['refs'])}); {d['linked']} linked"
    ),
    "tickets.unlinked": lambda d: (
        f"{_count(d['refs'], 'ticket')} unlinked ({_refs(d['refs'])}); {d['linked']} linked"
    ),
    "tickets.tagged": lambda d: (
        f"tag {d['tag']} {'added to' if d['action'] == 'add' else 'removed from'} "
        f"{_count(d['refs'], 'ticket')}: {d['outcome']} {d['detail']}".rstrip()
    ),
    "tickets.bulk_reply_started": lambda d: (
        f"bulk reply {d['run_id']} started from {d['source']} {d['source_ref']}: "
        f"{d['targets']} tickets, {d['skipped']} left out"
        + (f", status -> {d['status_change']}" if d.get("status_change") else "")
    ),
    "tickets.replied": lambda d: (
        f"bulk reply {d['run_id']} sent to {_count(d['refs'], 'ticket')} ({_refs(d['refs'])})"
    ),
    "tickets.bulk_reply_finished": lambda d: (
        f"bulk reply {d['run_id']} {d['state']}: {d['replied']} replied, {d['skipped']} left out, "
        f"{d['failed']} failed"
    ),
}


def _count(refs: list[str], noun: str) -> str:
    return f"{len(refs)} {noun}" + ("" if len(refs) == 1 else "s")


def _refs(refs: list[str], shown: int = 5) -> str:
    head = ", ".join(f"#{ref}" for ref in refs[:shown])
    return head + (f" and {len(refs) - shown} more" if len(refs) > shown else "")


def _rule(rule: dict[str, Any]) -> str:
    parts = []
    if rule.get("keywords"):
        parts.append("keywords " + ", ".join(repr(k) for k in rule["keywords"]))
    for key in ("form", "organization", "since", "until"):
        if rule.get(key):
            parts.append(f"{key} {rule[key]}")
    return "; ".join(parts) or "(none)"


def describe(event_type: str, data: dict[str, Any]) -> str:
    describer = _DESCRIBERS.get(event_type)
    return describer(data) if describer else event_type
