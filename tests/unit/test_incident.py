"""The incident aggregate: declaring, severity history, tasks, text cleaning, impact, closure."""

import copy
from datetime import timedelta

import pytest

from sirf.domain.errors import InvalidTransition, NotFound, ValidationFailed
from sirf.domain.events import (
    ImpactUpdated,
    IncidentDeclared,
    NoteAdded,
    ScopeOverridden,
    SeverityChanged,
    TaskAdded,
    TaskUpdated,
    TeamEngaged,
)
from sirf.domain.framework import Framework
from sirf.domain.incident import clean_text
from sirf.domain.lifecycle import Phase
from sirf.domain.regions import Region
from sirf.domain.release import ReleaseCriterion
from sirf.domain.roles import Role, Team, TeamEngagement
from sirf.domain.severity import Severity
from sirf.domain.tasks import Task, TaskStatus
from sirf.domain.triggers import ImpactFacts

SEV1, SEV2, SEV3, SEV4 = Severity.SEV1, Severity.SEV2, Severity.SEV3, Severity.SEV4

# ----- declaring ------------------------------------------------------------------------------------


def test_declare_records_the_incident_and_one_declaration_event(declare, clock):
    detected = clock.now - timedelta(minutes=30)
    incident = declare(detected_at=detected, affected_services=(" api ", "web", "api"), summary="  EU  ")
    assert incident.phase is Phase.DETECTION
    assert incident.active
    assert (incident.severity, incident.highest_severity) == (SEV2, SEV2)
    assert incident.region is Region.EMEA
    assert (incident.declared_at, incident.detected_at, incident.declared_by) == (clock.now, detected, "ana")
    assert incident.affected_services == ("api", "web")
    assert incident.summary == "EU"
    assert incident.assignments == []
    assert incident.tasks == {}

    [event] = incident.take_events()
    assert isinstance(event, IncidentDeclared)
    assert (event.at, event.actor) == (clock.now, "ana")
    assert event.payload() == {
        "title": "Checkout fails for EU customers",
        "kind": "saas-outage",
        "severity": 2,
        "source": "support",
        "detected_at": detected.isoformat().replace("+00:00", "Z"),
        "region": "emea",
    }
    assert incident.take_events() == []


def test_detection_defaults_to_the_declaration_time(declare, clock):
    assert declare().detected_at == clock.now


def test_detection_in_the_future_is_refused(declare, clock):
    with pytest.raises(ValidationFailed) as info:
        declare(detected_at=clock.now + timedelta(seconds=1))
    assert info.value.details == {"field": "detected_at"}


def test_title_is_trimmed_and_checked_against_the_framework_limit(declare):
    assert declare(title="  Login down  ").title == "Login down"
    short = Framework(max_title_length=10)
    assert declare(title="x" * 10, framework=short).title == "x" * 10
    with pytest.raises(ValidationFailed) as info:
        declare(title="x" * 11, framework=short)
    assert info.value.details == {"field": "title"}


@pytest.mark.parametrize("title", ["", "   ", "Login\ndown", "Login\x00down"])
def test_bad_titles_are_refused(declare, title):
    with pytest.raises(ValidationFailed):
        declare(title=title)


def test_scope_override_is_recorded(incident, clock):
    at = clock.tick()
    incident.record_scope_override(
        reported_kind="service-request", reason="enterprise customer fully down", actor="sam", at=at
    )
    assert incident.scope_override == "service-request"
    [event] = incident.take_events()
    assert isinstance(event, ScopeOverridden)
    assert event.payload() == {"reported_kind": "service-request", "reason": "enterprise customer fully down"}


def test_refused_scope_override_changes_nothing(incident, clock):
    with pytest.raises(ValidationFailed):
        incident.record_scope_override(
            reported_kind="service-request", reason="", actor="sam", at=clock.tick()
        )
    assert incident.scope_override is None


# ----- severity -------------------------------------------------------------------------------------


def test_severity_changes_keep_history_and_the_highest_severity(incident, clock):
    first, second = clock.tick(), clock.tick()
    incident.change_severity(SEV1, reason="all EU customers down", actor="ivy", at=first)
    incident.change_severity(SEV3, reason="workaround published", actor="ivy", at=second)
    assert incident.severity is SEV3
    assert incident.highest_severity is SEV1
    events = incident.take_events()
    assert all(isinstance(e, SeverityChanged) for e in events)
    assert [(e.at, e.previous, e.severity, e.reason) for e in events] == [
        (first, 2, 1, "all EU customers down"),
        (second, 1, 3, "workaround published"),
    ]


