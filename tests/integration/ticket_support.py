"""Helpers for the ticket tests: incidents with their tag, built-in and fake-Zendesk ticket systems,
webhook bodies, a published update, and driving a bulk-reply run to its end."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sirf.adapters.builtin_tickets import BuiltinTickets
from sirf.adapters.zendesk import RequestPacer, ZendeskConfig, ZendeskTickets
from sirf.bootstrap import Container
from sirf.config import Secret
from sirf.domain.bulk_reply import ItemState
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.roles import Source
from sirf.domain.severity import Severity
from sirf.domain.tickets import Ticket
from sirf.services import bulk_replies, incidents
from sirf.services import communications as comms
from sirf.services.bulk_runner import BulkReplyRunner
from sirf.services.ticket_ports import Reply, ReplyOutcome, TicketSearch, TicketSystem
from sirf.services.tickets import BUILTIN, NewTicket, create_builtin_ticket
from tests.integration.comms_support import ADMIN, CMOC, IMOC, FakeDrafting
from tests.vendors.support import ManualClock, mock_client
from tests.vendors.zendesk_fake import EMAIL, TOKEN, FakeZendesk, iso

VIEWER = Actor("vera", OrgRole.VIEWER)
ZENDESK_URL = "https://acme.zendesk.test"
DRAFTING = FakeDrafting(["recorder"])


def tag_of(container: Container, incident_id: int) -> str:
    uow = container.uow()
    with uow(write=False):
        found = uow.tickets.tag_of(incident_id)
    assert found is not None
    return found.tag


def timeline(container: Container, incident_id: int) -> list[tuple[str, dict[str, Any]]]:
    uow = container.uow()
    with uow(write=False):
        return [(e.type, e.data) for e in uow.incidents.timeline(incident_id, after=0, limit=10_000)]


def events_of(container: Container, incident_id: int, kind: str) -> list[dict[str, Any]]:
    return [data for type_, data in timeline(container, incident_id) if type_ == kind]


def linked_refs(container: Container, incident_id: int) -> set[str]:
    uow = container.uow()
    with uow(write=False):
        return {s.ticket.ref for s in uow.tickets.linked(incident_id)}


def stored(container: Container, system: str, ref: str) -> Ticket:
    uow = container.uow()
    with uow(write=False):
        found = uow.tickets.get(system, ref)
    assert found is not None, f"ticket {ref} is not mirrored"
    return found.ticket


def change_stored(container: Container, system: str, ref: str, **changes: Any) -> None:
    """Someone changed a ticket in sirf's own store (the built-in system has no API for all fields)."""
    uow = container.uow()
    with uow(write=True):
        found = uow.tickets.get(system, ref)
        assert found is not None
        uow.tickets.upsert(system, [replace(found.ticket, **changes)])
        uow.commit()


def declare(container: Container, title: str = "Users cannot sign in") -> int:
    """An incident without roles (so any responder may act on its tickets)."""
    declaration = incidents.Declaration(
        title=title, kind="saas-outage", severity=Severity.SEV2, source=Source.SUPPORT
    )
    return incidents.declare_incident(declaration, actor=ADMIN, uow=container.uow(), env=container.env).id


def new_builtin(container: Container, subject: str, **options: Any) -> Ticket:
    options.setdefault("requester", "Dana Customer")
    ticket, _ = create_builtin_ticket(
        NewTicket(subject=subject, **options), actor=CMOC, uow=container.uow(), env=container.env
    )
    return ticket


def builtin(container: Container) -> BuiltinTickets:
    return BuiltinTickets(container.uow, container.env.clock)


def many_builtin(container: Container, count: int, tag: str) -> list[str]:
    """``count`` built-in tickets carrying ``tag``, written in one transaction (fast to set up)."""
    now = container.env.clock.now()
    tickets = [
        Ticket(
            ref=str(5000 + n),
            subject=f"Cannot sign in ({n})",
            requester=f"User {n}",
            tags=frozenset({tag}),
            created_at=now,
            updated_at=now,
        )
        for n in range(count)
    ]
    uow = container.uow()
    with uow(write=True):
        uow.tickets.upsert(BUILTIN, tickets)
        uow.commit()
    return [t.ref for t in tickets]


# ----- a published update ----------------------------------------------------------------------------


def draft(container: Container, incident_id: int, body: str) -> int:
    view = comms.draft_update(
        incident_id,
        comms.DraftRequest(template="initial", body=body),
        actor=CMOC,
        uow=container.uow(),
        env=container.env,
        drafting=DRAFTING,
    )
    return view.update.id


def publish(container: Container, incident_id: int, body: str) -> int:
    """Draft, review, approve (IMOC and CMOC) and publish an update; returns its id."""
    env = container.env
    update_id = draft(container, incident_id, body)
    comms.request_review(update_id, actor=CMOC, uow=container.uow(), env=env, drafting=DRAFTING)
    for person in (IMOC, CMOC):
        etag = comms.get_update(update_id, uow=container.uow(), env=env, drafting=DRAFTING).update.etag
        comms.approve_update(
            update_id,
            etag=etag,
            as_reviewer=None,
            actor=person,
            uow=container.uow(),
            env=env,
            drafting=DRAFTING,
        )
    comms.publish_update(
        update_id, dry_run=False, actor=CMOC, uow=container.uow(), env=env, drafting=DRAFTING
    )
    return update_id


