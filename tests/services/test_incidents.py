"""Declaring (F1 scope, F5.2 override), severity (F3.1), lifecycle (F3) and reading, through the fakes."""

from __future__ import annotations

import pytest

from sirf.domain.errors import (
    InvalidTransition,
    NotFound,
    OutOfScope,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from sirf.domain.framework import Framework
from sirf.domain.lifecycle import Phase
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.regions import Region, Roster
from sirf.domain.roles import Role, Source
from sirf.domain.scope import IncidentKind
from sirf.domain.severity import Severity
from sirf.services import incidents
from sirf.services.context import Env
from sirf.services.ports import IncidentQuery
from tests.services.fakes import FakeClock, FakeUnitOfWork
from tests.services.support import (
    ADMIN,
    ANA,
    BO,
    CARLA,
    CY,
    SAM,
    VIC,
    Assign,
    Declare,
    messages_for,
    snapshot,
)

# ----- declare ------------------------------------------------------------------------------------


def test_declaring_stores_the_incident_with_its_declaration_event(
    uow: FakeUnitOfWork, declare: Declare, clock: FakeClock
) -> None:
    incident_id = declare(severity=Severity.SEV1)
    stored = uow.store.incidents[incident_id]
    assert (incident_id, stored.severity, stored.phase, stored.region) == (
        1,
        Severity.SEV1,
        Phase.DETECTION,
        Region.EMEA,
    )
    entry, tag = uow.store.timeline(incident_id)
    assert (entry.seq, entry.type, entry.actor, entry.at) == (1, "incident.declared", "ana", clock.now())
    assert (tag.seq, tag.type, tag.actor, tag.data) == (
        2,
        "tickets.tag_created",
        "sirf",
        {"tag": "incident_1"},
    )
    assert entry.data["title"] == "Checkout fails for EU customers"
    assert uow.commits == 1
    assert declare() == 2


def test_an_out_of_scope_report_is_refused_with_where_it_belongs(
    uow: FakeUnitOfWork, declare: Declare
) -> None:
    before = snapshot(uow)
    with pytest.raises(OutOfScope) as refused:
        declare(kind="feature-request", actor=BO)
    assert refused.value.details == {
        "kind": "feature-request",
        "requirement": "F1.9",
        "redirect_to": "the product team's issue tracker as a feature proposal",
    }
    assert "issue tracker" in refused.value.message
    assert uow.store == before


@pytest.mark.parametrize("actor", [ADMIN, SAM], ids=["admin", "smoc-on-roster"])
def test_an_admin_or_a_rostered_smoc_may_override_the_scope_check(
    uow: FakeUnitOfWork, declare: Declare, actor: Actor
) -> None:
    incident_id = declare(kind="bug-report", actor=actor, override="30 customers cannot pay")
    stored = uow.store.incidents[incident_id]
    assert stored.kind is IncidentKind.CUSTOMER_EMERGENCY
    assert stored.scope_override == "bug-report"
    timeline = uow.store.timeline(incident_id)
    assert [e.type for e in timeline] == [
        "incident.declared",
        "incident.scope_overridden",
        "tickets.tag_created",
    ]
    assert timeline[1].data == {"reported_kind": "bug-report", "reason": "30 customers cannot pay"}
    assert timeline[1].actor == actor.username


def test_the_smoc_roster_counts_in_every_region(uow: FakeUnitOfWork, env: Env) -> None:
    # "sol" is on the SMOC roster for AMER only; it is EMEA hours now, and the override still stands.
    declaration = incidents.Declaration(
        title="Outage", kind="internal-outage", severity=Severity.SEV2, override_scope_reason="customers hit"
    )
    sol = Actor("sol", OrgRole.RESPONDER)
    incident = incidents.declare_incident(declaration, actor=sol, uow=uow, env=env)
    assert incident.scope_override == "internal-outage"


@pytest.mark.parametrize("actor", [BO, CARLA], ids=["responder", "cmoc-on-roster"])
def test_anyone_else_may_not_override_the_scope_check(
    uow: FakeUnitOfWork, declare: Declare, actor: Actor
) -> None:
    before = snapshot(uow)
    with pytest.raises(PermissionDenied) as refused:
        declare(kind="bug-report", actor=actor, override="I think it is urgent")
    assert refused.value.details == {"activity": "declare-emergency"}
    assert uow.store == before


def test_a_viewer_may_not_declare(uow: FakeUnitOfWork, declare: Declare) -> None:
    before = snapshot(uow)
    with pytest.raises(PermissionDenied, match="viewer"):
        declare(actor=VIC)
    assert uow.store == before


def test_an_in_scope_report_refuses_a_scope_override(uow: FakeUnitOfWork, declare: Declare) -> None:
    with pytest.raises(ValidationFailed, match="drop the scope override"):
        declare(kind="saas-outage", actor=ADMIN, override="because")
    with pytest.raises(ValidationFailed, match="unknown incident kind"):
        declare(kind="alien-invasion")
    with pytest.raises(ValidationFailed, match="override reason"):
        declare(kind="bug-report", actor=ADMIN, override="   ")
    assert uow.store.incidents == {}


def test_a_security_incident_proposes_the_on_call_smoc_and_tells_them(
    uow: FakeUnitOfWork, declare: Declare
) -> None:
    incident_id = declare(kind="security-incident", actor=BO)
    timeline = uow.store.timeline(incident_id)
    assert [e.type for e in timeline] == ["incident.declared", "tickets.tag_created", "engagement.proposed"]
    assert [e.seq for e in timeline] == [1, 2, 3]
    assert timeline[2].data == {"role": "smoc", "proposed": "sam", "criteria": ["sirt-involved"]}
    [message] = messages_for(uow, "sam")
    assert message.startswith(f"#{incident_id} Checkout fails for EU customers: SMOC should be engaged")
    assert "proposed: sam" in message
    assert [n.recipient for n in uow.store.notifications] == ["sam"]
    assert uow.commits == 1


def test_a_report_from_security_proposes_the_smoc_too(uow: FakeUnitOfWork, declare: Declare) -> None:
    incident_id = declare(kind="saas-outage", source=Source.SECURITY)
    assert uow.store.event_types(incident_id)[-1] == "engagement.proposed"


def test_with_nobody_on_call_the_proposal_is_recorded_and_nobody_is_notified(
    uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    env = Env(clock, Framework(roster=Roster({})))
    declaration = incidents.Declaration(title="Leak", kind="security-incident", severity=Severity.SEV1)
    incident = incidents.declare_incident(declaration, actor=BO, uow=uow, env=env)
    assert uow.store.timeline(incident.id)[-1].data["proposed"] is None
    assert uow.store.notifications == []


def test_a_plain_outage_proposes_nobody(uow: FakeUnitOfWork, declare: Declare) -> None:
    incident_id = declare()
    assert uow.store.event_types(incident_id) == ["incident.declared", "tickets.tag_created"]
    assert uow.store.notifications == []


# ----- severity -----------------------------------------------------------------------------------


def test_any_responder_may_change_severity_while_no_acting_role_is_held(
    uow: FakeUnitOfWork, env: Env, declare: Declare, clock: FakeClock
) -> None:
    incident_id = declare(severity=Severity.SEV3)
    clock.advance(minutes=5)
    incident = incidents.change_severity(
        incident_id, Severity.SEV1, reason="all regions", actor=CY, uow=uow, env=env
    )
    assert (incident.severity, incident.highest_severity, incident.version) == (
        Severity.SEV1,
        Severity.SEV1,
        3,  # declared (with its ticket tag), then this change
    )
    incidents.change_severity(incident_id, Severity.SEV2, reason="EU only", actor=CY, uow=uow, env=env)
    stored = uow.store.incidents[incident_id]
    assert (stored.severity, stored.highest_severity) == (Severity.SEV2, Severity.SEV1)
    entries = uow.store.timeline(incident_id)[2:]  # after the declaration and its ticket tag
    assert [e.data for e in entries] == [
        {"previous": 3, "severity": 1, "reason": "all regions"},
        {"previous": 1, "severity": 2, "reason": "EU only"},
    ]
    assert entries[0].at == clock.now()


def test_once_the_imoc_is_held_only_the_raci_may_change_severity(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    before = snapshot(uow)
    with pytest.raises(PermissionDenied) as refused:
        incidents.change_severity(incident_id, Severity.SEV1, reason="worse", actor=BO, uow=uow, env=env)
    assert refused.value.details == {"activity": "set-severity", "required_roles": ["imoc"]}
    assert uow.store == before
    incidents.change_severity(incident_id, Severity.SEV1, reason="worse", actor=ANA, uow=uow, env=env)
    assign(incident_id, Role.SMOC, "bo")  # SMOC is Responsible for severity too
    incidents.change_severity(incident_id, Severity.SEV2, reason="better", actor=BO, uow=uow, env=env)
    incidents.change_severity(incident_id, Severity.SEV3, reason="admin", actor=ADMIN, uow=uow, env=env)
    assert uow.store.incidents[incident_id].severity is Severity.SEV3


def test_the_consulted_cmoc_hears_about_a_severity_change_but_not_the_actor(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    assign(incident_id, Role.CMOC, "bo")
    assign(incident_id, Role.SMOC, "cy")
    uow.store.notifications.clear()
    incidents.change_severity(incident_id, Severity.SEV1, reason="all regions", actor=ANA, uow=uow, env=env)
    assert messages_for(uow, "bo") == [f"#{incident_id} severity SEV2 -> SEV1: all regions (by ana)"]
    assert [n.recipient for n in uow.store.notifications] == ["bo"]  # SMOC is Responsible, not informed
    assign(incident_id, Role.CMOC, "root")
    uow.store.notifications.clear()
    incidents.change_severity(incident_id, Severity.SEV2, reason="EU", actor=ADMIN, uow=uow, env=env)
    assert uow.store.notifications == []  # the CMOC acted: nobody to tell


def test_severity_refusals_change_nothing(uow: FakeUnitOfWork, env: Env, declare: Declare) -> None:
    incident_id = declare()
    before = snapshot(uow)
    with pytest.raises(ValidationFailed, match="already SEV2"):
        incidents.change_severity(incident_id, Severity.SEV2, reason="same", actor=ANA, uow=uow, env=env)
    with pytest.raises(ValidationFailed, match="reason"):
        incidents.change_severity(incident_id, Severity.SEV1, reason=" ", actor=ANA, uow=uow, env=env)
    with pytest.raises(PreconditionFailed) as stale:
        incidents.change_severity(
            incident_id, Severity.SEV1, reason="x", actor=ANA, uow=uow, env=env, expected_version=7
        )
    assert stale.value.details == {"current_version": 2}
    with pytest.raises(NotFound):
        incidents.change_severity(99, Severity.SEV1, reason="x", actor=ANA, uow=uow, env=env)
    with pytest.raises(PermissionDenied):
        incidents.change_severity(incident_id, Severity.SEV1, reason="x", actor=VIC, uow=uow, env=env)
    assert uow.store == before


# ----- lifecycle ----------------------------------------------------------------------------------


def test_phases_move_through_the_table_and_stamp_their_times(
    uow: FakeUnitOfWork, env: Env, declare: Declare, clock: FakeClock
) -> None:
    incident_id = declare()
    for target in (Phase.TRIAGE, Phase.RESPONSE, Phase.COMMUNICATION, Phase.RESOLUTION, Phase.CLOSURE):
        clock.advance(minutes=10)
        incidents.change_phase(incident_id, target, actor=ANA, uow=uow, env=env)
    stored = uow.store.incidents[incident_id]
    assert stored.phase is Phase.CLOSURE
    assert stored.closed_at == clock.now()
    assert stored.triaged_at is not None
    assert uow.store.event_types(incident_id).count("incident.phase_changed") == 5
    before = snapshot(uow)
    with pytest.raises(InvalidTransition):
        incidents.change_phase(incident_id, Phase.RESPONSE, reason="again", actor=ADMIN, uow=uow, env=env)
    assert uow.store == before


def test_resolving_needs_the_imoc_and_informs_the_smoc(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    assign(incident_id, Role.CMOC, "bo")
    assign(incident_id, Role.SMOC, "cy")
    uow.store.notifications.clear()
    incidents.change_phase(incident_id, Phase.TRIAGE, actor=BO, uow=uow, env=env)  # CMOC is R for phases
    assert messages_for(uow, "cy") == [f"#{incident_id} phase detection -> triage (by bo)"]
    with pytest.raises(PermissionDenied):
        incidents.change_phase(incident_id, Phase.RESOLUTION, actor=BO, uow=uow, env=env)  # only C to resolve
    incidents.change_phase(incident_id, Phase.RESOLUTION, actor=ANA, uow=uow, env=env)
    assert {n.recipient for n in uow.store.notifications[1:]} == {"bo", "cy"}  # consulted + informed


def test_reopening_uses_the_reopen_activity(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    assign(incident_id, Role.SMOC, "cy")
    # The SMOC is only Informed of phase changes, so may not triage ...
    with pytest.raises(PermissionDenied) as refused:
        incidents.change_phase(incident_id, Phase.TRIAGE, actor=CY, uow=uow, env=env)
    assert refused.value.details["activity"] == "change-phase"
    incidents.change_phase(incident_id, Phase.RESOLUTION, actor=ANA, uow=uow, env=env)
    # ... but is Responsible for reopening.
    with pytest.raises(ValidationFailed, match="reopen reason"):
        incidents.change_phase(incident_id, Phase.RESPONSE, actor=CY, uow=uow, env=env)
    incident = incidents.change_phase(
        incident_id, Phase.RESPONSE, reason="errors are back", actor=CY, uow=uow, env=env
    )
    assert (incident.phase, incident.times_reopened) == (Phase.RESPONSE, 1)
    tail = uow.store.timeline(incident_id)[-2:]
    assert [e.type for e in tail] == ["incident.reopened", "incident.phase_changed"]
    assert tail[0].data == {"reason": "errors are back", "times_reopened": 1}
    with pytest.raises(PermissionDenied) as refused:
        incidents.change_phase(incident_id, Phase.COMMUNICATION, actor=CY, uow=uow, env=env)
    assert refused.value.details["activity"] == "change-phase"


def test_closing_needs_the_close_activity(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    assign(incident_id, Role.CMOC, "bo")
    incidents.change_phase(incident_id, Phase.RESOLUTION, actor=ANA, uow=uow, env=env)
    with pytest.raises(PermissionDenied) as refused:
        incidents.change_phase(incident_id, Phase.CLOSURE, actor=BO, uow=uow, env=env)
    assert refused.value.details["activity"] == "close-incident"


# ----- reading ------------------------------------------------------------------------------------


def test_reading_an_incident_its_timeline_and_the_list(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    first = declare(severity=Severity.SEV3)
    second = declare(severity=Severity.SEV1)
    assign(first, Role.IMOC, "ana")
    commits = uow.commits
    assert incidents.get_incident(first, uow=uow).holder(Role.IMOC) == "ana"
    entries = incidents.read_timeline(first, after=2, limit=10, uow=uow)
    assert [e.type for e in entries] == ["role.assigned"]
    page = incidents.list_incidents(IncidentQuery(), uow=uow)
    assert [i.id for i in page.items] == [second, first]
    assert page.items[1].holder(Role.IMOC) == "ana"
    assert uow.commits == commits  # reading commits nothing
    with pytest.raises(NotFound):
        incidents.get_incident(99, uow=uow)
    with pytest.raises(NotFound):
        incidents.read_timeline(99, after=0, limit=10, uow=uow)
