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
}


def describe(event_type: str, data: dict[str, Any]) -> str:
    describer = _DESCRIBERS.get(event_type)
    return describer(data) if describer else event_type