def published_at(container: Container, update_id: int) -> datetime:
    uow = container.uow()
    with uow(write=False):
        update = uow.updates.get(update_id)
    assert update is not None
    assert update.published_at is not None
    return update.published_at


# ----- running a bulk reply ----------------------------------------------------------------------------


def counts(container: Container, run_id: int) -> dict[ItemState, int]:
    uow = container.uow()
    with uow(write=False):
        return uow.ticket_work.counts(run_id)


def ledger(container: Container, run_id: int) -> dict[str, tuple[ItemState, str | None]]:
    """ref -> (state, reason) for every ticket of the run."""
    uow = container.uow()
    with uow(write=False):
        return {
            item.ref: (item.state, reason)
            for item, reason in uow.ticket_work.all_items(run_id, limit=100_000)
        }


def run_to_end(
    container: Container, runner: BulkReplyRunner, incident_id: int, run_id: int, *, passes: int = 50
) -> bulk_replies.RunProgress:
    """Let ``runner`` work in short passes until the run is no longer running."""
    for _ in range(passes):
        runner.run_once(budget=2.0)
        progress = bulk_replies.reply_progress(incident_id, run_id, uow=container.uow())
        if progress.finished:
            return progress
    raise AssertionError(f"bulk reply {run_id} did not finish: {counts(container, run_id)}")


@dataclass
class RecordingSystem:
    """A ticket system that passes everything to ``inner`` and records the refs of each batch sent;
    ``after_submit`` runs after each batch reached the system (to cancel or touch mid-run)."""

    inner: TicketSystem
    batches: list[list[str]] = field(default_factory=list)
    after_submit: Callable[[int], None] | None = None

    @property
    def name(self) -> str:
        return self.inner.name

    def search(self, search: TicketSearch) -> Iterable[Ticket]:
        return self.inner.search(search)

    def get_many(self, refs: Sequence[str]) -> list[Ticket]:
        return self.inner.get_many(refs)

    def add_tags(self, refs: Sequence[str], tags: Sequence[str]) -> None:
        self.inner.add_tags(refs, tags)

    def remove_tags(self, refs: Sequence[str], tags: Sequence[str]) -> None:
        self.inner.remove_tags(refs, tags)

    def submit_replies(self, replies: Sequence[Reply]) -> str:
        job = self.inner.submit_replies(replies)
        self.batches.append([r.ref for r in replies])
        if self.after_submit is not None:
            self.after_submit(len(self.batches))
        return job

    def job_outcomes(self, job_ids: Sequence[str]) -> dict[str, list[ReplyOutcome] | None]:
        return self.inner.job_outcomes(job_ids)

    def organisations(self, ids: Sequence[str]) -> dict[str, str]:
        return self.inner.organisations(ids)

    def ratings(self, since: datetime) -> Any:
        return self.inner.ratings(since)

    @property
    def sent(self) -> list[str]:
        return [ref for batch in self.batches for ref in batch]


# ----- the fake Zendesk --------------------------------------------------------------------------------


@dataclass
class Zendesk:
    fake: FakeZendesk
    tickets: ZendeskTickets
    clock: ManualClock


def zendesk(now: Callable[[], datetime]) -> Zendesk:
    """ZendeskTickets over the fake Zendesk, paced on a hand-moved clock so nothing really sleeps;
    the fake stamps tickets with ``now`` (sirf's clock), so both agree on ticket times."""
    clock = ManualClock()
    fake = FakeZendesk(clock=clock, now=now)
    config = ZendeskConfig(ZENDESK_URL, EMAIL, Secret(TOKEN), rate_limit_rpm=700, rate_share=1.0)
    pacer = RequestPacer(config.requests_per_minute, clock=clock, sleep=clock.sleep)
    tickets = ZendeskTickets(config, mock_client(fake), pacer=pacer, sleep=clock.sleep, clock=clock)
    return Zendesk(fake, tickets, clock)


def webhook(
    fake: FakeZendesk,
    ticket_id: int,
    kind: str,
    *,
    delivery_id: str,
    at: datetime,
    comment: dict[str, Any] | None = None,
    **overrides: Any,
) -> bytes:
    """A Zendesk event-subscription body for one of the fake's tickets, as it is now."""
    ticket = {**fake.tickets[ticket_id], **overrides}
    detail = {
        "id": str(ticket["id"]),
        "subject": ticket["subject"],
        "description": ticket["description"],
        "status": str(ticket["status"]).upper(),
        "priority": str(ticket["priority"]).upper() if ticket["priority"] else None,
        "requester_id": str(ticket["requester_id"]),
        "organization_id": str(ticket["organization_id"]) if ticket["organization_id"] else None,
        "form_id": str(ticket["ticket_form_id"]) if ticket["ticket_form_id"] else None,
        "tags": list(ticket["tags"]),
        "is_public": ticket["is_public"],
        "created_at": iso(ticket["created_at"]),
        "updated_at": iso(ticket["updated_at"]),
    }
    payload = {
        "account_id": 12345,
        "id": delivery_id,
        "time": iso(at),
        "type": f"zen:event-type:{kind}",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": detail,
        "event": {"comment": comment} if comment is not None else {},
    }
    return json.dumps(payload).encode()


def staff_comment(*, public: bool = True) -> dict[str, Any]:
    return {
        "id": "501",
        "body": "We are looking into it.",
        "is_public": public,
        "author": {"id": "900", "is_staff": True, "name": "Sam Agent"},
    }


def wait_until(condition: Callable[[], bool], *, timeout: float, every: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
