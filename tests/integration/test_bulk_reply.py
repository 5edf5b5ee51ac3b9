"""Bulk replies end to end on a real database (SQLite and PostgreSQL), through the built-in ticket
system and the fake Zendesk: the dry run, the run and its ledger, the timeline, repeats, cancelling,
and Zendesk's failure modes (a lost answer, a failed job, a safe-update conflict)."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from sirf.adapters.builtin_tickets import BuiltinTickets
from sirf.adapters.zendesk_webhooks import parse_event
from sirf.bootstrap import Container
from sirf.domain.bulk_reply import ItemState, ReplySource, RunState, marker_tag
from sirf.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sirf.domain.framework import Framework
from sirf.domain.ticket_policy import TicketPolicy
from sirf.domain.tickets import TicketStatus
from sirf.services import bulk_replies
from sirf.services.bulk_replies import ReplyRequest
from sirf.services.bulk_runner import BulkReplyRunner
from sirf.services.ticket_inbox import accept_delivery, process_inbox
from sirf.services.ticket_ports import Reply, TicketSearch, TicketSystem
from sirf.services.tickets import BUILTIN, link_matches
from tests.conftest import FakeClock
from tests.integration.comms_support import CMOC, SMOC, staffed_incident
from tests.integration.ticket_support import (
    DRAFTING,
    VIEWER,
    RecordingSystem,
    Zendesk,
    change_stored,
    draft,
    events_of,
    ledger,
    many_builtin,
    new_builtin,
    publish,
    published_at,
    run_to_end,
    staff_comment,
    stored,
    tag_of,
    webhook,
    zendesk,
)
from tests.vendors.fakes import Fault

OPTED_OUT = "Opted Out Inc"
OPTED_OUT_ZENDESK_ORG = 360_001  # the fake Zendesk's first organisation
UPDATE_TEXT = "Hello {{ requester }}, sign-in fails for some customers; we are on it (#{{ incident_id }})."
MACROS = {
    "ack": "Hi {{ requester }}, we know about {{ incident_title }} (your ticket {{ ticket_id }}).",
    "broken": "Dear {{ customer_name }}, {{ subject }}",
}


@pytest.fixture
def framework() -> Framework:
    policy = TicketPolicy(
        opted_out_organizations=frozenset({OPTED_OUT, str(OPTED_OUT_ZENDESK_ORG)}), macros=MACROS
    )
    return Framework(tickets=policy)


class BuiltinDesk:
    """The built-in ticket system, seen the way the tests need it."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.system = BuiltinTickets(container.uow, container.env.clock)
        self.requesters: dict[str, str] = {}

    def add(
        self,
        subject: str,
        *,
        requester: str,
        tag: str,
        organization: str | None = None,
        tags: tuple[str, ...] = (),
        public: bool = True,
        closed: bool = False,
    ) -> str:
        ticket = new_builtin(
            self.container,
            subject,
            requester=requester,
            organization=organization,
            tags=(tag, *tags),
            public=public,
        )
        if closed:
            change_stored(self.container, BUILTIN, ticket.ref, status=TicketStatus.CLOSED)
        self.requesters[ticket.ref] = requester
        return ticket.ref

    def link(self, incident_id: int, tag: str) -> None:
        """Built-in tickets carrying the tag were linked when they were created."""

    def answer(self, ref: str) -> None:
        """An agent answers the ticket publicly (not through a bulk reply)."""
        self.system.submit_replies([Reply(ref, "An agent's own answer.", marker_tag="agent_answer")])

    def replies(self, ref: str, run_id: int) -> list[str]:
        uow = self.container.uow()
        with uow(write=False):
            found = uow.tickets.get(BUILTIN, ref)
            assert found is not None
            comments = uow.tickets.comments(found.id)
        assert all(c["marker"] in (marker_tag(run_id), "agent_answer") for c in comments)
        return [c["body"] for c in comments if c["marker"] == marker_tag(run_id)]

    def status(self, ref: str) -> TicketStatus:
        return stored(self.container, BUILTIN, ref).status


