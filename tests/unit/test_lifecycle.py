"""F3 lifecycle: the transition table, phase stamps and reopening."""

import copy
from itertools import product

import pytest

from sirf.domain.errors import InvalidTransition, ValidationFailed
from sirf.domain.events import IncidentReopened, PhaseChanged
from sirf.domain.lifecycle import (
    ACTIVE_PHASES,
    PHASE_STAMPS,
    TRANSITIONS,
    Phase,
    allowed_from,
    check_transition,
    is_reopen,
)

D, T, R, C = Phase.DETECTION, Phase.TRIAGE, Phase.RESPONSE, Phase.COMMUNICATION
RES, CLO = Phase.RESOLUTION, Phase.CLOSURE

# Written out from F3 and the lifecycle docstring, independently of TRANSITIONS: the happy path,
# resolving from any active phase, closing from resolution, and reopening back into response.
LEGAL = {(D, T), (D, RES), (T, R), (T, RES), (R, C), (R, RES), (C, RES), (RES, CLO), (RES, R)}
ALL_PAIRS = list(product(Phase, Phase))
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]

# How to reach each phase from detection through legal moves only.
ROUTE = {D: [], T: [T], R: [T, R], C: [T, R, C], RES: [RES], CLO: [RES, CLO]}


def _expected_allowed(current):
    return [target.value for target in Phase if (current, target) in LEGAL]


def test_the_table_matches_the_framework():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL
    assert set(TRANSITIONS) == set(Phase)


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_transition_is_accepted(current, target):
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_transition_names_the_allowed_ones(current, target):
    with pytest.raises(InvalidTransition) as info:
        check_transition(current, target)
    error = info.value
    allowed = _expected_allowed(current)
    assert error.code == "invalid_transition"
    assert error.details == {"current": current.value, "target": target.value, "allowed": allowed}
    assert f"cannot move from {current.value} to {target.value}" in error.message
    if allowed:
        assert f"allowed from {current.value}: {', '.join(allowed)}" in error.message
    else:
        assert "none (the incident is closed)" in error.message


@pytest.mark.parametrize("phase", list(Phase))
def test_allowed_from_lists_targets_in_lifecycle_order(phase):
    assert [p.value for p in allowed_from(phase)] == _expected_allowed(phase)


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_only_resolution_to_response_is_a_reopen(current, target):
    assert is_reopen(current, target) == ((current, target) == (RES, R))


def test_active_phases_are_those_before_resolution():
    assert frozenset({D, T, R, C}) == ACTIVE_PHASES


def test_every_phase_after_detection_has_a_stamp():
    assert PHASE_STAMPS == {
        T: "triaged_at",
        R: "first_response_at",
        C: "first_customer_communication_at",
        RES: "resolved_at",
        CLO: "closed_at",
    }


@pytest.mark.parametrize(
    ("raw", "expected"), [("triage", T), (" Resolution ", RES), ("CLOSURE", CLO), ("detection", D)]
)
def test_phase_parse_accepts_names(raw, expected):
    assert Phase.parse(raw) is expected


@pytest.mark.parametrize("raw", ["", "resolved", "closed", "tri age"])
def test_phase_parse_refuses_unknown_names_listing_them(raw):
    with pytest.raises(ValidationFailed) as info:
        Phase.parse(raw)
    assert info.value.details == {"field": "phase"}
    for phase in Phase:
        assert phase.value in info.value.message


# ----- on the incident -------------------------------------------------------------------------


def _drive(incident, clock, phases):
    for phase in phases:
        incident.move_to(phase, actor="ana", at=clock.tick(), reason="next step")
    incident.take_events()


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_incident_follows_the_table_and_an_illegal_move_changes_nothing(incident, clock, current, target):
    _drive(incident, clock, ROUTE[current])
    assert incident.phase is current
    before = copy.deepcopy(incident)
    at = clock.tick()
    if (current, target) in LEGAL:
        incident.move_to(target, actor="bo", at=at, reason="why not")
        assert incident.phase is target
        changed = [e for e in incident.take_events() if isinstance(e, PhaseChanged)]
        assert [(e.previous, e.phase, e.actor, e.at) for e in changed] == [
            (current.value, target.value, "bo", at)
        ]
    else:
        with pytest.raises(InvalidTransition):
            incident.move_to(target, actor="bo", at=at, reason="why not")
        assert incident == before
        assert incident.take_events() == []


