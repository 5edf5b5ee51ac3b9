"""The worker's ticket jobs: process stored webhook deliveries, apply queued tag operations in the
ticket system (recorded on the incident's timeline), and send bulk replies."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sirf.domain import events as ev
from sirf.domain.delivery import RetryPolicy
from sirf.domain.errors import DomainError
from sirf.domain.regions import region_on_shift
from sirf.domain.roles import Role
from sirf.domain.surge import Surge
from sirf.logs import redact
from sirf.services.bulk_runner import BulkReplyRunner
from sirf.services.context import Env
from sirf.services.ports import Notification, UnitOfWork
from sirf.services.ticket_figures import find_surges, refresh_impact_facts
from sirf.services.ticket_inbox import EventParser, process_inbox, tag_in_system
from sirf.services.ticket_ports import MAX_BATCH, DeliveryFailed, TicketSystem
from sirf.services.ticket_store import TagOp
from sirf.services.tickets import BUILTIN, ref_order

log = logging.getLogger(__name__)


@dataclass
class TicketJobs:
    uow_factory: Callable[[], UnitOfWork]
    env: Env
    system: TicketSystem
    parse: EventParser | None = None  # None: no webhook source configured
    name: str = "worker"
    reply_budget: float = 20.0  # seconds of bulk replying per pass, so other work is not starved
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    lease: timedelta = timedelta(minutes=2)
    runner: BulkReplyRunner | None = None
    facts_interval: float = 60.0  # seconds between refreshes of impact facts from the tickets
    surge_interval: float = 300.0  # seconds between surge checks
    monotonic: Callable[[], float] = time.monotonic
    _last_facts: float | None = None
    _last_surges: float | None = None
    ratings_interval: float = 900.0  # seconds between pulls of new satisfaction ratings (CSAT)
    _ratings_since: datetime | None = None
    _last_ratings: float | None = None

    def __post_init__(self) -> None:
        if self.runner is None:
            self.runner = BulkReplyRunner(self.uow_factory, self.env, self.system, name=self.name)

    def run_once(self) -> int:
        handled = 0
        if self.parse is not None:
            handled += process_inbox(
                self.uow_factory,
                self.env,
                system=self.system.name,
                parse=self.parse,
                organisations=self.system.organisations if self.system.name != BUILTIN else None,
            )
        handled += self.apply_tag_ops()
        assert self.runner is not None
        replying = self.runner.run_once(budget=self.reply_budget)
        handled += replying
        if not replying:
            # The periodic jobs wait while a bulk reply runs: between two of its passes they would
            # leave the rate budget unused (figures over 20,000 tickets take a second or two).
            self.refresh_facts()
            self.watch_surges()
            self.sync_ratings()
        return handled

    def sync_ratings(self) -> int:
        """Zendesk sends no webhook for a rating: pull new ones now and then (the built-in store
        records them itself). The first pull reaches back over the CSAT baseline period."""
        if self.system.name == BUILTIN:
            return 0
        if not self._due(self._last_ratings, self.ratings_interval):
            return 0
        # Tried at most once an interval, failed or not: while Zendesk is down each try waits out
        # its own retries, which must not slow every pass.
        self._last_ratings = self.monotonic()
        now = self.env.clock.now()
        since = self._ratings_since or now - timedelta(days=self.env.framework.tickets.csat_baseline_days)
        try:
            ratings = [
                (r.ref, r.score.value, r.at) for r in self.system.ratings(since - timedelta(minutes=5))
            ]
        except DeliveryFailed as failure:
            log.warning("pulling satisfaction ratings failed: %s", redact(failure.message))
            return 0
        uow = self.uow_factory()
        with uow(write=True):
            known = uow.tickets.set_satisfaction(self.system.name, ratings)
            uow.commit()
        self._ratings_since = now
        return known

    def _due(self, last: float | None, interval: float) -> bool:
        return last is None or self.monotonic() - last >= interval

    def refresh_facts(self) -> int:
        """F7: "several customers affected" and "SLA at risk" follow the linked tickets."""
        if not self._due(self._last_facts, self.facts_interval):
            return 0
        self._last_facts = self.monotonic()
        uow = self.uow_factory()
        with uow(write=False):
            incidents = [tag.incident_id for tag in uow.tickets.active_tags()]
        changed = 0
        for incident_id in incidents:
            try:
                changed += refresh_impact_facts(incident_id, uow=self.uow_factory(), env=self.env)
            except DomainError as error:  # e.g. closed meanwhile: the next pass sees it
                log.info("impact facts of #%s not refreshed: %s", incident_id, error.message)
        return changed

    def watch_surges(self) -> int:
        """F7, F5.2: a surge mostly linked to an active incident joins it (the rest of its tickets
        are linked); any other surge is proposed to the SMOC and CMOC on call, again only after
        ``SURGE_REPEAT``."""
        if not self._due(self._last_surges, self.surge_interval):
            return 0
        self._last_surges = self.monotonic()
        now = self.env.clock.now()
        surges = find_surges(uow=self.uow_factory(), env=self.env, system=self.system.name, now=now)
        if not surges:
            return 0
        notes: list[Notification] = []
        uow = self.uow_factory()
        with uow(write=True):
            for surge in surges:
                owner = self._owner(uow, surge)
                if owner is not None:
                    self._attach(uow, owner, surge, now)
                else:
                    notes.extend(
                        n for n in surge_notifications(self.env, surge, now) if not _told(uow, n, now)
                    )
            uow.notifications.add_all(notes)
            uow.commit()
        return len(notes)

    def _owner(self, uow: UnitOfWork, surge: Surge) -> int | None:
        """The active incident holding at least half of the surge's tickets, if any."""
        ids = list(uow.tickets.ids(self.system.name, list(surge.refs)).values())
        votes = {
            tag.incident_id: len(uow.tickets.linked_among(tag.incident_id, ids))
            for tag in uow.tickets.active_tags()
        }
        best = max(votes.items(), key=lambda item: (item[1], -item[0]), default=None)
        return best[0] if best is not None and best[1] * 2 >= len(surge.refs) else None

    def _attach(self, uow: UnitOfWork, incident_id: int, surge: Surge, now: datetime) -> None:
        stored = uow.tickets.by_refs(self.system.name, list(surge.refs))
        new = set(
            uow.tickets.link(incident_id, [s.id for s in stored.values()], reason="surge", by="sirf", at=now)
        )
        if not new:
            return
        tag = uow.tickets.tag_of(incident_id)
        added = [s.ticket for s in stored.values() if s.id in new]
        if tag is not None:
            tag_in_system(uow, self.system.name, added, tag.tag, incident_id, now)
        refs = tuple(sorted((t.ref for t in added), key=ref_order))
        total = uow.tickets.linked_count(incident_id)
        event = ev.TicketsLinked(at=now, actor="sirf", refs=refs, reason="surge", linked=total)
        uow.incidents.append(incident_id, [event], expected_version=None)

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


SURGE_REPEAT = timedelta(hours=4)  # a surge still going is proposed again after this long


def _told(uow: UnitOfWork, note: Notification, now: datetime) -> bool:
    """Whether this person had this surge's proposal lately, from any worker (the stored notices
    are the record, so several workers or a restart do not repeat it)."""
    key = note.message.split(":", 1)[0]
    return any(
        earlier.incident_id is None
        and earlier.message.startswith(key)
        and now - earlier.created_at < SURGE_REPEAT
        for earlier in uow.notifications.for_recipient(note.recipient, limit=100)
    )


def surge_notifications(env: Env, surge: Surge, now: datetime) -> list[Notification]:
    region = region_on_shift(env.framework.region_hours, now)
    people = {env.framework.roster.on_call(role, region) for role in (Role.SMOC, Role.CMOC)} - {None}
    orgs = ", ".join(surge.organisations[:5]) or "no organisation named"
    message = (
        f"ticket surge [{surge.label}]: {surge.reason}. Organisations: {orgs}. Samples: "
        + "; ".join(surge.sample_subjects[:3])
        + ". Declare an incident with `sirf declare` or see `sirf tickets surges`."
    )
    return [Notification(None, person, message[:2000], now) for person in sorted(p for p in people if p)]
