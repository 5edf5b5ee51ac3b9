"""The ticket work queues in SQL: vendor tag operations, the webhook inbox and the bulk-reply
ledger. Claims use ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (see comms_repository)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from sirf.adapters.db import ticket_tables as tt
from sirf.adapters.db.comms_repository import _skip_locked
from sirf.adapters.db.types import storable_id
from sirf.domain.bulk_reply import ItemState, ReplySource, RunState
from sirf.domain.tickets import TicketStatus
from sirf.services.ticket_store import BulkRun, InboxItem, LedgerItem, TagOp


def _run(row: Mapping[Any, Any]) -> BulkRun:
    return BulkRun(
        id=row["id"],
        incident_id=row["incident_id"],
        source=ReplySource(row["source"]),
        source_ref=row["source_ref"],
        body=row["body"],
        public=row["public"],
        status_change=TicketStatus(row["status_change"]) if row["status_change"] else None,
        state=RunState(row["state"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
    )


def _item(row: Mapping[Any, Any]) -> LedgerItem:
    return LedgerItem(
        ticket_id=row["ticket_id"],
        ref=row["ref"],
        state=ItemState(row["state"]),
        job_id=row["job_id"],
        attempts=row["attempts"],
        updated_at=row["updated_at"],
    )


class SqlTicketWork:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # ----- tag operations ----------------------------------------------------------------------------

    def enqueue_tag_op(
        self, *, incident_id: int, action: str, tag: str, refs: Sequence[str], at: datetime
    ) -> None:
        self.connection.execute(
            insert(tt.ticket_tag_ops).values(
                incident_id=incident_id,
                action=action,
                tag=tag,
                refs=list(refs),
                state="pending",
                attempts=0,
                next_attempt_at=at,
                created_at=at,
            )
        )

    def any_tag_op_due(self, *, now: datetime) -> bool:
        o = tt.ticket_tag_ops
        query = select(o.c.id).where(o.c.state == "pending", o.c.next_attempt_at <= now).limit(1)
        return self.connection.execute(query).first() is not None

    def claim_tag_ops(self, *, now: datetime, limit: int, lease: timedelta) -> list[TagOp]:
        o = tt.ticket_tag_ops
        query = select(o).where(o.c.state == "pending", o.c.next_attempt_at <= now)
        query = _skip_locked(self.connection, query.order_by(o.c.id).limit(limit))
        rows = list(self.connection.execute(query).mappings())
        if rows:
            # Leased by pushing the next attempt out: a worker that dies leaves it due again later.
            self.connection.execute(
                update(o)
                .where(o.c.id.in_([row["id"] for row in rows]))
                .values(next_attempt_at=now + lease, attempts=o.c.attempts + 1)
            )
        return [
            TagOp(
                row["id"],
                row["incident_id"],
                row["action"],
                row["tag"],
                tuple(row["refs"]),
                row["attempts"] + 1,
            )
            for row in rows
        ]

    def finish_tag_op(self, op_id: int, *, state: str, at: datetime, error: str | None = None) -> None:
        o = tt.ticket_tag_ops
        self.connection.execute(
            update(o).where(o.c.id == op_id).values(state=state, done_at=at, last_error=error)
        )

    def retry_tag_op(self, op_id: int, *, at: datetime, error: str) -> None:
        o = tt.ticket_tag_ops
        self.connection.execute(update(o).where(o.c.id == op_id).values(next_attempt_at=at, last_error=error))

    def pending_tag_ops(self, incident_id: int) -> int:
        o = tt.ticket_tag_ops
        query = (
            select(func.count()).select_from(o).where(o.c.incident_id == incident_id, o.c.state == "pending")
        )
        return int(self.connection.execute(query).scalar_one())

    # ----- webhook inbox -----------------------------------------------------------------------------

    def accept(self, *, source: str, delivery_id: str, event_type: str, body: str, at: datetime) -> bool:
        """Store a delivery; False when this delivery id was stored before (a retry or replay)."""
        w = tt.webhook_inbox
        found = self.connection.execute(
            select(w.c.id).where(w.c.source == source, w.c.delivery_id == delivery_id)
        ).first()
        if found:
            return False
        nested = self.connection.begin_nested()
        try:
            self.connection.execute(
                insert(w).values(
                    source=source,
                    delivery_id=delivery_id,
                    event_type=event_type,
                    body=body,
                    state="pending",
                    received_at=at,
                )
            )
        except IntegrityError:  # the same delivery arrived twice at once; the other one won
            nested.rollback()
            return False
        nested.commit()
        return True

    def any_inbox_pending(self) -> bool:
        w = tt.webhook_inbox
        return (
            self.connection.execute(select(w.c.id).where(w.c.state == "pending").limit(1)).first() is not None
        )

    def peek_inbox(self, *, limit: int) -> list[InboxItem]:
        """The next pending deliveries, without claiming them (to prepare work outside a write)."""
        w = tt.webhook_inbox
        query = select(w).where(w.c.state == "pending").order_by(w.c.id).limit(limit)
        return [
            InboxItem(row["id"], row["source"], row["delivery_id"], row["event_type"], row["body"])
            for row in self.connection.execute(query).mappings()
        ]

    def claim_inbox(self, *, limit: int) -> list[InboxItem]:
        w = tt.webhook_inbox
        query = _skip_locked(
            self.connection, select(w).where(w.c.state == "pending").order_by(w.c.id).limit(limit)
        )
        return [
            InboxItem(row["id"], row["source"], row["delivery_id"], row["event_type"], row["body"])
            for row in self.connection.execute(query).mappings()
        ]

    def finish_inbox(self, item_id: int, *, state: str, at: datetime, error: str | None = None) -> None:
        w = tt.webhook_inbox
        self.connection.execute(
            update(w).where(w.c.id == item_id).values(state=state, processed_at=at, error=error)
        )

    def inbox_counts(self) -> dict[str, int]:
        w = tt.webhook_inbox
        return {
            row[0]: int(row[1])
            for row in self.connection.execute(select(w.c.state, func.count()).group_by(w.c.state))
        }

    # ----- bulk replies ------------------------------------------------------------------------------

    def create_run(
        self,
        *,
        incident_id: int,
        source: ReplySource,
        source_ref: str,
        body: str,
        public: bool,
        status_change: TicketStatus | None,
        created_by: str,
        at: datetime,
    ) -> int:
        result = self.connection.execute(
            insert(tt.bulk_replies)
            .values(
                incident_id=incident_id,
                source=source.value,
                source_ref=source_ref,
                body=body,
                public=public,
                status_change=status_change.value if status_change else None,
                state=RunState.RUNNING.value,
                created_by=created_by,
                created_at=at,
            )
            .returning(tt.bulk_replies.c.id)
        )
        return int(result.scalar_one())

    def add_items(
        self, run_id: int, items: Sequence[tuple[int, str, ItemState, str | None]], at: datetime
    ) -> None:
        rows = [
            {
                "run_id": run_id,
                "ticket_id": ticket_id,
                "ref": ref,
                "state": state.value,
                "reason": reason,
                "attempts": 0,
                "updated_at": at,
            }
            for ticket_id, ref, state, reason in items
        ]
        for start in range(0, len(rows), 1000):
            self.connection.execute(insert(tt.bulk_reply_items), rows[start : start + 1000])

    def run(self, run_id: int) -> BulkRun | None:
        if not storable_id(run_id):
            return None
        row = (
            self.connection.execute(select(tt.bulk_replies).where(tt.bulk_replies.c.id == run_id))
            .mappings()
            .first()
        )
        return _run(row) if row else None

    def runs_for(self, incident_id: int) -> list[BulkRun]:
        b = tt.bulk_replies
        rows = self.connection.execute(
            select(b).where(b.c.incident_id == incident_id).order_by(b.c.id)
        ).mappings()
        return [_run(row) for row in rows]

    def replied_refs(self, incident_id: int, source: ReplySource, source_ref: str) -> set[str]:
        """Tickets that already got this same text in an earlier run of this incident."""
        b, i = tt.bulk_replies, tt.bulk_reply_items
        query = (
            select(i.c.ref)
            .join(b, b.c.id == i.c.run_id)
            .where(
                b.c.incident_id == incident_id,
                b.c.source == source.value,
                b.c.source_ref == source_ref,
                i.c.state.in_([ItemState.REPLIED.value, ItemState.SENDING.value, ItemState.SUBMITTED.value]),
            )
        )
        return {row[0] for row in self.connection.execute(query)}

    def claim_run(self, *, now: datetime, lease: timedelta, worker: str) -> BulkRun | None:
        """The oldest running run whose lease is free, leased to ``worker``."""
        b = tt.bulk_replies
        free = or_(b.c.lease_until.is_(None), b.c.lease_until <= now, b.c.leased_by == worker)
        query = select(b).where(b.c.state == RunState.RUNNING.value, free).order_by(b.c.id).limit(1)
        row = self.connection.execute(_skip_locked(self.connection, query)).mappings().first()
        if row is None:
            return None
        self.connection.execute(
            update(b).where(b.c.id == row["id"]).values(lease_until=now + lease, leased_by=worker)
        )
        return _run(row)

    def any_run_due(self, *, now: datetime, worker: str | None = None) -> bool:
        """A running run nobody holds; or one ``worker`` holds (itself, before a restart)."""
        b = tt.bulk_replies
        free = or_(b.c.lease_until.is_(None), b.c.lease_until <= now, b.c.leased_by == worker)
        query = select(b.c.id).where(b.c.state == RunState.RUNNING.value, free).limit(1)
        return self.connection.execute(query).first() is not None

    def extend_lease(self, run_id: int, *, until: datetime, worker: str) -> bool:
        b = tt.bulk_replies
        result = self.connection.execute(
            update(b)
            .where(b.c.id == run_id, b.c.leased_by == worker, b.c.state == RunState.RUNNING.value)
            .values(lease_until=until)
        )
        return bool(result.rowcount)

    def release_run(self, run_id: int, worker: str) -> None:
        b = tt.bulk_replies
        self.connection.execute(
            update(b)
            .where(b.c.id == run_id, b.c.leased_by == worker)
            .values(lease_until=None, leased_by=None)
        )

    def finish_run(self, run_id: int, *, state: RunState, at: datetime) -> None:
        b = tt.bulk_replies
        self.connection.execute(
            update(b).where(b.c.id == run_id).values(state=state.value, finished_at=at, lease_until=None)
        )

    def items(self, run_id: int, states: Sequence[ItemState], *, limit: int) -> list[LedgerItem]:
        i = tt.bulk_reply_items
        query = (
            select(i)
            .where(i.c.run_id == run_id, i.c.state.in_([s.value for s in states]))
            .order_by(i.c.ticket_id)
            .limit(limit)
        )
        return [_item(row) for row in self.connection.execute(query).mappings()]

    def all_items(self, run_id: int, *, limit: int, offset: int = 0) -> list[tuple[LedgerItem, str | None]]:
        i = tt.bulk_reply_items
        query = select(i).where(i.c.run_id == run_id).order_by(i.c.ticket_id).offset(offset).limit(limit)
        return [(_item(row), row["reason"]) for row in self.connection.execute(query).mappings()]

    def set_items(
        self,
        run_id: int,
        ticket_ids: Sequence[int],
        *,
        state: ItemState,
        at: datetime,
        job_id: str | None = None,
        reason: str | None = None,
        count_attempt: bool = False,
        only_from: Sequence[ItemState] | None = None,
    ) -> int:
        i = tt.bulk_reply_items
        changed = 0
        values: dict[str, Any] = {"state": state.value, "updated_at": at, "job_id": job_id, "reason": reason}
        if count_attempt:
            values["attempts"] = i.c.attempts + 1
        for start in range(0, len(ticket_ids), 500):
            where = and_(i.c.run_id == run_id, i.c.ticket_id.in_(list(ticket_ids[start : start + 500])))
            if only_from is not None:
                where = and_(where, i.c.state.in_([s.value for s in only_from]))
            changed += self.connection.execute(update(i).where(where).values(values)).rowcount or 0
        return changed

    def counts(self, run_id: int) -> dict[ItemState, int]:
        i = tt.bulk_reply_items
        query = select(i.c.state, func.count()).where(i.c.run_id == run_id).group_by(i.c.state)
        found = {ItemState(row[0]): int(row[1]) for row in self.connection.execute(query)}
        return {state: found.get(state, 0) for state in ItemState}