def test_each_phase_stamp_is_set_once_but_resolution_is_restamped_after_a_reopen(incident, clock):
    declared = incident.declared_at
    assert all(getattr(incident, stamp) is None for stamp in PHASE_STAMPS.values())

    times = {}
    for phase in (T, R, C, RES):
        times[phase] = clock.tick()
        incident.move_to(phase, actor="ana", at=times[phase])
    assert incident.triaged_at == times[T]
    assert incident.first_response_at == times[R]
    assert incident.first_customer_communication_at == times[C]
    assert incident.resolved_at == times[RES]
    assert incident.closed_at is None

    reopened_at = clock.tick()
    incident.move_to(R, actor="bo", at=reopened_at, reason="customers still see errors")
    incident.move_to(C, actor="bo", at=clock.tick())
    second_resolution = clock.tick()
    incident.move_to(RES, actor="bo", at=second_resolution)
    closed = clock.tick()
    incident.move_to(CLO, actor="bo", at=closed)

    # Entering response and communication again does not move their first stamps.
    assert incident.triaged_at == times[T]
    assert incident.first_response_at == times[R]
    assert incident.first_customer_communication_at == times[C]
    # Resolution is the last time it was resolved; closure is stamped once.
    assert incident.resolved_at == second_resolution
    assert incident.closed_at == closed
    assert incident.declared_at == declared


def test_resolving_straight_from_detection_stamps_only_resolution(incident, clock):
    at = clock.tick()
    incident.move_to(RES, actor="ana", at=at, reason="fixed before triage")
    assert incident.resolved_at == at
    assert incident.triaged_at is None
    assert incident.first_response_at is None
    assert not incident.active
    [event] = incident.take_events()
    assert event.payload() == {
        "previous": "detection",
        "phase": "resolution",
        "reason": "fixed before triage",
    }


def test_reopen_records_the_reason_and_counts(incident, clock):
    _drive(incident, clock, [RES])
    at = clock.tick()
    incident.move_to(R, actor="bo", at=at, reason="  errors are back  ")
    assert incident.times_reopened == 1
    assert incident.active
    reopened, changed = incident.take_events()
    assert isinstance(reopened, IncidentReopened)
    assert (reopened.reason, reopened.times_reopened, reopened.at, reopened.actor) == (
        "errors are back",
        1,
        at,
        "bo",
    )
    assert isinstance(changed, PhaseChanged)
    assert (changed.previous, changed.phase, changed.reason) == ("resolution", "response", "errors are back")

    _drive(incident, clock, [RES])
    incident.move_to(R, actor="bo", at=clock.tick(), reason="and again")
    assert incident.times_reopened == 2
    assert incident.take_events()[0].times_reopened == 2


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_reopen_requires_a_reason_and_changes_nothing_without_one(incident, clock, reason):
    _drive(incident, clock, [RES])
    before = copy.deepcopy(incident)
    with pytest.raises(ValidationFailed) as info:
        incident.move_to(R, actor="bo", at=clock.tick(), reason=reason)
    assert info.value.details == {"field": "reopen reason"}
    assert incident == before
    assert incident.times_reopened == 0
    assert incident.take_events() == []


def test_closed_incident_cannot_be_reopened(incident, clock):
    _drive(incident, clock, [RES, CLO])
    with pytest.raises(InvalidTransition) as info:
        incident.move_to(R, actor="bo", at=clock.tick(), reason="too late")
    assert info.value.details["allowed"] == []
    assert incident.times_reopened == 0


@pytest.mark.parametrize("reason", ["bad\x00reason", "x" * 2001])
def test_phase_change_reason_is_cleaned_like_other_text(incident, clock, reason):
    with pytest.raises(ValidationFailed):
        incident.move_to(T, actor="ana", at=clock.tick(), reason=reason)