def test_lowering_severity_keeps_the_declared_one_as_highest(incident, clock):
    incident.change_severity(SEV4, reason="cosmetic only", actor="ivy", at=clock.tick())
    assert (incident.severity, incident.highest_severity) == (SEV4, SEV2)


def test_same_severity_is_refused(incident, clock):
    before = copy.deepcopy(incident)
    with pytest.raises(ValidationFailed) as info:
        incident.change_severity(SEV2, reason="still bad", actor="ivy", at=clock.tick())
    assert "already SEV2" in info.value.message
    assert incident == before
    assert incident.take_events() == []


@pytest.mark.parametrize("reason", ["", "  ", "bad\x07reason"])
def test_severity_change_needs_a_clean_reason(incident, clock, reason):
    with pytest.raises(ValidationFailed):
        incident.change_severity(SEV1, reason=reason, actor="ivy", at=clock.tick())
    assert (incident.severity, incident.highest_severity) == (SEV2, SEV2)
    assert incident.take_events() == []


# ----- tasks ----------------------------------------------------------------------------------------


def test_tasks_are_numbered_from_one(incident, clock):
    due = clock.now + timedelta(hours=2)
    at = clock.tick()
    first = incident.add_task(" Create Zendesk tag ", owner=" bo ", actor="ana", at=at, due_at=due)
    second = incident.add_task("Draft macro", owner="cy", actor="ana", at=clock.tick())
    third = incident.add_task("Bulk reply", owner="cy", actor="ana", at=clock.tick())
    assert [first.number, second.number, third.number] == [1, 2, 3]
    assert first == Task(1, "Create Zendesk tag", "bo", TaskStatus.OPEN, at, "ana", at, due)
    assert first.open
    assert incident.tasks == {1: first, 2: second, 3: third}
    events = incident.take_events()
    assert all(isinstance(e, TaskAdded) for e in events)
    assert events[0].payload() == {
        "number": 1,
        "title": "Create Zendesk tag",
        "owner": "bo",
        "due_at": due.isoformat().replace("+00:00", "Z"),
    }


def test_update_task_changes_fields_and_records_only_what_changed(incident, clock):
    incident.add_task("Create Zendesk tag", owner="bo", actor="ana", at=clock.tick())
    incident.take_events()
    at = clock.tick()
    due = clock.now + timedelta(hours=1)
    updated = incident.update_task(
        1, actor="cy", at=at, status=TaskStatus.IN_PROGRESS, owner=" cy ", due_at=due
    )
    assert (updated.status, updated.owner, updated.due_at, updated.updated_at) == (
        TaskStatus.IN_PROGRESS,
        "cy",
        due,
        at,
    )
    assert updated.open
    assert incident.tasks[1] == updated
    assert updated.created_by == "ana"

    done = incident.update_task(1, actor="cy", at=clock.tick(), status=TaskStatus.DONE, owner="cy")
    assert not done.open
    events = incident.take_events()
    assert all(isinstance(e, TaskUpdated) for e in events)
    assert [e.payload() for e in events] == [
        {
            "number": 1,
            "changes": {
                "status": "in-progress",
                "owner": "cy",
                "due_at": due.isoformat().replace("+00:00", "Z"),
            },
        },
        {"number": 1, "changes": {"status": "done"}},
    ]


def test_update_of_a_missing_task_is_not_found(incident, clock):
    incident.add_task("Create Zendesk tag", owner="bo", actor="ana", at=clock.tick())
    with pytest.raises(NotFound) as info:
        incident.update_task(9, actor="cy", at=clock.tick(), status=TaskStatus.DONE)
    assert info.value.code == "not_found"
    assert info.value.details == {"task": 9}
    assert "no task 9" in info.value.message


@pytest.mark.parametrize(
    "changes",
    [{}, {"status": TaskStatus.OPEN}, {"owner": " bo "}, {"status": TaskStatus.OPEN, "owner": "bo"}],
)
def test_a_no_op_task_update_is_refused(incident, clock, changes):
    incident.add_task("Create Zendesk tag", owner="bo", actor="ana", at=clock.tick())
    incident.take_events()
    before = copy.deepcopy(incident)
    with pytest.raises(ValidationFailed) as info:
        incident.update_task(1, actor="cy", at=clock.tick(), **changes)
    assert "already has these values" in info.value.message
    assert incident == before
    assert incident.take_events() == []


