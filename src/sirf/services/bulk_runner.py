"""The worker's side of F5.1 bulk replies: send a run's replies in batches, with a ledger row per
ticket, so a crash or restart resumes and no ticket gets the same reply twice.

One run is leased to one worker at a time. Each pass:

1. polls the jobs in flight (one call for all of them) and records replied / failed tickets;
2. re-checks tickets whose fate is unknown (``sending``: a crash between handing a batch over and
   recording its job id, a lost answer, a forgotten job, a safe-update conflict): a ticket that
   carries the run's marker tag got the reply; one that does not goes back to ``pending``, sent
   again with its fresh ``updated_at`` so the ticket system refuses a duplicate (safe update);
3. hands over new batches of 100 while fewer than ``max_in_flight`` jobs are open.

Ledger rows move to ``sending`` in a committed transaction *before* the request goes out, so a
crash never leaves a ticket "pending" whose reply may have been sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sirf.domain import events as ev
from sirf.domain.bulk_reply import ItemState, RunState, marker_tag, merge
from sirf.logs import redact
from sirf.services.bulk_replies import finish_run
from sirf.services.context import Env, get_or_raise
from sirf.services.ports import UnitOfWork
from sirf.services.ticket_ports import MAX_BATCH, DeliveryFailed, Reply, ReplyOutcome, TicketSystem
from sirf.services.ticket_store import BulkRun

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
OPEN = (ItemState.PENDING, ItemState.SENDING, ItemState.SUBMITTED)


@dataclass
class BulkReplyRunner:
    uow_factory: Callable[[], UnitOfWork]
    env: Env
    system: TicketSystem
    name: str = "worker"
    max_in_flight: int = 20  # Zendesk allows about 30 queued jobs per account; leave room for others
    poll_interval: float = 2.0  # seconds between job polls (reliability.md §3.2: >= 2 s)
    tail_poll_interval: float = 1.0  # once everything is handed over: the run ends at the next poll
    lease: timedelta = timedelta(minutes=2)
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _stamps: dict[str, datetime] = field(default_factory=dict)  # ref -> updated_at re-read after a doubt
    _last_poll: dict[int, float] = field(default_factory=dict)  # run id -> when its jobs were polled

    def run_once(self, *, budget: float = 30.0) -> int:
        """Work on one due run for up to ``budget`` seconds; returns tickets settled (0: idle)."""
        uow = self.uow_factory()
        now = self.env.clock.now()
        with uow(write=False):
            if not uow.ticket_work.any_run_due(now=now, worker=self.name):
                return 0
        with uow(write=True):
            run = uow.ticket_work.claim_run(now=now, lease=self.lease, worker=self.name)
            uow.commit()
        if run is None:
            return 0
        try:
            return self._work(run, deadline=self.monotonic() + budget)
        finally:
            with uow(write=True):
                uow.ticket_work.release_run(run.id, self.name)
                uow.commit()

    def _work(self, run: BulkRun, *, deadline: float) -> int:
        # Every poll spends a request of the rate budget that a batch could have used: poll every
        # ``poll_interval`` (kept across passes, so a new pass does not poll at once), and only in
        # the tail, with nothing left to hand over, sooner.
        settled = 0
        last_poll = self._last_poll.get(run.id, float("-inf"))
        in_flight: set[str] = self._open_jobs(run)
        settled += self._verify(run)
        tail = False
        while self.monotonic() < deadline:
            if not self._keep_lease(run):
                # Cancelled (or taken over): what was handed over may still have landed; record what
                # the system can tell now, as no worker leases a cancelled run again.
                return settled + (self._record(run, self._poll(in_flight)[1]) if in_flight else 0)
            interval = self.tail_poll_interval if tail else self.poll_interval
            if in_flight and self.monotonic() - last_poll >= interval:
                last_poll = self._last_poll[run.id] = self.monotonic()
                done, outcomes = self._poll(in_flight)
                settled += self._record(run, outcomes)
                in_flight -= done
                settled += self._verify(run)
            sent = False
            while len(in_flight) < self.max_in_flight and self.monotonic() < deadline:
                job = self._submit_next(run)
                if job is None:
                    tail = True
                    break
                sent = True
                if job:
                    in_flight.add(job)
            if not in_flight and not sent:
                if self._finish_if_done(run):
                    return settled
                if not self._has(run, [ItemState.PENDING, ItemState.SENDING]):
                    return settled
                if self.monotonic() - last_poll >= self.poll_interval:
                    # Nothing in flight, yet tickets are "sending" (a lost answer): settle them by
                    # their markers now rather than idle until the next pass.
                    last_poll = self._last_poll[run.id] = self.monotonic()
                    settled += self._verify(run)
            if not sent:
                self.sleep(min(0.2, max(0.0, deadline - self.monotonic())))
        return settled

    # ----- steps -----------------------------------------------------------------------------------

    def _open_jobs(self, run: BulkRun) -> set[str]:
        uow = self.uow_factory()
        with uow(write=False):
            items = uow.ticket_work.items(run.id, [ItemState.SUBMITTED], limit=1_000_000)
        return {item.job_id for item in items if item.job_id}

    def _poll(self, jobs: set[str]) -> tuple[set[str], dict[str, list[ReplyOutcome]]]:
        try:
            answers = self.system.job_outcomes(sorted(jobs))
        except DeliveryFailed as failure:
            log.warning("polling bulk-reply jobs failed: %s", redact(failure.message))
            return set(), {}
        finished = {job: outcomes for job, outcomes in answers.items() if outcomes is not None}
        return set(finished), finished

    def _record(self, run: BulkRun, finished: dict[str, list[ReplyOutcome]]) -> int:
        if not finished:
            return 0
        now = self.env.clock.now()
        uow = self.uow_factory()
        replied: list[str] = []
        with uow(write=True):
            submitted = uow.ticket_work.items(run.id, [ItemState.SUBMITTED], limit=1_000_000)
            for job, outcomes in finished.items():
                items = {i.ref: i for i in submitted if i.job_id == job}
                by_ref = {o.ref: o for o in outcomes if o.ref}
                ok = [items[ref].ticket_id for ref, o in by_ref.items() if o.ok and ref in items]
                refused = [
                    (items[ref], o)
                    for ref, o in by_ref.items()
                    if not o.ok and not o.conflict and ref in items
                ]
                doubtful = [
                    i.ticket_id for ref, i in items.items() if ref not in by_ref or by_ref[ref].conflict
                ]
                uow.ticket_work.set_items(run.id, ok, state=ItemState.REPLIED, at=now, job_id=job)
                for item, outcome in refused:
                    if item.attempts < MAX_ATTEMPTS or (outcome.error and "unknown job" in outcome.error):
                        # Not ok is unknown, not unreplied (the port's contract): a failed or lost
                        # job may have changed the ticket. Its marker decides; else it is sent again.
                        doubtful.append(item.ticket_id)
                        continue
                    uow.ticket_work.set_items(
                        run.id,
                        [item.ticket_id],
                        state=ItemState.FAILED,
                        at=now,
                        reason=(outcome.error or "")[:200],
                    )
                uow.ticket_work.set_items(run.id, doubtful, state=ItemState.SENDING, at=now, job_id=None)
                replied.extend(ref for ref, o in by_ref.items() if o.ok and ref in items)
            if replied:
                self._timeline(uow, run, replied, now)
            uow.commit()
        return len(replied)

    def _verify(self, run: BulkRun) -> int:
        """Settle ``sending`` tickets by their marker tag: present means replied."""
        uow = self.uow_factory()
        with uow(write=False):
            doubtful = uow.ticket_work.items(run.id, [ItemState.SENDING], limit=1_000_000)
        settled = 0
        marker = marker_tag(run.id)
        for start in range(0, len(doubtful), MAX_BATCH):
            chunk = doubtful[start : start + MAX_BATCH]
            try:
                fresh = {t.ref: t for t in self.system.get_many([i.ref for i in chunk])}
            except DeliveryFailed as failure:
                log.warning("re-reading tickets of bulk reply %s failed: %s", run.id, redact(failure.message))
                return settled
            now = self.env.clock.now()
            replied = [i for i in chunk if i.ref in fresh and marker in fresh[i.ref].tags]
            gone = [i for i in chunk if i.ref not in fresh]
            retry = [i for i in chunk if i.ref in fresh and marker not in fresh[i.ref].tags]
            for item in retry:
                self._stamps[item.ref] = fresh[item.ref].updated_at
            with uow(write=True):
                uow.ticket_work.set_items(
                    run.id,
                    [i.ticket_id for i in replied],
                    state=ItemState.REPLIED,
                    at=now,
                    only_from=[ItemState.SENDING],
                )
                uow.ticket_work.set_items(
                    run.id,
                    [i.ticket_id for i in gone],
                    state=ItemState.FAILED,
                    at=now,
                    reason="the ticket no longer exists",
                    only_from=[ItemState.SENDING],
                )
                exhausted = [i for i in retry if i.attempts >= MAX_ATTEMPTS]
                uow.ticket_work.set_items(
                    run.id,
                    [i.ticket_id for i in exhausted],
                    state=ItemState.FAILED,
                    at=now,
                    reason=f"not confirmed after {MAX_ATTEMPTS} attempts",
                    only_from=[ItemState.SENDING],
                )
                uow.ticket_work.set_items(
                    run.id,
                    [i.ticket_id for i in retry if i.attempts < MAX_ATTEMPTS],
                    state=ItemState.PENDING,
                    at=now,
                    only_from=[ItemState.SENDING],
                )
                if replied:
                    self._timeline(uow, run, [i.ref for i in replied], now)
                uow.commit()
            settled += len(replied) + len(gone)
        return settled

    def _submit_next(self, run: BulkRun) -> str | None:
        """Hand over the next batch; None when nothing is pending, "" when the batch went back."""
        now = self.env.clock.now()
        uow = self.uow_factory()
        with uow(write=True):
            batch = uow.ticket_work.items(run.id, [ItemState.PENDING], limit=MAX_BATCH)
            if not batch:
                return None
            incident = get_or_raise(uow, run.incident_id, roles_only=True)
            stored = uow.tickets.by_refs(self.system.name, [i.ref for i in batch])
            uow.ticket_work.set_items(
                run.id,
                [i.ticket_id for i in batch],
                state=ItemState.SENDING,
                at=now,
                count_attempt=True,
                only_from=[ItemState.PENDING],
            )
            uow.commit()
        marker = marker_tag(run.id)
        replies = [
            Reply(
                ref=item.ref,
                body=merge(
                    run.body,
                    stored[item.ref].ticket,
                    incident_id=run.incident_id,
                    incident_title=incident.title,
                ),
                marker_tag=marker,
                public=run.public,
                status=run.status_change,
                updated_stamp=self._stamps.pop(item.ref, stored[item.ref].ticket.updated_at),
            )
            for item in batch
            if item.ref in stored
        ]
        try:
            job = self.system.submit_replies(replies)
        except DeliveryFailed as failure:
            # The request may or may not have arrived: the tickets stay "sending" and are checked by
            # their marker before anything is sent again.
            log.warning("bulk reply %s: a batch failed: %s", run.id, redact(failure.message))
            if failure.retry_after:
                self.sleep(min(failure.retry_after, 30.0))
            return ""
        with uow(write=True):
            uow.ticket_work.set_items(
                run.id,
                [i.ticket_id for i in batch],
                state=ItemState.SUBMITTED,
                at=self.env.clock.now(),
                job_id=job,
                only_from=[ItemState.SENDING],
            )
            uow.commit()
        return job

    def _finish_if_done(self, run: BulkRun) -> bool:
        now = self.env.clock.now()
        uow = self.uow_factory()
        with uow(write=True):
            counts = uow.ticket_work.counts(run.id)
            if any(counts[state] for state in OPEN):
                return False
            finish_run(uow, run, RunState.COMPLETED, actor="sirf", at=now)
            uow.commit()
        return True

    def _has(self, run: BulkRun, states: list[ItemState]) -> bool:
        uow = self.uow_factory()
        with uow(write=False):
            return bool(uow.ticket_work.items(run.id, states, limit=1))

    def _keep_lease(self, run: BulkRun) -> bool:
        uow = self.uow_factory()
        with uow(write=True):
            kept = uow.ticket_work.extend_lease(
                run.id, until=self.env.clock.now() + self.lease, worker=self.name
            )
            uow.commit()
        return kept

    def _timeline(self, uow: UnitOfWork, run: BulkRun, refs: list[str], now: datetime) -> None:
        uow.incidents.append(
            run.incident_id,
            [ev.TicketsReplied(at=now, actor="sirf", run_id=run.id, refs=tuple(refs))],
            expected_version=None,
        )
