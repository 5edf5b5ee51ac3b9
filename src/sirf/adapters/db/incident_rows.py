"""Mapping between the Incident aggregate and its rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sirf.domain.incident import Incident
from sirf.domain.lifecycle import Phase
from sirf.domain.public_state import PublicState
from sirf.domain.regions import Region
from sirf.domain.release import Attestation, ReleaseCriterion
from sirf.domain.roles import Role, RoleAssignment, Source, Team, TeamEngagement
from sirf.domain.scope import IncidentKind
from sirf.domain.severity import Severity
from sirf.domain.tasks import Task, TaskStatus
from sirf.domain.triggers import ImpactFacts

FACT_FLAGS = (
    "bulk_communication_needed",
    "support_coordination_needed",
    "complex_impact",
    "resource_conflict",
    "sla_at_risk",
    "sirt_involved",
)


def incident_values(incident: Incident) -> dict[str, Any]:
    facts = incident.facts
    return {
        "title": incident.title,
        "kind": incident.kind.value,
        "source": incident.source.value,
        "severity": incident.severity.value,
        "highest_severity": incident.highest_severity.value,
        "phase": incident.phase.value,
        "active": incident.active,
        "region": incident.region.value,
        "declared_by": incident.declared_by,
        "declared_at": incident.declared_at,
        "detected_at": incident.detected_at,
        "triaged_at": incident.triaged_at,
        "first_response_at": incident.first_response_at,
        "first_customer_communication_at": incident.first_customer_communication_at,
        "resolved_at": incident.resolved_at,
        "closed_at": incident.closed_at,
        "times_reopened": incident.times_reopened,
        "summary": incident.summary,
        "affected_services": list(incident.affected_services),
        "customers_affected": facts.customers_affected or 0,
        "customers_known": facts.customers_affected is not None,
        "facts": {name: getattr(facts, name) for name in FACT_FLAGS},
        "scope_override": incident.scope_override,
        "public_state": incident.public_state.value if incident.public_state else None,
        "last_public_update_at": incident.last_public_update_at,
        "next_update_due_at": incident.next_update_due_at,
        "version": incident.version,
    }


def incident_from_row(row: Mapping[Any, Any]) -> Incident:
    flags = row["facts"] or {}
    facts = ImpactFacts(
        customers_affected=row["customers_affected"] if row["customers_known"] else None,
        **{name: bool(flags.get(name, False)) for name in FACT_FLAGS},
    )
    return Incident(
        id=row["id"],
        title=row["title"],
        kind=IncidentKind(row["kind"]),
        source=Source(row["source"]),
        severity=Severity(row["severity"]),
        highest_severity=Severity(row["highest_severity"]),
        phase=Phase(row["phase"]),
        region=Region(row["region"]),
        declared_by=row["declared_by"],
        declared_at=row["declared_at"],
        detected_at=row["detected_at"],
        triaged_at=row["triaged_at"],
        first_response_at=row["first_response_at"],
        first_customer_communication_at=row["first_customer_communication_at"],
        resolved_at=row["resolved_at"],
        closed_at=row["closed_at"],
        times_reopened=row["times_reopened"],
        summary=row["summary"],
        affected_services=tuple(row["affected_services"] or ()),
        facts=facts,
        scope_override=row["scope_override"],
        public_state=PublicState(row["public_state"]) if row["public_state"] else None,
        last_public_update_at=row["last_public_update_at"],
        next_update_due_at=row["next_update_due_at"],
        version=row["version"],
    )


def assignment_values(incident_id: int, a: RoleAssignment) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "role": a.role.value,
        "ordinal": a.ordinal,
        "holder": a.holder,
        "assumed_at": a.assumed_at,
        "assigned_by": a.assigned_by,
        "released_at": a.released_at,
        "released_by": a.released_by,
    }


def assignment_from_row(row: Mapping[Any, Any]) -> RoleAssignment:
    return RoleAssignment(
        role=Role(row["role"]),
        ordinal=row["ordinal"],
        holder=row["holder"],
        assumed_at=row["assumed_at"],
        assigned_by=row["assigned_by"],
        released_at=row["released_at"],
        released_by=row["released_by"],
    )


def task_values(incident_id: int, t: Task) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "number": t.number,
        "title": t.title,
        "owner": t.owner,
        "status": t.status.value,
        "due_at": t.due_at,
        "created_at": t.created_at,
        "created_by": t.created_by,
        "updated_at": t.updated_at,
    }


def task_from_row(row: Mapping[Any, Any]) -> Task:
    return Task(
        number=row["number"],
        title=row["title"],
        owner=row["owner"],
        status=TaskStatus(row["status"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
        updated_at=row["updated_at"],
        due_at=row["due_at"],
    )


def attestation_values(incident_id: int, a: Attestation) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "criterion": a.criterion.value,
        "attested_by": a.by,
        "attested_at": a.at,
        "note": a.note,
    }


def attestation_from_row(row: Mapping[Any, Any]) -> Attestation:
    return Attestation(
        ReleaseCriterion(row["criterion"]), row["attested_by"], row["attested_at"], row["note"]
    )


def team_values(incident_id: int, t: TeamEngagement) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "team": t.team.value,
        "contact": t.contact,
        "engaged_at": t.engaged_at,
        "engaged_by": t.engaged_by,
    }


def team_from_row(row: Mapping[Any, Any]) -> TeamEngagement:
    return TeamEngagement(Team(row["team"]), row["contact"], row["engaged_at"], row["engaged_by"])
