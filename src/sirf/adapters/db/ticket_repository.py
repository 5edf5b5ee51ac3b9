"""Tickets in SQL: the mirror (and the built-in store), links to incidents, incident tags and rules,
and the replies posted to built-in tickets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from sirf.adapters.db import ticket_tables as tt
from sirf.domain.linking import LinkRule
from sirf.domain.regions import Region
from sirf.domain.tickets import Satisfaction, Segment, Ticket, TicketPriority, TicketStatus
from sirf.services.ticket_store import IncidentTag, StoredTicket

_CHUNK = 500  # ids per IN (...) list: well inside every driver's parameter limit


def ticket_values(system: str, t: Ticket) -> dict[str, Any]:
    return {
        "system": system,
        "ref": t.ref,
        "subject": t.subject[:500],
        "description": t.description,
        "priority": t.priority.value,
        "status": t.status.value,
        "requester": t.requester[:200],
        "organization": t.organization[:200] if t.organization else None,
        "form": t.form[:100] if t.form else None,
        "tags": sorted(t.tags),
        "public": t.public,
        "segment": t.segment.value if t.segment else None,
        "region": t.region.value if t.region else None,
        "escalated": t.escalated,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "first_response_at": t.first_response_at,
        "last_public_reply_at": t.last_public_reply_at,
        "satisfaction": t.satisfaction.value if t.satisfaction else None,
        "satisfaction_at": t.satisfaction_at,
    }


def ticket_from(row: Mapping[Any, Any]) -> Ticket:
    return Ticket(
        ref=row["ref"],
        subject=row["subject"],
        description=row["description"],
        priority=TicketPriority(row["priority"]),
        status=TicketStatus(row["status"]),
        requester=row["requester"],
        organization=row["organization"],
        form=row["form"],
        tags=frozenset(row["tags"] or ()),
        public=row["public"],
        segment=Segment(row["segment"]) if row["segment"] else None,
        region=Region(row["region"]) if row["region"] else None,
        escalated=row["escalated"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        first_response_at=row["first_response_at"],
        last_public_reply_at=row["last_public_reply_at"],
        satisfaction=Satisfaction(row["satisfaction"]) if row["satisfaction"] else None,
        satisfaction_at=row["satisfaction_at"],
    )


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class SqlTicketStore:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # ----- tickets ---------------------------------------------------------------------------------

    def upsert(self, system: str, tickets: Sequence[Ticket]) -> dict[str, int]:
        """Insert new tickets and refresh known ones; returns ref -> row id for all of them."""
        existing = self.ids(system, [t.ref for t in tickets])
        fresh = [ticket_values(system, t) for t in tickets if t.ref not in existing]
        for t in tickets:
            if t.ref in existing:
                values = ticket_values(system, t)
                self.connection.execute(
                    update(tt.tickets).where(tt.tickets.c.id == existing[t.ref]).values(values)
                )
        if fresh:
            for chunk in _chunks(fresh):
                self.connection.execute(insert(tt.tickets), list(chunk))
            existing = self.ids(system, [t.ref for t in tickets])
        return existing

    def ids(self, system: str, refs: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        t = tt.tickets
        for chunk in _chunks(sorted(set(refs))):
            rows = self.connection.execute(
                select(t.c.ref, t.c.id).where(t.c.system == system, t.c.ref.in_(chunk))
            )
            found.update({row[0]: row[1] for row in rows})
        return found

    def get(self, system: str, ref: str) -> StoredTicket | None:
        found = self.by_refs(system, [ref])
        return found.get(ref)

    def by_refs(self, system: str, refs: Sequence[str]) -> dict[str, StoredTicket]:
        found: dict[str, StoredTicket] = {}
        t = tt.tickets
        for chunk in _chunks(sorted(set(refs))):
            rows = self.connection.execute(
                select(t).where(t.c.system == system, t.c.ref.in_(chunk))
            ).mappings()
            found.update({row["ref"]: StoredTicket(row["id"], ticket_from(row)) for row in rows})
        return found

    def created_between(self, system: str, start: datetime, end: datetime) -> list[Ticket]:
        t = tt.tickets
        query = (
            select(t)
            .where(t.c.system == system, t.c.created_at >= start, t.c.created_at < end)
            .order_by(t.c.created_at.desc(), t.c.id.desc())
        )
        return [ticket_from(row) for row in self.connection.execute(query).mappings()]

    def newest(self, system: str, *, limit: int, since: datetime | None = None) -> list[Ticket]:
        t = tt.tickets
        query = select(t).where(t.c.system == system)
        if since is not None:
            query = query.where(t.c.created_at >= since)
        query = query.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit)
        return [ticket_from(row) for row in self.connection.execute(query).mappings()]

    def set_satisfaction(self, system: str, ratings: Sequence[tuple[str, str, datetime]]) -> int:
        """Record customers' ratings on the tickets known here; returns how many were known."""
        t = tt.tickets
        known = 0
        for ref, score, at in ratings:
            result = self.connection.execute(
                update(t)
                .where(t.c.system == system, t.c.ref == ref)
                .values(satisfaction=score, satisfaction_at=at)
            )
            known += result.rowcount or 0
        return known

    def systems(self) -> list[str]:
        """The ticket systems with mirrored tickets (normally one)."""
        return [row[0] for row in self.connection.execute(select(tt.tickets.c.system).distinct())]

    def matching(
        self,
        system: str,
        *,
        words: Sequence[str],
        since: datetime | None,
        unsolved_only: bool,
        limit: int,
        offset: int = 0,
    ) -> list[Ticket]:
        """Newest first: tickets whose subject or description holds every word (any case)."""
        t = tt.tickets
        query = select(t).where(t.c.system == system)
        text = func.lower(t.c.subject + " " + t.c.description)
        for word in words:
            query = query.where(text.contains(word.lower(), autoescape=True))
        if since is not None:
            query = query.where(t.c.created_at >= since)
        if unsolved_only:
            query = query.where(t.c.status.not_in([TicketStatus.SOLVED.value, TicketStatus.CLOSED.value]))
        query = query.order_by(t.c.created_at.desc(), t.c.id.desc()).offset(offset).limit(limit)
        return [ticket_from(row) for row in self.connection.execute(query).mappings()]

    def next_builtin_ref(self) -> str:
        t = tt.tickets
        count = self.connection.execute(select(func.max(t.c.id))).scalar_one_or_none() or 0
        return str(count + 1)

    def satisfaction_counts(
        self, system: str | None, since: datetime, *, excluding_incident: int | None = None
    ) -> tuple[int, int]:
        """(good, bad) ratings given since ``since``, leaving out one incident's linked tickets."""
        t, links = tt.tickets, tt.ticket_links
        query = select(t.c.satisfaction, func.count()).where(
            t.c.satisfaction_at >= since, t.c.satisfaction.is_not(None)
        )
        if system is not None:
            query = query.where(t.c.system == system)
        if excluding_incident is not None:
            linked = select(links.c.ticket_id).where(links.c.incident_id == excluding_incident)
            query = query.where(t.c.id.not_in(linked))
        counts: dict[Any, Any] = dict(self.connection.execute(query.group_by(t.c.satisfaction)).all())
        return int(counts.get(Satisfaction.GOOD.value, 0)), int(counts.get(Satisfaction.BAD.value, 0))

    # ----- links -------------------------------------------------------------------------------------

    def link(
        self, incident_id: int, ticket_ids: Sequence[int], *, reason: str, by: str, at: datetime
    ) -> list[int]:
        """Link the tickets not linked yet; returns the ones newly linked."""
        links = tt.ticket_links
        already = self.linked_among(incident_id, ticket_ids)
        new = [tid for tid in dict.fromkeys(ticket_ids) if tid not in already]
        for chunk in _chunks(new):
            self.connection.execute(
                insert(links),
                [
                    {
                        "incident_id": incident_id,
                        "ticket_id": tid,
                        "reason": reason,
                        "linked_by": by,
                        "linked_at": at,
                    }
                    for tid in chunk
                ],
            )
        return new

    def linked_among(self, incident_id: int, ticket_ids: Sequence[int]) -> set[int]:
        """Which of these tickets are linked to the incident (without loading any ticket)."""
        links = tt.ticket_links
        found: set[int] = set()
        for chunk in _chunks(sorted(set(ticket_ids))):
            rows = self.connection.execute(
                select(links.c.ticket_id).where(
                    links.c.incident_id == incident_id, links.c.ticket_id.in_(chunk)
                )
            )
            found.update(row[0] for row in rows)
        return found

    def unlink(self, incident_id: int, ticket_ids: Sequence[int]) -> int:
        links = tt.ticket_links
        removed = 0
        for chunk in _chunks(sorted(set(ticket_ids))):
            result = self.connection.execute(
                delete(links).where(links.c.incident_id == incident_id, links.c.ticket_id.in_(chunk))
            )
            removed += result.rowcount or 0
        return removed

    def linked_count(self, incident_id: int) -> int:
        links = tt.ticket_links
        query = select(func.count()).select_from(links).where(links.c.incident_id == incident_id)
        return int(self.connection.execute(query).scalar_one())

    def linked_counts(self, incident_ids: Sequence[int]) -> dict[int, int]:
        if not incident_ids:
            return {}
        links = tt.ticket_links
        query = (
            select(links.c.incident_id, func.count())
            .where(links.c.incident_id.in_(list(incident_ids)))
            .group_by(links.c.incident_id)
        )
        return {row[0]: int(row[1]) for row in self.connection.execute(query)}

    def linked(
        self, incident_id: int, *, limit: int | None = None, offset: int = 0, unsolved_only: bool = False
    ) -> list[StoredTicket]:
        """Linked tickets, newest first."""
        t, links = tt.tickets, tt.ticket_links
        query = select(t).join(links, links.c.ticket_id == t.c.id).where(links.c.incident_id == incident_id)
        if unsolved_only:
            query = query.where(t.c.status.not_in([TicketStatus.SOLVED.value, TicketStatus.CLOSED.value]))
        query = query.order_by(t.c.created_at.desc(), t.c.id.desc()).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [
            StoredTicket(row["id"], ticket_from(row)) for row in self.connection.execute(query).mappings()
        ]

    def incidents_of(self, ticket_id: int) -> list[int]:
        links = tt.ticket_links
        rows = self.connection.execute(select(links.c.incident_id).where(links.c.ticket_id == ticket_id))
        return sorted(row[0] for row in rows)

    # ----- incident tags and rules ------------------------------------------------------------------

    def add_tag(self, incident_id: int, tag: str, at: datetime) -> None:
        self.connection.execute(
            insert(tt.incident_tags).values(incident_id=incident_id, tag=tag, created_at=at)
        )

    def tag_of(self, incident_id: int) -> IncidentTag | None:
        row = (
            self.connection.execute(
                select(tt.incident_tags).where(tt.incident_tags.c.incident_id == incident_id)
            )
            .mappings()
            .first()
        )
        return _incident_tag(row) if row else None

    def tag_owner(self, tag: str) -> int | None:
        query = select(tt.incident_tags.c.incident_id).where(tt.incident_tags.c.tag == tag)
        return self.connection.execute(query).scalar_one_or_none()

    def active_tags(self) -> list[IncidentTag]:
        query = select(tt.incident_tags).where(tt.incident_tags.c.retired_at.is_(None))
        return [_incident_tag(row) for row in self.connection.execute(query).mappings()]

    def set_rule(self, incident_id: int, rule: LinkRule | None) -> None:
        self.connection.execute(
            update(tt.incident_tags)
            .where(tt.incident_tags.c.incident_id == incident_id)
            .values(rule=rule.to_json() if rule else None)
        )

    def retire_tag(self, incident_id: int, at: datetime) -> None:
        it = tt.incident_tags
        self.connection.execute(
            update(it)
            .where(and_(it.c.incident_id == incident_id, it.c.retired_at.is_(None)))
            .values(retired_at=at)
        )

    def reactivate_tag(self, incident_id: int) -> None:
        it = tt.incident_tags
        self.connection.execute(update(it).where(it.c.incident_id == incident_id).values(retired_at=None))

    # ----- replies posted to built-in tickets -------------------------------------------------------

    def add_comment(
        self, ticket_id: int, *, body: str, public: bool, author: str, marker: str | None, at: datetime
    ) -> bool:
        """Store a reply; False when this marker's reply is already on the ticket."""
        c = tt.ticket_comments
        if marker is not None:
            found = self.connection.execute(
                select(c.c.id).where(c.c.ticket_id == ticket_id, c.c.marker == marker)
            ).first()
            if found:
                return False
        self.connection.execute(
            insert(c).values(
                ticket_id=ticket_id, body=body, public=public, author=author, marker=marker, created_at=at
            )
        )
        return True

    def comments(self, ticket_id: int) -> list[dict[str, Any]]:
        c = tt.ticket_comments
        rows = self.connection.execute(
            select(c).where(c.c.ticket_id == ticket_id).order_by(c.c.id)
        ).mappings()
        return [dict(row) for row in rows]

    def marker_counts(self, marker: str) -> dict[int, int]:
        """ticket id -> how many comments carry ``marker`` (tests and benchmarks check it is one)."""
        c = tt.ticket_comments
        query = select(c.c.ticket_id, func.count()).where(c.c.marker == marker).group_by(c.c.ticket_id)
        return {row[0]: int(row[1]) for row in self.connection.execute(query)}


def _incident_tag(row: Mapping[Any, Any]) -> IncidentTag:
    return IncidentTag(
        incident_id=row["incident_id"],
        tag=row["tag"],
        rule=LinkRule.from_json(row["rule"]) if row["rule"] else None,
        created_at=row["created_at"],
        retired_at=row["retired_at"],
    )