class ZendeskDesk:
    """The fake Zendesk behind the real adapter; tickets reach sirf by search and by webhooks."""

    def __init__(self, container: Container, clock: FakeClock) -> None:
        self.container = container
        self.clock = clock
        self.zendesk: Zendesk = zendesk(clock.now)
        self.fake = self.zendesk.fake
        self.system = self.zendesk.tickets
        assert self.fake.add_organization(OPTED_OUT) == OPTED_OUT_ZENDESK_ORG
        self.acme = self.fake.add_organization("Acme")
        self.requesters: dict[str, str] = {}
        self.deliveries = 0

    def add(
        self,
        subject: str,
        *,
        requester: str,
        tag: str,
        organization: str | None = None,
        tags: tuple[str, ...] = (),
        public: bool = True,
        closed: bool = False,
    ) -> str:
        org = {OPTED_OUT: OPTED_OUT_ZENDESK_ORG, "Acme": self.acme, None: None}[organization]
        ticket_id = self.fake.add_ticket(
            subject=subject,
            tags=[tag, *tags],
            organization_id=org,
            is_public=public,
            status="closed" if closed else "open",
        )
        self.requesters[str(ticket_id)] = str(self.fake.tickets[ticket_id]["requester_id"])
        return str(ticket_id)

    def link(self, incident_id: int, tag: str) -> None:
        result = link_matches(
            incident_id,
            TicketSearch(tag=tag),
            actor=CMOC,
            uow=self.container.uow(),
            env=self.container.env,
            system=self.system,
        )
        assert result.linked

    def answer(self, ref: str) -> None:
        """An agent answers in Zendesk; the comment_added webhook tells sirf."""
        self.deliveries += 1
        self.fake.touch(int(ref))
        delivery = f"answer-{self.deliveries}"
        body = webhook(
            self.fake, int(ref), "ticket.comment_added", delivery_id=delivery, at=self.clock.now(),
            comment=staff_comment(),
        )  # fmt: skip
        env = self.container.env
        uow = self.container.uow()
        assert accept_delivery(
            source="zendesk", delivery_id=delivery, event_type="ticket", body=body, uow=uow, env=env
        )
        assert process_inbox(self.container.uow, env, system="zendesk", parse=parse_event) == 1

    def replies(self, ref: str, run_id: int) -> list[str]:
        if self.fake.replies(int(ref)):
            assert marker_tag(run_id) in self.fake.tickets[int(ref)]["tags"]
        return [c["body"] for c in self.fake.replies(int(ref))]

    def status(self, ref: str) -> TicketStatus:
        return TicketStatus(self.fake.tickets[int(ref)]["status"])


Desk = BuiltinDesk | ZendeskDesk


@pytest.fixture(params=["builtin", "zendesk"])
def desk(request: pytest.FixtureRequest, container: Container, clock: FakeClock) -> Desk:
    return BuiltinDesk(container) if request.param == "builtin" else ZendeskDesk(container, clock)


def runner(container: Container, system: TicketSystem, **options: object) -> BulkReplyRunner:
    return BulkReplyRunner(
        container.uow,
        container.env,
        system,
        poll_interval=0.0,
        sleep=lambda _: None,
        **options,  # type: ignore[arg-type]
    )


def plan(container: Container, incident_id: int, request: ReplyRequest) -> bulk_replies.ReplyPlan:
    return bulk_replies.plan_reply(
        incident_id, request, uow=container.uow(), env=container.env, drafting=DRAFTING
    )


def start(container: Container, incident_id: int, request: ReplyRequest) -> bulk_replies.RunProgress:
    return bulk_replies.start_reply(
        incident_id, request, actor=CMOC, uow=container.uow(), env=container.env, drafting=DRAFTING
    )


def runs(container: Container, incident_id: int) -> list[bulk_replies.RunProgress]:
    return bulk_replies.list_runs(incident_id, uow=container.uow())


class Scene:
    """An incident with linked tickets of every kind a bulk reply must tell apart, and an update."""

    def __init__(self, container: Container, clock: FakeClock, desk: Desk) -> None:
        self.incident_id = staffed_incident(container)
        tag = tag_of(container, self.incident_id)
        add = desk.add
        self.targets = {
            add("Cannot sign in", requester="Alice Ng", tag=tag, organization="Acme"),
            add("Login page loops", requester="Bob Iyer", tag=tag),
            add("SSO broken", requester="Cara Diaz", tag=tag),  # answered, but before the update
        }
        earlier_answer = max(self.targets, key=int)
        self.excluded = {
            add("Cannot sign in (VIP)", requester="Dev Rao", tag=tag, tags=("escalated",)): "escalated",
            add("Account question", requester="Eve Kim", tag=tag, public=False): "private ticket",
            add("Old login issue", requester="Fay Lu", tag=tag, closed=True): "closed",
            add(
                "Sign-in errors", requester="Gus Obi", tag=tag, organization=OPTED_OUT
            ): "organisation opted out",
        }
        answered_later = add("Sign-in slow", requester="Hal Ito", tag=tag)
        self.excluded[answered_later] = "answered since the last update"
        desk.link(self.incident_id, tag)
        clock.advance(minutes=5)
        desk.answer(earlier_answer)
        clock.advance(minutes=5)
        self.update_id = publish(container, self.incident_id, UPDATE_TEXT)
        self.published_at: datetime = published_at(container, self.update_id)
        clock.advance(minutes=5)
        desk.answer(answered_later)
        self.requesters = dict(desk.requesters)

    def text_for(self, ref: str) -> str:
        name = self.requesters[ref]
        return f"Hello {name}, sign-in fails for some customers; we are on it (#{self.incident_id})."

    @property
    def request(self) -> ReplyRequest:
        return ReplyRequest(ReplySource.UPDATE, str(self.update_id), status=TicketStatus.PENDING)