@pytest.mark.parametrize(
    ("title", "owner"), [("", "bo"), ("Tag", "  "), ("x" * 501, "bo"), ("Tag", "b\x00o")]
)
def test_a_task_needs_a_clean_title_and_owner(incident, clock, title, owner):
    with pytest.raises(ValidationFailed):
        incident.add_task(title, owner=owner, actor="ana", at=clock.tick())
    assert incident.tasks == {}
    assert incident.take_events() == []


def test_task_numbers_continue_after_the_highest(incident, clock):
    for title in ("a", "b"):
        incident.add_task(title, owner="bo", actor="ana", at=clock.tick())
    incident.update_task(1, actor="ana", at=clock.tick(), status=TaskStatus.CANCELLED)
    assert incident.add_task("c", owner="bo", actor="ana", at=clock.tick()).number == 3


def test_task_status_parse():
    assert TaskStatus.parse("in_progress") is TaskStatus.IN_PROGRESS
    with pytest.raises(ValidationFailed) as info:
        TaskStatus.parse("blocked")
    assert info.value.details == {"field": "status"}


# ----- clean_text -----------------------------------------------------------------------------------


def test_clean_text_trims():
    assert clean_text("  hello  ", field_name="title", max_length=5) == "hello"


@pytest.mark.parametrize("value", ["", "   ", "\n\t "])
def test_clean_text_refuses_empty(value):
    with pytest.raises(ValidationFailed) as info:
        clean_text(value, field_name="title", max_length=10, multiline=True)
    assert info.value.message == "title must not be empty"
    assert info.value.details == {"field": "title"}


def test_clean_text_enforces_the_length_after_trimming():
    assert clean_text(" " + "x" * 10 + " ", field_name="title", max_length=10) == "x" * 10
    with pytest.raises(ValidationFailed) as info:
        clean_text("x" * 11, field_name="title", max_length=10)
    assert info.value.message == "title is 11 characters; the limit is 10"


@pytest.mark.parametrize(
    ("value", "code_point"),
    [
        ("a\x00b", "U+0000"),
        ("a\x07b", "U+0007"),
        ("a\x1bb", "U+001B"),
        ("a\x7fb", "U+007F"),
        ("a\ud800b", "U+D800"),
    ],
)
@pytest.mark.parametrize("multiline", [False, True])
def test_clean_text_refuses_control_characters(value, code_point, multiline):
    with pytest.raises(ValidationFailed) as info:
        clean_text(value, field_name="note", max_length=100, multiline=multiline)
    assert f"contains a control character ({code_point})" in info.value.message


@pytest.mark.parametrize("value", ["line\nbreak", "tab\there"])
def test_clean_text_allows_newline_and_tab_only_when_multiline(value):
    assert clean_text(value, field_name="note", max_length=100, multiline=True) == value
    with pytest.raises(ValidationFailed):
        clean_text(value, field_name="title", max_length=100)


def test_clean_text_keeps_ordinary_unicode():
    assert clean_text("Störung: 障害 🚨", field_name="title", max_length=20) == "Störung: 障害 🚨"


def test_clean_text_accepts_crlf_line_endings_in_multiline_text():
    assert clean_text("line one\r\nline two", field_name="note", max_length=100, multiline=True) == (
        "line one\nline two"
    )


# ----- impact and teams -----------------------------------------------------------------------------


def test_update_impact_records_only_what_changed(incident, clock):
    at = clock.tick()
    facts = ImpactFacts(customers_affected=12, sla_at_risk=True)
    incident.update_impact(facts, actor="bo", at=at, affected_services=("api", " api", "web"), summary=" EU ")
    assert incident.facts == facts
    assert incident.affected_services == ("api", "web")
    assert incident.summary == "EU"
    [event] = incident.take_events()
    assert isinstance(event, ImpactUpdated)
    assert event.payload() == {
        "changes": {
            "customers_affected": 12,
            "sla_at_risk": True,
            "affected_services": ["api", "web"],
            "summary": "EU",
        }
    }

    incident.update_impact(ImpactFacts(customers_affected=12, sla_at_risk=False), actor="bo", at=clock.tick())
    assert incident.take_events()[0].payload() == {"changes": {"sla_at_risk": False}}


