"""Roles (F5/F6), engagement triggers (F7.1/F7.2) and release criteria (F7.3), through the fakes."""

from __future__ import annotations

import pytest

from sirf.domain.errors import NotFound, PermissionDenied, ReleaseBlocked, RoleConflict, ValidationFailed
from sirf.domain.framework import Framework
from sirf.domain.lifecycle import Phase
from sirf.domain.release import ReleaseCriterion
from sirf.domain.roles import Role
from sirf.services import engagement, incidents
from sirf.services.context import Env
from tests.services.fakes import FakeClock, FakeUnitOfWork
from tests.services.support import ADMIN, ANA, BO, CY, ROSTER, VIC, Assign, Declare, messages_for, snapshot

EVERY_CRITERION = [c.value for c in ReleaseCriterion]

# ----- assign_role --------------------------------------------------------------------------------


def test_assigning_a_role_records_it_and_tells_the_new_holder(
    uow: FakeUnitOfWork, env: Env, declare: Declare
) -> None:
    incident_id = declare()
    incident = engagement.assign_role(incident_id, Role.IMOC, "bo", actor=ANA, uow=uow, env=env)
    assert incident.holder(Role.IMOC) == "bo"
    assert uow.store.incidents[incident_id].holder(Role.IMOC) == "bo"
    entry = uow.store.timeline(incident_id)[-1]
    assert (entry.type, entry.actor, entry.data) == (
        "role.assigned",
        "ana",
        {"role": "imoc", "holder": "bo", "previous_holder": None},
    )
    assert messages_for(uow, "bo") == [f"#{incident_id} Checkout fails for EU customers: you are now IMOC"]


def test_taking_a_role_yourself_notifies_nobody(uow: FakeUnitOfWork, env: Env, declare: Declare) -> None:
    incident_id = declare()
    engagement.assign_role(incident_id, Role.IMOC, "ana", actor=ANA, uow=uow, env=env)
    assert uow.store.notifications == []


def test_an_unknown_person_cannot_be_given_a_role(uow: FakeUnitOfWork, env: Env, declare: Declare) -> None:
    incident_id = declare()
    before = snapshot(uow)
    with pytest.raises(NotFound) as refused:
        engagement.assign_role(incident_id, Role.CMOC, "nobody", actor=ANA, uow=uow, env=env)
    assert refused.value.details == {"user": "nobody"}
    assert uow.store == before


