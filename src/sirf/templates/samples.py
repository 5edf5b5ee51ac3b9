"""Two sample incidents on a fixed clock: one just declared, one worked through to resolution.

They pin the golden files, drive the benchmark, and are what an installation's template overrides
are trial-rendered against at start-up (so a template that fails on a fresh incident fails there,
not in the middle of an incident).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sirf.domain.framework import Framework
from sirf.domain.incident import Incident
from sirf.domain.lifecycle import Phase
from sirf.domain.regions import Region
from sirf.domain.roles import Role, Source, Team
from sirf.domain.scope import IncidentKind
from sirf.domain.severity import Severity
from sirf.domain.tasks import TaskStatus
from sirf.domain.tickets import QueueHealth, Segment
from sirf.domain.triggers import ImpactFacts
from sirf.templates.build import build_context
from sirf.templates.context import (
    IssueCount,
    RegionCount,
    SegmentCount,
    TemplateContext,
    TicketFigures,
)

DETECTED = datetime(2026, 3, 2, 8, 55, tzinfo=UTC)
DECLARED = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)  # inside the default EMEA shift
SAMPLE_NUMBER = 42


def _at(hour: int, minute: int) -> datetime:
    return DECLARED.replace(hour=hour, minute=minute)


def minimal_incident(framework: Framework) -> Incident:
    """Just declared: a title, a kind and a severity, nothing else known."""
    incident = Incident.declare(
        title="Checkout fails for EU customers",
        kind=IncidentKind.SAAS_OUTAGE,
        severity=Severity.SEV2,
        source=Source.SUPPORT,
        actor="ana",
        at=DECLARED,
        detected_at=DETECTED,
        framework=framework,
    )
    incident.id = SAMPLE_NUMBER
    incident.take_events()
    return incident


def full_incident(framework: Framework) -> Incident:
    """Roles held, tasks done and open, impact facts, teams engaged, and resolved."""
    incident = minimal_incident(framework)
    incident.move_to(Phase.TRIAGE, actor="ana", at=_at(9, 8))
    for role, person, minute in ((Role.CMOC, "alice", 10), (Role.IMOC, "carol", 11), (Role.SMOC, "bob", 12)):
        incident.assign(role, person, actor="ana", at=_at(9, minute), framework=framework)
    incident.update_impact(
        ImpactFacts(
            customers_affected=120,
            bulk_communication_needed=True,
            support_coordination_needed=True,
            complex_impact=True,
            sla_at_risk=True,
        ),
        actor="alice",
        at=_at(9, 15),
        affected_services=("Checkout", "Payments API"),
        summary="Card payments at checkout time out for customers in the EU. Other payment methods work.",
    )
    _add_tasks(incident)
    incident.engage_team(Team.CUSTOMER_SUCCESS, contact="dana", actor="alice", at=_at(9, 25))
    incident.engage_team(Team.PRODUCT, contact="frank", actor="carol", at=_at(9, 26))
    incident.move_to(Phase.RESPONSE, actor="carol", at=_at(9, 20))
    incident.move_to(Phase.COMMUNICATION, actor="alice", at=_at(9, 30))
    incident.move_to(Phase.RESOLUTION, actor="carol", at=_at(12, 10))
    incident.take_events()
    return incident


def _add_tasks(incident: Incident) -> None:
    rollback = incident.add_task(
        "Roll back the 2026.03.02 checkout deploy", owner="dave", actor="carol", at=_at(9, 18)
    )
    incident.update_task(rollback.number, status=TaskStatus.DONE, actor="dave", at=_at(10, 15))
    incident.add_task(
        "Monitor payment error rates", owner="erin", actor="carol", at=_at(9, 19), due_at=_at(13, 0)
    )
    incident.add_task(
        "Prepare a bulk reply macro for affected tickets", owner="alice", actor="alice", at=_at(9, 21)
    )


def sample_tickets() -> TicketFigures:
    return TicketFigures(
        active_tickets=38,
        pending_responses=12,
        escalated=3,
        total_tickets=164,
        customers_reporting=97,
        tickets_per_hour=22,
        peak_tickets_per_hour=41,
        current_response_time=timedelta(minutes=18),
        average_response_time=timedelta(minutes=24, seconds=30),
        queue_health=QueueHealth.STRAINED,
        top_issues=(
            IssueCount("Card payment times out at checkout", 71),
            IssueCount("Duplicate charge shown after retry", 29),
            IssueCount("Order confirmation email missing", 12),
        ),
        segments=(
            SegmentCount(Segment.SMB, 88),
            SegmentCount(Segment.ENTERPRISE, 41),
            SegmentCount(Segment.PERSONAL, 35),
        ),
        regions=(RegionCount(Region.EMEA, 131), RegionCount(Region.AMER, 24), RegionCount(Region.APAC, 9)),
        engineers_by_region=(
            RegionCount(Region.AMER, 2),
            RegionCount(Region.EMEA, 6),
            RegionCount(Region.APAC, 1),
        ),
        support_staff=9,
        csat_percent=84.0,
        csat_baseline_percent=92.0,
    )


def minimal_context(framework: Framework | None = None) -> TemplateContext:
    framework = framework or Framework()
    return build_context(
        minimal_incident(framework),
        now=_at(9, 10),
        framework=framework,
        update_number=1,
        last_public_update_at=None,
        next_update_at=None,
        requested_by="ana",
    )


def full_context(framework: Framework | None = None) -> TemplateContext:
    framework = framework or Framework()
    return build_context(
        full_incident(framework),
        now=_at(14, 30),
        framework=framework,
        update_number=4,
        last_public_update_at=_at(10, 0),
        next_update_at=_at(15, 0),
        requested_by="bob",
        tickets=sample_tickets(),
    )


def sample_contexts(framework: Framework | None = None) -> dict[str, TemplateContext]:
    return {"minimal": minimal_context(framework), "full": full_context(framework)}