# ----- the dry run -------------------------------------------------------------------------------------


def test_the_dry_run_lists_exact_targets_texts_and_exclusions(
    container: Container, clock: FakeClock, desk: Desk
) -> None:
    scene = Scene(container, clock, desk)
    planned = plan(container, scene.incident_id, scene.request)

    assert {p.ticket.ref for p in planned.targets} == scene.targets
    assert {p.ticket.ref: p.excluded for p in planned.excluded} == scene.excluded
    assert {p.ticket.ref: p.text for p in planned.targets} == {
        ref: scene.text_for(ref) for ref in scene.targets
    }
    assert planned.body == UPDATE_TEXT
    assert planned.source_label == f"update {scene.update_id}"
    assert runs(container, scene.incident_id) == []  # a dry run starts nothing


def test_only_a_published_update_or_a_known_sound_macro_can_be_sent(
    container: Container, clock: FakeClock
) -> None:
    incident_id = staffed_incident(container)
    tag = tag_of(container, incident_id)
    ref = new_builtin(container, "Cannot sign in", requester="Alice Ng", tags=(tag,)).ref
    unpublished = draft(container, incident_id, "Draft text, not approved.")

    with pytest.raises(ValidationFailed, match="only a published update") as refused:
        plan(container, incident_id, ReplyRequest(ReplySource.UPDATE, str(unpublished)))
    assert f"update {unpublished} is draft" in refused.value.message
    with pytest.raises(ValidationFailed, match="only a published update"):
        start(container, incident_id, ReplyRequest(ReplySource.UPDATE, str(unpublished)))
    with pytest.raises(NotFound, match="no update 999"):
        plan(container, incident_id, ReplyRequest(ReplySource.UPDATE, "999"))
    with pytest.raises(NotFound, match="known macros: ack, broken"):
        plan(container, incident_id, ReplyRequest(ReplySource.MACRO, "sorry"))
    with pytest.raises(ValidationFailed, match=r"unknown merge field.*customer_name"):
        plan(container, incident_id, ReplyRequest(ReplySource.MACRO, "broken"))
    assert runs(container, incident_id) == []

    macro = plan(container, incident_id, ReplyRequest(ReplySource.MACRO, "ack"))
    assert [(p.ticket.ref, p.text) for p in macro.targets] == [
        (ref, f"Hi Alice Ng, we know about Users cannot sign in (your ticket {ref}).")
    ]


def test_only_the_cmoc_or_an_admin_may_start_or_cancel_a_reply(container: Container) -> None:
    incident_id = staffed_incident(container)
    tag = tag_of(container, incident_id)
    new_builtin(container, "Cannot sign in", tags=(tag,))
    request = ReplyRequest(ReplySource.MACRO, "ack")
    for actor in (VIEWER, SMOC):
        with pytest.raises(PermissionDenied):
            bulk_replies.start_reply(
                incident_id, request, actor=actor, uow=container.uow(), env=container.env, drafting=DRAFTING
            )
    assert runs(container, incident_id) == []
    run_id = start(container, incident_id, request).run.id
    with pytest.raises(PermissionDenied):
        bulk_replies.cancel_reply(incident_id, run_id, actor=SMOC, uow=container.uow(), env=container.env)
    assert runs(container, incident_id)[0].run.state is RunState.RUNNING


# ----- the run -----------------------------------------------------------------------------------------


