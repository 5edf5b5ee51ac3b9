"""Benchmark sirf's communications path: approval -> status.io through the worker, and reminders.

    .venv/bin/python bench/comms.py                        # both backends, about 3 minutes
    .venv/bin/python bench/comms.py --quick                # smaller samples, about a minute
    .venv/bin/python bench/comms.py --backends sqlite --updates 100 --reminders 2000

1. publish: a real ``sirf server`` (in-process worker, default 1 s idle poll) configured for a
   status.io fake served over HTTP from this process. Per update: declare, assign CMOC and IMOC,
   draft, fill the blanks, request review, approve as IMOC, then, at a random phase of the worker's
   poll, approve as CMOC (t0 = that answer read) and publish. Figure: t0 -> the fake receives the
   create for that incident.
2. reminders: in-process, M update-due reminders for one incident due over the next ~20 s of real
   time, fired by two WorkerLoops on PostgreSQL (one on SQLite). Figures: lost, doubled, lateness.

See bench/README.md ("Communications benchmark"). Markdown on stdout, progress on stderr, JSON in
bench/results/comms-<UTC time>[-quick].json. Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import loadgen
import report
import run
import servers

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))  # for the vendor fakes in tests/vendors

from tests.vendors.fakes import FakeStatusIo  # noqa: E402
from tests.vendors.server import serve  # noqa: E402

if TYPE_CHECKING:
    from sirf.bootstrap import Container

RESULTS_DIR = run.RESULTS_DIR
BACKENDS = run.BACKENDS
API = "/api/v1"
CMOC, IMOC = "bench-cmoc", "bench-imoc"
STATUSIO_ID, STATUSIO_KEY, STATUSIO_PAGE = "bench-id", "bench-key", "bench-page"
FILLED_BODY = (
    "Sign-in fails for most users since 09:12 UTC. We are investigating and will post again within "
    "15 minutes. https://status.example.com/incidents/1"
)
UPDATE_DUE_TEXT = "the next public update is due"  # in every update-due reminder's notification
WORKER_INTERVAL_S = 1.0  # the server's in-process WorkerLoop default; the reminder loops use the same
PUBLISH_P95_MAX_S = 10.0
REMINDER_LATENESS_MAX_S = 30.0
MAX_FLOW_FAILURES = 3  # consecutive failed update flows before the publish phase gives up


@dataclass(frozen=True)
class Plan:
    backends: tuple[str, ...]
    updates: int
    reminders: int
    spread_s: float
    lead_s: float
    grace_s: float
    arrival_timeout_s: float
    pg_admin_url: str
    log_level: str
    seed: int
    quick: bool


def parse_args(argv: list[str] | None = None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma list of sqlite, postgresql")
    parser.add_argument("--updates", type=int, help="updates published end to end (default 50; quick 10)")
    parser.add_argument("--reminders", type=int, help="reminders scheduled (default 1000; quick 200)")
    parser.add_argument("--spread", type=float, help="seconds the due times span (default 20; quick 8)")
    parser.add_argument("--grace", type=float, default=5.0, help="wait after the last due time (default 5 s)")
    parser.add_argument(
        "--arrival-timeout", type=float, default=30.0, help="give up on one update's create after this (s)"
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("SIRF_BENCH_PG_URL", run.DEFAULT_PG_URL),
        help="PostgreSQL URL used to create and drop the bench databases (env SIRF_BENCH_PG_URL)",
    )
    parser.add_argument("--log-level", default="INFO", help="sirf server log level (default INFO)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the approval phases")
    parser.add_argument("--quick", action="store_true", help="smaller samples: a smoke run of about a minute")
    args = parser.parse_args(argv)
    backends = tuple(b.strip() for b in args.backends.split(",") if b.strip())
    if set(backends) - set(BACKENDS) or not backends:
        parser.error(f"--backends: use {', '.join(BACKENDS)} (got {args.backends!r})")
    plan = Plan(
        backends=backends,
        updates=args.updates or (10 if args.quick else 50),
        reminders=args.reminders or (200 if args.quick else 1000),
        spread_s=args.spread or (8.0 if args.quick else 20.0),
        lead_s=1.0 if args.quick else 2.0,
        grace_s=args.grace,
        arrival_timeout_s=args.arrival_timeout,
        pg_admin_url=args.pg_url,
        log_level=args.log_level.upper(),
        seed=args.seed,
        quick=args.quick,
    )
    if min(plan.updates, plan.reminders) < 1 or plan.spread_s <= 0:
        parser.error("--updates and --reminders must be >= 1 and --spread > 0")
    return plan


progress = run.progress


def summarise(values: list[float]) -> dict[str, float | None]:
    """Nearest-rank p50 / p95 / p99 and max, seconds rounded to the millisecond (None when empty)."""
    ordered = sorted(values)
    if not ordered:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    return {
        "p50": round(loadgen.percentile(ordered, 0.50), 3),
        "p95": round(loadgen.percentile(ordered, 0.95), 3),
        "p99": round(loadgen.percentile(ordered, 0.99), 3),
        "max": round(ordered[-1], 3),
    }


# --- databases -----------------------------------------------------------------------------------


def database_url(backend: str, purpose: str, plan: Plan, root: Path, stack: ExitStack) -> str:
    """A fresh database for one phase: a SQLite file under ``root`` or a throw-away PostgreSQL one."""
    if backend == "sqlite":
        (root / purpose).mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{root / purpose / 'sirf.db'}"
    name = f"sirf_bench_comms_{os.getpid()}_{purpose}"
    url = servers.create_postgres_database(plan.pg_admin_url, name)
    stack.callback(servers.drop_postgres_database, plan.pg_admin_url, name)
    return url


# --- 1. second approval -> status.io, through the server's worker --------------------------------

MARKER = re.compile(r" \(#(\d+)\)$")  # sirf names a status.io incident "<title> (#<sirf id>)"


class TimedStatusIo(FakeStatusIo):
    """The status.io fake, also noting when the create for each sirf incident arrived.

    The time is taken in the fake's handler (this process, ``time.monotonic``), so it can be set
    against t0 directly; the caller blocks on a condition instead of polling the fake's state.
    """

    def __init__(self) -> None:
        super().__init__(
            api_id=STATUSIO_ID, api_key=STATUSIO_KEY, page_id=STATUSIO_PAGE, infrastructure=set()
        )
        self.created_at: dict[int, float] = {}
        self.creates: Counter[int] = Counter()
        self._arrived = threading.Condition()

    def _create(self, body: dict[str, Any]) -> str:
        arrived = time.monotonic()
        vendor_id = super()._create(body)
        found = MARKER.search(str(body["incident_name"]))
        if found:
            sirf_id = int(found.group(1))
            with self._arrived:
                self.creates[sirf_id] += 1
                self.created_at.setdefault(sirf_id, arrived)
                self._arrived.notify_all()
        return vendor_id

    def wait_for_create(self, sirf_id: int, timeout: float) -> float | None:
        """When the create for ``sirf_id`` arrived (monotonic), or None after ``timeout`` seconds."""
        with self._arrived:
            self._arrived.wait_for(lambda: sirf_id in self.created_at, timeout)
            return self.created_at.get(sirf_id)


class FlowFailed(RuntimeError):
    pass


class Api:
    """The sirf API as three people: the first-start admin, the CMOC and the IMOC."""

    def __init__(self, url: str, admin_token: str) -> None:
        self.client = httpx.Client(base_url=url + API, timeout=30)
        self.tokens = {"admin": admin_token}

    def call(self, who: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        answer = self.client.request(method, path, json=body, headers=headers)
        if not answer.is_success:
            raise FlowFailed(f"{method} {path} as {who}: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    def add_person(self, username: str) -> None:
        self.call("admin", "POST", "/users", {"username": username, "org_role": "responder"})
        issued = self.call("admin", "POST", "/tokens", {"name": "bench", "username": username})
        self.tokens[username] = issued["token"]

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class Prepared:
    incident_id: int
    update_id: int
    etag: str


@dataclass
class Sample:
    incident_id: int
    latency_s: float | None = None  # t0 -> the fake received the create; None: it never came
    publish_call_s: float | None = None  # t0 -> the publish answer read
    error: str | None = None


def prepare_update(api: Api, n: int) -> Prepared:
    """Everything up to and including the IMOC's approval (untimed)."""
    declared = api.call(
        "admin", "POST", "/incidents", {"title": f"Bench comms {n}", "kind": "saas-outage", "severity": 2}
    )
    incident_id = int(declared["id"])
    for role, person in (("cmoc", CMOC), ("imoc", IMOC)):
        api.call("admin", "PUT", f"/incidents/{incident_id}/roles/{role}", {"person": person})
    drafted = api.call(CMOC, "POST", f"/incidents/{incident_id}/updates", {"template": "initial"})
    update_id = int(drafted["id"])
    if "statusio" not in drafted["channels"]:
        raise FlowFailed(f"update {update_id} would not go to status.io (channels {drafted['channels']})")
    edited = api.call(CMOC, "PATCH", f"/updates/{update_id}", {"body": FILLED_BODY})
    if edited["blanks"]:
        raise FlowFailed(f"update {update_id} still has blanks: {edited['blanks']}")
    reviewed = api.call(CMOC, "POST", f"/updates/{update_id}/request-review", {})
    api.call(IMOC, "POST", f"/updates/{update_id}/approve", {"etag": reviewed["etag"]})
    return Prepared(incident_id, update_id, reviewed["etag"])


