"""Ticket use cases (F5.1): the incident tag's lifecycle, matching, linking and unlinking tickets,
the linking rule, built-in tickets, and reading the linked tickets.

Calls to the ticket system happen outside any database transaction (a slow vendor must not hold
SQLite's write lock); what they return is then mirrored and linked in one short transaction.
Tagging tickets in the ticket system is queued (``ticket_tag_ops``) and done by the worker, so a
link is never lost because Zendesk was slow or down at that moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sirf.domain import events as ev
from sirf.domain.errors import NotFound, ValidationFailed
from sirf.domain.incident import Incident
from sirf.domain.linking import LinkRule
from sirf.domain.raci import Activity, Actor
from sirf.domain.ticket_policy import TicketPolicy
from sirf.domain.tickets import Satisfaction, Ticket, TicketPriority, TicketStatus, check_tag, incident_tag
from sirf.services.context import Env, check_allowed, ensure_may_act, get_or_raise
from sirf.services.ports import UnitOfWork
from sirf.services.ticket_ports import MAX_BATCH, TicketSearch, TicketSystem
from sirf.services.ticket_store import StoredTicket

BUILTIN = "builtin"
MAX_LINK = 20_000  # tickets one request may link; beyond that, narrow the query


@dataclass(frozen=True)
class Match:
    ticket: Ticket
    linked: bool  # already linked to this incident


@dataclass(frozen=True)
class LinkResult:
    tag: str
    linked: tuple[str, ...]  # refs newly linked
    already: tuple[str, ...]  # refs that were linked before
    total: int  # tickets linked to the incident now
    version: int


def classify(ticket: Ticket, policy: TicketPolicy) -> Ticket:
    """Segment, region and escalation come from the ticket's tags, by the team's policy."""
    c = policy.classifier
    return replace(
        ticket,
        segment=ticket.segment or c.segment(ticket.tags),
        region=ticket.region or c.region(ticket.tags),
        escalated=ticket.escalated or c.escalated(ticket.tags),
    )


# ----- the incident tag ----------------------------------------------------------------------------


def open_ticket_tag(uow: UnitOfWork, env: Env, incident: Incident, at: datetime) -> str:
    """F5.1: a new incident gets its tag at once, in the declaring transaction, so webhooks link
    tickets carrying it from the first second; the creation is on the timeline like every other tag
    operation (the caller saves the incident)."""
    tag = incident_tag(env.framework.tickets.tag_convention, incident.id)
    uow.tickets.add_tag(incident.id, tag, at)
    incident.record_ticket_event(ev.TicketTagCreated(at=at, actor="sirf", tag=tag))
    return tag


def retire_ticket_tag(uow: UnitOfWork, incident: Incident, at: datetime) -> None:
    """A closed incident's tag links no more tickets; the tickets keep it (it is their history)."""
    tag = uow.tickets.tag_of(incident.id)
    if tag is None or not tag.active:
        return
    uow.tickets.retire_tag(incident.id, at)
    linked = uow.tickets.linked_count(incident.id)
    incident.record_ticket_event(ev.TicketTagRetired(at=at, actor="sirf", tag=tag.tag, linked=linked))


def tag_or_raise(uow: UnitOfWork, incident_id: int) -> str:
    tag = uow.tickets.tag_of(incident_id)
    if tag is None:
        raise NotFound(f"incident #{incident_id} has no ticket tag", incident=incident_id)
    return tag.tag


def ensure_ticket_tag(
    uow: UnitOfWork, env: Env, incident_id: int, at: datetime
) -> tuple[str, list[ev.Event]]:
    """The incident's tag, created (with its timeline event) if the incident predates it."""
    found = uow.tickets.tag_of(incident_id)
    if found is not None:
        return found.tag, []
    tag = incident_tag(env.framework.tickets.tag_convention, incident_id)
    uow.tickets.add_tag(incident_id, tag, at)
    return tag, [ev.TicketTagCreated(at=at, actor="sirf", tag=tag)]


# ----- matching and linking ------------------------------------------------------------------------


def preview_matches(
    incident_id: int, search: TicketSearch, *, uow: UnitOfWork, system: TicketSystem
) -> list[Match]:
    """The tickets a query finds, and which of them are linked already; changes nothing."""
    _check_search(search)
    with uow(write=False):
        get_or_raise(uow, incident_id, roles_only=True)
    found = list(system.search(search))
    with uow(write=False):
        stored = uow.tickets.ids(system.name, [t.ref for t in found])
        linked_ids = uow.tickets.linked_among(incident_id, list(stored.values()))
    return [Match(t, stored.get(t.ref) in linked_ids) for t in found]


