"""Inbound ticket events (Zendesk webhooks): accepted fast and durably, processed by the worker.

Accepting stores the raw, verified delivery under its delivery id and answers at once: a retry
or a replay of the same delivery finds the row and changes nothing. The worker then mirrors the
ticket and links it by the same rules everywhere (``apply_links``): a ticket is linked to an
active incident when it carries the incident's tag or matches the incident's rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from sirf.domain import events as ev
from sirf.domain.errors import DomainError
from sirf.domain.tickets import Ticket
from sirf.logs import redact
from sirf.services.context import Env
from sirf.services.ports import UnitOfWork
from sirf.services.publishing import DeliveryFailed
from sirf.services.ticket_store import InboxItem

log = logging.getLogger(__name__)


class InboundEvent(Protocol):
    @property
    def delivery_id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def ticket(self) -> Ticket | None: ...
    @property
    def agent_public_reply_at(self) -> datetime | None: ...


EventParser = Callable[[bytes], InboundEvent]
OrganisationNames = Callable[[Sequence[str]], dict[str, str]]


def _organisation_names(
    items: Sequence[InboxItem], parse: EventParser, organisations: OrganisationNames | None
) -> dict[str, str]:
    if organisations is None or not items:
        return {}
    ids: set[str] = set()
    for item in items:
        try:
            ticket = parse(item.body.encode("utf-8")).ticket
        except DomainError:
            continue  # refused properly when processed
        if ticket is not None and ticket.organization:
            ids.add(ticket.organization)
    try:
        return organisations(sorted(ids)) if ids else {}
    except DeliveryFailed as failure:  # names later; the ticket keeps its organisation's id meanwhile
        log.warning("organisation names unavailable: %s", redact(failure.message))
        return {}


def accept_delivery(
    *, source: str, delivery_id: str, event_type: str, body: bytes, uow: UnitOfWork, env: Env
) -> bool:
    """Store a verified delivery; False when it was stored before (so nothing happens twice)."""
    with uow(write=True):
        new = uow.ticket_work.accept(
            source=source,
            delivery_id=delivery_id[:200],
            event_type=event_type[:100],
            body=body.decode("utf-8"),
            at=env.clock.now(),
        )
        uow.commit()
    return new


def process_inbox(
    uow_factory: Callable[[], UnitOfWork],
    env: Env,
    *,
    system: str,
    parse: EventParser,
    batch: int = 20,  # short write transactions: SQLite's accept path waits for them
    organisations: OrganisationNames | None = None,
) -> int:
    """Process up to ``batch`` stored deliveries in one transaction; returns how many.

    ``organisations`` names the organisations whose ids the events carry; it is asked before the
    write transaction opens, so a slow ticket system never holds the database's write lock."""
    uow = uow_factory()
    with uow(write=False):
        if not uow.ticket_work.any_inbox_pending():
            return 0
        peeked = uow.ticket_work.peek_inbox(limit=batch) if organisations is not None else []
    names = _organisation_names(peeked, parse, organisations)
    now = env.clock.now()
    with uow(write=True):
        items = uow.ticket_work.claim_inbox(limit=batch)
        for item in items:
            try:
                event = parse(item.body.encode("utf-8"))
                if event.ticket is None:
                    uow.ticket_work.finish_inbox(item.id, state="ignored", at=now)
                    continue
                ticket = event.ticket
                if ticket.organization in names:
                    ticket = replace(ticket, organization=names[ticket.organization])
                ingest(uow, env, system, ticket, reply_at=event.agent_public_reply_at, now=now)
                uow.ticket_work.finish_inbox(item.id, state="processed", at=now)
            except DomainError as error:
                uow.ticket_work.finish_inbox(item.id, state="failed", at=now, error=error.message[:1000])
                log.warning("webhook delivery %s refused: %s", item.delivery_id, redact(error.message))
        uow.commit()
    return len(items)


def ingest(
    uow: UnitOfWork, env: Env, system: str, incoming: Ticket, *, reply_at: datetime | None, now: datetime
) -> list[int]:
    """Mirror one ticket snapshot and link it; returns the incidents it was newly linked to."""
    from sirf.services.tickets import classify

    stored = uow.tickets.get(system, incoming.ref)
    ticket = incoming
    if stored is not None:
        known = stored.ticket
        if known.updated_at > incoming.updated_at:
            ticket = known  # an older snapshot arriving late must not undo a newer one
        ticket = replace(
            ticket,
            first_response_at=known.first_response_at,
            last_public_reply_at=known.last_public_reply_at,
            satisfaction=ticket.satisfaction or known.satisfaction,
            satisfaction_at=ticket.satisfaction_at or known.satisfaction_at,
        )
    if ticket.satisfaction is not None and ticket.satisfaction_at is None:
        ticket = replace(ticket, satisfaction_at=ticket.updated_at)
    if reply_at is not None:
        ticket = replace(
            ticket,
            first_response_at=ticket.first_response_at or reply_at,
            last_public_reply_at=max(filter(None, (ticket.last_public_reply_at, reply_at))),
        )
    ticket = classify(ticket, env.framework.tickets)
    ids = uow.tickets.upsert(system, [ticket])
    return apply_links(uow, system, ticket, ids[ticket.ref], now=now)


def apply_links(uow: UnitOfWork, system: str, ticket: Ticket, ticket_id: int, *, now: datetime) -> list[int]:
    """Link a mirrored ticket (row ``ticket_id``) to every active incident whose tag it carries or
    whose rule it matches; returns those it was newly linked to."""
    linked_to: list[int] = []
    for tag in uow.tickets.active_tags():
        by_tag = tag.tag in ticket.tags
        if not by_tag and not (tag.rule is not None and tag.rule.matches(ticket)):
            continue
        reason = "tag" if by_tag else "rule"
        if not uow.tickets.link(tag.incident_id, [ticket_id], reason=reason, by="sirf", at=now):
            continue
        linked_to.append(tag.incident_id)
        if not by_tag:
            tag_in_system(uow, system, [ticket], tag.tag, tag.incident_id, now)
        total = uow.tickets.linked_count(tag.incident_id)
        uow.incidents.append(
            tag.incident_id,
            [ev.TicketsLinked(at=now, actor="sirf", refs=(ticket.ref,), reason=reason, linked=total)],
            expected_version=None,
        )
    return linked_to


def tag_in_system(
    uow: UnitOfWork, system: str, tickets: Sequence[Ticket], tag: str, incident_id: int, now: datetime
) -> None:
    """Give newly linked tickets the incident's tag: the built-in store is ours, so in place;
    another system through the tag queue the worker applies (recorded on the timeline there)."""
    from sirf.services.tickets import BUILTIN

    untagged = [t for t in tickets if tag not in t.tags]
    if not untagged:
        return
    if system == BUILTIN:
        uow.tickets.upsert(system, [replace(t, tags=t.tags | {tag}) for t in untagged])
    else:
        uow.ticket_work.enqueue_tag_op(
            incident_id=incident_id, action="add", tag=tag, refs=[t.ref for t in untagged], at=now
        )
