"""Domain objects -> JSON-ready dictionaries (the shapes in docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sirf.domain.accounts import ApiToken, User
from sirf.domain.delivery import Delivery
from sirf.domain.incident import Incident
from sirf.domain.release import CriterionStatus
from sirf.domain.roles import Role, RoleAssignment
from sirf.domain.tasks import Task
from sirf.domain.timeline import TimelineEntry
from sirf.domain.triggers import Engagement
from sirf.domain.updates import ApprovalStatus
from sirf.services.communications import UpdateView
from sirf.services.ports import Notification


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def assignment_json(a: RoleAssignment) -> dict[str, Any]:
    return {
        "role": a.role.value,
        "ordinal": a.ordinal,
        "holder": a.holder,
        "assumed_at": iso(a.assumed_at),
        "assigned_by": a.assigned_by,
        "released_at": iso(a.released_at),
        "released_by": a.released_by,
    }


def task_json(task: Task) -> dict[str, Any]:
    return {
        "number": task.number,
        "title": task.title,
        "owner": task.owner,
        "status": task.status.value,
        "due_at": iso(task.due_at),
        "created_at": iso(task.created_at),
        "created_by": task.created_by,
        "updated_at": iso(task.updated_at),
    }


def incident_summary_json(incident: Incident) -> dict[str, Any]:
    roles: dict[str, Any] = {}
    for role in Role:
        current = next((a for a in incident.assignments if a.role is role and a.active), None)
        roles[role.value] = (
            {
                "holder": current.holder,
                "assumed_at": iso(current.assumed_at),
                "assigned_by": current.assigned_by,
            }
            if current
            else None
        )
    return {
        "id": incident.id,
        "title": incident.title,
        "kind": incident.kind.value,
        "source": incident.source.value,
        "severity": incident.severity.value,
        "severity_label": incident.severity.label,
        "highest_severity": incident.highest_severity.value,
        "phase": incident.phase.value,
        "active": incident.active,
        "region": incident.region.value,
        "declared_by": incident.declared_by,
        "declared_at": iso(incident.declared_at),
        "detected_at": iso(incident.detected_at),
        "triaged_at": iso(incident.triaged_at),
        "first_response_at": iso(incident.first_response_at),
        "first_customer_communication_at": iso(incident.first_customer_communication_at),
        "resolved_at": iso(incident.resolved_at),
        "closed_at": iso(incident.closed_at),
        "times_reopened": incident.times_reopened,
        "summary": incident.summary,
        "affected_services": list(incident.affected_services),
        "impact": dict(vars(incident.facts)),
        "scope_override": incident.scope_override,
        "roles": roles,
        "version": incident.version,
    }


def incident_json(incident: Incident) -> dict[str, Any]:
    body = incident_summary_json(incident)
    body["role_history"] = [assignment_json(a) for a in incident.assignments]
    body["tasks"] = [task_json(incident.tasks[n]) for n in sorted(incident.tasks)]
    body["teams"] = [
        {
            "team": t.team.value,
            "contact": t.contact,
            "engaged_at": iso(t.engaged_at),
            "engaged_by": t.engaged_by,
        }
        for t in incident.teams.values()
    ]
    body["attestations"] = [
        {"criterion": a.criterion.value, "by": a.by, "at": iso(a.at), "note": a.note}
        for a in incident.attestations.values()
    ]
    return body


def entry_json(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "type": entry.type,
        "actor": entry.actor,
        "at": iso(entry.at),
        "data": entry.data,
    }


def engagement_json(engagement: Engagement) -> dict[str, Any]:
    return {
        "role": engagement.role.value,
        "engage": engagement.engage,
        "criteria_met": [{"name": c.name, "description": c.description} for c in engagement.criteria_met],
        "holder": engagement.holder,
        "proposed": engagement.proposed,
    }


def criterion_json(status: CriterionStatus) -> dict[str, Any]:
    return {
        "criterion": status.criterion.value,
        "description": status.description,
        "holds": status.holds,
        "basis": status.basis,
        "detail": status.detail,
    }


def user_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "org_role": user.org_role.value,
        "created_at": iso(user.created_at),
    }


def token_json(token: ApiToken, username: str) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "username": username,
        "created_at": iso(token.created_at),
        "last_used_at": iso(token.last_used_at),
        "revoked_at": iso(token.revoked_at),
    }


def notification_json(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "incident_id": n.incident_id,
        "recipient": n.recipient,
        "message": n.message,
        "created_at": iso(n.created_at),
    }


def approval_json(status: ApprovalStatus) -> dict[str, Any]:
    return {
        "required": [r.value for r in status.required],
        "satisfied": [r.value for r in status.satisfied],
        "missing": [r.value for r in status.missing],
        "problems": list(status.problems),
        "complete": status.complete,
    }


def update_json(view: UpdateView) -> dict[str, Any]:
    u = view.update
    return {
        "id": u.id,
        "incident_id": u.incident_id,
        "sequence": u.sequence,
        "template": u.template,
        "audience": u.audience.value,
        "state": u.state.value,
        "body": u.body,
        "author": u.author,
        "created_at": iso(u.created_at),
        "updated_at": iso(u.updated_at),
        "public_state": u.public_state.value if u.public_state else None,
        "components": {name: status.value for name, status in u.components.items()},
        "next_update_at": iso(u.next_update_at),
        "corrects": u.corrects,
        "published_at": iso(u.published_at),
        "published_by": u.published_by,
        "etag": u.etag,
        "approvals": [
            {"by": a.by, "as": a.reviewer.value, "etag": a.etag, "at": iso(a.at), "current": a.etag == u.etag}
            for a in u.approvals
        ],
        "approval": approval_json(view.approval),
        "warnings": view.warnings,
        "blanks": view.blanks,
        "channels": view.channels,
    }


def delivery_json(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "update_id": d.update_id,
        "incident_id": d.incident_id,
        "channel": d.channel,
        "state": d.state.value,
        "attempts": d.attempts,
        "next_attempt_at": iso(d.next_attempt_at),
        "last_error": d.last_error,
        "external_ref": d.external_ref,
        "created_at": iso(d.created_at),
        "updated_at": iso(d.updated_at),
        "delivered_at": iso(d.delivered_at),
    }
