"""F7.3 release: CMOC and SMOC are released only when all six criteria hold; IMOC needs none."""

import copy
from datetime import UTC, datetime

import pytest

from sirf.domain.errors import ReleaseBlocked, ValidationFailed
from sirf.domain.events import CriterionAttested, RoleReleased
from sirf.domain.lifecycle import Phase
from sirf.domain.release import DESCRIPTIONS, Attestation, ReleaseCriterion, evaluate_release
from sirf.domain.roles import Role

CMOC, SMOC, IMOC = Role.CMOC, Role.SMOC, Role.IMOC
AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ALL = list(ReleaseCriterion)
FINAL = ReleaseCriterion.FINAL_STATUS_DOCUMENTED


def _attested(*criteria):
    return {c: Attestation(c, "bo", AT, f"checked {c.value}") for c in criteria}


def test_the_six_criteria_of_f7_3():
    assert [c.value for c in ReleaseCriterion] == [
        "communication-stable",
        "queue-normal",
        "no-new-impact-patterns",
        "ticket-flow-normal",
        "final-status-documented",
        "handed-back",
    ]
    assert set(DESCRIPTIONS) == set(ReleaseCriterion)


def test_nothing_known_means_every_criterion_is_missing():
    checklist = evaluate_release({}, {})
    assert [s.criterion for s in checklist] == ALL
    assert [(s.holds, s.basis) for s in checklist] == [(False, "missing")] * 6
    assert all(s.description == DESCRIPTIONS[s.criterion] for s in checklist)


@pytest.mark.parametrize("criterion", ALL)
def test_a_computed_false_beats_an_attestation(criterion):
    [status] = [s for s in evaluate_release({criterion: False}, _attested(*ALL)) if s.criterion is criterion]
    assert (status.holds, status.basis) == (False, "computed")
    assert status.detail == "the data says it does not hold"


@pytest.mark.parametrize("criterion", ALL)
def test_a_computed_true_holds_without_an_attestation(criterion):
    [status] = [s for s in evaluate_release({criterion: True}, {}) if s.criterion is criterion]
    assert (status.holds, status.basis) == (True, "computed")


@pytest.mark.parametrize("criterion", ALL)
def test_an_attestation_fills_what_sirf_cannot_tell(criterion):
    for signals in ({}, {criterion: None}):
        [status] = [s for s in evaluate_release(signals, _attested(criterion)) if s.criterion is criterion]
        assert (status.holds, status.basis) == (True, "attested")
        assert status.detail == f"attested by bo: checked {criterion.value}"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("queue_normal", ReleaseCriterion.QUEUE_NORMAL), (" Handed-Back ", ReleaseCriterion.HANDED_BACK)],
)
def test_criterion_parse(raw, expected):
    assert ReleaseCriterion.parse(raw) is expected


def test_criterion_parse_refuses_unknown_names_listing_them():
    with pytest.raises(ValidationFailed) as info:
        ReleaseCriterion.parse("all-good")
    assert info.value.details == {"field": "criterion"}
    for criterion in ReleaseCriterion:
        assert criterion.value in info.value.message


# ----- on the incident -----------------------------------------------------------------------------


def _attest(incident, clock, *criteria):
    for criterion in criteria:
        incident.attest(criterion, note=f"checked {criterion.value}", actor="bo", at=clock.tick())


def test_final_status_is_computed_from_the_phase(incident, clock):
    assert incident.release_signals() == {FINAL: None}
    incident.move_to(Phase.RESOLUTION, actor="ana", at=clock.tick())
    assert incident.release_signals() == {FINAL: True}
    [final] = [s for s in incident.release_checklist() if s.criterion is FINAL]
    assert (final.holds, final.basis) == (True, "computed")


def test_attest_records_the_attestation_and_a_later_one_replaces_it(incident, clock):
    first = clock.tick()
    incident.attest(ReleaseCriterion.QUEUE_NORMAL, note="  queue at 12 tickets  ", actor="bo", at=first)
    assert incident.attestations == {
        ReleaseCriterion.QUEUE_NORMAL: Attestation(
            ReleaseCriterion.QUEUE_NORMAL, "bo", first, "queue at 12 tickets"
        )
    }
    second = clock.tick()
    incident.attest(ReleaseCriterion.QUEUE_NORMAL, note="back to 5", actor="cy", at=second)
    assert incident.attestations[ReleaseCriterion.QUEUE_NORMAL].by == "cy"
    events = incident.take_events()
    assert all(isinstance(e, CriterionAttested) for e in events)
    assert [e.payload() for e in events] == [
        {"criterion": "queue-normal", "note": "queue at 12 tickets"},
        {"criterion": "queue-normal", "note": "back to 5"},
    ]