def test_a_run_replies_once_to_every_target_and_to_no_one_else(
    container: Container, clock: FakeClock, desk: Desk
) -> None:
    scene = Scene(container, clock, desk)
    clock.advance(minutes=1)
    progress = start(container, scene.incident_id, scene.request)
    run_id = progress.run.id
    assert progress.run.state is RunState.RUNNING
    assert (progress.counts[ItemState.PENDING], progress.counts[ItemState.SKIPPED]) == (3, 5)
    assert {
        ref: reason for ref, (state, reason) in ledger(container, run_id).items() if reason
    } == scene.excluded

    again = start(container, scene.incident_id, scene.request)  # a second click while it runs
    assert again.run.id == run_id
    assert len(runs(container, scene.incident_id)) == 1

    done = run_to_end(container, runner(container, desk.system), scene.incident_id, run_id)

    assert done.run.state is RunState.COMPLETED
    assert (done.counts[ItemState.REPLIED], done.counts[ItemState.SKIPPED], done.total) == (3, 5, 8)
    for ref in scene.targets:
        assert desk.replies(ref, run_id) == [scene.text_for(ref)]
        assert desk.status(ref) is TicketStatus.PENDING
    for ref in scene.excluded:
        assert desk.replies(ref, run_id) == []
        assert desk.status(ref) is not TicketStatus.PENDING

    started = events_of(container, scene.incident_id, "tickets.bulk_reply_started")
    assert started == [
        {
            "run_id": run_id,
            "source": "update",
            "source_ref": str(scene.update_id),
            "targets": 3,
            "skipped": 5,
            "status_change": "pending",
        }
    ]
    replied = events_of(container, scene.incident_id, "tickets.replied")
    assert sorted(ref for e in replied for ref in e["refs"]) == sorted(scene.targets)
    finished = events_of(container, scene.incident_id, "tickets.bulk_reply_finished")
    assert finished == [{"run_id": run_id, "state": "completed", "replied": 3, "skipped": 5, "failed": 0}]

    with pytest.raises(Conflict, match="no linked ticket"):
        start(container, scene.incident_id, scene.request)
    after = plan(container, scene.incident_id, scene.request)
    assert {p.ticket.ref: p.excluded for p in after.items if p.ticket.ref in scene.targets} == dict.fromkeys(
        scene.targets, "already received this reply"
    )
    assert len(runs(container, scene.incident_id)) == 1
    assert runner(container, desk.system).run_once(budget=1.0) == 0  # nothing left to do


def test_cancelling_leaves_the_tickets_not_yet_sent_skipped(container: Container, clock: FakeClock) -> None:
    incident_id = staffed_incident(container)
    tag = tag_of(container, incident_id)
    for n in range(5):
        new_builtin(container, f"Cannot sign in ({n})", requester=f"User {n}", tags=(tag,))
    publish(container, incident_id, "We are investigating.")
    clock.advance(minutes=1)
    run_id = start(container, incident_id, ReplyRequest(ReplySource.MACRO, "ack")).run.id

    cancelled = bulk_replies.cancel_reply(
        incident_id, run_id, actor=CMOC, uow=container.uow(), env=container.env
    )

    assert cancelled.run.state is RunState.CANCELLED
    assert cancelled.counts[ItemState.SKIPPED] == 5
    assert {reason for _, reason in ledger(container, run_id).values()} == {"cancelled by carol"}
    system = RecordingSystem(BuiltinTickets(container.uow, container.env.clock))
    assert runner(container, system).run_once(budget=1.0) == 0
    assert system.batches == []
    uow = container.uow()
    with uow(write=False):
        assert uow.tickets.marker_counts(marker_tag(run_id)) == {}
    assert events_of(container, incident_id, "tickets.bulk_reply_finished") == [
        {"run_id": run_id, "state": "cancelled", "replied": 0, "skipped": 5, "failed": 0}
    ]


def test_cancelling_mid_run_keeps_what_was_sent_and_skips_the_rest(
    container: Container, clock: FakeClock
) -> None:
    incident_id = staffed_incident(container)
    tag = tag_of(container, incident_id)
    many_builtin(container, 150, tag)
    link_matches(
        incident_id, TicketSearch(tag=tag), actor=CMOC, uow=container.uow(), env=container.env,
        system=BuiltinTickets(container.uow, container.env.clock),
    )  # fmt: skip
    run_id = start(container, incident_id, ReplyRequest(ReplySource.MACRO, "ack")).run.id

    def cancel_after_first_batch(batches: int) -> None:
        if batches == 1:
            bulk_replies.cancel_reply(incident_id, run_id, actor=CMOC, uow=container.uow(), env=container.env)

    system = RecordingSystem(
        BuiltinTickets(container.uow, container.env.clock), after_submit=cancel_after_first_batch
    )
    runner(container, system, max_in_flight=1).run_once(budget=5.0)

    assert [len(batch) for batch in system.batches] == [100]
    states = ledger(container, run_id)
    sent = set(system.batches[0])
    assert {states[ref][0] for ref in sent} == {ItemState.REPLIED}  # landed, and recorded as such
    assert {states[ref] for ref in states if ref not in sent} == {(ItemState.SKIPPED, "cancelled by carol")}
    uow = container.uow()
    with uow(write=False):
        by_ticket = uow.tickets.marker_counts(marker_tag(run_id))
        ids = uow.tickets.ids(BUILTIN, sorted(sent))
    assert by_ticket == dict.fromkeys(ids.values(), 1)
    assert (
        bulk_replies.reply_progress(incident_id, run_id, uow=container.uow()).run.state is RunState.CANCELLED
    )


