"""The worker's two jobs: deliver outbox rows to their channels, and fire due reminders.

Deliveries: claim due rows under a lease (one short transaction), call each channel outside any
transaction, then record the outcome (another short transaction). A worker that dies mid-call
leaves its rows leased; when the lease runs out another worker claims them again. The channel
gets the vendor reference from earlier deliveries, so a repeat updates rather than duplicates.

Reminders: claimed and fired in one transaction (their effect is a notification row), so each
fires exactly once however many workers run.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sirf.domain.delivery import Delivery, DeliveryState, RetryPolicy
from sirf.domain.incident import Incident
from sirf.domain.reminders import Reminder, ReminderKind
from sirf.domain.roles import Role
from sirf.domain.updates import StatusUpdate
from sirf.logs import redact
from sirf.services.context import Env, get_or_raise
from sirf.services.drafting import Drafting
from sirf.services.ports import Notification, UnitOfWork
from sirf.services.publishing import Channel, Delivered, DeliveryFailed, Publication
from sirf.services.sync import schedule_sync

UnitOfWorkFactory = Callable[[], UnitOfWork]


@dataclass
class Worker:
    uow_factory: UnitOfWorkFactory
    env: Env
    drafting: Drafting
    channels: Mapping[str, Channel]
    name: str = "worker"
    lease: timedelta = timedelta(minutes=2)
    batch: int = 20
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    rng: Callable[[], float] = random.random

    def run_once(self) -> int:
        """One pass over due reminders and deliveries; returns how many items were handled."""
        return self.fire_due_reminders() + self.deliver_due()

    # ----- deliveries ----------------------------------------------------------------------------

    def deliver_due(self) -> int:
        uow = self.uow_factory()
        # Look before locking: an idle worker must not take SQLite's write lock every second.
        with uow(write=False):
            if not uow.outbox.any_due(now=self.env.clock.now()):
                return 0
        with uow(write=True):
            claimed = uow.outbox.claim(now=self.env.clock.now(), limit=self.batch, lease=self.lease)
            uow.commit()
        for delivery in claimed:
            self._deliver(delivery)
        return len(claimed)

    def _deliver(self, delivery: Delivery) -> None:
        channel = self.channels.get(delivery.channel)
        if channel is None:
            failure = DeliveryFailed(
                f"channel {delivery.channel!r} is not configured any more", retryable=False
            )
            self._record_failure(delivery, failure)
            return
        try:
            publication = self._publication(delivery)
            outcome = channel.deliver(publication)
        except DeliveryFailed as failure:
            self._record_failure(delivery, failure)
        except Exception as exc:  # a channel bug must not stop the worker; keep the row retryable
            message = redact(f"{type(exc).__name__}: {exc}")
            self._record_failure(delivery, DeliveryFailed(message, retryable=True))
        else:
            self._record_success(delivery, outcome)

    def _publication(self, delivery: Delivery) -> Publication:
        uow = self.uow_factory()
        with uow(write=False):
            update = uow.updates.get(delivery.update_id)
            incident = get_or_raise(uow, delivery.incident_id)
            reference = uow.outbox.channel_ref(delivery.incident_id, delivery.channel)
        assert update is not None  # rows reference their update by foreign key
        return build_publication(delivery, update, incident, reference, self.drafting)

    def _record_success(self, delivery: Delivery, outcome: Delivered) -> None:
        now = self.env.clock.now()
        uow = self.uow_factory()
        with uow(write=True):
            uow.outbox.set_state(
                delivery.id,
                state=DeliveryState.DELIVERED.value,
                external_ref=outcome.external_ref,
                delivered_at=now,
                updated_at=now,
                lease_until=None,
                last_error=None,
            )
            if outcome.external_ref:
                uow.outbox.set_channel_ref(delivery.incident_id, delivery.channel, outcome.external_ref, now)
            self._timeline(uow, delivery, "delivered", outcome.detail, now)
            uow.commit()

    def _record_failure(self, delivery: Delivery, failure: DeliveryFailed) -> None:
        now = self.env.clock.now()
        delay = self.policy.delay(delivery.attempts, retry_after=failure.retry_after, unit_random=self.rng())
        final = not failure.retryable or delay is None
        uow = self.uow_factory()
        with uow(write=True):
            uow.outbox.set_state(
                delivery.id,
                state=(DeliveryState.FAILED if final else DeliveryState.PENDING).value,
                next_attempt_at=now if final or delay is None else now + delay,
                last_error=failure.message[:2000],
                lease_until=None,
                updated_at=now,
            )
            if final:
                self._timeline(uow, delivery, "failed", failure.message[:500], now)
                self._tell_cmoc(uow, delivery, failure, now)
            uow.commit()

    def _timeline(self, uow: UnitOfWork, delivery: Delivery, state: str, detail: str, now: datetime) -> None:
        incident = get_or_raise(uow, delivery.incident_id, for_update=True)
        incident.record_delivery(
            update_id=delivery.update_id, channel=delivery.channel, state=state, detail=detail, at=now
        )
        uow.incidents.save(incident)

    def _tell_cmoc(self, uow: UnitOfWork, delivery: Delivery, failure: DeliveryFailed, now: datetime) -> None:
        incident = get_or_raise(uow, delivery.incident_id)
        person = incident.holder(Role.CMOC) or incident.holder(Role.IMOC)
        if person:
            message = (
                f"#{incident.id}: update {delivery.update_id} could not be delivered to {delivery.channel}: "
                f"{failure.message[:200]} (retry with `sirf deliveries retry {delivery.id}`)"
            )
            uow.notifications.add_all([Notification(incident.id, person, message, now)])

    # ----- reminders -----------------------------------------------------------------------------

    def fire_due_reminders(self) -> int:
        now = self.env.clock.now()
        uow = self.uow_factory()
        with uow(write=False):
            if not uow.reminders.any_due(now=now):
                return 0
        with uow(write=True):
            due = uow.reminders.claim_due(now=now, limit=self.batch)
            for reminder in due:
                self._fire(uow, reminder, now)
            uow.commit()
        return len(due)

    def _fire(self, uow: UnitOfWork, reminder: Reminder, now: datetime) -> None:
        uow.reminders.mark_fired(reminder.id, at=now, by=self.name)
        incident = get_or_raise(uow, reminder.incident_id)
        if not incident.active:
            return
        recipients, message = reminder_message(reminder, incident, now)
        uow.notifications.add_all(
            [Notification(incident.id, person, message, now) for person in sorted(recipients)]
        )
        if reminder.kind is ReminderKind.SYNC_POINT:
            schedule_sync(uow, self.env, incident, after=reminder.due_at, now=now)


def reminder_message(reminder: Reminder, incident: Incident, now: datetime) -> tuple[set[str], str]:
    cmoc, smoc, imoc = (incident.holder(role) for role in (Role.CMOC, Role.SMOC, Role.IMOC))
    prefix = f"#{incident.id} {incident.title}:"
    if reminder.kind is ReminderKind.UPDATE_DUE:
        due = incident.next_update_due_at
        when = f" at {due:%H:%M} UTC" if due else ""
        return {
            p for p in (cmoc or smoc,) if p
        }, f"{prefix} the next public update is due{when}; draft it now"
    if reminder.kind is ReminderKind.UPDATE_OVERDUE:
        late = int((now - reminder.due_at).total_seconds() // 60)
        text = f"{prefix} the public update is overdue ({late} min late); CMOC: {cmoc or 'unassigned'}"
        return {p for p in (smoc, cmoc) if p}, text
    text = f"{prefix} CMOC-IMOC sync point now (F6.1): technical status and customer impact"
    return {p for p in (cmoc, imoc) if p}, text


def build_publication(
    delivery: Delivery, update: StatusUpdate, incident: Incident, reference: str | None, drafting: Drafting
) -> Publication:
    rendered = drafting.formats(update.body)
    return Publication(
        delivery_id=delivery.id,
        idempotency_key=f"sirf-{update.id}-{delivery.channel}",
        incident_id=incident.id,
        incident_title=incident.title,
        severity=incident.severity,
        update_id=update.id,
        template=update.template,
        audience=update.audience,
        public_state=update.public_state,
        components=dict(update.components),
        markdown=rendered.markdown,
        text=rendered.text,
        html=rendered.html,
        external_ref=reference,
    )