def approve_and_publish(api: Api, fake: TimedStatusIo, prepared: Prepared, timeout: float) -> Sample:
    """The CMOC's (second) approval, t0, publish at once, then wait for the create at the fake."""
    sample = Sample(prepared.incident_id)
    path = f"/updates/{prepared.update_id}"
    approved = api.call(CMOC, "POST", f"{path}/approve", {"etag": prepared.etag})
    t0 = time.monotonic()
    if approved["state"] != "approved":
        raise FlowFailed(f"update {prepared.update_id} is {approved['state']} after both approvals")
    published = api.call(CMOC, "POST", f"{path}/publish", {})
    sample.publish_call_s = time.monotonic() - t0
    if published["state"] != "published":
        raise FlowFailed(f"update {prepared.update_id} is {published['state']} after publish")
    arrived = fake.wait_for_create(prepared.incident_id, timeout)
    if arrived is None:
        sample.error = f"no status.io create for incident #{prepared.incident_id} within {timeout:g} s"
    else:
        sample.latency_s = arrived - t0
    return sample


def run_updates(api: Api, fake: TimedStatusIo, plan: Plan) -> list[Sample]:
    """One update at a time; before each t0 a uniform random pause of one poll interval, so t0
    falls at a random phase of the worker's idle poll (otherwise it locks onto the same phase)."""
    rng = random.Random(plan.seed)
    samples: list[Sample] = []
    failures_in_a_row = 0
    for n in range(1, plan.updates + 1):
        incident_id = 0
        try:
            prepared = prepare_update(api, n)
            incident_id = prepared.incident_id
            time.sleep(rng.uniform(0.0, WORKER_INTERVAL_S))
            sample = approve_and_publish(api, fake, prepared, plan.arrival_timeout_s)
        except (FlowFailed, httpx.HTTPError) as exc:
            sample = Sample(incident_id, error=str(exc)[:500])
        samples.append(sample)
        failures_in_a_row = failures_in_a_row + 1 if sample.error else 0
        if sample.error:
            progress(f"  update {n}: {sample.error}")
        if failures_in_a_row >= MAX_FLOW_FAILURES:
            progress(f"  {MAX_FLOW_FAILURES} failures in a row; stopping this phase")
            break
    return samples