def test_update_impact_without_change_is_refused(incident, clock):
    incident.update_impact(ImpactFacts(customers_affected=3), actor="bo", at=clock.tick(), summary="EU")
    incident.take_events()
    before = copy.deepcopy(incident)
    with pytest.raises(ValidationFailed):
        incident.update_impact(ImpactFacts(customers_affected=3), actor="bo", at=clock.tick(), summary=" EU ")
    assert incident == before
    assert incident.take_events() == []


def test_engage_team_records_the_contact(incident, clock):
    at = clock.tick()
    incident.engage_team(Team.SIRT, contact=" #sirt-oncall ", actor="sam", at=at)
    assert incident.teams == {Team.SIRT: TeamEngagement(Team.SIRT, "#sirt-oncall", at, "sam")}
    [event] = incident.take_events()
    assert isinstance(event, TeamEngaged)
    assert event.payload() == {"team": "sirt", "contact": "#sirt-oncall"}


def test_add_note_is_cleaned_with_the_given_limit(incident, clock):
    incident.add_note("  first line\nsecond line ", actor="bo", at=clock.tick(), max_length=100)
    [event] = incident.take_events()
    assert isinstance(event, NoteAdded)
    assert event.text == "first line\nsecond line"
    with pytest.raises(ValidationFailed):
        incident.add_note("x" * 11, actor="bo", at=clock.tick(), max_length=10)
    assert incident.take_events() == []


# ----- a closed incident refuses changes but accepts notes ------------------------------------------


@pytest.fixture
def closed(incident, clock, framework):
    incident.assign(Role.CMOC, "bo", actor="ana", at=clock.tick(), framework=framework)
    incident.assign(Role.IMOC, "ivy", actor="ana", at=clock.tick(), framework=framework)
    incident.add_task("Create Zendesk tag", owner="bo", actor="ana", at=clock.tick())
    incident.move_to(Phase.RESOLUTION, actor="ana", at=clock.tick())
    incident.move_to(Phase.CLOSURE, actor="ana", at=clock.tick())
    incident.take_events()
    return incident


CHANGES = {
    "change_severity": lambda i, at, fw: i.change_severity(SEV1, reason="worse", actor="ivy", at=at),
    "move_to": lambda i, at, fw: i.move_to(Phase.RESPONSE, reason="back", actor="ivy", at=at),
    "assign": lambda i, at, fw: i.assign(Role.SMOC, "cy", actor="ivy", at=at, framework=fw),
    "hand_over": lambda i, at, fw: i.assign(Role.CMOC, "cy", actor="ivy", at=at, framework=fw),
    "attest": lambda i, at, fw: i.attest(ReleaseCriterion.QUEUE_NORMAL, note="ok", actor="ivy", at=at),
    "add_task": lambda i, at, fw: i.add_task("Late task", owner="bo", actor="ivy", at=at),
    "update_task": lambda i, at, fw: i.update_task(1, actor="ivy", at=at, status=TaskStatus.DONE),
    "engage_team": lambda i, at, fw: i.engage_team(Team.PRODUCT, contact="pm", actor="ivy", at=at),
    "update_impact": lambda i, at, fw: i.update_impact(ImpactFacts(customers_affected=9), actor="ivy", at=at),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_closed_incident_refuses_changes(closed, clock, framework, change):
    before = copy.deepcopy(closed)
    with pytest.raises(InvalidTransition) as info:
        CHANGES[change](closed, clock.tick(), framework)
    assert "closed" in info.value.message
    assert info.value.details["allowed"] == []
    assert closed == before
    assert closed.take_events() == []


def test_a_closed_incident_accepts_notes(closed, clock):
    at = clock.tick()
    closed.add_note("Post-incident review scheduled", actor="bo", at=at, max_length=1000)
    [event] = closed.take_events()
    assert isinstance(event, NoteAdded)
    assert (event.at, event.text) == (at, "Post-incident review scheduled")
    assert closed.phase is Phase.CLOSURE


def test_a_closed_incident_refuses_role_release(closed, clock):
    # IMOC needs no release criteria, so only the closure can refuse this release.
    before = copy.deepcopy(closed)
    with pytest.raises(InvalidTransition):
        closed.release(Role.IMOC, actor="ivy", at=clock.tick())
    assert closed == before
