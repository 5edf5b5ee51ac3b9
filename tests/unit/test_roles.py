"""F5/F6 roles on an incident: at most one holder, hand-overs keep history, distinct-role pairs."""

import copy

import pytest

from sirf.domain.errors import RoleConflict, ValidationFailed
from sirf.domain.events import RoleAssigned
from sirf.domain.framework import Framework
from sirf.domain.roles import SUPPORT_ROLES, Role, RoleAssignment, Source, Team

CMOC, SMOC, IMOC = Role.CMOC, Role.SMOC, Role.IMOC


@pytest.mark.parametrize(("raw", "expected"), [("cmoc", CMOC), (" SMOC ", SMOC), ("Imoc", IMOC)])
def test_role_parse(raw, expected):
    assert Role.parse(raw) is expected


def test_role_parse_refuses_unknown_roles_naming_the_choices():
    with pytest.raises(ValidationFailed) as info:
        Role.parse("incident-commander")
    assert info.value.details == {"field": "role"}
    assert "use cmoc, smoc or imoc" in info.value.message


def test_labels_and_support_roles():
    assert [role.label for role in Role] == ["CMOC", "SMOC", "IMOC"]
    assert frozenset({CMOC, SMOC}) == SUPPORT_ROLES


@pytest.mark.parametrize(
    ("parse", "raw", "expected"),
    [
        (Source.parse, " Security ", Source.SECURITY),
        (Source.parse, "infrastructure", Source.INFRASTRUCTURE),
        (Team.parse, "customer_success", Team.CUSTOMER_SUCCESS),
        (Team.parse, "SIRT", Team.SIRT),
    ],
)
def test_source_and_team_parse(parse, raw, expected):
    assert parse(raw) is expected


@pytest.mark.parametrize(("parse", "field"), [(Source.parse, "source"), (Team.parse, "team")])
def test_source_and_team_parse_refuse_unknown_names(parse, field):
    with pytest.raises(ValidationFailed) as info:
        parse("marketing")
    assert info.value.details == {"field": field}
    assert "marketing" in info.value.message


def test_assign_makes_the_person_the_holder(incident, clock, framework):
    at = clock.tick()
    incident.assign(CMOC, "bo", actor="ana", at=at, framework=framework)
    assert incident.holder(CMOC) == "bo"
    assert incident.holder(SMOC) is None
    assert incident.roles_of("bo") == {CMOC}
    assert incident.held_roles() == {CMOC}
    assert incident.assignments == [RoleAssignment(CMOC, 1, "bo", at, "ana")]
    [event] = incident.take_events()
    assert isinstance(event, RoleAssigned)
    assert event.payload() == {"role": "cmoc", "holder": "bo", "previous_holder": None}
    assert (event.at, event.actor) == (at, "ana")


def test_hand_over_closes_the_previous_assignment_and_keeps_history(incident, clock, framework):
    first = clock.tick()
    incident.assign(CMOC, "bo", actor="ana", at=first, framework=framework)
    second = clock.tick(30)
    incident.assign(CMOC, "cy", actor="dee", at=second, framework=framework)

    assert incident.holder(CMOC) == "cy"
    assert incident.roles_of("bo") == set()
    assert incident.assignments == [
        RoleAssignment(CMOC, 1, "bo", first, "ana", released_at=second, released_by="dee"),
        RoleAssignment(CMOC, 2, "cy", second, "dee"),
    ]
    assert [a.active for a in incident.assignments] == [False, True]
    events = incident.take_events()
    assert [e.payload()["previous_holder"] for e in events] == [None, "bo"]


def test_reassigning_after_a_release_continues_the_ordinal(incident, clock, framework):
    incident.assign(IMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    incident.release(IMOC, actor="ana", at=clock.tick())
    incident.assign(IMOC, "cy", actor="ana", at=clock.tick(), framework=framework)
    assert [(a.ordinal, a.holder, a.active) for a in incident.assignments] == [
        (1, "bo", False),
        (2, "cy", True),
    ]
    assert incident.take_events()[-1].payload()["previous_holder"] is None


def test_each_role_has_at_most_one_active_holder(incident, clock, framework):
    for person in ("bo", "cy", "dee", "bo", "eve"):
        incident.assign(SMOC, person, actor="ana", at=clock.tick(), framework=framework)
    incident.assign(CMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    active = [a for a in incident.assignments if a.active]
    assert sorted((a.role.value, a.holder) for a in active) == [("cmoc", "bo"), ("smoc", "eve")]
    assert [a.ordinal for a in incident.assignments if a.role is SMOC] == [1, 2, 3, 4, 5]


def test_one_person_may_hold_several_roles_by_default(incident, clock, framework):
    incident.assign(CMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    incident.assign(IMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    assert incident.roles_of("bo") == {CMOC, IMOC}


def test_assigning_the_current_holder_again_is_refused(incident, clock, framework):
    incident.assign(CMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    incident.take_events()
    before = copy.deepcopy(incident)
    with pytest.raises(ValidationFailed) as info:
        incident.assign(CMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    assert "bo already holds CMOC" in info.value.message
    assert incident == before
    assert incident.take_events() == []


@pytest.mark.parametrize(("held", "wanted"), [(IMOC, CMOC), (CMOC, IMOC)])
def test_distinct_roles_raise_role_conflict_and_change_nothing(incident, clock, held, wanted):
    framework = Framework(distinct_roles=frozenset({frozenset({CMOC, IMOC})}))
    incident.assign(held, "bo", actor="ana", at=clock.tick(), framework=framework)
    incident.take_events()
    before = copy.deepcopy(incident)
    with pytest.raises(RoleConflict) as info:
        incident.assign(wanted, "bo", actor="ana", at=clock.tick(), framework=framework)
    error = info.value
    assert error.code == "role_conflict"
    assert error.details == {"roles": [wanted.value, held.value]}
    assert f"bo holds {held.label}" in error.message
    assert incident == before
    assert incident.take_events() == []


def test_distinct_roles_only_constrain_the_pair(incident, clock):
    framework = Framework(distinct_roles=frozenset({frozenset({CMOC, IMOC})}))
    incident.assign(IMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    incident.assign(SMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    incident.assign(CMOC, "cy", actor="ana", at=clock.tick(), framework=framework)
    assert incident.roles_of("bo") == {IMOC, SMOC}
    # Once bo hands IMOC over, bo may become CMOC.
    incident.assign(IMOC, "dee", actor="ana", at=clock.tick(), framework=framework)
    incident.assign(CMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    assert incident.roles_of("bo") == {CMOC, SMOC}