def delivered_via_api(api: Api, samples: list[Sample]) -> int:
    """How many of the incidents show their status.io delivery as delivered (sirf's own record)."""
    delivered = 0
    for sample in samples:
        if sample.incident_id:
            items = api.call(CMOC, "GET", f"/incidents/{sample.incident_id}/deliveries")["items"]
            delivered += any(d["channel"] == "statusio" and d["state"] == "delivered" for d in items)
    return delivered


def start_server(
    plan: Plan, root: Path, url: str, statusio_url: str, stack: ExitStack
) -> tuple[servers.Server, str]:
    port = servers.free_port()
    data, config = root / "sirf-data", root / "sirf-config"
    env = servers.clean_environment(
        {
            "SIRF_DATA_DIR": str(data),
            "SIRF_CONFIG_HOME": str(config),
            "DATABASE_URL": url,
            "SIRF_HOST": servers.HOST,
            "SIRF_PORT": str(port),
            "SIRF_LOG_LEVEL": plan.log_level,
            "SIRF_STATUSIO_URL": statusio_url + "/v2",
            "SIRF_STATUSIO_API_ID": STATUSIO_ID,
            "SIRF_STATUSIO_API_KEY": STATUSIO_KEY,
            "SIRF_STATUSIO_PAGE_ID": STATUSIO_PAGE,
        }
    )
    argv = [str(run.SIRF_BIN), "server", "--port", str(port)]
    server = servers.start("sirf", argv, env, port, root / "sirf-server.log")
    stack.callback(server.stop)
    return server, run.read_token(config)


