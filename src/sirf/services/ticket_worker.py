"""The worker's ticket jobs: process stored webhook deliveries, apply queued tag operations in the
ticket system (recorded on the incident's timeline), and send bulk replies."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sirf.domain import events as ev
from sirf.domain.delivery import RetryPolicy
from sirf.logs import redact
from sirf.services.bulk_runner import BulkReplyRunner
from sirf.services.context import Env
from sirf.services.ports import UnitOfWork
from sirf.services.ticket_inbox import EventParser, process_inbox
from sirf.services.ticket_ports import MAX_BATCH, DeliveryFailed, TicketSystem
from sirf.services.ticket_store import TagOp

log = logging.getLogger(__name__)


@dataclass
class TicketJobs:
    uow_factory: Callable[[], UnitOfWork]
    env: Env
    system: TicketSystem
    parse: EventParser | None = None  # None: no webhook source configured
    name: str = "worker"
    reply_budget: float = 10.0  # seconds of bulk replying per pass, so other work is not starved
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    lease: timedelta = timedelta(minutes=2)
    runner: BulkReplyRunner | None = None

    def __post_init__(self) -> None:
        if self.runner is None:
            self.runner = BulkReplyRunner(self.uow_factory, self.env, self.system, name=self.name)

    def run_once(self) -> int:
        handled = 0
        if self.parse is not None:
            handled += process_inbox(self.uow_factory, self.env, system=self.system.name, parse=self.parse)
        handled += self.apply_tag_ops()
        assert self.runner is not None
        handled += self.runner.run_once(budget=self.reply_budget)
        return handled

    def apply_tag_ops(self, limit: int = 10) -> int:
        uow = self.uow_factory()
        now = self.env.clock.now()
        with uow(write=False):
            if not uow.ticket_work.any_tag_op_due(now=now):
                return 0
        with uow(write=True):
            ops = uow.ticket_work.claim_tag_ops(now=now, limit=limit, lease=self.lease)
            uow.commit()
        for op in ops:
            self._apply(op)
        return len(ops)

    def _apply(self, op: TagOp) -> None:
        change = self.system.add_tags if op.action == "add" else self.system.remove_tags
        try:
            for start in range(0, len(op.refs), MAX_BATCH):
                change(op.refs[start : start + MAX_BATCH], [op.tag])
        except DeliveryFailed as failure:
            self._failed(op, failure)
            return
        self._finish(op, "done", "")

    def _failed(self, op: TagOp, failure: DeliveryFailed) -> None:
        message = redact(failure.message)[:500]
        delay = self.policy.delay(op.attempts, retry_after=failure.retry_after, unit_random=random.random())  # noqa: S311 (jitter, not a secret)
        if failure.retryable and delay is not None:
            uow = self.uow_factory()
            with uow(write=True):
                uow.ticket_work.retry_tag_op(op.id, at=self.env.clock.now() + delay, error=message)
                uow.commit()
            log.warning("tagging tickets for incident #%s will be retried: %s", op.incident_id, message)
            return
        self._finish(op, "failed", message)

    def _finish(self, op: TagOp, outcome: str, detail: str) -> None:
        now = self.env.clock.now()
        uow = self.uow_factory()
        with uow(write=True):
            uow.ticket_work.finish_tag_op(op.id, state=outcome, at=now, error=detail or None)
            event = ev.TicketsTagged(
                at=now,
                actor="sirf",
                tag=op.tag,
                action=op.action,
                refs=op.refs,
                outcome=outcome,
                detail=detail,
            )
            uow.incidents.append(op.incident_id, [event], expected_version=None)
            uow.commit()
