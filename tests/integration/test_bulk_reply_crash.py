"""Kill the worker in the middle of a bulk reply, restart it, and check that every ticket has exactly
one reply (SQLite file and PostgreSQL).

The worker is a real OS process built from settings the way ``sirf worker`` is (DATABASE_URL,
SIRF_DATA_DIR); it replies through the built-in ticket system and pauses after each batch reached
the system but before the ledger records it, the worst moment to die. The test SIGKILLs it exactly
then, and a fresh runner finishes the run. The same moment is also staged without processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sirf.adapters.builtin_tickets import BuiltinTickets
from sirf.bootstrap import Container
from sirf.domain.bulk_reply import ItemState, ReplySource, RunState, marker_tag, merge
from sirf.domain.framework import Framework
from sirf.domain.ticket_policy import TicketPolicy
from sirf.services import bulk_replies
from sirf.services.bulk_replies import ReplyRequest
from sirf.services.bulk_runner import BulkReplyRunner
from sirf.services.ticket_ports import Reply, TicketSearch
from sirf.services.tickets import BUILTIN, link_matches
from tests.conftest import FakeClock
from tests.integration.comms_support import CMOC, staffed_incident
from tests.integration.ticket_support import (
    DRAFTING,
    RecordingSystem,
    counts,
    events_of,
    many_builtin,
    run_to_end,
    tag_of,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
TICKETS = 400  # four batches of 100
PAUSE = 0.3  # seconds the child waits after each batch reached the system, before recording it
MACRO = "Hi {{ requester }}, we are working on {{ incident_title }} (ticket {{ ticket_id }})."


@pytest.fixture
def framework() -> Framework:
    return Framework(tickets=TicketPolicy(macros={"ack": MACRO}))


# ----- the child process -------------------------------------------------------------------------------


class PausingBuiltin:
    """The built-in system, pausing after each batch was applied (and committed) there."""

    def __init__(self, inner: BuiltinTickets, pause: float) -> None:
        self.inner = inner
        self.pause = pause

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    @property
    def name(self) -> str:
        return self.inner.name

    def submit_replies(self, replies: Sequence[Reply]) -> str:
        job = self.inner.submit_replies(replies)
        time.sleep(self.pause)
        return job


def worker_main() -> None:
    """What the killed worker runs: the container from the environment, then reply passes forever."""
    from sirf.bootstrap import build
    from sirf.config import Settings

    container = build(Settings.from_env(), framework=Framework())
    system = PausingBuiltin(BuiltinTickets(container.uow, container.env.clock), float(os.environ["PAUSE"]))
    runner = BulkReplyRunner(
        container.uow, container.env, system, name="doomed", max_in_flight=1, poll_interval=0.0
    )
    while True:
        runner.run_once(budget=30.0)
        time.sleep(0.05)


def start_worker(database_url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "SIRF_DATA_DIR": str(data_dir), "PAUSE": str(PAUSE)}
    with (data_dir / "worker.log").open("wb") as log:  # the child keeps its own handle
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from tests.integration.test_bulk_reply_crash import worker_main; worker_main()",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


# ----- helpers -----------------------------------------------------------------------------------------


def linked_run(container: Container) -> tuple[int, int, dict[str, int]]:
    """An incident with TICKETS linked built-in tickets and a started "ack" run: (incident, run, ref->id)."""
    incident_id = staffed_incident(container)
    tag = tag_of(container, incident_id)
    refs = many_builtin(container, TICKETS, tag)
    system = BuiltinTickets(container.uow, container.env.clock)
    result = link_matches(
        incident_id,
        TicketSearch(tag=tag, limit=TICKETS),
        actor=CMOC,
        uow=container.uow(),
        env=container.env,
        system=system,
    )
    assert result.total == TICKETS
    progress = bulk_replies.start_reply(
        incident_id,
        ReplyRequest(ReplySource.MACRO, "ack"),
        actor=CMOC,
        uow=container.uow(),
        env=container.env,
        drafting=DRAFTING,
    )
    assert progress.counts[ItemState.PENDING] == TICKETS
    uow = container.uow()
    with uow(write=False):
        ids = uow.tickets.ids(BUILTIN, refs)
    return incident_id, progress.run.id, ids


def markers(container: Container, run_id: int) -> dict[int, int]:
    uow = container.uow()
    with uow(write=False):
        return uow.tickets.marker_counts(marker_tag(run_id))


def items(container: Container, run_id: int, state: ItemState) -> set[str]:
    uow = container.uow()
    with uow(write=False):
        return {item.ref for item in uow.ticket_work.items(run_id, [state], limit=100_000)}


def assert_exactly_one_reply_each(
    container: Container, incident_id: int, run_id: int, ids: dict[str, int]
) -> None:
    progress = bulk_replies.reply_progress(incident_id, run_id, uow=container.uow())
    assert progress.run.state is RunState.COMPLETED
    assert progress.counts[ItemState.REPLIED] == TICKETS
    assert progress.total == TICKETS
    # Every target carries exactly one comment with this run's marker, and the ledger agrees.
    assert markers(container, run_id) == dict.fromkeys(ids.values(), 1)
    assert items(container, run_id, ItemState.REPLIED) == set(ids)
    uow = container.uow()
    with uow(write=False):
        ref, ticket_id = next(iter(ids.items()))
        comments = uow.tickets.comments(ticket_id)
        ticket = uow.tickets.get(BUILTIN, ref)
    assert ticket is not None
    assert [c["body"] for c in comments] == [
        merge(MACRO, ticket.ticket, incident_id=incident_id, incident_title="Users cannot sign in")
    ]
    replied = [ref for event in events_of(container, incident_id, "tickets.replied") for ref in event["refs"]]
    assert sorted(replied) == sorted(ids)  # each ticket recorded once on the timeline
    finished = events_of(container, incident_id, "tickets.bulk_reply_finished")
    assert finished == [
        {"run_id": run_id, "state": "completed", "replied": TICKETS, "skipped": 0, "failed": 0}
    ]


def fresh_runner(container: Container) -> tuple[BulkReplyRunner, RecordingSystem]:
    system = RecordingSystem(BuiltinTickets(container.uow, container.env.clock))
    runner = BulkReplyRunner(
        container.uow, container.env, system, name="restarted", poll_interval=0.0, sleep=lambda _: None
    )
    return runner, system


# ----- the tests ---------------------------------------------------------------------------------------


def test_a_worker_killed_mid_run_is_replaced_and_every_ticket_gets_exactly_one_reply(
    container: Container, database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    incident_id, run_id, ids = linked_run(container)
    worker = start_worker(database_url, tmp_path)

    def at_the_worst_moment() -> bool:
        # A batch reached the ticket system (its markers are there) but the ledger still says
        # "sending", while earlier batches are recorded as replied and later ones wait.
        state = counts(container, run_id)
        landed = len(markers(container, run_id))
        return 0 < state[ItemState.REPLIED] < landed < TICKETS and state[ItemState.SENDING] > 0

    try:
        caught = wait_until(at_the_worst_moment, timeout=30.0, every=0.01)
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert caught, (tmp_path / "worker.log").read_text()[-3000:]

    at_kill = counts(container, run_id)
    landed_refs = {ref for ref, tid in ids.items() if tid in markers(container, run_id)}
    sending = items(container, run_id, ItemState.SENDING)
    assert 0 < at_kill[ItemState.REPLIED] < TICKETS
    assert sending & landed_refs  # replies that reached the system without the ledger knowing
    assert at_kill[ItemState.PENDING] > 0
    assert set(markers(container, run_id).values()) == {1}

    # The restarted worker takes the run over once the dead one's lease has lapsed.
    clock.current = max(clock.now(), datetime.now(UTC)) + timedelta(minutes=5)
    runner, system = fresh_runner(container)
    run_to_end(container, runner, incident_id, run_id)

    assert not set(system.sent) & landed_refs  # settled by their markers, not sent again
    assert sorted(system.sent) == sorted(set(ids) - landed_refs)  # the rest, once each
    assert_exactly_one_reply_each(container, incident_id, run_id, ids)


def test_replies_that_reached_the_system_before_a_crash_are_found_not_resent(container: Container) -> None:
    """The worst moment staged by hand: rows are "sending" and their batch DID reach the system."""
    incident_id, run_id, ids = linked_run(container)
    env = container.env
    uow = container.uow()
    with uow(write=True):
        batch = uow.ticket_work.items(run_id, [ItemState.PENDING], limit=150)
        uow.ticket_work.set_items(
            run_id,
            [i.ticket_id for i in batch],
            state=ItemState.SENDING,
            at=env.clock.now(),
            count_attempt=True,
        )
        tickets = uow.tickets.by_refs(BUILTIN, [i.ref for i in batch])
        uow.commit()
    reached = [i.ref for i in batch[:100]]  # handed over, then the worker died before recording it
    lost = {i.ref for i in batch[100:]}  # claimed as "sending", but the request never went out
    BuiltinTickets(container.uow, env.clock).submit_replies(
        [
            Reply(
                ref=ref,
                body=merge(
                    MACRO, tickets[ref].ticket, incident_id=incident_id, incident_title="Users cannot sign in"
                ),
                marker_tag=marker_tag(run_id),
                updated_stamp=tickets[ref].ticket.updated_at,
            )
            for ref in reached
        ]
    )
    assert items(container, run_id, ItemState.SENDING) == set(reached) | lost

    runner, system = fresh_runner(container)
    run_to_end(container, runner, incident_id, run_id)

    assert not set(system.sent) & set(reached)
    assert lost <= set(system.sent)
    assert len(system.sent) == len(set(system.sent)) == TICKETS - len(reached)
    assert_exactly_one_reply_each(container, incident_id, run_id, ids)
