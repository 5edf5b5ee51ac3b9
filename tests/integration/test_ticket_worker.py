"""The worker's ticket passes beside bulk replies: impact facts that follow the linked tickets (F7
triggers), surge proposals to the people on call, and tag operations recorded on the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sirf.adapters.builtin_tickets import BuiltinTickets
from sirf.bootstrap import Container
from sirf.domain.framework import Framework
from sirf.domain.regions import Region, Roster
from sirf.domain.roles import Role
from sirf.domain.tickets import Ticket, TicketPriority
from sirf.services.context import get_or_raise
from sirf.services.ticket_worker import TicketJobs
from sirf.services.tickets import BUILTIN
from tests.integration.ticket_support import declare, events_of, linked_refs, new_builtin, tag_of
from tests.services.fakes import FakeClock

pytestmark = pytest.mark.storage

ROSTER = Roster({role: {region: [f"{role.value}-{region.value}"] for region in Region} for role in Role})


@pytest.fixture
def framework() -> Framework:
    return Framework(roster=ROSTER)


def jobs(container: Container) -> TicketJobs:
    system = BuiltinTickets(container.uow, container.env.clock)
    return TicketJobs(container.uow, container.env, system, name="t1", facts_interval=0, surge_interval=0)


def facts(container: Container, incident_id: int) -> tuple[int | None, bool]:
    uow = container.uow()
    with uow(write=False):
        incident = get_or_raise(uow, incident_id)
    return incident.facts.customers_affected, incident.facts.sla_at_risk


def test_customers_affected_and_sla_at_risk_follow_the_linked_tickets(
    container: Container, clock: FakeClock
) -> None:
    incident_id = declare(container)
    tag = tag_of(container, incident_id)
    for org in ("Acme", "Globex", "Initech"):
        new_builtin(container, f"{org} cannot sign in", organization=org, tags=(tag,))
    assert facts(container, incident_id) == (None, False)

    jobs(container).refresh_facts()
    assert facts(container, incident_id) == (3, False)
    # The impact change re-ran the triggers: several customers affected engages the CMOC (F7.1).
    proposals = events_of(container, incident_id, "engagement.proposed")
    assert any(p["role"] == "cmoc" and "several-customers-affected" in p["criteria"] for p in proposals)

    new_builtin(
        container, "Down for us too", organization="Umbrella", priority=TicketPriority.URGENT, tags=(tag,)
    )
    clock.advance(minutes=25)  # 5 of the urgent ticket's 30 minutes left: at risk
    jobs(container).refresh_facts()
    assert facts(container, incident_id) == (4, True)


def test_a_count_set_by_hand_above_the_tickets_is_kept(container: Container) -> None:
    from sirf.services.engagement import update_impact
    from tests.integration.comms_support import ADMIN

    incident_id = declare(container)
    update_impact(
        incident_id, {"customers_affected": 40}, actor=ADMIN, uow=container.uow(), env=container.env
    )
    new_builtin(container, "Cannot sign in", organization="Acme", tags=(tag_of(container, incident_id),))
    jobs(container).refresh_facts()
    assert facts(container, incident_id) == (40, False)


def _seed(container: Container, tickets: list[Ticket]) -> None:
    uow = container.uow()
    with uow(write=True):
        uow.tickets.upsert(BUILTIN, tickets)
        uow.commit()


def _ticket(ref: int, subject: str, at_minutes: float, clock: FakeClock, org: str = "") -> Ticket:
    when = clock.now() - timedelta(minutes=at_minutes)
    return Ticket(ref=str(ref), subject=subject, created_at=when, updated_at=when, organization=org or None)


def test_a_surge_no_incident_covers_is_proposed_to_the_on_call_smoc_and_cmoc_once(
    container: Container, clock: FakeClock
) -> None:
    background = [
        _ticket(n, subject, 60 * 24 * day + 90 + n % 50, clock)
        for n, (day, subject) in enumerate(
            (d, s) for d in range(1, 15) for s in ("Invoice question", "Feature request: dark mode")
        )
    ]
    surge = [
        _ticket(1000 + n, f"Cannot sign in to the dashboard ({n})", n * 3, clock, f"Org {n % 4}")
        for n in range(12)
    ]
    _seed(container, background + surge)

    worker = jobs(container)
    assert worker.watch_surges() == 2  # SMOC and CMOC on call in the region on shift
    uow = container.uow()
    with uow(write=False):
        notes = [
            n
            for person in ("smoc-emea", "cmoc-emea")
            for n in uow.notifications.for_recipient(person, limit=10)
        ]
    assert len(notes) == 2
    assert all(n.incident_id is None for n in notes)
    assert "12 tickets" in notes[0].message
    assert "sign in" in notes[0].message
    assert "Org 0" in notes[0].message
    assert worker.watch_surges() == 0  # proposed once, not on every pass
    assert jobs(container).watch_surges() == 0  # nor by another worker, or after a restart
    clock.advance(hours=4)
    _seed(
        container,
        [_ticket(2000 + n, f"Cannot sign in to the dashboard (again {n})", n, clock) for n in range(12)],
    )
    assert jobs(container).watch_surges() == 2  # still surging four hours later: told again


def test_a_surge_mostly_linked_to_an_active_incident_joins_it_instead_of_being_proposed(
    container: Container, clock: FakeClock
) -> None:
    incident_id = declare(container)
    tag = tag_of(container, incident_id)
    for n in range(8):
        new_builtin(container, f"Cannot sign in to the dashboard ({n})", tags=(tag,))
    stray = [new_builtin(container, f"Cannot sign in to the dashboard (late {n})") for n in range(3)]
    assert jobs(container).watch_surges() == 0  # no proposal: incident #1 covers it

    assert {t.ref for t in stray} <= linked_refs(container, incident_id)
    attached = [e for e in events_of(container, incident_id, "tickets.linked") if e["reason"] == "surge"]
    assert attached == [{"refs": [t.ref for t in stray], "reason": "surge", "linked": 11}]
    uow = container.uow()
    with uow(write=False):
        assert all(tag in uow.tickets.get(BUILTIN, t.ref).ticket.tags for t in stray)  # type: ignore[union-attr]


def test_no_surge_means_no_notification(container: Container, clock: FakeClock) -> None:
    _seed(container, [_ticket(n, "Invoice question", 60 * 24 * (n % 14 + 1), clock) for n in range(40)])
    assert jobs(container).watch_surges() == 0


def test_a_tag_operation_is_applied_and_recorded_on_the_timeline(container: Container) -> None:
    incident_id = declare(container)
    tag = tag_of(container, incident_id)
    ticket = new_builtin(container, "Unrelated subject")
    uow = container.uow()
    with uow(write=True):
        uow.ticket_work.enqueue_tag_op(
            incident_id=incident_id, action="add", tag=tag, refs=[ticket.ref], at=container.env.clock.now()
        )
        uow.commit()
    assert jobs(container).apply_tag_ops() == 1
    with uow(write=False):
        stored = uow.tickets.get(BUILTIN, ticket.ref)
        assert uow.ticket_work.pending_tag_ops(incident_id) == 0
    assert stored is not None
    assert tag in stored.ticket.tags
    assert events_of(container, incident_id, "tickets.tagged") == [
        {"tag": tag, "action": "add", "refs": [ticket.ref], "outcome": "done", "detail": ""}
    ]


def test_zendesk_ratings_are_pulled_into_the_mirror_and_feed_csat(
    container: Container, clock: FakeClock
) -> None:
    from sirf.services.ticket_figures import incident_figures
    from sirf.services.tickets import link_refs
    from tests.integration.comms_support import CMOC
    from tests.integration.ticket_support import zendesk

    desk = zendesk(clock.now)
    incident_id = declare(container)
    refs = [str(desk.fake.add_ticket(subject=f"Cannot sign in {n}")) for n in range(3)]
    link_refs(incident_id, refs, actor=CMOC, uow=container.uow(), env=container.env, system=desk.tickets)
    desk.fake.add_rating(int(refs[0]), "good")
    desk.fake.add_rating(int(refs[1]), "bad")
    desk.fake.add_rating(int(refs[2]), "offered")  # no rating given yet: does not count
    worker = TicketJobs(container.uow, container.env, desk.tickets, name="t1")

    assert worker.sync_ratings() == 2
    figures = incident_figures(incident_id, uow=container.uow(), env=container.env)
    assert figures.impact.csat_percent == 50.0
    assert figures.impact.csat_ratings == 2
    assert worker.sync_ratings() == 0  # not again before the interval


def test_a_failing_ratings_pull_waits_for_the_interval_before_trying_again(container: Container) -> None:
    from sirf.services.ticket_ports import DeliveryFailed

    class Down(BuiltinTickets):
        calls = 0

        @property
        def name(self) -> str:
            return "zendesk"

        def ratings(self, since):  # type: ignore[no-untyped-def]
            Down.calls += 1
            raise DeliveryFailed("Zendesk ratings: HTTP 503", retryable=True)

    worker = TicketJobs(container.uow, container.env, Down(container.uow, container.env.clock), name="t1")
    assert worker.sync_ratings() == 0
    assert worker.sync_ratings() == 0
    assert Down.calls == 1  # not on every pass while Zendesk is down


def test_webhook_tickets_are_mirrored_with_their_organisation_name(
    container: Container, clock: FakeClock
) -> None:
    from sirf.adapters.zendesk_webhooks import parse_event
    from sirf.services.ticket_inbox import accept_delivery
    from tests.integration.ticket_support import stored, webhook, zendesk

    desk = zendesk(clock.now)
    acme = desk.fake.add_organization("Acme Corp")
    ticket_id = desk.fake.add_ticket(subject="Cannot sign in", organization_id=acme)
    body = webhook(desk.fake, ticket_id, "ticket.created", delivery_id="d-1", at=clock.now())
    accept_delivery(
        source="zendesk",
        delivery_id="d-1",
        event_type="ticket.created",
        body=body,
        uow=container.uow(),
        env=container.env,
    )
    worker = TicketJobs(container.uow, container.env, desk.tickets, parse=parse_event, name="t1")
    assert worker.run_once() == 1
    # The framework file's opted-out organisations and linking rules name organisations by name.
    assert stored(container, "zendesk", str(ticket_id)).organization == "Acme Corp"