def link_matches(
    incident_id: int,
    search: TicketSearch,
    *,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    system: TicketSystem,
) -> LinkResult:
    """Link every ticket the query finds (the confirmed preview) and queue the tagging."""
    _check_search(search)
    _check_may_link(incident_id, actor, uow, env)
    found = list(system.search(search))
    return _link(incident_id, found, reason="match", actor=actor, uow=uow, env=env, system=system)


def link_refs(
    incident_id: int,
    refs: Sequence[str],
    *,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    system: TicketSystem,
) -> LinkResult:
    refs = _check_refs(refs)
    _check_may_link(incident_id, actor, uow, env)
    found: list[Ticket] = []
    for start in range(0, len(refs), MAX_BATCH):
        found.extend(system.get_many(refs[start : start + MAX_BATCH]))
    missing = sorted(set(refs) - {t.ref for t in found})
    if missing:
        raise NotFound(
            f"no ticket {', '.join('#' + r for r in missing[:10])} in {system.name}; "
            "check the ticket numbers",
            tickets=missing[:100],
        )
    return _link(incident_id, found, reason="manual", actor=actor, uow=uow, env=env, system=system)


def _link(
    incident_id: int,
    found: Sequence[Ticket],
    *,
    reason: str,
    actor: Actor,
    uow: UnitOfWork,
    env: Env,
    system: TicketSystem,
) -> LinkResult:
    if len(found) > MAX_LINK:
        raise ValidationFailed(
            f"{len(found)} tickets match; link at most {MAX_LINK} at once (narrow the query or --since)",
            field="query",
        )
    policy = env.framework.tickets
    now = env.clock.now()
    with uow(write=True):
        incident = get_or_raise(uow, incident_id, for_update=True)
        check_allowed(env, Activity.CREATE_TICKET_TAG, actor, incident)
        tag, events = ensure_ticket_tag(uow, env, incident_id, now)
        ids = uow.tickets.upsert(system.name, [classify(t, policy) for t in found])
        new_ids = set(
            uow.tickets.link(incident_id, list(ids.values()), reason=reason, by=actor.username, at=now)
        )
        linked = tuple(ref for ref, tid in ids.items() if tid in new_ids)
        already = tuple(sorted(ref for ref, tid in ids.items() if tid not in new_ids))
        total = uow.tickets.linked_count(incident_id)
        version = incident.version
        if linked:
            untagged = [t.ref for t in found if t.ref in set(linked) and tag not in t.tags]
            if untagged:
                uow.ticket_work.enqueue_tag_op(
                    incident_id=incident_id, action="add", tag=tag, refs=untagged, at=now
                )
            events.append(
                ev.TicketsLinked(at=now, actor=actor.username, refs=linked, reason=reason, linked=total)
            )
        if events:
            _, version = uow.incidents.append(incident_id, events, expected_version=None)
        uow.commit()
    return LinkResult(tag, linked, already, total, version)


def unlink_refs(
    incident_id: int, refs: Sequence[str], *, actor: Actor, uow: UnitOfWork, env: Env, system_name: str
) -> LinkResult:
    refs = _check_refs(refs)
    now = env.clock.now()
    with uow(write=True):
        incident = get_or_raise(uow, incident_id, for_update=True)
        check_allowed(env, Activity.CREATE_TICKET_TAG, actor, incident)
        tag = tag_or_raise(uow, incident_id)
        ids = uow.tickets.ids(system_name, refs)
        linked_now = uow.tickets.linked_among(incident_id, list(ids.values()))
        gone = [ref for ref in refs if ids.get(ref) in linked_now]
        not_linked = tuple(sorted(set(refs) - set(gone)))
        uow.tickets.unlink(incident_id, [ids[ref] for ref in gone])
        total = uow.tickets.linked_count(incident_id)
        version = incident.version
        if gone:
            uow.ticket_work.enqueue_tag_op(
                incident_id=incident_id, action="remove", tag=tag, refs=gone, at=now
            )
            _, version = uow.incidents.append(
                incident_id,
                [ev.TicketsUnlinked(at=now, actor=actor.username, refs=tuple(gone), linked=total)],
                expected_version=None,
            )
        uow.commit()
    return LinkResult(tag, tuple(gone), not_linked, total, version)