def measure_publish(backend: str, plan: Plan, root: Path) -> dict[str, Any]:
    root.mkdir(parents=True)
    fake = TimedStatusIo()
    with ExitStack() as stack:
        url = database_url(backend, "e2e", plan, root, stack)
        statusio_url = stack.enter_context(serve(fake))
        server, token = start_server(plan, root, url, statusio_url, stack)
        api = Api(server.url, token)
        stack.callback(api.close)
        api.add_person(CMOC)
        api.add_person(IMOC)
        progress(f"{backend}: publishing {plan.updates} updates through `sirf server` to the status.io fake")
        started = time.perf_counter()
        samples = run_updates(api, fake, plan)
        elapsed = time.perf_counter() - started
        delivered = delivered_via_api(api, samples)
        log_errors = run.count_log_errors(server.log_path)
    result = publish_result(samples, fake, delivered, log_errors, elapsed)
    latency = result["latency_s"]
    progress(
        f"  {result['arrived']}/{result['updates']} arrived; p50 {latency['p50']} s, "
        f"p95 {latency['p95']} s, max {latency['max']} s"
    )
    return result


def publish_result(
    samples: list[Sample], fake: TimedStatusIo, delivered: int, log_errors: int, elapsed: float
) -> dict[str, Any]:
    latencies = [s.latency_s for s in samples if s.latency_s is not None]
    return {
        "updates": len(samples),
        "arrived": len(latencies),
        "errors": [s.error for s in samples if s.error],
        "duplicate_creates": sum(n - 1 for n in fake.creates.values() if n > 1),
        "delivered_per_api": delivered,
        "latency_s": summarise(latencies),
        "publish_call_s": summarise([s.publish_call_s for s in samples if s.publish_call_s is not None]),
        "server_log_errors": log_errors,
        "phase_s": round(elapsed, 1),
        "samples": [asdict(s) for s in samples],
    }


# --- 2. reminders fired by WorkerLoops -----------------------------------------------------------


