"""Status updates from draft to delivery on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from sirf.bootstrap import Container
from sirf.domain.delivery import DeliveryState, RetryPolicy
from sirf.domain.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from sirf.domain.reminders import ReminderKind, ReminderState
from sirf.domain.roles import Role
from sirf.domain.severity import Severity
from sirf.domain.updates import Reviewer, UpdateState
from sirf.services import communications as comms
from sirf.services import engagement, incidents, outbox
from sirf.services.delivery import Worker
from sirf.services.publishing import DeliveryFailed
from tests.conftest import FakeClock
from tests.integration.comms_support import (
    ADMIN,
    CMOC,
    IMOC,
    SMOC,
    FakeDrafting,
    RecordingChannel,
    staffed_incident,
)


@pytest.fixture
def channel() -> RecordingChannel:
    return RecordingChannel()


@pytest.fixture
def drafting(channel: RecordingChannel) -> FakeDrafting:
    return FakeDrafting([channel.name])


def worker(
    container: Container, drafting: FakeDrafting, channel: RecordingChannel, name: str = "w1"
) -> Worker:
    return Worker(
        container.uow,
        container.env,
        drafting,
        {channel.name: channel},
        name=name,
        policy=RetryPolicy(max_attempts=3),
        rng=lambda: 0.5,
    )


def approved_initial(container: Container, drafting: FakeDrafting, incident_id: int) -> int:
    deps = {"uow": container.uow(), "env": container.env, "drafting": drafting}
    view = comms.draft_update(incident_id, comms.DraftRequest(template="initial"), actor=CMOC, **deps)
    update_id = view.update.id
    comms.request_review(update_id, actor=CMOC, uow=container.uow(), env=container.env, drafting=drafting)
    for person in (IMOC, CMOC):
        etag = comms.get_update(
            update_id, uow=container.uow(), env=container.env, drafting=drafting
        ).update.etag
        comms.approve_update(
            update_id,
            etag=etag,
            as_reviewer=None,
            actor=person,
            uow=container.uow(),
            env=container.env,
            drafting=drafting,
        )
    return update_id


def publish(container: Container, drafting: FakeDrafting, update_id: int) -> comms.PublishOutcome:
    return comms.publish_update(
        update_id, dry_run=False, actor=CMOC, uow=container.uow(), env=container.env, drafting=drafting
    )


def test_publishing_writes_the_update_outbox_page_reminders_and_timeline_together(
    container: Container, drafting: FakeDrafting, clock: FakeClock
) -> None:
    incident_id = staffed_incident(container)
    update_id = approved_initial(container, drafting, incident_id)
    clock.advance(minutes=2)
    outcome = publish(container, drafting, update_id)

    assert outcome.view.update.state is UpdateState.PUBLISHED
    uow = container.uow()
    with uow(write=False):
        deliveries = uow.outbox.for_incident(incident_id)
        posts = uow.status_page.posts(incident_id=incident_id)
        reminders = uow.reminders.for_incident(incident_id)
        incident = uow.incidents.get(incident_id)
        timeline = uow.incidents.timeline(incident_id, after=0, limit=100)
    assert [(d.channel, d.state) for d in deliveries] == [("recorder", DeliveryState.PENDING)]
    assert [p["update_id"] for p in posts] == [update_id]
    assert incident is not None
    assert incident.first_customer_communication_at == clock.now()
    # SEV2 investigating: next update in 15 minutes (announced at draft time, two minutes ago).
    due = clock.now() - timedelta(minutes=2) + timedelta(minutes=15)
    assert incident.next_update_due_at == due
    pending = {(r.kind, r.due_at) for r in reminders if r.state is ReminderState.PENDING}
    assert (ReminderKind.UPDATE_OVERDUE, due) in pending
    assert (ReminderKind.UPDATE_DUE, due - timedelta(minutes=5)) in pending
    types = [e.type for e in timeline]
    assert types[-1] == "update.published"
    assert types.count("update.approved") == 2


def test_an_edit_voids_approvals_and_a_role_change_voids_the_old_holders(
    container: Container, drafting: FakeDrafting
) -> None:
    incident_id = staffed_incident(container)
    update_id = approved_initial(container, drafting, incident_id)
    comms.edit_update(
        update_id, body="Edited text.", public_state=None, components=None, next_update_at=None,
        actor=CMOC, uow=container.uow(), env=container.env, drafting=drafting,
    )  # fmt: skip
    with pytest.raises(Conflict, match="in-review"):
        publish(container, drafting, update_id)

    second = approved_initial(container, drafting, incident_id)
    engagement.assign_role(incident_id, Role.IMOC, "sam", actor=ADMIN, uow=container.uow(), env=container.env)
    with pytest.raises(ValidationFailed, match="no longer has the approvals") as refused:
        publish(container, drafting, second)
    assert refused.value.details["missing"] == ["imoc"]


def test_one_person_cannot_approve_a_public_update_twice(
    container: Container, drafting: FakeDrafting
) -> None:
    incident_id = staffed_incident(container)
    view = comms.draft_update(
        incident_id, comms.DraftRequest(template="initial"), actor=CMOC,
        uow=container.uow(), env=container.env, drafting=drafting,
    )  # fmt: skip
    update_id = view.update.id
    comms.request_review(update_id, actor=CMOC, uow=container.uow(), env=container.env, drafting=drafting)
    etag = view.update.etag
    deps = {"uow": container.uow(), "env": container.env, "drafting": drafting}
    comms.approve_update(update_id, etag=etag, as_reviewer=None, actor=CMOC, **deps)
    with pytest.raises(Conflict, match="counts once"):
        comms.approve_update(
            update_id, etag=etag, as_reviewer=None, actor=CMOC, **deps | {"uow": container.uow()}
        )
    with pytest.raises(PermissionDenied, match="cannot approve as IMOC"):
        comms.approve_update(
            update_id, etag=etag, as_reviewer=Reviewer.IMOC, actor=CMOC, **deps | {"uow": container.uow()}
        )
    with pytest.raises(PermissionDenied):
        comms.approve_update(
            update_id, etag=etag, as_reviewer=None, actor=SMOC, **deps | {"uow": container.uow()}
        )


def test_two_people_publishing_at_once_make_exactly_one_post(
    container: Container, drafting: FakeDrafting
) -> None:
    incident_id = staffed_incident(container)
    update_id = approved_initial(container, drafting, incident_id)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        barrier.wait()
        try:
            publish(container, drafting, update_id)
            results.append("published")
        except DomainError as error:
            results.append(error.code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict", "conflict", "conflict", "published"]
    uow = container.uow()
    with uow(write=False):
        assert len(uow.outbox.for_incident(incident_id)) == 1
        assert len(uow.status_page.posts(incident_id=incident_id)) == 1


def test_a_dry_run_checks_everything_and_writes_nothing(container: Container, drafting: FakeDrafting) -> None:
    incident_id = staffed_incident(container)
    update_id = approved_initial(container, drafting, incident_id)
    outcome = comms.publish_update(
        update_id, dry_run=True, actor=CMOC, uow=container.uow(), env=container.env, drafting=drafting
    )
    assert outcome.dry_run
    assert outcome.view.channels == ["recorder"]
    stored = comms.get_update(update_id, uow=container.uow(), env=container.env, drafting=drafting)
    assert stored.update.state is UpdateState.APPROVED
    uow = container.uow()
    with uow(write=False):
        assert uow.outbox.for_incident(incident_id) == []


def test_blanks_stop_publishing_and_are_named(container: Container, drafting: FakeDrafting) -> None:
    incident_id = staffed_incident(container)
    update_id = approved_initial(container, drafting, incident_id)
    comms.edit_update(
        update_id,
        body="Impact: [[TODO: Impact type]] and [[TODO: affected customers]]",
        public_state=None,
        components=None,
        next_update_at=None,
        actor=CMOC,
        uow=container.uow(),
        env=container.env,
        drafting=drafting,
    )
    # The edit sent the update back to review: both approve the new text again.
    for person in (IMOC, CMOC):
        etag = comms.get_update(
            update_id, uow=container.uow(), env=container.env, drafting=drafting
        ).update.etag
        comms.approve_update(
            update_id,
            etag=etag,
            as_reviewer=None,
            actor=person,
            uow=container.uow(),
            env=container.env,
            drafting=drafting,
        )
    with pytest.raises(ValidationFailed) as refused:
        publish(container, drafting, update_id)
    assert refused.value.details["blanks"] == ["Impact type", "affected customers"]


def test_the_worker_delivers_retries_gives_up_and_can_be_retried(
    container: Container, drafting: FakeDrafting, channel: RecordingChannel, clock: FakeClock
) -> None:
    incident_id = staffed_incident(container)
    publish(container, drafting, approved_initial(container, drafting, incident_id))
    channel.failures = [
        DeliveryFailed("503 from vendor", retryable=True),
        DeliveryFailed("429 slow down", retryable=True, retry_after=30),
        DeliveryFailed("500 again", retryable=True),
    ]
    w = worker(container, drafting, channel)
    assert w.deliver_due() == 1  # attempt 1: 503, retry after ~2 s
    [delivery] = outbox.list_deliveries(incident_id, update_id=None, uow=container.uow())
    assert delivery.state is DeliveryState.PENDING
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=2)
    assert w.deliver_due() == 0  # not due yet
    clock.advance(seconds=2)
    assert w.deliver_due() == 1  # attempt 2: 429 asks for 30 s, longer than the backoff
    [delivery] = outbox.list_deliveries(incident_id, update_id=None, uow=container.uow())
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(seconds=30)
    assert w.deliver_due() == 1  # attempt 3 of 3: gives up
    [delivery] = outbox.list_deliveries(incident_id, update_id=None, uow=container.uow())
    assert delivery.state is DeliveryState.FAILED
    assert delivery.last_error == "500 again"
    uow = container.uow()
    with uow(write=False):
        told = uow.notifications.for_recipient("carol", limit=50)
    assert any("could not be delivered" in n.message for n in told)

    outbox.retry_delivery(delivery.id, actor=CMOC, uow=container.uow(), env=container.env)
    assert w.deliver_due() == 1
    [delivery] = outbox.list_deliveries(incident_id, update_id=None, uow=container.uow())
    assert delivery.state is DeliveryState.DELIVERED
    assert delivery.external_ref == f"vendor-{incident_id}"
    assert [p.update_id for p in channel.sent] == [delivery.update_id]


def test_the_vendor_reference_is_reused_for_the_next_update(
    container: Container, drafting: FakeDrafting, channel: RecordingChannel
) -> None:
    incident_id = staffed_incident(container)
    publish(container, drafting, approved_initial(container, drafting, incident_id))
    w = worker(container, drafting, channel)
    w.deliver_due()
    publish(container, drafting, approved_initial(container, drafting, incident_id))
    w.deliver_due()
    assert [p.external_ref for p in channel.sent] == [None, f"vendor-{incident_id}"]


def test_a_worker_that_died_mid_delivery_is_replaced_after_its_lease(
    container: Container, drafting: FakeDrafting, channel: RecordingChannel, clock: FakeClock
) -> None:
    incident_id = staffed_incident(container)
    publish(container, drafting, approved_initial(container, drafting, incident_id))
    uow = container.uow()
    with uow(write=True):
        claimed = uow.outbox.claim(now=clock.now(), limit=10, lease=timedelta(minutes=2))
        uow.commit()
    assert len(claimed) == 1  # ...and then this "worker" dies without recording anything
    w = worker(container, drafting, channel)
    assert w.deliver_due() == 0
    clock.advance(minutes=3)
    assert w.deliver_due() == 1
    assert len(channel.sent) == 1


def test_reminders_tell_the_cmoc_then_the_smoc_and_fire_once(
    container: Container, drafting: FakeDrafting, channel: RecordingChannel, clock: FakeClock
) -> None:
    incident_id = staffed_incident(container)
    publish(container, drafting, approved_initial(container, drafting, incident_id))
    w = worker(container, drafting, channel)
    clock.advance(minutes=10)  # 5 minutes before the 15-minute update is due
    assert w.fire_due_reminders() == 1
    clock.advance(minutes=6)
    assert w.fire_due_reminders() == 1
    assert w.fire_due_reminders() == 0
    uow = container.uow()
    with uow(write=False):
        carol = [n.message for n in uow.notifications.for_recipient("carol", limit=50)]
        sam = [n.message for n in uow.notifications.for_recipient("sam", limit=50)]
    assert any("next public update is due" in m for m in carol)
    assert any("overdue (1 min late)" in m for m in sam)


def test_publishing_the_next_update_cancels_the_old_reminders(
    container: Container, drafting: FakeDrafting, channel: RecordingChannel, clock: FakeClock
) -> None:
    incident_id = staffed_incident(container)
    publish(container, drafting, approved_initial(container, drafting, incident_id))
    clock.advance(minutes=5)
    publish(container, drafting, approved_initial(container, drafting, incident_id))
    uow = container.uow()
    with uow(write=False):
        reminders = uow.reminders.for_incident(incident_id)
    update_kinds = (ReminderKind.UPDATE_DUE, ReminderKind.UPDATE_OVERDUE)
    states = [r.state for r in reminders if r.kind in update_kinds]
    assert states.count(ReminderState.CANCELLED) == 2
    assert states.count(ReminderState.PENDING) == 2


def test_sync_points_repeat_at_the_severity_interval(
    container: Container, drafting: FakeDrafting, channel: RecordingChannel, clock: FakeClock
) -> None:
    incident_id = staffed_incident(container)  # SEV2: sync every 60 minutes
    w = worker(container, drafting, channel)
    clock.advance(minutes=60)
    assert w.fire_due_reminders() == 1
    uow = container.uow()
    with uow(write=False):
        syncs = [r for r in uow.reminders.for_incident(incident_id) if r.kind is ReminderKind.SYNC_POINT]
        ivan = uow.notifications.for_recipient("ivan", limit=50)
    assert [r.state for r in syncs] == [ReminderState.FIRED, ReminderState.PENDING]
    assert syncs[1].due_at == syncs[0].due_at + timedelta(minutes=60)
    assert any("sync point" in n.message for n in ivan)


def test_two_workers_fire_every_reminder_exactly_once(
    container: Container, drafting: FakeDrafting, channel: RecordingChannel, clock: FakeClock
) -> None:
    incident_id = staffed_incident(container)
    start = clock.now()
    uow = container.uow()
    with uow(write=True):
        for n in range(300):
            uow.reminders.schedule(incident_id, ReminderKind.UPDATE_DUE, start + timedelta(seconds=n), start)
        uow.commit()
    clock.advance(minutes=10)
    workers = [worker(container, drafting, channel, name=f"w{i}") for i in (1, 2)]
    fired = [0, 0]
    barrier = threading.Barrier(2)

    def run(index: int) -> None:
        barrier.wait()
        while (handled := workers[index].fire_due_reminders()) > 0:
            fired[index] += handled

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with uow(write=False):
        reminders = [r for r in uow.reminders.for_incident(incident_id) if r.kind is ReminderKind.UPDATE_DUE]
        told = [n for n in uow.notifications.for_recipient("carol", limit=1000) if "is due" in n.message]
    assert sum(fired) == 300
    assert all(r.state is ReminderState.FIRED for r in reminders)
    assert len(told) == 300


def test_a_severity_change_moves_the_next_sync_point(container: Container, clock: FakeClock) -> None:
    incident_id = staffed_incident(container)  # SEV2: sync in 60 minutes
    clock.advance(minutes=10)
    incidents.change_severity(
        incident_id, Severity.SEV1, reason="all regions", actor=ADMIN, uow=container.uow(), env=container.env
    )
    uow = container.uow()
    with uow(write=False):
        syncs = [r for r in uow.reminders.for_incident(incident_id) if r.kind is ReminderKind.SYNC_POINT]
    pending = [r.due_at for r in syncs if r.state is ReminderState.PENDING]
    assert pending == [clock.now() + timedelta(minutes=30)]  # SEV1 syncs every 30 minutes