def set_link_rule(
    incident_id: int, rule: LinkRule | None, *, actor: Actor, uow: UnitOfWork, env: Env
) -> LinkResult:
    """Set (or clear) the rule; tickets already mirrored that match it are linked right away, and
    webhooks link new ones as they arrive."""
    now = env.clock.now()
    with uow(write=True):
        incident = get_or_raise(uow, incident_id, for_update=True)
        check_allowed(env, Activity.CREATE_TICKET_TAG, actor, incident)
        tag, events = ensure_ticket_tag(uow, env, incident_id, now)
        uow.tickets.set_rule(incident_id, rule)
        events.append(ev.LinkRuleSet(at=now, actor=actor.username, rule=rule.to_json() if rule else {}))
        linked: tuple[str, ...] = ()
        if rule is not None:
            linked = _link_mirrored_matches(uow, incident_id, tag, rule, actor.username, now)
        total = uow.tickets.linked_count(incident_id)
        if linked:
            events.append(
                ev.TicketsLinked(at=now, actor=actor.username, refs=linked, reason="rule", linked=total)
            )
        _, version = uow.incidents.append(incident_id, events, expected_version=None)
        uow.commit()
    return LinkResult(tag, linked, (), total, version)


def _link_mirrored_matches(
    uow: UnitOfWork, incident_id: int, tag: str, rule: LinkRule, actor: str, now: datetime
) -> tuple[str, ...]:
    from sirf.services.ticket_inbox import tag_in_system

    linked: list[str] = []
    for system in uow.tickets.systems():
        tickets = [t for t in uow.tickets.newest(system, limit=MAX_LINK, since=rule.since) if rule.matches(t)]
        ids = uow.tickets.ids(system, [t.ref for t in tickets])
        new = set(uow.tickets.link(incident_id, list(ids.values()), reason="rule", by=actor, at=now))
        added = [t for t in tickets if ids[t.ref] in new]
        tag_in_system(uow, system, added, tag, incident_id, now)
        linked.extend(t.ref for t in added)
    return tuple(sorted(linked, key=ref_order))


def ref_order(ref: str) -> tuple[int, str]:
    """Ticket numbers in numeric order (refs are text; Zendesk's are numbers)."""
    return (int(ref), ref) if ref.isdigit() else (0, ref)


def _check_may_link(incident_id: int, actor: Actor, uow: UnitOfWork, env: Env) -> None:
    """Fail before calling the ticket system when the answer would be no anyway."""
    ensure_may_act(actor)
    with uow(write=False):
        incident = get_or_raise(uow, incident_id, roles_only=True)
        check_allowed(env, Activity.CREATE_TICKET_TAG, actor, incident)


def _check_search(search: TicketSearch) -> None:
    if not search.text.strip() and search.tag is None:
        raise ValidationFailed("give words to search for (query) or a tag to match (tag)", field="query")
    if search.tag is not None:
        check_tag(search.tag)
    if not 1 <= search.limit <= MAX_LINK:
        raise ValidationFailed(f"limit must be 1 to {MAX_LINK}", field="limit")


def _check_refs(refs: Sequence[str]) -> list[str]:
    cleaned = [ref.strip().lstrip("#") for ref in refs]
    if not cleaned or any(not ref or len(ref) > 64 for ref in cleaned):
        raise ValidationFailed("give one or more ticket numbers", field="tickets")
    if len(cleaned) > MAX_LINK:
        raise ValidationFailed(f"at most {MAX_LINK} tickets at once", field="tickets")
    return list(dict.fromkeys(cleaned))


# ----- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedPage:
    tag: str
    rule: LinkRule | None
    retired: bool
    total: int
    tickets: list[Ticket]


def linked_tickets(incident_id: int, *, limit: int, offset: int, uow: UnitOfWork) -> LinkedPage:
    if not 1 <= limit <= 1000 or offset < 0:
        raise ValidationFailed("limit must be 1 to 1000 and offset 0 or more", field="limit")
    with uow(write=False):
        get_or_raise(uow, incident_id, roles_only=True)
        tag = uow.tickets.tag_of(incident_id)
        if tag is None:
            raise NotFound(f"incident #{incident_id} has no ticket tag", incident=incident_id)
        page = uow.tickets.linked(incident_id, limit=limit, offset=offset)
        return LinkedPage(
            tag.tag, tag.rule, not tag.active, uow.tickets.linked_count(incident_id), [s.ticket for s in page]
        )


# ----- built-in tickets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewTicket:
    subject: str
    requester: str
    description: str = ""
    priority: TicketPriority = TicketPriority.NORMAL
    organization: str | None = None
    form: str | None = None
    tags: tuple[str, ...] = ()
    public: bool = True


