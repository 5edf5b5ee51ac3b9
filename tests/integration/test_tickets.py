"""Tickets on a real database (SQLite and PostgreSQL): the incident tag's lifecycle, built-in tickets,
linking rules, match/link/unlink, and Zendesk webhooks through the inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sirf.adapters.db import ticket_tables as tt
from sirf.adapters.zendesk_webhooks import parse_event
from sirf.bootstrap import Container
from sirf.domain.errors import NotFound, PermissionDenied
from sirf.domain.lifecycle import Phase
from sirf.domain.linking import LinkRule
from sirf.domain.tickets import TicketStatus
from sirf.services import incidents
from sirf.services.ticket_inbox import accept_delivery, process_inbox
from sirf.services.ticket_ports import TicketSearch
from sirf.services.ticket_worker import TicketJobs
from sirf.services.tickets import (
    BUILTIN,
    link_matches,
    link_refs,
    linked_tickets,
    preview_matches,
    set_link_rule,
    unlink_refs,
)
from tests.conftest import FakeClock
from tests.integration.comms_support import ADMIN, CMOC
from tests.integration.ticket_support import (
    VIEWER,
    Zendesk,
    builtin,
    declare,
    events_of,
    linked_refs,
    new_builtin,
    staff_comment,
    stored,
    tag_of,
    timeline,
    webhook,
    zendesk,
)

ZENDESK = "zendesk"


@pytest.fixture
def zd(clock: FakeClock) -> Zendesk:
    return zendesk(clock.now)


def pending_ops(container: Container, incident_id: int) -> int:
    uow = container.uow()
    with uow(write=False):
        return uow.ticket_work.pending_tag_ops(incident_id)


def inbox_counts(container: Container) -> dict[str, int]:
    uow = container.uow()
    with uow(write=False):
        return uow.ticket_work.inbox_counts()


def deliver(container: Container, body: bytes, delivery_id: str) -> bool:
    return accept_delivery(
        source=ZENDESK,
        delivery_id=delivery_id,
        event_type="ticket",
        body=body,
        uow=container.uow(),
        env=container.env,
    )


def process(container: Container) -> int:
    return process_inbox(container.uow, container.env, system=ZENDESK, parse=parse_event)


# ----- the incident tag -----------------------------------------------------------------------------


def test_the_tag_lives_from_declaration_to_closure_and_links_nothing_after(
    container: Container, clock: FakeClock, zd: Zendesk
) -> None:
    incident_id = declare(container)
    uow = container.uow()
    with uow(write=False):
        tag = uow.tickets.tag_of(incident_id)
    assert tag is not None
    assert (tag.tag, tag.active, tag.created_at) == (f"incident_{incident_id}", True, clock.now())

    before = new_builtin(container, "Login page is blank", tags=(tag.tag,))
    assert linked_refs(container, incident_id) == {before.ref}

    clock.advance(hours=1)
    incidents.change_phase(incident_id, Phase.RESOLUTION, actor=ADMIN, uow=container.uow(), env=container.env)
    with uow(write=False):
        resolved = uow.tickets.tag_of(incident_id)
    assert resolved is not None
    assert resolved.active

    clock.advance(hours=1)
    incidents.change_phase(incident_id, Phase.CLOSURE, actor=ADMIN, uow=container.uow(), env=container.env)
    with uow(write=False):
        retired = uow.tickets.tag_of(incident_id)
        assert uow.tickets.active_tags() == []
    assert retired is not None
    assert not retired.active
    assert retired.retired_at == clock.now()
    assert events_of(container, incident_id, "tickets.tag_retired") == [{"tag": tag.tag, "linked": 1}]

    clock.advance(minutes=5)
    new_builtin(container, "Still cannot log in", tags=(tag.tag,))
    ticket_id = zd.fake.add_ticket(subject="Login broken", tags=[tag.tag])
    assert deliver(
        container, webhook(zd.fake, ticket_id, "ticket.created", delivery_id="d1", at=clock.now()), "d1"
    )
    assert process(container) == 1
    assert stored(container, ZENDESK, str(ticket_id)).tags == {tag.tag}  # mirrored, but not linked
    assert linked_refs(container, incident_id) == {before.ref}
    assert [t for t, _ in timeline(container, incident_id)].count("tickets.linked") == 1
    page = linked_tickets(incident_id, limit=10, offset=0, uow=container.uow())
    assert (page.tag, page.retired, page.total) == (tag.tag, True, 1)


# ----- built-in tickets and rules ---------------------------------------------------------------------


def test_a_builtin_ticket_carrying_the_tag_is_linked_at_once(container: Container) -> None:
    incident_id = declare(container)
    tag = tag_of(container, incident_id)
    other = declare(container, "Pipelines stuck")

    ticket = new_builtin(container, "Cannot sign in", tags=(tag, "segment_enterprise"))
    unrelated = new_builtin(container, "Invoice question")

    assert linked_refs(container, incident_id) == {ticket.ref}
    assert linked_refs(container, other) == set()
    assert events_of(container, incident_id, "tickets.linked") == [
        {"refs": [ticket.ref], "reason": "tag", "linked": 1}
    ]
    mirrored = stored(container, BUILTIN, ticket.ref)
    assert mirrored.status is TicketStatus.NEW
    assert mirrored.segment is not None
    assert mirrored.segment.value == "enterprise"
    assert stored(container, BUILTIN, unrelated.ref).tags == frozenset()
    page = linked_tickets(incident_id, limit=10, offset=0, uow=container.uow())
    assert (page.total, [t.ref for t in page.tickets], page.retired) == (1, [ticket.ref], False)


def test_a_rule_links_matching_mirrored_tickets_at_once_and_new_ones_on_creation(
    container: Container, clock: FakeClock
) -> None:
    incident_id = declare(container)
    tag = tag_of(container, incident_id)
    first = new_builtin(container, "Cannot sign in since 9am")
    spaced = new_builtin(container, "help", description="The  SIGN\tIN button spins forever")
    billing = new_builtin(container, "Billing question")

    clock.advance(minutes=1)
    result = set_link_rule(
        incident_id, LinkRule(keywords=("sign in",)), actor=CMOC, uow=container.uow(), env=container.env
    )

    assert result.linked == (first.ref, spaced.ref)
    assert result.total == 2
    assert linked_refs(container, incident_id) == {first.ref, spaced.ref}
    assert events_of(container, incident_id, "tickets.rule_set")[0]["rule"]["keywords"] == ["sign in"]
    assert events_of(container, incident_id, "tickets.linked") == [
        {"refs": [first.ref, spaced.ref], "reason": "rule", "linked": 2}
    ]
    # The built-in store is sirf's own: linked tickets get the incident's tag in place.
    assert tag in stored(container, BUILTIN, first.ref).tags
    assert tag in stored(container, BUILTIN, spaced.ref).tags
    assert tag not in stored(container, BUILTIN, billing.ref).tags

    clock.advance(minutes=1)
    new = new_builtin(container, "I can't Sign In with SSO")
    ignored = new_builtin(container, "Dark mode request")
    assert linked_refs(container, incident_id) == {first.ref, spaced.ref, new.ref}
    assert tag in stored(container, BUILTIN, new.ref).tags
    assert stored(container, BUILTIN, ignored.ref).tags == frozenset()
    assert events_of(container, incident_id, "tickets.linked")[-1] == {
        "refs": [new.ref],
        "reason": "rule",
        "linked": 3,
    }
    assert pending_ops(container, incident_id) == 0  # nothing to tag in another system


def test_form_organisation_and_time_window_narrow_a_rule(container: Container, clock: FakeClock) -> None:
    narrow = declare(container)
    windowed = declare(container, "Second outage")
    start = clock.now()
    early = new_builtin(container, "sign in fails", organization="Acme", form="login")

    set_link_rule(
        narrow,
        LinkRule(keywords=("sign in",), organization="Acme", form="login"),
        actor=CMOC,
        uow=container.uow(),
        env=container.env,
    )
    set_link_rule(
        windowed,
        LinkRule(keywords=("sign in",), since=start + timedelta(hours=1), until=start + timedelta(hours=2)),
        actor=CMOC,
        uow=container.uow(),
        env=container.env,
    )
    assert linked_refs(container, narrow) == {early.ref}
    assert linked_refs(container, windowed) == set()  # created before the window

    clock.advance(minutes=90)
    wrong_org = new_builtin(container, "sign in fails", organization="Globex", form="login")
    wrong_form = new_builtin(container, "sign in fails", organization="Acme", form="billing")
    no_org = new_builtin(container, "sign in fails", form="login")
    inside = new_builtin(container, "sign in fails", organization="Acme", form="login")
    assert linked_refs(container, narrow) == {early.ref, inside.ref}
    assert linked_refs(container, windowed) == {wrong_org.ref, wrong_form.ref, no_org.ref, inside.ref}

    clock.advance(minutes=60)  # past "until"
    late = new_builtin(container, "sign in fails", organization="Acme", form="login")
    assert late.ref in linked_refs(container, narrow)
    assert late.ref not in linked_refs(container, windowed)


# ----- match, link and unlink -------------------------------------------------------------------------


def test_match_link_and_unlink_through_the_builtin_system(container: Container, clock: FakeClock) -> None:
    incident_id = declare(container)
    tag = tag_of(container, incident_id)
    system = builtin(container)
    tagged = new_builtin(container, "Cannot sign in", tags=(tag,))
    a = new_builtin(container, "sign in loops back to the login page")
    b = new_builtin(container, "SSO: cannot sign in")
    unrelated = new_builtin(container, "Export to CSV is slow")
    history = timeline(container, incident_id)

    search = TicketSearch(text="sign in")
    matches = preview_matches(incident_id, search, uow=container.uow(), system=system)
    assert {(m.ticket.ref, m.linked) for m in matches} == {(tagged.ref, True), (a.ref, False), (b.ref, False)}
    assert timeline(container, incident_id) == history  # a preview changes nothing
    assert linked_refs(container, incident_id) == {tagged.ref}
    assert pending_ops(container, incident_id) == 0

    clock.advance(minutes=1)
    result = link_matches(
        incident_id, search, actor=CMOC, uow=container.uow(), env=container.env, system=system
    )
    assert sorted(result.linked) == sorted([a.ref, b.ref])
    assert result.already == (tagged.ref,)
    assert result.total == 3
    linked_events = events_of(container, incident_id, "tickets.linked")
    assert linked_events[-1]["reason"] == "match"
    assert sorted(linked_events[-1]["refs"]) == sorted([a.ref, b.ref])
    assert pending_ops(container, incident_id) == 1  # tag the two that lack it

    again = link_matches(
        incident_id, search, actor=CMOC, uow=container.uow(), env=container.env, system=system
    )
    assert again.linked == ()
    assert sorted(again.already) == sorted([tagged.ref, a.ref, b.ref])
    assert len(events_of(container, incident_id, "tickets.linked")) == len(linked_events)

    with pytest.raises(NotFound, match="#9999") as missing:
        link_refs(
            incident_id,
            [unrelated.ref, "#9999"],
            actor=CMOC,
            uow=container.uow(),
            env=container.env,
            system=system,
        )
    assert missing.value.details["tickets"] == ["9999"]
    assert unrelated.ref not in linked_refs(container, incident_id)

    manual = link_refs(
        incident_id, [f"#{unrelated.ref}"], actor=CMOC, uow=container.uow(), env=container.env, system=system
    )
    assert manual.linked == (unrelated.ref,)
    assert events_of(container, incident_id, "tickets.linked")[-1]["reason"] == "manual"

    # The worker applies the queued tag operations to the built-in store.
    jobs = TicketJobs(container.uow, container.env, system)
    assert jobs.apply_tag_ops() == 2
    assert all(tag in stored(container, BUILTIN, t.ref).tags for t in (a, b, unrelated))
    assert [e["outcome"] for e in events_of(container, incident_id, "tickets.tagged")] == ["done", "done"]

    clock.advance(minutes=1)
    gone = unlink_refs(
        incident_id,
        [a.ref, "424242"],
        actor=CMOC,
        uow=container.uow(),
        env=container.env,
        system_name=BUILTIN,
    )
    assert gone.linked == (a.ref,)
    assert gone.already == ("424242",)  # not linked, nothing to do
    assert gone.total == 3
    assert a.ref not in linked_refs(container, incident_id)
    assert events_of(container, incident_id, "tickets.unlinked") == [{"refs": [a.ref], "linked": 3}]
    assert jobs.apply_tag_ops() == 1
    assert tag not in stored(container, BUILTIN, a.ref).tags


def test_a_viewer_can_neither_link_nor_unlink_nor_set_a_rule(container: Container) -> None:
    incident_id = declare(container)
    tag = tag_of(container, incident_id)
    system = builtin(container)
    tagged = new_builtin(container, "Cannot sign in", tags=(tag,))
    other = new_builtin(container, "sign in broken")
    history = timeline(container, incident_id)
    deps = {"actor": VIEWER, "uow": container.uow(), "env": container.env}

    with pytest.raises(PermissionDenied, match="viewer"):
        link_matches(incident_id, TicketSearch(text="sign in"), system=system, **deps)
    with pytest.raises(PermissionDenied, match="viewer"):
        link_refs(incident_id, [other.ref], system=system, **deps)
    with pytest.raises(PermissionDenied, match="viewer"):
        unlink_refs(incident_id, [tagged.ref], system_name=BUILTIN, **deps)
    with pytest.raises(PermissionDenied, match="viewer"):
        set_link_rule(incident_id, LinkRule(keywords=("sign in",)), **deps)

    assert linked_refs(container, incident_id) == {tagged.ref}
    assert timeline(container, incident_id) == history
    assert pending_ops(container, incident_id) == 0
    uow = container.uow()
    with uow(write=False):
        found = uow.tickets.tag_of(incident_id)
    assert found is not None
    assert found.rule is None


# ----- Zendesk through the webhook inbox ---------------------------------------------------------------


def test_the_same_delivery_is_stored_once(container: Container, clock: FakeClock, zd: Zendesk) -> None:
    ticket_id = zd.fake.add_ticket(subject="Cannot sign in")
    body = webhook(zd.fake, ticket_id, "ticket.created", delivery_id="evt-1", at=clock.now())
    assert deliver(container, body, "evt-1") is True
    assert deliver(container, body, "evt-1") is False
    assert inbox_counts(container) == {"pending": 1}
    assert process(container) == 1
    assert deliver(container, body, "evt-1") is False  # a late retry after processing too
    assert process(container) == 0
    assert inbox_counts(container) == {"processed": 1}


def test_webhooks_mirror_and_link_by_tag_or_rule_and_queue_zendesk_tagging(
    container: Container, clock: FakeClock, zd: Zendesk
) -> None:
    incident_id = declare(container)
    tag = tag_of(container, incident_id)
    set_link_rule(
        incident_id, LinkRule(keywords=("sign in",)), actor=CMOC, uow=container.uow(), env=container.env
    )
    by_tag = zd.fake.add_ticket(subject="Login page blank", tags=[tag, "region_emea"])
    by_rule = zd.fake.add_ticket(subject="Cannot sign in with SSO", organization_id=360001)
    neither = zd.fake.add_ticket(subject="Feature request")
    for number, ticket_id in enumerate((by_tag, by_rule, neither)):
        body = webhook(zd.fake, ticket_id, "ticket.created", delivery_id=f"evt-{number}", at=clock.now())
        deliver(container, body, f"evt-{number}")

    assert process(container) == 3
    assert inbox_counts(container) == {"processed": 3}
    assert linked_refs(container, incident_id) == {str(by_tag), str(by_rule)}
    mirrored = stored(container, ZENDESK, str(by_rule))
    assert (mirrored.subject, mirrored.organization, mirrored.requester) == (
        "Cannot sign in with SSO",
        "360001",
        str(1000 + by_rule),
    )
    assert stored(container, ZENDESK, str(by_tag)).region is not None
    assert stored(container, ZENDESK, str(neither)).subject == "Feature request"
    reasons = [(e["refs"], e["reason"]) for e in events_of(container, incident_id, "tickets.linked")]
    assert reasons == [([str(by_tag)], "tag"), ([str(by_rule)], "rule")]
    assert pending_ops(container, incident_id) == 1  # only the rule-linked ticket lacks the tag

    # The worker tags it in Zendesk (a bulk-update job) and records that on the timeline.
    jobs = TicketJobs(container.uow, container.env, zd.tickets)
    assert jobs.apply_tag_ops() == 1
    assert tag in zd.fake.tickets[by_rule]["tags"]
    assert tag not in zd.fake.tickets[neither]["tags"]
    assert pending_ops(container, incident_id) == 0
    tagged = events_of(container, incident_id, "tickets.tagged")
    assert [(e["refs"], e["action"], e["outcome"]) for e in tagged] == [([str(by_rule)], "add", "done")]


def test_a_staff_comment_sets_the_first_response_once(
    container: Container, clock: FakeClock, zd: Zendesk
) -> None:
    ticket_id = zd.fake.add_ticket(subject="Cannot sign in")
    deliver(container, webhook(zd.fake, ticket_id, "ticket.created", delivery_id="e1", at=clock.now()), "e1")
    process(container)
    assert stored(container, ZENDESK, str(ticket_id)).first_response_at is None

    customer = {**staff_comment(), "author": {"id": "7", "is_staff": False}}
    clock.advance(minutes=5)
    zd.fake.touch(ticket_id)
    body = webhook(
        zd.fake, ticket_id, "ticket.comment_added", delivery_id="e2", at=clock.now(), comment=customer
    )
    deliver(container, body, "e2")
    clock.advance(minutes=5)
    zd.fake.touch(ticket_id)
    internal = staff_comment(public=False)
    body = webhook(
        zd.fake, ticket_id, "ticket.comment_added", delivery_id="e3", at=clock.now(), comment=internal
    )
    deliver(container, body, "e3")
    process(container)
    assert stored(container, ZENDESK, str(ticket_id)).first_response_at is None

    clock.advance(minutes=5)
    answered = clock.now()
    zd.fake.touch(ticket_id)
    body = webhook(
        zd.fake, ticket_id, "ticket.comment_added", delivery_id="e4", at=answered, comment=staff_comment()
    )
    deliver(container, body, "e4")
    process(container)
    mirrored = stored(container, ZENDESK, str(ticket_id))
    assert (mirrored.first_response_at, mirrored.last_public_reply_at) == (answered, answered)

    clock.advance(minutes=30)
    zd.fake.touch(ticket_id)
    body = webhook(
        zd.fake, ticket_id, "ticket.comment_added", delivery_id="e5", at=clock.now(), comment=staff_comment()
    )
    deliver(container, body, "e5")
    process(container)
    later = stored(container, ZENDESK, str(ticket_id))
    assert later.first_response_at == answered
    assert later.last_public_reply_at == clock.now()


def test_a_bad_body_is_marked_failed_and_not_retried(
    container: Container, clock: FakeClock, zd: Zendesk
) -> None:
    ticket_id = zd.fake.add_ticket(subject="Cannot sign in")
    deliver(container, b"{not json", "broken")
    deliver(
        container, webhook(zd.fake, ticket_id, "ticket.created", delivery_id="good", at=clock.now()), "good"
    )
    deliver(container, b'{"id": "u1", "type": "zen:event-type:user.created", "detail": {"id": "7"}}', "u1")

    assert process(container) == 3
    assert inbox_counts(container) == {"failed": 1, "processed": 1, "ignored": 1}
    assert process(container) == 0  # the failed one is not picked up again
    assert stored(container, ZENDESK, str(ticket_id)).subject == "Cannot sign in"
    inbox = tt.webhook_inbox
    with container.database.engine.connect() as connection:
        row = connection.execute(select(inbox).where(inbox.c.delivery_id == "broken")).mappings().one()
    assert row["state"] == "failed"
    assert "not valid JSON" in row["error"]


def test_an_older_snapshot_arriving_late_does_not_undo_a_newer_one(
    container: Container, clock: FakeClock, zd: Zendesk
) -> None:
    incident_id = declare(container)
    tag = tag_of(container, incident_id)
    ticket_id = zd.fake.add_ticket(subject="Cannot sign in", status="open")
    older = webhook(zd.fake, ticket_id, "ticket.created", delivery_id="old", at=clock.now())
    clock.advance(minutes=10)
    zd.fake.tickets[ticket_id]["status"] = "solved"
    zd.fake.tickets[ticket_id]["tags"].append(tag)
    zd.fake.touch(ticket_id)
    newer_at = zd.fake.tickets[ticket_id]["updated_at"]
    newer = webhook(zd.fake, ticket_id, "ticket.status_changed", delivery_id="new", at=clock.now())

    deliver(container, newer, "new")
    deliver(container, older, "old")  # Zendesk retried the first event late
    assert process(container) == 2

    mirrored = stored(container, ZENDESK, str(ticket_id))
    assert mirrored.status is TicketStatus.SOLVED
    assert mirrored.updated_at == newer_at
    assert tag in mirrored.tags
    assert linked_refs(container, incident_id) == {str(ticket_id)}
