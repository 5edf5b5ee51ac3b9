"""Status updates, the delivery outbox, vendor references, reminders and the built-in status page
in SQL. Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so any number of workers can share
the work; on SQLite the write transaction (BEGIN IMMEDIATE) already makes one claimer at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from sirf.adapters.db import comms_tables as ct
from sirf.adapters.db.types import storable_id
from sirf.domain.delivery import Delivery, DeliveryState
from sirf.domain.public_state import ComponentStatus, PublicState
from sirf.domain.reminders import Reminder, ReminderKind, ReminderState
from sirf.domain.updates import Approval, Audience, Reviewer, StatusUpdate, UpdateState


def _update_values(u: StatusUpdate) -> dict[str, Any]:
    return {
        "incident_id": u.incident_id,
        "sequence": u.sequence,
        "template": u.template,
        "audience": u.audience.value,
        "body": u.body,
        "author": u.author,
        "created_at": u.created_at,
        "updated_at": u.updated_at,
        "state": u.state.value,
        "public_state": u.public_state.value if u.public_state else None,
        "components": {name: status.value for name, status in u.components.items()},
        "next_update_at": u.next_update_at,
        "corrects": u.corrects,
        "published_at": u.published_at,
        "published_by": u.published_by,
    }


def _update_from(row: Mapping[Any, Any], approvals: list[Approval]) -> StatusUpdate:
    return StatusUpdate(
        id=row["id"],
        incident_id=row["incident_id"],
        sequence=row["sequence"],
        template=row["template"],
        audience=Audience(row["audience"]),
        body=row["body"],
        author=row["author"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        state=UpdateState(row["state"]),
        public_state=PublicState(row["public_state"]) if row["public_state"] else None,
        components={name: ComponentStatus(value) for name, value in (row["components"] or {}).items()},
        next_update_at=row["next_update_at"],
        corrects=row["corrects"],
        approvals=approvals,
        published_at=row["published_at"],
        published_by=row["published_by"],
        version=row["version"],
    )


def _delivery(row: Mapping[Any, Any]) -> Delivery:
    return Delivery(
        id=row["id"],
        update_id=row["update_id"],
        incident_id=row["incident_id"],
        channel=row["channel"],
        state=DeliveryState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        lease_until=row["lease_until"],
        last_error=row["last_error"],
        external_ref=row["external_ref"],
        delivered_at=row["delivered_at"],
    )


def _reminder(row: Mapping[Any, Any]) -> Reminder:
    return Reminder(
        id=row["id"],
        incident_id=row["incident_id"],
        kind=ReminderKind(row["kind"]),
        due_at=row["due_at"],
        state=ReminderState(row["state"]),
        created_at=row["created_at"],
        fired_at=row["fired_at"],
        fired_by=row["fired_by"],
    )


def _skip_locked(connection: Connection, query: Select[Any]) -> Select[Any]:
    if connection.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


class SqlUpdateRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, u: StatusUpdate) -> StatusUpdate:
        result = self.connection.execute(
            insert(ct.status_updates)
            .values(_update_values(u) | {"version": 1})
            .returning(ct.status_updates.c.id)
        )
        u.id, u.version = int(result.scalar_one()), 1
        self._write_approvals(u, already=0)
        return u

    def next_sequence(self, incident_id: int) -> int:
        su = ct.status_updates
        found = self.connection.execute(
            select(func.max(su.c.sequence)).where(su.c.incident_id == incident_id)
        )
        return int(found.scalar_one() or 0) + 1

    def get(self, update_id: int, *, for_update: bool = False) -> StatusUpdate | None:
        if not storable_id(update_id):
            return None
        query = select(ct.status_updates).where(ct.status_updates.c.id == update_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).mappings().first()
        return _update_from(row, self._approvals(update_id)) if row else None

    def save(self, u: StatusUpdate) -> None:
        stored = len(self._approvals(u.id))
        self.connection.execute(
            update(ct.status_updates)
            .where(ct.status_updates.c.id == u.id)
            .values(_update_values(u) | {"version": u.version + 1})
        )
        u.version += 1
        self._write_approvals(u, already=stored)

    def for_incident(self, incident_id: int) -> list[StatusUpdate]:
        su = ct.status_updates
        rows = self.connection.execute(
            select(su).where(su.c.incident_id == incident_id).order_by(su.c.sequence)
        )
        return [_update_from(row, self._approvals(row["id"])) for row in rows.mappings()]

    def published_count(self, incident_id: int, audience: Audience) -> int:
        su = ct.status_updates
        query = select(func.count()).where(
            su.c.incident_id == incident_id,
            su.c.audience == audience.value,
            su.c.state == UpdateState.PUBLISHED.value,
        )
        return int(self.connection.execute(query).scalar_one())

    def in_review(self, incident_ids: list[int]) -> list[StatusUpdate]:
        """Updates waiting for approval on these incidents, with their approvals: two queries."""
        su, ua = ct.status_updates, ct.update_approvals
        if not incident_ids:
            return []
        query = select(su).where(
            su.c.incident_id.in_(incident_ids), su.c.state == UpdateState.IN_REVIEW.value
        )
        rows = list(self.connection.execute(query.order_by(su.c.incident_id, su.c.sequence)).mappings())
        approvals: dict[int, list[Approval]] = {row["id"]: [] for row in rows}
        if approvals:
            found = (
                select(ua).where(ua.c.update_id.in_(list(approvals))).order_by(ua.c.update_id, ua.c.ordinal)
            )
            for a in self.connection.execute(found).mappings():
                approvals[a["update_id"]].append(
                    Approval(a["approved_by"], Reviewer(a["reviewer"]), a["etag"], a["approved_at"])
                )
        return [_update_from(row, approvals[row["id"]]) for row in rows]

    def _approvals(self, update_id: int) -> list[Approval]:
        ua = ct.update_approvals
        rows = self.connection.execute(select(ua).where(ua.c.update_id == update_id).order_by(ua.c.ordinal))
        return [
            Approval(row["approved_by"], Reviewer(row["reviewer"]), row["etag"], row["approved_at"])
            for row in rows.mappings()
        ]

    def _write_approvals(self, u: StatusUpdate, *, already: int) -> None:
        new = u.approvals[already:]
        if new:
            self.connection.execute(
                insert(ct.update_approvals),
                [
                    {
                        "update_id": u.id,
                        "ordinal": already + index + 1,
                        "approved_by": a.by,
                        "reviewer": a.reviewer.value,
                        "etag": a.etag,
                        "approved_at": a.at,
                    }
                    for index, a in enumerate(new)
                ],
            )


def _due(now: datetime) -> Any:
    d = ct.deliveries
    return or_(
        and_(d.c.state == DeliveryState.PENDING.value, d.c.next_attempt_at <= now),
        and_(d.c.state == DeliveryState.IN_FLIGHT.value, d.c.lease_until < now),
    )


class SqlOutbox:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def enqueue(self, *, update_id: int, incident_id: int, channels: list[str], at: datetime) -> None:
        if not channels:
            return
        rows = [
            {
                "update_id": update_id,
                "incident_id": incident_id,
                "channel": channel,
                "state": DeliveryState.PENDING.value,
                "attempts": 0,
                "next_attempt_at": at,
                "created_at": at,
                "updated_at": at,
            }
            for channel in channels
        ]
        self.connection.execute(insert(ct.deliveries), rows)

    def any_due(self, *, now: datetime) -> bool:
        return (
            self.connection.execute(select(ct.deliveries.c.id).where(_due(now)).limit(1)).first() is not None
        )

    def claim(self, *, now: datetime, limit: int, lease: timedelta) -> list[Delivery]:
        d = ct.deliveries
        due = _due(now)
        query = _skip_locked(
            self.connection, select(d.c.id).where(due).order_by(d.c.next_attempt_at).limit(limit)
        )
        ids = [row[0] for row in self.connection.execute(query)]
        if not ids:
            return []
        self.connection.execute(
            update(d)
            .where(d.c.id.in_(ids))
            .values(
                state=DeliveryState.IN_FLIGHT.value,
                lease_until=now + lease,
                attempts=d.c.attempts + 1,
                updated_at=now,
            )
        )
        rows = self.connection.execute(select(d).where(d.c.id.in_(ids)).order_by(d.c.id)).mappings()
        return [_delivery(row) for row in rows]

    def get(self, delivery_id: int, *, for_update: bool = False) -> Delivery | None:
        if not storable_id(delivery_id):
            return None
        query = select(ct.deliveries).where(ct.deliveries.c.id == delivery_id)
        if for_update:
            query = query.with_for_update()
        row = self.connection.execute(query).mappings().first()
        return _delivery(row) if row else None

    def set_state(self, delivery_id: int, **values: Any) -> None:
        self.connection.execute(
            update(ct.deliveries).where(ct.deliveries.c.id == delivery_id).values(**values)
        )

    def for_incident(self, incident_id: int, *, update_id: int | None = None) -> list[Delivery]:
        d = ct.deliveries
        if update_id is not None and not storable_id(update_id):
            return []
        query = select(d).where(d.c.incident_id == incident_id)
        if update_id is not None:
            query = query.where(d.c.update_id == update_id)
        return [_delivery(row) for row in self.connection.execute(query.order_by(d.c.id)).mappings()]

    def channel_ref(self, incident_id: int, channel: str) -> str | None:
        cr = ct.channel_refs
        query = select(cr.c.external_ref).where(cr.c.incident_id == incident_id, cr.c.channel == channel)
        found = self.connection.execute(query).scalar_one_or_none()
        return str(found) if found is not None else None

    def set_channel_ref(self, incident_id: int, channel: str, ref: str, at: datetime) -> None:
        cr = ct.channel_refs
        where = (cr.c.incident_id == incident_id, cr.c.channel == channel)
        changed = self.connection.execute(update(cr).where(*where).values(external_ref=ref, updated_at=at))
        if changed.rowcount == 0:
            self.connection.execute(
                insert(cr).values(incident_id=incident_id, channel=channel, external_ref=ref, updated_at=at)
            )


class SqlReminders:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def schedule(self, incident_id: int, kind: ReminderKind, due_at: datetime, at: datetime) -> None:
        r = ct.reminders
        exists = self.connection.execute(
            select(r.c.id).where(r.c.incident_id == incident_id, r.c.kind == kind.value, r.c.due_at == due_at)
        ).first()
        if exists is None:
            self.connection.execute(
                insert(r).values(
                    incident_id=incident_id,
                    kind=kind.value,
                    due_at=due_at,
                    state=ReminderState.PENDING.value,
                    created_at=at,
                )
            )

    def cancel_pending(self, incident_id: int, kinds: tuple[ReminderKind, ...]) -> None:
        r = ct.reminders
        self.connection.execute(
            update(r)
            .where(
                r.c.incident_id == incident_id,
                r.c.state == ReminderState.PENDING.value,
                r.c.kind.in_([k.value for k in kinds]),
            )
            .values(state=ReminderState.CANCELLED.value)
        )

    def any_due(self, *, now: datetime) -> bool:
        r = ct.reminders
        query = select(r.c.id).where(r.c.state == ReminderState.PENDING.value, r.c.due_at <= now).limit(1)
        return self.connection.execute(query).first() is not None

    def claim_due(self, *, now: datetime, limit: int) -> list[Reminder]:
        r = ct.reminders
        query = select(r).where(r.c.state == ReminderState.PENDING.value, r.c.due_at <= now)
        query = _skip_locked(self.connection, query.order_by(r.c.due_at).limit(limit))
        return [_reminder(row) for row in self.connection.execute(query).mappings()]

    def mark_fired(self, reminder_id: int, *, at: datetime, by: str) -> None:
        r = ct.reminders
        self.connection.execute(
            update(r)
            .where(r.c.id == reminder_id, r.c.state == ReminderState.PENDING.value)
            .values(state=ReminderState.FIRED.value, fired_at=at, fired_by=by)
        )

    def for_incident(self, incident_id: int) -> list[Reminder]:
        r = ct.reminders
        query = select(r).where(r.c.incident_id == incident_id).order_by(r.c.due_at, r.c.id)
        return [_reminder(row) for row in self.connection.execute(query).mappings()]

    def all(self) -> list[Reminder]:
        r = ct.reminders
        return [_reminder(row) for row in self.connection.execute(select(r).order_by(r.c.id)).mappings()]


class SqlStatusPage:
    """The built-in status page's data: every published public update, and component statuses."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add_post(self, values: Mapping[str, Any]) -> None:
        self.connection.execute(insert(ct.status_page_posts).values(**values))

    def set_components(self, statuses: Mapping[str, ComponentStatus], at: datetime) -> None:
        c = ct.status_page_components
        for name, status in statuses.items():
            changed = self.connection.execute(
                update(c).where(c.c.name == name).values(status=status.value, updated_at=at)
            )
            if changed.rowcount == 0:
                self.connection.execute(insert(c).values(name=name, status=status.value, updated_at=at))

    def posts(self, *, incident_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
        p = ct.status_page_posts
        query = select(p).order_by(p.c.published_at.desc(), p.c.id.desc()).limit(limit)
        if incident_id is not None:
            query = query.where(p.c.incident_id == incident_id)
        return [dict(row) for row in self.connection.execute(query).mappings()]

    def components(self) -> dict[str, str]:
        c = ct.status_page_components
        return {
            row["name"]: row["status"]
            for row in self.connection.execute(select(c).order_by(c.c.name)).mappings()
        }