# ----- Zendesk failure modes ---------------------------------------------------------------------------


@pytest.fixture
def zd(container: Container, clock: FakeClock) -> ZendeskDesk:
    return ZendeskDesk(container, clock)


def small_run(container: Container, zd: ZendeskDesk, count: int = 3) -> tuple[int, list[str]]:
    incident_id = staffed_incident(container)
    tag = tag_of(container, incident_id)
    refs = [zd.add(f"Cannot sign in ({n})", requester="", tag=tag) for n in range(count)]
    zd.link(incident_id, tag)
    return incident_id, refs


def update_many_calls(zd: ZendeskDesk) -> int:
    return sum(1 for r in zd.fake.requests if r.method == "PUT" and r.url.path.endswith("update_many.json"))


def finish_macro_run(container: Container, zd: ZendeskDesk, incident_id: int) -> int:
    """Start the "ack" macro and let one runner pass (of at most 10 s) finish it: a failure is
    handled within the pass, not by idling until the next one."""
    run_id = start(container, incident_id, ReplyRequest(ReplySource.MACRO, "ack")).run.id
    runner(container, zd.system).run_once(budget=10.0)
    done = bulk_replies.reply_progress(incident_id, run_id, uow=container.uow())
    assert done.run.state is RunState.COMPLETED, done.counts
    return run_id


def assert_one_reply_each(
    container: Container, zd: ZendeskDesk, incident_id: int, run_id: int, refs: list[str]
) -> None:
    for ref in refs:
        assert len(zd.fake.replies(int(ref))) == 1, f"ticket {ref}: {zd.fake.replies(int(ref))}"
        assert marker_tag(run_id) in zd.fake.tickets[int(ref)]["tags"]
    assert {state for state, _ in ledger(container, run_id).values()} == {ItemState.REPLIED}
    replied = events_of(container, incident_id, "tickets.replied")
    assert sorted(ref for e in replied for ref in e["refs"]) == sorted(refs)


def test_zendesk_a_lost_answer_is_settled_by_the_marker_without_sending_again(
    container: Container, zd: ZendeskDesk
) -> None:
    incident_id, refs = small_run(container, zd)
    zd.fake.faults.append(Fault(path="update_many", lose_answer=httpx.ReadTimeout))

    run_id = finish_macro_run(container, zd, incident_id)

    assert update_many_calls(zd) == 1  # the batch arrived; its markers proved it
    assert_one_reply_each(container, zd, incident_id, run_id, refs)


def test_zendesk_a_request_that_never_arrived_is_sent_again(container: Container, zd: ZendeskDesk) -> None:
    incident_id, refs = small_run(container, zd)
    zd.fake.faults.append(Fault(path="update_many", before=httpx.ConnectError))

    run_id = finish_macro_run(container, zd, incident_id)

    assert update_many_calls(zd) == 2
    assert_one_reply_each(container, zd, incident_id, run_id, refs)


def test_zendesk_a_failed_job_is_checked_then_sent_again(container: Container, zd: ZendeskDesk) -> None:
    incident_id, refs = small_run(container, zd)
    zd.fake.failing_jobs = 1

    run_id = finish_macro_run(container, zd, incident_id)

    assert update_many_calls(zd) == 2
    assert_one_reply_each(container, zd, incident_id, run_id, refs)


def test_zendesk_a_safe_update_conflict_ends_with_one_reply(container: Container, zd: ZendeskDesk) -> None:
    incident_id, refs = small_run(container, zd)
    zd.fake.touch(int(refs[0]))  # an agent changed the ticket after sirf mirrored it

    run_id = finish_macro_run(container, zd, incident_id)

    assert zd.fake.conflicts == 1
    assert update_many_calls(zd) == 2
    assert_one_reply_each(container, zd, incident_id, run_id, refs)
