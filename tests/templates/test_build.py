"""build_context: what sirf computes from the incident and the framework."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sirf.domain.errors import ValidationFailed
from sirf.domain.framework import Framework
from sirf.domain.incident import Incident
from sirf.domain.public_state import PublicState
from sirf.domain.regions import DEFAULT_REGION_HOURS, Region
from sirf.domain.roles import Role
from sirf.templates.build import build_context, next_region
from sirf.templates.context import TemplateContext
from sirf.templates.samples import DECLARED, full_incident, minimal_incident


def context_for(incident: Incident, **overrides: object) -> TemplateContext:
    arguments: dict[str, object] = {
        "now": DECLARED,
        "framework": Framework(),
        "update_number": 2,
        "last_public_update_at": None,
        "next_update_at": None,
        "requested_by": "ana",
    }
    arguments.update(overrides)
    return build_context(incident, **arguments)  # type: ignore[arg-type]


def test_a_minimal_context_carries_what_the_declaration_knows(minimal: TemplateContext) -> None:
    assert (minimal.incident_number, minimal.title, minimal.severity.label) == (
        42,
        "Checkout fails for EU customers",
        "SEV2",
    )
    assert minimal.status == "In Progress"
    assert minimal.public_state is PublicState.INVESTIGATING
    assert minimal.duration == timedelta(minutes=15)  # detected 08:55, now 09:10
    assert minimal.current_actions == minimal.completed_actions == ()
    assert minimal.tickets is None


def test_a_resolved_incident_measures_detection_to_resolution(full: TemplateContext) -> None:
    assert full.status == "Resolved"
    assert full.public_state is PublicState.RESOLVED
    assert full.duration == timedelta(hours=3, minutes=15)


def test_actions_are_open_tasks_soonest_due_first_and_done_ones_since_the_last_update(
    full: TemplateContext,
) -> None:
    assert [a.title for a in full.current_actions] == [
        "Monitor payment error rates",
        "Prepare a bulk reply macro for affected tickets",
    ]
    assert [a.title for a in full.completed_actions] == ["Roll back the 2026.03.02 checkout deploy"]


def test_work_done_before_the_last_public_update_is_not_progress_since_it() -> None:
    framework = Framework()
    context = context_for(
        full_incident(framework),
        now=DECLARED + timedelta(hours=5),
        last_public_update_at=DECLARED + timedelta(hours=2),
    )
    assert context.completed_actions == ()


def test_engagements_come_from_the_trigger_rules(full: TemplateContext) -> None:
    cmoc = full.engagement(Role.CMOC)
    assert cmoc is not None
    assert cmoc.engage
    assert cmoc.holder == "alice"
    assert cmoc.criteria == (
        "several customers are affected",
        "bulk customer communication is needed",
        "support resources need coordination",
    )
    assert full.holder(Role.IMOC) == "carol"


@pytest.mark.parametrize(
    ("hour", "on_shift", "next_on_shift"),
    [(9, Region.EMEA, Region.AMER), (16, Region.AMER, Region.APAC), (23, Region.APAC, Region.EMEA)],
)
def test_the_handoff_goes_to_the_next_shift(hour: int, on_shift: Region, next_on_shift: Region) -> None:
    now = datetime(2026, 3, 2, hour, 30, tzinfo=UTC)
    context = context_for(minimal_incident(Framework()), now=now)
    assert (context.region, context.handoff_to) == (on_shift, next_on_shift)
    assert next_region(DEFAULT_REGION_HOURS, now) is next_on_shift


def test_explicit_choices_win() -> None:
    context = context_for(
        minimal_incident(Framework()),
        handoff_to=Region.APAC,
        public_state=PublicState.MONITORING,
    )
    assert context.handoff_to is Region.APAC
    assert context.public_state is PublicState.MONITORING
    assert context.update_interval == timedelta(minutes=60)  # SEV2 monitoring


def test_the_incidents_own_public_state_is_the_default() -> None:
    incident = minimal_incident(Framework())
    incident.public_state = PublicState.IDENTIFIED
    assert context_for(incident).public_state is PublicState.IDENTIFIED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"now": datetime(2026, 3, 2, 9, 30)}, "now"),  # naive on purpose
        ({"next_update_at": datetime(2026, 3, 2, 9, 30)}, "next_update_at"),
        ({"update_number": -1}, "update_number"),
        ({"requested_by": "  "}, "requested_by"),
    ],
)
def test_bad_arguments_are_refused(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        context_for(minimal_incident(Framework()), **overrides)
    assert caught.value.details["field"] == field