def test_once_the_imoc_is_held_only_the_raci_assigns_roles(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    with pytest.raises(PermissionDenied) as refused:
        engagement.assign_role(incident_id, Role.CMOC, "cy", actor=BO, uow=uow, env=env)
    assert refused.value.details["required_roles"] == ["imoc"]
    with pytest.raises(PermissionDenied, match="viewer"):
        engagement.assign_role(incident_id, Role.CMOC, "cy", actor=VIC, uow=uow, env=env)
    engagement.assign_role(incident_id, Role.SMOC, "bo", actor=ANA, uow=uow, env=env)
    engagement.assign_role(incident_id, Role.CMOC, "cy", actor=BO, uow=uow, env=env)  # SMOC is R
    assert uow.store.incidents[incident_id].holder(Role.CMOC) == "cy"


def test_a_holder_may_hand_their_own_role_over_without_the_raci(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    assign(incident_id, Role.CMOC, "bo")
    # The CMOC is only Informed of role assignments, so may not assign another role ...
    with pytest.raises(PermissionDenied):
        engagement.assign_role(incident_id, Role.SMOC, "cy", actor=BO, uow=uow, env=env)
    # ... but may hand over their own.
    incident = engagement.assign_role(incident_id, Role.CMOC, "cy", actor=BO, uow=uow, env=env)
    assert incident.holder(Role.CMOC) == "cy"
    assert [(a.holder, a.released_by) for a in incident.assignments if a.role is Role.CMOC] == [
        ("bo", "bo"),
        ("cy", None),
    ]
    assert uow.store.timeline(incident_id)[-1].data["previous_holder"] == "bo"


def test_the_informed_cmoc_hears_about_assignments(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.CMOC, "bo")
    assign(incident_id, Role.IMOC, "ana")
    assert messages_for(uow, "bo")[-1] == f"#{incident_id} IMOC assigned to ana (by root)"


def test_distinct_roles_need_two_people(uow: FakeUnitOfWork, clock: FakeClock, declare: Declare) -> None:
    env = Env(clock, Framework(roster=ROSTER, distinct_roles=frozenset({frozenset({Role.CMOC, Role.IMOC})})))
    incident_id = declare()
    engagement.assign_role(incident_id, Role.IMOC, "ana", actor=ADMIN, uow=uow, env=env)
    before = snapshot(uow)
    with pytest.raises(RoleConflict) as refused:
        engagement.assign_role(incident_id, Role.CMOC, "ana", actor=ADMIN, uow=uow, env=env)
    assert sorted(refused.value.details["roles"]) == ["cmoc", "imoc"]
    with pytest.raises(ValidationFailed, match="already holds"):
        engagement.assign_role(incident_id, Role.IMOC, "ana", actor=ADMIN, uow=uow, env=env)
    assert uow.store == before
    engagement.assign_role(incident_id, Role.SMOC, "ana", actor=ADMIN, uow=uow, env=env)  # not a pair


# ----- update_impact and the triggers -------------------------------------------------------------


def test_impact_that_calls_for_a_vacant_role_proposes_it_once(
    uow: FakeUnitOfWork, env: Env, declare: Declare
) -> None:
    incident_id = declare()
    engagement.update_impact(incident_id, {"customers_affected": 40}, actor=BO, uow=uow, env=env)
    tail = uow.store.timeline(incident_id)[-2:]
    assert [e.type for e in tail] == ["impact.updated", "engagement.proposed"]
    assert tail[0].data == {"changes": {"customers_affected": 40}}
    assert tail[1].data == {"role": "cmoc", "proposed": "carla", "criteria": ["several-customers-affected"]}
    assert len(messages_for(uow, "carla")) == 1
    assert "CMOC should be engaged" in messages_for(uow, "carla")[0]

    # Still needed, still vacant: the second update does not propose the CMOC again.
    engagement.update_impact(
        incident_id,
        {"customers_affected": 400, "bulk_communication_needed": True},
        actor=BO,
        uow=uow,
        env=env,
    )
    assert uow.store.event_types(incident_id)[-1] == "impact.updated"
    assert uow.store.event_types(incident_id).count("engagement.proposed") == 1
    assert len(messages_for(uow, "carla")) == 1

    # A newly needed role is proposed; the one already proposed is not.
    engagement.update_impact(incident_id, {"sla_at_risk": True}, actor=BO, uow=uow, env=env)
    proposals = [e.data["role"] for e in uow.store.timeline(incident_id) if e.type == "engagement.proposed"]
    assert proposals == ["cmoc", "smoc"]
    assert len(messages_for(uow, "sam")) == 1


def test_a_proposal_also_reaches_the_holders_of_the_other_roles(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    engagement.update_impact(incident_id, {"complex_impact": True}, actor=ANA, uow=uow, env=env)
    assert any("SMOC should be engaged" in m for m in messages_for(uow, "ana"))
    assert any("SMOC should be engaged" in m for m in messages_for(uow, "sam"))


def test_a_held_role_is_not_proposed(uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign) -> None:
    incident_id = declare()
    assign(incident_id, Role.CMOC, "bo")
    engagement.update_impact(incident_id, {"customers_affected": 40}, actor=BO, uow=uow, env=env)
    assert "engagement.proposed" not in uow.store.event_types(incident_id)
    verdicts = {e.role: e for e in engagement.engagements(incident_id, uow=uow, env=env)}
    assert (verdicts[Role.CMOC].engage, verdicts[Role.CMOC].holder) == (True, "bo")
    assert not verdicts[Role.SMOC].engage


def test_impact_changes_services_and_summary_and_informs_the_imoc(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    assign(incident_id, Role.CMOC, "bo")
    incident = engagement.update_impact(
        incident_id,
        {"affected_services": ["checkout", "checkout", "billing"], "summary": "payments fail"},
        actor=BO,
        uow=uow,
        env=env,
    )
    assert (incident.affected_services, incident.summary) == (("checkout", "billing"), "payments fail")
    assert uow.store.timeline(incident_id)[-1].data == {
        "changes": {"affected_services": ["checkout", "billing"], "summary": "payments fail"}
    }
    assert messages_for(uow, "ana")[-1].startswith(f"#{incident_id} impact updated:")


def test_impact_refusals_change_nothing(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.CMOC, "bo")
    before = snapshot(uow)
    with pytest.raises(ValidationFailed, match="unknown impact fields: colour"):
        engagement.update_impact(incident_id, {"colour": "red"}, actor=BO, uow=uow, env=env)
    with pytest.raises(ValidationFailed, match="nothing changed"):
        engagement.update_impact(incident_id, {"sla_at_risk": False}, actor=BO, uow=uow, env=env)
    with pytest.raises(ValidationFailed, match="negative"):
        engagement.update_impact(incident_id, {"customers_affected": -1}, actor=BO, uow=uow, env=env)
    with pytest.raises(PermissionDenied):
        engagement.update_impact(incident_id, {"sla_at_risk": True}, actor=CY, uow=uow, env=env)
    assert uow.store == before


# ----- attestations and release ------------------------------------------------------------------


def test_attesting_a_criterion_records_it_and_consults_the_imoc(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    assign(incident_id, Role.CMOC, "bo")
    engagement.attest_criterion(
        incident_id, ReleaseCriterion.QUEUE_NORMAL, note="queue at 12", actor=BO, uow=uow, env=env
    )
    entry = uow.store.timeline(incident_id)[-1]
    assert (entry.type, entry.data) == (
        "release.attested",
        {"criterion": "queue-normal", "note": "queue at 12"},
    )
    assert (
        messages_for(uow, "ana")[-1]
        == f"#{incident_id} release criterion queue-normal attested: queue at 12 (by bo)"
    )
    checklist = {s.criterion: s for s in engagement.release_check(incident_id, uow=uow)}
    assert (
        checklist[ReleaseCriterion.QUEUE_NORMAL].holds,
        checklist[ReleaseCriterion.QUEUE_NORMAL].basis,
    ) == (
        True,
        "attested",
    )
    assert not checklist[ReleaseCriterion.HANDED_BACK].holds
    before = snapshot(uow)
    with pytest.raises(ValidationFailed, match="note"):
        engagement.attest_criterion(
            incident_id, ReleaseCriterion.HANDED_BACK, note=" ", actor=BO, uow=uow, env=env
        )
    with pytest.raises(PermissionDenied):
        engagement.attest_criterion(
            incident_id, ReleaseCriterion.HANDED_BACK, note="ok", actor=CY, uow=uow, env=env
        )
    assert uow.store == before


def test_a_support_role_is_released_only_when_every_criterion_holds(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    assign(incident_id, Role.CMOC, "bo")
    before = snapshot(uow)
    with pytest.raises(ReleaseBlocked) as blocked:
        engagement.release_role(incident_id, Role.CMOC, actor=BO, uow=uow, env=env)
    assert blocked.value.details == {"missing": EVERY_CRITERION}
    assert uow.store == before

    for criterion in ReleaseCriterion:
        if criterion is not ReleaseCriterion.FINAL_STATUS_DOCUMENTED:
            engagement.attest_criterion(incident_id, criterion, note="checked", actor=BO, uow=uow, env=env)
    with pytest.raises(ReleaseBlocked) as blocked:
        engagement.release_role(incident_id, Role.CMOC, actor=BO, uow=uow, env=env)
    assert blocked.value.details == {"missing": ["final-status-documented"]}

    incidents.change_phase(
        incident_id, Phase.RESOLUTION, actor=ANA, uow=uow, env=env
    )  # computes the last one
    incident = engagement.release_role(incident_id, Role.CMOC, actor=BO, uow=uow, env=env)
    assert incident.holder(Role.CMOC) is None
    entry = uow.store.timeline(incident_id)[-1]
    assert (entry.type, entry.data) == (
        "role.released",
        {"role": "cmoc", "holder": "bo", "criteria": EVERY_CRITERION},
    )


def test_the_imoc_is_released_without_criteria(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    engagement.release_role(incident_id, Role.IMOC, actor=ANA, uow=uow, env=env)
    assert uow.store.timeline(incident_id)[-1].data == {"role": "imoc", "holder": "ana", "criteria": []}


def test_releasing_someone_elses_role_needs_the_raci(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    assign(incident_id, Role.CMOC, "bo")
    before = snapshot(uow)
    with pytest.raises(PermissionDenied) as refused:  # the IMOC is only Informed of releases
        engagement.release_role(incident_id, Role.CMOC, actor=ANA, uow=uow, env=env)
    assert refused.value.details["activity"] == "release-support-role"
    with pytest.raises(ValidationFailed, match="not assigned"):
        engagement.release_role(incident_id, Role.SMOC, actor=ADMIN, uow=uow, env=env)
    assert uow.store == before