@pytest.mark.parametrize("note", ["", "   "])
def test_attest_requires_a_note(incident, clock, note):
    with pytest.raises(ValidationFailed):
        incident.attest(ReleaseCriterion.QUEUE_NORMAL, note=note, actor="bo", at=clock.tick())
    assert incident.attestations == {}
    assert incident.take_events() == []


@pytest.mark.parametrize("role", [CMOC, SMOC])
def test_support_role_release_is_blocked_listing_the_missing_criteria(incident, clock, framework, role):
    incident.assign(role, "bo", actor="ana", at=clock.tick(), framework=framework)
    _attest(incident, clock, ReleaseCriterion.COMMUNICATION_STABLE, ReleaseCriterion.QUEUE_NORMAL)
    incident.take_events()
    before = copy.deepcopy(incident)
    missing = [
        ReleaseCriterion.NO_NEW_IMPACT_PATTERNS,
        ReleaseCriterion.TICKET_FLOW_NORMAL,
        FINAL,
        ReleaseCriterion.HANDED_BACK,
    ]
    with pytest.raises(ReleaseBlocked) as info:
        incident.release(role, actor="ana", at=clock.tick())
    error = info.value
    assert error.code == "release_blocked"
    assert error.details == {"missing": [c.value for c in missing]}
    assert f"{role.label} cannot be released yet (F7.3)" in error.message
    for criterion in missing:
        assert f"{criterion.value} ({DESCRIPTIONS[criterion]})" in error.message
    assert "queue-normal" not in error.message
    assert incident == before
    assert incident.holder(role) == "bo"
    assert incident.take_events() == []


@pytest.mark.parametrize("role", [CMOC, SMOC])
def test_support_role_is_released_once_all_criteria_hold(incident, clock, framework, role):
    incident.assign(role, "bo", actor="ana", at=clock.tick(), framework=framework)
    _attest(incident, clock, *[c for c in ALL if c is not FINAL])
    incident.move_to(Phase.RESOLUTION, actor="ana", at=clock.tick())
    incident.take_events()
    at = clock.tick()
    incident.release(role, actor="cy", at=at)
    assert incident.holder(role) is None
    [assignment] = incident.assignments
    assert (assignment.released_at, assignment.released_by, assignment.active) == (at, "cy", False)
    [event] = incident.take_events()
    assert isinstance(event, RoleReleased)
    assert event.payload() == {"role": role.value, "holder": "bo", "criteria": [c.value for c in ALL]}


def test_all_six_attested_release_a_support_role_before_resolution(incident, clock, framework):
    incident.assign(CMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    _attest(incident, clock, *ALL)
    incident.release(CMOC, actor="ana", at=clock.tick())
    assert incident.holder(CMOC) is None


def test_imoc_release_needs_no_criteria(incident, clock, framework):
    incident.assign(IMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    incident.take_events()
    checklist = incident.release_checklist()
    assert not any(s.holds for s in checklist)
    incident.release(IMOC, actor="ana", at=clock.tick())
    assert incident.holder(IMOC) is None
    [event] = incident.take_events()
    assert event.payload() == {"role": "imoc", "holder": "bo", "criteria": []}


@pytest.mark.parametrize("role", list(Role))
def test_releasing_a_vacant_role_is_refused(incident, clock, role):
    with pytest.raises(ValidationFailed) as info:
        incident.release(role, actor="ana", at=clock.tick())
    assert info.value.details == {"field": "role"}
    assert f"{role.label} is not assigned" in info.value.message


def test_support_role_release_evaluates_the_criteria_itself(incident, clock, framework):
    incident.assign(CMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    _attest(incident, clock, ReleaseCriterion.QUEUE_NORMAL)
    incident.take_events()
    with pytest.raises(ReleaseBlocked) as info:
        incident.release(CMOC, actor="ana", at=clock.tick())
    assert ReleaseCriterion.QUEUE_NORMAL.value not in info.value.details["missing"]
    assert len(info.value.details["missing"]) == 5
    assert incident.holder(CMOC) == "bo"
    assert incident.take_events() == []
