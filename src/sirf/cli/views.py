"""Human views of an incident: the one-line summary, the list row and the full ``sirf show`` page."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sirf.cli.output import NONE, SECONDS, fields, local_time, table, text

ROLE_ORDER = ("cmoc", "smoc", "imoc")
IMPACT_LABELS = {
    "customers_affected": "customers affected",
    "bulk_communication_needed": "bulk communication needed",
    "support_coordination_needed": "support coordination needed",
    "complex_impact": "complex impact",
    "resource_conflict": "resource conflict",
    "sla_at_risk": "SLA at risk",
    "sirt_involved": "SIRT involved",
}
TIMES = (
    ("declared", "declared_at"),
    ("detected", "detected_at"),
    ("triaged", "triaged_at"),
    ("first response", "first_response_at"),
    ("first customer update", "first_customer_communication_at"),
    ("resolved", "resolved_at"),
    ("closed", "closed_at"),
)


def severity_label(incident: Mapping[str, Any]) -> str:
    label = incident.get("severity_label")
    return str(label) if label else f"SEV{incident.get('severity', '?')}"


def status_word(incident: Mapping[str, Any]) -> str:
    if incident.get("active"):
        return "active"
    return "closed" if incident.get("closed_at") else "resolved"


def summary_line(incident: Mapping[str, Any]) -> str:
    """``#42  SEV2  triage  active  Users cannot sign in``"""
    parts = [f"#{incident.get('id')}", severity_label(incident), text(incident.get("phase"))]
    return "  ".join([*parts, status_word(incident), str(incident.get("title", ""))])


def role_holders(roles: object) -> str:
    """``CMOC alice, SMOC bob`` for the roles currently held; ``-`` when none are."""
    if not isinstance(roles, Mapping):
        return NONE
    held = [
        f"{name.upper()} {assignment['holder']}"
        for name, assignment in _ordered_roles(roles)
        if isinstance(assignment, Mapping) and assignment.get("holder")
    ]
    return ", ".join(held) or NONE


def _ordered_roles(roles: Mapping[str, Any]) -> list[tuple[str, Any]]:
    known = [(name, roles.get(name)) for name in ROLE_ORDER if name in roles]
    return known + [(name, value) for name, value in roles.items() if name not in ROLE_ORDER]


def list_table(items: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [
            str(item.get("id")),
            severity_label(item),
            text(item.get("phase")),
            text((item.get("impact") or {}).get("customers_affected")),
            local_time(item.get("declared_at")),
            role_holders(item.get("roles")),
            str(item.get("title", "")),
        ]
        for item in items
    ]
    return table(["ID", "SEV", "PHASE", "CUSTOMERS", "DECLARED", "ROLES", "TITLE"], rows)


def detail(incident: Mapping[str, Any]) -> str:
    """Everything ``GET /incidents/{id}`` says, in sections, times in the local timezone."""
    sections = [
        summary_line(incident),
        fields(_facts(incident)),
        "Times\n" + fields(_times(incident), indent="  "),
        "Impact\n" + fields(impact_fields(incident.get("impact") or {}), indent="  "),
        "Roles\n" + roles_table(incident.get("roles") or {}),
        "Role history\n" + _or_none(incident.get("role_history"), _role_history),
        "Tasks\n" + _or_none(incident.get("tasks"), tasks_table),
        "Teams\n" + _or_none(incident.get("teams"), _teams),
        "Attestations\n" + _or_none(incident.get("attestations"), _attestations),
    ]
    return "\n\n".join(sections)


def _facts(incident: Mapping[str, Any]) -> list[tuple[str, str]]:
    severity = severity_label(incident)
    highest = incident.get("highest_severity")
    if highest is not None and highest != incident.get("severity"):
        severity += f" (highest SEV{highest})"
    facts = [
        ("kind", text(incident.get("kind"))),
        ("source", text(incident.get("source"))),
        ("severity", severity),
        ("phase", f"{text(incident.get('phase'))} ({status_word(incident)})"),
        ("region", text(incident.get("region")).upper()),
        ("declared by", text(incident.get("declared_by"))),
        ("reopened", f"{incident.get('times_reopened', 0)} times"),
        ("services", text(incident.get("affected_services"))),
        ("summary", text(incident.get("summary"))),
        ("version", text(incident.get("version"))),
    ]
    override = incident.get("scope_override")
    if override:
        facts.append(("scope override", _flat(override)))
    return facts


def _flat(value: object) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {text(item)}" for key, item in value.items())
    return text(value)


def _times(incident: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(label, local_time(incident.get(key), fmt=SECONDS)) for label, key in TIMES]


def impact_fields(impact: Mapping[str, Any]) -> list[tuple[str, str]]:
    known = [(label, text(impact.get(key))) for key, label in IMPACT_LABELS.items()]
    extra = [
        (key.replace("_", " "), text(value)) for key, value in impact.items() if key not in IMPACT_LABELS
    ]
    return known + extra


def roles_table(roles: Mapping[str, Any]) -> str:
    rows = []
    for name, assignment in _ordered_roles(roles):
        held = assignment if isinstance(assignment, Mapping) else {}
        rows.append(
            [
                name.upper(),
                text(held.get("holder")),
                local_time(held.get("assumed_at")),
                text(held.get("assigned_by")),
            ]
        )
    return table(["ROLE", "HOLDER", "SINCE", "ASSIGNED BY"], rows, indent="  ")


def _or_none(items: object, render: Callable[[list[Mapping[str, Any]]], str]) -> str:
    if not isinstance(items, list) or not items:
        return "  (none)"
    return render(items)


def _role_history(history: list[Mapping[str, Any]]) -> str:
    rows = [
        [
            str(entry.get("role", "")).upper(),
            text(entry.get("ordinal")),
            text(entry.get("holder")),
            local_time(entry.get("assumed_at")),
            text(entry.get("assigned_by")),
            local_time(entry.get("released_at")),
            text(entry.get("released_by")),
        ]
        for entry in history
    ]
    headers = ["ROLE", "#", "HOLDER", "ASSUMED", "ASSIGNED BY", "RELEASED", "RELEASED BY"]
    return table(headers, rows, indent="  ")


def tasks_table(tasks: Sequence[Mapping[str, Any]], *, indent: str = "  ") -> str:
    rows = [
        [
            text(task.get("number")),
            text(task.get("status")),
            text(task.get("owner")),
            local_time(task.get("due_at")),
            str(task.get("title", "")),
        ]
        for task in tasks
    ]
    return table(["#", "STATUS", "OWNER", "DUE", "TITLE"], rows, indent=indent)


def _teams(teams: list[Mapping[str, Any]]) -> str:
    rows = [
        [
            text(t.get("team")),
            text(t.get("contact")),
            local_time(t.get("engaged_at")),
            text(t.get("engaged_by")),
        ]
        for t in teams
    ]
    return table(["TEAM", "CONTACT", "ENGAGED", "BY"], rows, indent="  ")


def _attestations(attestations: list[Mapping[str, Any]]) -> str:
    rows = [
        [text(a.get("criterion")), text(a.get("by")), local_time(a.get("at")), text(a.get("note"))]
        for a in attestations
    ]
    return table(["CRITERION", "BY", "AT", "NOTE"], rows, indent="  ")