def create_builtin_ticket(
    new: NewTicket, *, actor: Actor, uow: UnitOfWork, env: Env
) -> tuple[Ticket, list[int]]:
    """A ticket in the built-in store, linked at once to every incident whose tag it carries or whose
    rule it matches (the same rules a Zendesk webhook follows). Returns it and the incidents."""
    from sirf.services.ticket_inbox import apply_links  # one linking path for both sources

    ensure_may_act(actor)
    if not new.subject.strip() or len(new.subject) > 500:
        raise ValidationFailed("a ticket needs a subject of 1 to 500 characters", field="subject")
    if not new.requester.strip() or len(new.requester) > 200:
        raise ValidationFailed("a ticket needs a requester of 1 to 200 characters", field="requester")
    tags = frozenset(check_tag(tag) for tag in new.tags)
    now = env.clock.now()
    with uow(write=True):
        ticket = Ticket(
            ref=uow.tickets.next_builtin_ref(),
            subject=new.subject.strip(),
            description=new.description,
            priority=new.priority,
            status=TicketStatus.NEW,
            requester=new.requester.strip(),
            organization=new.organization or None,
            form=new.form or None,
            tags=tags,
            public=new.public,
            created_at=now,
            updated_at=now,
        )
        ticket = classify(ticket, env.framework.tickets)
        ids = uow.tickets.upsert(BUILTIN, [ticket])
        incidents = apply_links(uow, BUILTIN, ticket, ids[ticket.ref], now=now)
        ticket = _builtin_or_raise(uow, ticket.ref, allow_closed=True).ticket  # with tags linking added
        uow.commit()
    return ticket, incidents


@dataclass(frozen=True)
class TicketChange:
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    satisfaction: Satisfaction | None = None


def change_builtin_ticket(
    ref: str, change: TicketChange, *, actor: Actor, uow: UnitOfWork, env: Env
) -> tuple[Ticket, list[int]]:
    """What an agent does to a built-in ticket besides replying: status, priority, tags, the
    customer's rating. A new tag or a changed ticket may link it (same rules as on creation)."""
    from sirf.services.ticket_inbox import apply_links

    ensure_may_act(actor)
    added = frozenset(check_tag(tag) for tag in change.add_tags)
    removed = frozenset(check_tag(tag) for tag in change.remove_tags)
    now = env.clock.now()
    with uow(write=True):
        stored = _builtin_or_raise(uow, ref)
        ticket = stored.ticket
        ticket = replace(
            ticket,
            status=change.status or ticket.status,
            priority=change.priority or ticket.priority,
            tags=(ticket.tags | added) - removed,
            satisfaction=change.satisfaction or ticket.satisfaction,
            satisfaction_at=now if change.satisfaction else ticket.satisfaction_at,
            updated_at=now,
        )
        ticket = classify(replace(ticket, segment=None, region=None, escalated=False), env.framework.tickets)
        uow.tickets.upsert(BUILTIN, [ticket])
        incidents = apply_links(uow, BUILTIN, ticket, stored.id, now=now)
        ticket = _builtin_or_raise(uow, ticket.ref, allow_closed=True).ticket  # with tags linking added
        uow.commit()
    return ticket, incidents


def comment_on_builtin_ticket(
    ref: str, body: str, *, public: bool, actor: Actor, uow: UnitOfWork, env: Env
) -> Ticket:
    """An agent's reply (public) or internal note; the first public reply is the first response."""
    ensure_may_act(actor)
    if not body.strip() or len(body) > 60_000:
        raise ValidationFailed("a comment is 1 to 60,000 characters", field="body")
    now = env.clock.now()
    with uow(write=True):
        stored = _builtin_or_raise(uow, ref)
        uow.tickets.add_comment(
            stored.id, body=body, public=public, author=actor.username, marker=None, at=now
        )
        ticket = stored.ticket
        if public:
            ticket = replace(
                ticket,
                first_response_at=ticket.first_response_at or now,
                last_public_reply_at=now,
                status=TicketStatus.OPEN if ticket.status is TicketStatus.NEW else ticket.status,
            )
        ticket = replace(ticket, updated_at=now)
        uow.tickets.upsert(BUILTIN, [ticket])
        uow.commit()
    return ticket


def _builtin_or_raise(uow: UnitOfWork, ref: str, *, allow_closed: bool = False) -> StoredTicket:
    stored = uow.tickets.get(BUILTIN, ref.strip().lstrip("#"))
    if stored is None:
        raise NotFound(f"no built-in ticket #{ref}", ticket=ref)
    if stored.ticket.status is TicketStatus.CLOSED and not allow_closed:
        raise ValidationFailed(f"ticket #{ref} is closed; closed tickets do not change", field="ticket")
    return stored