class ErrorCount(logging.Handler):
    """Counts the passes a WorkerLoop logged as failed (it logs and carries on)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            self.first = self.format(record)[-1000:]


@contextmanager
def worker_errors() -> Iterator[ErrorCount]:
    handler = ErrorCount()
    logger = logging.getLogger("sirf.worker")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@contextmanager
def bench_container(url: str, data_dir: Path) -> Iterator[Container]:
    from sirf.adapters.db import migrate
    from sirf.bootstrap import build
    from sirf.config import Settings, normalise_database_url

    data_dir.mkdir(parents=True, exist_ok=True)
    container = build(Settings(data_dir=data_dir, database_url=normalise_database_url(url)))
    try:
        migrate.upgrade(container.database)
        yield container
    finally:
        container.close()


def incident_with_cmoc(container: Container) -> int:
    """One active SEV2 incident whose CMOC is a responder (and no IMOC, so no sync points)."""
    from sirf.domain.raci import Actor, OrgRole
    from sirf.domain.roles import Role
    from sirf.domain.severity import Severity
    from sirf.services import engagement, incidents
    from sirf.services.accounts import create_user

    admin, env, uow = Actor("bench-admin", OrgRole.ADMIN), container.env, container.uow
    create_user(CMOC, org_role=OrgRole.RESPONDER, actor=None, uow=uow(), env=env)
    declaration = incidents.Declaration(title="Bench reminders", kind="saas-outage", severity=Severity.SEV2)
    incident_id = incidents.declare_incident(declaration, actor=admin, uow=uow(), env=env).id
    engagement.assign_role(incident_id, Role.CMOC, CMOC, actor=admin, uow=uow(), env=env)
    return incident_id


def schedule_reminders(container: Container, incident_id: int, plan: Plan) -> list[datetime]:
    """``plan.reminders`` update-due reminders, evenly spaced over ``spread_s`` from now + lead, in
    one transaction through ``SqlReminders.schedule``; returns their due times."""
    from sirf.domain.reminders import ReminderKind

    now = container.env.clock.now()
    first = now + timedelta(seconds=plan.lead_s)
    step = plan.spread_s / plan.reminders
    dues = [first + timedelta(seconds=i * step) for i in range(plan.reminders)]
    uow = container.uow()
    with uow(write=True):
        for due in dues:
            uow.reminders.schedule(incident_id, ReminderKind.UPDATE_DUE, due, now)
        uow.commit()
    return dues


@dataclass
class Fired:
    scheduled: int = 0
    fired: int = 0
    pending: int = 0
    lateness_s: list[float] = field(default_factory=list)
    by_worker: dict[str, int] = field(default_factory=dict)
    notifications: int = 0


def read_outcome(container: Container, incident_id: int) -> Fired:
    """The update-due reminders of the incident, and the CMOC notifications they produced."""
    from sqlalchemy import func, select

    from sirf.adapters.db import comms_tables, tables

    r, n = comms_tables.reminders, tables.notifications
    outcome = Fired()
    with container.database.engine.connect() as connection:
        rows = connection.execute(
            select(r.c.state, r.c.due_at, r.c.fired_at, r.c.fired_by).where(
                r.c.incident_id == incident_id, r.c.kind == "update-due"
            )
        ).all()
        outcome.notifications = int(
            connection.execute(
                select(func.count()).where(
                    n.c.incident_id == incident_id,
                    n.c.recipient == CMOC,
                    n.c.message.contains(UPDATE_DUE_TEXT),
                )
            ).scalar_one()
        )
    outcome.scheduled = len(rows)
    for state, due_at, fired_at, fired_by in rows:
        if state == "fired":
            outcome.fired += 1
            outcome.lateness_s.append((fired_at - due_at).total_seconds())
            outcome.by_worker[fired_by] = outcome.by_worker.get(fired_by, 0) + 1
        elif state == "pending":
            outcome.pending += 1
    return outcome


def run_loops(container: Container, workers: int, until: datetime) -> None:
    """``workers`` WorkerLoops (1 s idle poll, each its own thread) until the clock passes ``until``."""
    from sirf.bootstrap import make_worker
    from sirf.worker.runner import WorkerLoop

    loops = [
        WorkerLoop(make_worker(container, name=f"bench-worker-{i}"), interval=WORKER_INTERVAL_S)
        for i in range(1, workers + 1)
    ]
    for loop in loops:
        loop.start()
    try:
        while (left := (until - container.env.clock.now()).total_seconds()) > 0:
            time.sleep(min(left, 1.0))
    finally:
        for loop in loops:
            loop.stop()


def measure_reminders(backend: str, plan: Plan, root: Path) -> dict[str, Any]:
    workers = 2 if backend == "postgresql" else 1
    with ExitStack() as stack:
        url = database_url(backend, "reminders", plan, root, stack)
        container = stack.enter_context(bench_container(url, root / "reminders"))
        incident_id = incident_with_cmoc(container)
        before = read_outcome(container, incident_id).notifications
        started = time.perf_counter()
        dues = schedule_reminders(container, incident_id, plan)
        scheduling_s = time.perf_counter() - started
        already_due = sum(due <= container.env.clock.now() for due in dues)
        progress(
            f"{backend}: {plan.reminders} reminders scheduled in {scheduling_s:.2f} s, due over "
            f"{plan.spread_s:g} s; {workers} worker loop(s) run until the last is due + {plan.grace_s:g} s"
        )
        with worker_errors() as errors:
            run_loops(container, workers, dues[-1] + timedelta(seconds=plan.grace_s))
        outcome = read_outcome(container, incident_id)
    result = reminders_result(plan, workers, outcome, outcome.notifications - before, errors)
    result |= {"scheduling_s": round(scheduling_s, 2), "due_before_scheduling_committed": already_due}
    late = result["lateness_s"]
    progress(
        f"  fired {outcome.fired}/{plan.reminders}, notifications {result['notifications']}, "
        f"lateness p50 {late['p50']} s, p99 {late['p99']} s, max {late['max']} s, by {outcome.by_worker}"
    )
    return result


def reminders_result(
    plan: Plan, workers: int, outcome: Fired, notifications: int, errors: ErrorCount
) -> dict[str, Any]:
    return {
        "workers": workers,
        "requested": plan.reminders,
        "scheduled": outcome.scheduled,
        "fired": outcome.fired,
        "still_pending": outcome.pending,
        "lost": plan.reminders - outcome.fired,
        "notifications": notifications,
        "doubled": max(0, notifications - outcome.fired),
        "lateness_s": summarise(outcome.lateness_s),
        "fired_by": dict(sorted(outcome.by_worker.items())),
        "failed_worker_passes": errors.count,
        "first_failure": errors.first,
    }


# --- targets and report --------------------------------------------------------------------------


def publish_verdict(backend: str, data: dict[str, Any]) -> report.Verdict:
    p95 = data["latency_s"]["p95"]
    complete = data["arrived"] == data["updates"] and not data["errors"]
    shown = f"p95 {p95} s" if p95 is not None else "no sample"
    if not complete:
        shown += f"; {data['updates'] - data['arrived']} of {data['updates']} never arrived"
    return report.Verdict(
        f"second approval -> status.io create: p95 <= {PUBLISH_P95_MAX_S:g} s",
        backend,
        shown,
        complete and p95 is not None and p95 <= PUBLISH_P95_MAX_S,
    )


def reminder_verdicts(backend: str, data: dict[str, Any]) -> list[report.Verdict]:
    late_max = data["lateness_s"]["max"]
    n = data["requested"]
    return [
        report.Verdict("reminders: none lost", backend, f"{data['fired']} of {n} fired", data["lost"] == 0),
        report.Verdict(
            "reminders: none doubled (one CMOC notification each)",
            backend,
            f"{data['notifications']} notifications for {data['fired']} fired",
            data["notifications"] == data["fired"],
        ),
        report.Verdict(
            f"reminders: every one within {REMINDER_LATENESS_MAX_S:g} s of due",
            backend,
            f"max {late_max} s" if late_max is not None else "none fired",
            data["lost"] == 0 and late_max is not None and late_max <= REMINDER_LATENESS_MAX_S,
        ),
    ]


def evaluate(results: dict[str, Any]) -> list[report.Verdict]:
    verdicts: list[report.Verdict] = []
    for backend, data in results["backends"].items():
        verdicts.append(publish_verdict(backend, data["publish"]))
        verdicts += reminder_verdicts(backend, data["reminders"])
    return verdicts


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _publish_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for backend, data in results["backends"].items():
        p, latency, call = data["publish"], data["publish"]["latency_s"], data["publish"]["publish_call_s"]
        rows.append(
            [
                backend,
                f"{p['arrived']} / {p['updates']}",
                _s(latency["p50"]),
                _s(latency["p95"]),
                _s(latency["max"]),
                f"{call['p50'] * 1000:.0f}" if call["p50"] is not None else "-",
                str(p["duplicate_creates"]),
                f"{p['delivered_per_api']} / {p['updates']}",
                str(p["server_log_errors"]),
            ]
        )
    return rows


def _reminder_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for backend, data in results["backends"].items():
        r, late = data["reminders"], data["reminders"]["lateness_s"]
        rows.append(
            [
                backend,
                str(r["workers"]),
                f"{r['fired']} / {r['requested']}",
                str(r["lost"]),
                str(r["notifications"]),
                str(r["doubled"]),
                _s(late["p50"]),
                _s(late["p99"]),
                _s(late["max"]),
                ", ".join(f"{name}: {count}" for name, count in r["fired_by"].items()) or "-",
                str(r["failed_worker_passes"]),
            ]
        )
    return rows


def markdown(results: dict[str, Any], verdicts: list[report.Verdict]) -> str:
    s, env = results["settings"], results["environment"]
    parts = [
        f"## Second approval -> status.io create, through `sirf server`'s in-process worker "
        f"({s['updates']} updates, one at a time)",
        report.table(
            [
                "backend",
                "arrived",
                "p50 s",
                "p95 s",
                "max s",
                "publish call p50 ms",
                "duplicate creates",
                "delivered (API)",
                "server log errors",
            ],
            _publish_rows(results),
        ),
        f"## Reminders — {s['reminders']} update-due reminders due over {s['spread_s']:g} s, "
        f"checked {s['grace_s']:g} s after the last is due",
        report.table(
            [
                "backend",
                "worker loops",
                "fired",
                "lost",
                "CMOC notifications",
                "doubled",
                "lateness p50 s",
                "p99 s",
                "max s",
                "fired by",
                "failed passes",
            ],
            _reminder_rows(results),
        ),
        *report.host_and_targets(env, verdicts),
    ]
    return "\n\n".join(parts) + "\n"


def check_postgres(plan: Plan) -> None:
    if "postgresql" in plan.backends and (problem := servers.postgres_reachable(plan.pg_admin_url)):
        sys.exit(
            f"PostgreSQL is not reachable at {plan.pg_admin_url}: {problem}\n"
            "Start it, pass --pg-url, or run with --backends sqlite."
        )


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    check_postgres(plan)
    started = time.perf_counter()
    settings = {k: v for k, v in asdict(plan).items() if k != "pg_admin_url"}
    results: dict[str, Any] = {"environment": run.environment(), "settings": settings, "backends": {}}
    busy = results["environment"]["host_busy_before"] = run.host_busy()
    if busy > report.HOST_BUSY_WARNING:
        progress(f"warning: the host is already {busy:.0%} busy; figures will be noisier")
    with tempfile.TemporaryDirectory(prefix="sirf-bench-comms-") as tmp:
        for backend in plan.backends:
            root = Path(tmp) / backend
            results["backends"][backend] = {
                "publish": measure_publish(backend, plan, root),
                "reminders": measure_reminders(backend, plan, root),
            }
    results["environment"]["host_busy_after"] = run.host_busy()
    verdicts = evaluate(results)
    results["targets"] = [asdict(v) for v in verdicts]
    results["duration_s"] = round(time.perf_counter() - started, 1)
    path = run.save(results, name="comms")
    print(markdown(results, verdicts))
    progress(f"done in {results['duration_s']} s; results in {path.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
