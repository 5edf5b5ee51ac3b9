"""Timeline events: every type has a stable name and a JSON-serialisable payload."""

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest

from sirf.domain import events as ev
from sirf.domain.describe import describe
from sirf.domain.framework import Framework
from sirf.domain.lifecycle import Phase
from sirf.domain.public_state import PublicState
from sirf.domain.release import ReleaseCriterion
from sirf.domain.roles import Role, Source, Team
from sirf.domain.severity import Severity
from sirf.domain.tasks import TaskStatus
from sirf.domain.triggers import ImpactFacts

AT = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

# One realistic instance of every event type, with the richest values each field takes.
SAMPLES = [
    ev.IncidentDeclared(
        at=AT,
        actor="ana",
        title="Checkout fails",
        kind="saas-outage",
        severity=1,
        source="support",
        detected_at=AT - timedelta(minutes=5),
        region="emea",
    ),
    ev.ScopeOverridden(at=AT, actor="sam", reported_kind="service-request", reason="enterprise down"),
    ev.SeverityChanged(at=AT, actor="ivy", previous=2, severity=1, reason="worse"),
    ev.PhaseChanged(at=AT, actor="ivy", previous="detection", phase="triage", reason=""),
    ev.IncidentReopened(at=AT, actor="ivy", reason="errors are back", times_reopened=1),
    ev.RoleAssigned(at=AT, actor="ivy", role="cmoc", holder="bo", previous_holder=None),
    ev.RoleReleased(at=AT, actor="ivy", role="cmoc", holder="bo", criteria=["queue-normal"]),
    ev.ImpactUpdated(at=AT, actor="bo", changes={"customers_affected": 3, "affected_services": ["api"]}),
    ev.EngagementProposed(at=AT, actor="sirf", role="smoc", proposed=None, criteria=["sirt-involved"]),
    ev.CriterionAttested(at=AT, actor="bo", criterion="queue-normal", note="quiet"),
    ev.TaskAdded(at=AT, actor="bo", number=1, title="Tag tickets", owner="bo", due_at=AT),
    ev.TaskUpdated(at=AT, actor="bo", number=1, changes={"status": TaskStatus.DONE, "due_at": AT}),
    ev.TeamEngaged(at=AT, actor="bo", team="sirt", contact="#sirt"),
    ev.NoteAdded(at=AT, actor="bo", text="Customer called back"),
    ev.UpdateDrafted(at=AT, actor="ana", update_id=1, template="initial", audience="public"),
    ev.UpdateApproved(at=AT, actor="ivy", update_id=1, reviewer="imoc", etag="abc"),
    ev.UpdatePublished(
        at=AT,
        actor="ana",
        update_id=1,
        template="initial",
        public_state="investigating",
        next_update_due_at=AT,
    ),
    ev.DeliveryOutcome(at=AT, actor="sirf", update_id=1, channel="slack:cs", state="delivered", detail=""),
    ev.TicketTagCreated(at=AT, actor="sirf", tag="incident_7"),
    ev.TicketTagRetired(at=AT, actor="sirf", tag="incident_7", linked=12),
    ev.LinkRuleSet(at=AT, actor="cm", rule={"keywords": ["sign in"], "form": None}),
    ev.TicketsLinked(at=AT, actor="cm", refs=("11", "12"), reason="manual", linked=2),
    ev.TicketsUnlinked(at=AT, actor="cm", refs=("12",), linked=1),
    ev.TicketsTagged(at=AT, actor="sirf", tag="incident_7", action="add", refs=("11",), outcome="done"),
    ev.BulkReplyStarted(
        at=AT,
        actor="cm",
        run_id=3,
        source="update",
        source_ref="9",
        targets=10,
        skipped=2,
        status_change=None,
    ),
    ev.TicketsReplied(at=AT, actor="sirf", run_id=3, refs=("11", "13", "14", "15", "16", "17")),
    ev.BulkReplyFinished(at=AT, actor="sirf", run_id=3, state="completed", replied=10, skipped=2, failed=0),
]


def test_samples_cover_every_event_type():
    assert {type(event) for event in SAMPLES} == set(ev.EVENT_TYPES.values())


def test_event_type_names_are_unique_and_registered_under_their_name():
    assert all(cls.type == name for name, cls in ev.EVENT_TYPES.items())
    assert len(ev.EVENT_TYPES) == 27
    assert "event" not in ev.EVENT_TYPES


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: event.type)
def test_payload_is_json_serialisable_and_leaves_out_time_and_actor(event):
    payload = event.payload()
    assert json.loads(json.dumps(payload)) == payload
    expected_keys = {f.name for f in dataclasses.fields(event)} - {"at", "actor"}
    assert set(payload) == expected_keys


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: event.type)
def test_events_are_immutable(event):
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.actor = "mallory"


def test_payload_turns_enums_and_datetimes_into_plain_values():
    payload = ev.TaskUpdated(at=AT, actor="bo", number=1, changes={"status": TaskStatus.DONE, "due_at": AT})
    assert payload.payload() == {
        "number": 1,
        "changes": {"status": "done", "due_at": AT.isoformat().replace("+00:00", "Z")},
    }


def test_every_event_an_incident_records_serialises(declare, clock):
    framework = Framework()
    incident = declare(source=Source.SECURITY, framework=framework)
    incident.record_scope_override(
        reported_kind="bug-report", reason="many customers", actor="sam", at=clock.tick()
    )
    incident.change_severity(Severity.SEV1, reason="worse", actor="ivy", at=clock.tick())
    incident.update_impact(
        ImpactFacts(customers_affected=4),
        actor="bo",
        at=clock.tick(),
        affected_services=("api",),
        summary="EU",
    )
    for verdict in incident.engagements(framework, at=clock.now):
        incident.propose_engagement(verdict, actor="sirf", at=clock.tick())
    incident.engage_team(Team.SIRT, contact="#sirt", actor="bo", at=clock.tick())
    incident.assign(Role.CMOC, "bo", actor="ivy", at=clock.tick(), framework=framework)
    incident.assign(Role.CMOC, "cy", actor="ivy", at=clock.tick(), framework=framework)
    incident.record_draft(update_id=1, template="initial", audience="public", actor="cy", at=clock.tick())
    incident.record_approval(update_id=1, reviewer="cmoc", etag="abc", actor="cy", at=clock.tick())
    incident.record_publication(
        update_id=1,
        template="initial",
        customer_facing=True,
        public_state=PublicState.INVESTIGATING,
        next_update_due_at=None,
        actor="cy",
        at=clock.tick(),
    )
    incident.record_delivery(update_id=1, channel="builtin", state="delivered", detail="", at=clock.tick())
    task = incident.add_task("Tag tickets", owner="bo", actor="ivy", at=clock.tick(), due_at=clock.now)
    incident.update_task(task.number, actor="bo", at=clock.tick(), status=TaskStatus.DONE, due_at=clock.now)
    for phase in (Phase.TRIAGE, Phase.RESPONSE, Phase.COMMUNICATION, Phase.RESOLUTION):
        incident.move_to(phase, actor="ivy", at=clock.tick())
    incident.move_to(Phase.RESPONSE, actor="ivy", at=clock.tick(), reason="errors are back")
    incident.move_to(Phase.RESOLUTION, actor="ivy", at=clock.tick())
    for criterion in ReleaseCriterion:
        incident.attest(criterion, note="checked", actor="cy", at=clock.tick())
    incident.release(Role.CMOC, actor="ivy", at=clock.tick())
    incident.move_to(Phase.CLOSURE, actor="ivy", at=clock.tick())
    incident.add_note("Review on Monday", actor="bo", at=clock.tick(), max_length=100)

    events = incident.take_events()
    # Ticket events are appended by the ticket use cases, not through the aggregate.
    assert {event.type for event in events} == {t for t in ev.EVENT_TYPES if not t.startswith("tickets.")}
    for event in events:
        json.dumps(event.payload())
    assert [event.at for event in events] == sorted(event.at for event in events)


# ----- one-line descriptions (sirf.domain.describe) ---------------------------------------------------


@pytest.mark.parametrize("event", SAMPLES, ids=lambda event: event.type)
def test_every_event_type_has_a_one_line_description(event):
    text = describe(event.type, event.payload())
    assert text != event.type
    assert "\n" not in text


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (SAMPLES[0], "declared as SEV1 saas-outage: Checkout fails"),
        (SAMPLES[2], "severity SEV2 -> SEV1: worse"),
        (SAMPLES[5], "CMOC assigned to bo"),
        (
            ev.RoleAssigned(at=AT, actor="ivy", role="cmoc", holder="cy", previous_holder="bo"),
            "CMOC handed over from bo to cy",
        ),
        (SAMPLES[6], "CMOC released (bo)"),
        (SAMPLES[8], "SMOC should be engaged (sirt-involved); proposed: nobody on call"),
        (SAMPLES[-2], "bulk reply 3 sent to 6 tickets (#11, #13, #14, #15, #16 and 1 more)"),
        (SAMPLES[-6], "2 tickets linked by manual (#11, #12); 2 linked"),
        (SAMPLES[11], f"task 1 updated: status=done, due_at={AT.isoformat().replace('+00:00', 'Z')}"),
    ],
)
def test_descriptions_read_well(event, expected):
    assert describe(event.type, event.payload()) == expected


def test_an_unknown_event_type_is_described_by_its_name():
    assert describe("incident.teleported", {"to": "mars"}) == "incident.teleported"
