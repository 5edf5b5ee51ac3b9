"""Benchmark a bulk reply to 20,000 linked tickets against the fake Zendesk and its plan's rate limit.

    .venv/bin/python bench/bulk_reply.py                        # SQLite, 20,000 tickets (~2 min)
    .venv/bin/python bench/bulk_reply.py --quick                # SQLite, 2,000 tickets (~20 s)
    .venv/bin/python bench/bulk_reply.py --postgres             # SQLite, then PostgreSQL
    .venv/bin/python bench/bulk_reply.py --tickets 5000 --job-delay 0.5

The fake Zendesk (``python -m tests.vendors.zendesk_fake``) runs as its own process and enforces a
700 requests/minute plan; sirf is configured to use 50% of it. In this process, on a fresh database:
declare an incident, link the tickets carrying its tag (``link_matches``: search pages, paced like
everything else), then the measured **reply phase**: ``start_reply`` with a configured macro, and
the worker's passes (``make_worker(...).run_once()``, as ``sirf worker`` runs them) until the run is
completed. Figures: its wall time against the floor the rate allows, peak RSS, and the fake's own
counts (replies per ticket, 429s, peak requests in any 60 s).

See bench/README.md ("Bulk reply benchmark"). Markdown on stdout, progress on stderr, JSON in
bench/results/bulk-reply-<UTC time>[-quick].json. Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import report
import run
import servers

if TYPE_CHECKING:
    from sirf.bootstrap import Container, Jobs

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = run.RESULTS_DIR
BACKENDS = run.BACKENDS
BATCH = 100  # tickets per update_many request (Zendesk's maximum, sirf's MAX_BATCH)
MACRO = "bench_outage"
MACRO_TEXT = (
    "Hello {{ requester }}, we are aware of {{ incident_title }} and are working on it. "
    "We will update your ticket {{ ticket_id }} as soon as it is fixed (incident #{{ incident_id }})."
)
WALL_RATIO_MAX = 1.1
PEAK_RSS_MAX_MB = 200.0
FAKE_START_TIMEOUT_S = 120.0
WORKER_IDLE_S = 1.0  # WorkerLoop's idle wait after a pass that handled nothing (as `sirf worker`)

progress = run.progress


@dataclass(frozen=True)
class Plan:
    backends: tuple[str, ...]
    tickets: int
    rpm: int
    share: float
    job_delay: float
    warm_worker: bool
    pg_admin_url: str
    quick: bool

    @property
    def per_second(self) -> float:
        """sirf's share of the plan, in requests a second."""
        return self.rpm * self.share / 60.0


def parse_args(argv: list[str] | None = None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument(
        "--backends", default="sqlite", help="comma list of sqlite, postgresql (default sqlite)"
    )
    parser.add_argument(
        "--postgres", action="store_true", help="also PostgreSQL (= --backends sqlite,postgresql)"
    )
    parser.add_argument("--tickets", type=int, help="linked tickets to reply to (default 20000; quick 2000)")
    parser.add_argument("--rpm", type=int, default=700, help="the fake plan's requests per minute (700)")
    parser.add_argument("--share", type=float, default=0.5, help="sirf's share of the plan (0.5)")
    parser.add_argument(
        "--job-delay", type=float, default=1.0, help="seconds until a fake update_many job completes (1.0)"
    )
    parser.add_argument(
        "--warm-worker",
        action="store_true",
        help="one worker pass before the reply phase (a worker that was already running): its "
        "impact-facts refresh and surge check then fall outside the measured window",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("SIRF_BENCH_PG_URL", run.DEFAULT_PG_URL),
        help="PostgreSQL URL used to create and drop the bench database (env SIRF_BENCH_PG_URL)",
    )
    parser.add_argument("--quick", action="store_true", help="2,000 tickets: a check in about 20 s")
    args = parser.parse_args(argv)
    backends = tuple(b.strip() for b in args.backends.split(",") if b.strip())
    if args.postgres:
        backends = tuple(dict.fromkeys((*backends, "postgresql")))
    if set(backends) - set(BACKENDS) or not backends:
        parser.error(f"--backends: use {', '.join(BACKENDS)} (got {args.backends!r})")
    plan = Plan(
        backends=backends,
        tickets=args.tickets or (2000 if args.quick else 20_000),
        rpm=args.rpm,
        share=args.share,
        job_delay=args.job_delay,
        warm_worker=args.warm_worker,
        pg_admin_url=args.pg_url,
        quick=args.quick,
    )
    if not 1 <= plan.tickets <= 20_000:
        parser.error("--tickets: 1 to 20000 (sirf links at most 20,000 tickets at once)")
    if not 0 < plan.share <= 1 or plan.rpm < 10 or plan.job_delay < 0:
        parser.error("--share in (0, 1], --rpm >= 10, --job-delay >= 0")
    return plan


# --- the fake Zendesk, its own process -----------------------------------------------------------


@dataclass
class FakeZendeskProcess:
    process: subprocess.Popen[bytes]
    url: str
    email: str
    token: str
    log_path: Path

    def stats(self) -> dict[str, Any]:
        answer = httpx.get(f"{self.url}/_fake/stats", timeout=30)
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
        return data

    def memory_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        return math.nan

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_fake(
    log_path: Path, stack: ExitStack, *, tickets: int, rpm: int, job_delay: float, tag: str
) -> FakeZendeskProcess:
    """``python -m tests.vendors.zendesk_fake``: line 1 is its URL, line 2 its credentials (JSON)."""
    argv = [sys.executable, "-m", "tests.vendors.zendesk_fake", "--port", "0", "--tickets", str(tickets)]
    argv += ["--rpm", str(rpm), "--job-delay", str(job_delay), "--tags", tag]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            argv, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=log, env=servers.clean_environment({})
        )
    assert process.stdout is not None
    url = process.stdout.readline().decode().strip()
    line = process.stdout.readline().decode().strip()
    if not url.startswith("http://") or not line.startswith("{"):
        process.kill()
        process.wait()
        raise RuntimeError(f"the fake Zendesk did not start: {log_path.read_text(errors='replace')[-2000:]}")
    credentials = json.loads(line)
    fake = FakeZendeskProcess(process, url, credentials["email"], credentials["token"], log_path)
    stack.callback(fake.stop)
    deadline = time.monotonic() + FAKE_START_TIMEOUT_S
    while True:  # it printed before uvicorn serves; connections wait in the listen backlog
        try:
            fake.stats()
            return fake
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise
            time.sleep(0.1)


# --- memory of this process (the sirf process) ---------------------------------------------------


def memory_mb() -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak since start or the last reset) of this process, MB."""
    fields: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return fields


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux: ``5`` to /proc/self/clear_refs); False if refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class LogCount(logging.Handler):
    """Warnings and errors sirf logged (a failed batch, a poll that failed...)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.first) < 5:
            self.first.append(record.getMessage()[:300])


@contextmanager
def sirf_warnings() -> Iterator[LogCount]:
    handler = LogCount()
    logger = logging.getLogger("sirf")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


# --- sirf, in this process -----------------------------------------------------------------------


class TimedTickets:
    """The container's ticket system, noting when each bulk-reply call started and ended (and nothing
    else: every call goes through unchanged), to split the wall time into where it went."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.submits: list[tuple[float, float]] = []
        self.polls: list[tuple[float, float, int, int]] = []  # start, end, jobs asked, jobs done

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def submit_replies(self, replies: Any) -> str:
        started = time.perf_counter()
        try:
            job: str = self._inner.submit_replies(replies)
            return job
        finally:
            self.submits.append((started, time.perf_counter()))

    def job_outcomes(self, job_ids: Any) -> Any:
        started = time.perf_counter()
        answers = self._inner.job_outcomes(job_ids)
        done = sum(1 for outcome in answers.values() if outcome is not None)
        self.polls.append((started, time.perf_counter(), len(job_ids), done))
        return answers


def database_url(backend: str, plan: Plan, root: Path, stack: ExitStack) -> str:
    if backend == "sqlite":
        return f"sqlite:///{root / 'sirf-data' / 'sirf.db'}"
    name = f"sirf_bench_bulk_{os.getpid()}"
    url = servers.create_postgres_database(plan.pg_admin_url, name)
    stack.callback(servers.drop_postgres_database, plan.pg_admin_url, name)
    return url


def sirf_container(url: str, data_dir: Path, fake: FakeZendeskProcess, plan: Plan) -> Container:
    from sirf.adapters.db import migrate
    from sirf.bootstrap import build
    from sirf.config import Secret, Settings, normalise_database_url
    from sirf.domain.framework import Framework
    from sirf.domain.ticket_policy import TicketPolicy

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        data_dir=data_dir,
        database_url=normalise_database_url(url),
        zendesk_url=fake.url,
        zendesk_email=fake.email,
        zendesk_api_token=Secret(fake.token),
        zendesk_rate_limit=plan.rpm,
        zendesk_rate_share=plan.share,
    )
    container = build(settings, framework=Framework(tickets=TicketPolicy(macros={MACRO: MACRO_TEXT})))
    migrate.upgrade(container.database)
    return container


def first_incident_tag() -> str:
    """The tag sirf gives incident #1 by the default convention: the fake's tickets carry it."""
    from sirf.domain.ticket_policy import DEFAULT_TAG_CONVENTION
    from sirf.domain.tickets import incident_tag

    return incident_tag(DEFAULT_TAG_CONVENTION, 1)


def declare(container: Container, expected_tag: str) -> int:
    from sirf.domain.raci import Actor, OrgRole
    from sirf.domain.severity import Severity
    from sirf.services import incidents

    declaration = incidents.Declaration(
        title="Pipelines are stuck in pending", kind="saas-outage", severity=Severity.SEV2
    )
    actor = Actor("bench-admin", OrgRole.ADMIN)
    incident_id = incidents.declare_incident(
        declaration, actor=actor, uow=container.uow(), env=container.env
    ).id
    uow = container.uow()
    with uow(write=False):
        tag = uow.tickets.tag_of(incident_id)
    if tag is None or tag.tag != expected_tag:
        raise RuntimeError(
            f"incident #{incident_id} got tag {tag and tag.tag!r}, the fake seeded {expected_tag!r}"
        )
    return incident_id


def link(container: Container, incident_id: int, tag: str, plan: Plan) -> int:
    from sirf.domain.raci import Actor, OrgRole
    from sirf.services.ticket_ports import TicketSearch
    from sirf.services.tickets import link_matches

    result = link_matches(
        incident_id,
        TicketSearch(tag=tag, limit=plan.tickets),
        actor=Actor("bench-admin", OrgRole.ADMIN),
        uow=container.uow(),
        env=container.env,
        system=container.tickets,
    )
    return result.total


def bench_worker(container: Container, *, warm: bool) -> tuple[Jobs, TimedTickets]:
    """The worker ``sirf worker`` runs, sending through a ``TimedTickets``. ``warm``: one pass now,
    before any run exists, as a worker that has been running would have made (its impact-facts
    refresh, surge check and ratings pull then come due again only after their intervals)."""
    from sirf.bootstrap import make_worker

    timed = TimedTickets(container.tickets)
    container.ticket_port = timed
    worker = make_worker(container, name="bench-worker")
    if warm:
        worker.run_once()
    return worker, timed


def reply_phase(
    container: Container, incident_id: int, worker: Jobs, timed: TimedTickets, timeout_s: float
) -> dict[str, Any]:
    """``start_reply`` with the macro, then worker passes until the run is no longer running."""
    from sirf.domain.bulk_reply import ReplySource
    from sirf.domain.raci import Actor, OrgRole
    from sirf.services import bulk_replies
    from sirf.services.bulk_replies import ReplyRequest

    runner = worker.tickets.runner
    assert runner is not None
    # Seconds inside BulkReplyRunner.run_once (the rest of a pass is the worker's other jobs), and
    # when it last returned: the run is completed inside it, before the pass's other jobs.
    replying, returned = [0.0], [0.0]
    run_once = runner.run_once

    def timed_run_once(*, budget: float) -> int:
        entered = time.perf_counter()
        try:
            return run_once(budget=budget)
        finally:
            returned[0] = time.perf_counter()
            replying[0] += returned[0] - entered

    setattr(runner, "run_once", timed_run_once)  # noqa: B010 - mypy refuses assigning to a method
    started = time.perf_counter()
    begun = bulk_replies.start_reply(
        incident_id,
        ReplyRequest(ReplySource.MACRO, MACRO),
        actor=Actor("bench-admin", OrgRole.ADMIN),
        uow=container.uow(),
        env=container.env,
        drafting=container.drafting,
    )
    start_s = time.perf_counter() - started
    passes, idle = 0, 0
    while True:
        handled = worker.run_once()
        passes += 1
        now = bulk_replies.reply_progress(incident_id, begun.run.id, uow=container.uow())
        if now.finished:
            break
        if time.perf_counter() - started > timeout_s:
            raise RuntimeError(f"the bulk reply did not finish in {timeout_s:.0f} s: {now.counts}")
        if handled == 0:
            idle += 1
            time.sleep(WORKER_IDLE_S)
    ended = returned[0]  # the pass that completed the run: its runner returned then
    wall_s = ended - started
    first_submit = timed.submits[0][0] if timed.submits else ended
    last_submit = timed.submits[-1][1] if timed.submits else ended
    return {
        "run_id": begun.run.id,
        "targets": begun.total,
        "state": now.run.state.value,
        "counts": {state.value: n for state, n in now.counts.items()},
        "start_reply_s": round(start_s, 2),
        "wall_s": round(wall_s, 2),
        "to_first_submit_s": round(first_submit - started, 2),
        "submitting_s": round(last_submit - first_submit, 2),
        "tail_s": round(ended - last_submit, 2),
        "polls": [
            {"at_s": round(a - started, 2), "took_s": round(b - a, 3), "jobs": n, "done": d}
            for a, b, n, d in timed.polls
        ],
        "worker_passes": passes,
        "idle_passes": idle,
        "other_worker_jobs_s": round(wall_s - start_s - replying[0], 2),
    }


# --- one backend ---------------------------------------------------------------------------------


def endpoint_delta(after: dict[str, Any], before: dict[str, Any]) -> dict[str, int]:
    names = set(after["by_endpoint"]) | set(before["by_endpoint"])
    delta = {n: after["by_endpoint"].get(n, 0) - before["by_endpoint"].get(n, 0) for n in sorted(names)}
    return {n: v for n, v in delta.items() if v}


def floor_s(requests: int, plan: Plan) -> float:
    return requests / plan.per_second


def measure(backend: str, plan: Plan, root: Path) -> dict[str, Any]:
    root.mkdir(parents=True)
    tag = first_incident_tag()
    with ExitStack() as stack:
        url = database_url(backend, plan, root, stack)
        progress(
            f"{backend}: starting the fake Zendesk ({plan.tickets} tickets tagged {tag}, {plan.rpm} rpm)"
        )
        fake = start_fake(
            root / "zendesk-fake.log",
            stack,
            tickets=plan.tickets,
            rpm=plan.rpm,
            job_delay=plan.job_delay,
            tag=tag,
        )
        container = sirf_container(url, root / "sirf-data", fake, plan)
        stack.callback(container.close)
        warnings = stack.enter_context(sirf_warnings())
        incident_id = declare(container, tag)
        memory = {"before_link": memory_mb()}

        progress(f"{backend}: linking the tickets tagged {tag} (search pages, paced)")
        before_link = fake.stats()
        started = time.perf_counter()
        linked = link(container, incident_id, tag, plan)
        link_s = time.perf_counter() - started
        after_link = fake.stats()
        memory["after_link"] = memory_mb()
        link_requests = after_link["requests"] - before_link["requests"]

        peak_reset = reset_peak()
        worker, timed = bench_worker(container, warm=plan.warm_worker)
        before_reply = fake.stats()
        submits = math.ceil(plan.tickets / BATCH)
        floor = floor_s(submits + 1, plan)
        progress(
            f"{backend}: {linked} linked in {link_s:.1f} s ({link_requests} requests); replying "
            f"(floor {floor:.1f} s)"
        )
        replies = reply_phase(container, incident_id, worker, timed, timeout_s=max(120.0, 5 * floor))
        memory["reply_phase_peak"] = memory_mb()
        after = fake.stats()
        reply_requests = after["requests"] - before_reply["requests"]
        by_endpoint = endpoint_delta(after, before_reply)
        progress(
            f"{backend}: {replies['state']} in {replies['wall_s']:.1f} s, {reply_requests} requests "
            f"({by_endpoint})"
        )
        return {
            "linked": linked,
            "link": {
                "wall_s": round(link_s, 2),
                "requests": link_requests,
                "floor_s": round(floor_s(link_requests, plan), 2),
                "by_endpoint": endpoint_delta(after_link, before_link),
            },
            "reply": {
                **replies,
                "requests": reply_requests,
                "by_endpoint": by_endpoint,
                "submits_needed": submits,
                "floor_requests": submits + 1,
                "floor_s": round(floor, 2),
                "ratio": round(replies["wall_s"] / floor, 3),
                "requests_floor_s": round(floor_s(reply_requests, plan), 2),
            },
            "memory_mb": memory,
            "peak_reset_before_reply": peak_reset,
            "fake": {**after, "rss_mb": fake.memory_mb()},
            "sirf_warnings": {"count": warnings.count, "first": warnings.first},
        }


# --- results -------------------------------------------------------------------------------------


def evaluate(results: dict[str, Any]) -> list[report.Verdict]:
    verdicts = []
    tickets = results["settings"]["tickets"]
    for backend, data in results["backends"].items():
        reply, fake, memory = data["reply"], data["fake"], data["memory_mb"]
        completed = reply["state"] == "completed"
        verdicts.append(
            report.Verdict(
                f"wall time <= {WALL_RATIO_MAX:g} x the rate floor",
                backend,
                f"{reply['wall_s']:.1f} s / {reply['floor_s']:.1f} s = {reply['ratio']:.3f}x",
                completed and reply["ratio"] <= WALL_RATIO_MAX,
            )
        )
        peak = max(memory["reply_phase_peak"]["VmHWM"], memory["after_link"]["VmHWM"])
        verdicts.append(
            report.Verdict(
                f"peak RSS <= {PEAK_RSS_MAX_MB:g} MB",
                backend,
                f"{peak:.0f} MB (link {memory['after_link']['VmHWM']:.0f}, "
                f"reply {memory['reply_phase_peak']['VmHWM']:.0f})",
                peak <= PEAK_RSS_MAX_MB,
            )
        )
        verdicts.append(
            report.Verdict(
                "no ticket gets two replies",
                backend,
                f"max {fake['max_replies_per_ticket']} per ticket; "
                f"{fake['tickets_replied']} of {tickets} tickets replied",
                fake["max_replies_per_ticket"] == 1 and fake["tickets_replied"] == tickets,
            )
        )
        share = results["settings"]["rpm"] * results["settings"]["share"]
        verdicts.append(
            report.Verdict(
                f"uses at most its share ({share:g} requests in any 60 s), no 429",
                backend,
                f"peak {fake['peak_requests_per_minute']} in 60 s; {fake['rate_limited']} x 429",
                fake["rate_limited"] == 0 and fake["peak_requests_per_minute"] <= share,
            )
        )
    return verdicts


def _endpoints(by_endpoint: dict[str, int]) -> str:
    short = {
        "PUT tickets/update_many": "update_many",
        "GET job_statuses/show_many": "job polls",
        "GET search/export": "search pages",
        "GET tickets/show_many": "show_many",
    }
    return ", ".join(f"{short.get(name, name)} {n}" for name, n in by_endpoint.items()) or "-"


def markdown(results: dict[str, Any], verdicts: list[report.Verdict]) -> str:
    s, env = results["settings"], results["environment"]
    rate = s["rpm"] * s["share"]
    reply_rows, link_rows, fake_rows = [], [], []
    for backend, data in results["backends"].items():
        r, link_, fake, mem = data["reply"], data["link"], data["fake"], data["memory_mb"]
        reply_rows.append(
            [
                backend,
                f"{r['counts'].get('replied', 0)} / {r['targets']}",
                f"{r['wall_s']:.1f}",
                f"{r['floor_s']:.1f}",
                f"{r['ratio']:.3f}",
                f"{r['to_first_submit_s']:.1f}",
                f"{r['submitting_s']:.1f}",
                f"{r['tail_s']:.1f}",
                f"{r['other_worker_jobs_s']:.1f}",
                f"{r['requests']} ({_endpoints(r['by_endpoint'])})",
                f"{r['requests_floor_s']:.1f}",
                f"{mem['after_link']['VmHWM']:.0f} / {mem['reply_phase_peak']['VmHWM']:.0f}",
            ]
        )
        link_rows.append(
            [
                backend,
                str(data["linked"]),
                f"{link_['wall_s']:.1f}",
                str(link_["requests"]),
                f"{link_['floor_s']:.1f}",
                f"{mem['before_link']['VmRSS']:.0f} -> {mem['after_link']['VmRSS']:.0f}",
            ]
        )
        fake_rows.append(
            [
                backend,
                str(fake["tickets_replied"]),
                str(fake["replies"]),
                str(fake["max_replies_per_ticket"]),
                str(fake["conflicts"]),
                str(fake["rate_limited"]),
                str(fake["peak_requests_per_minute"]),
                str(fake["requests"]),
                str(data["sirf_warnings"]["count"]),
            ]
        )
    parts = [
        f"## Bulk reply: {s['tickets']:,} linked tickets, fake Zendesk at {s['rpm']} rpm, sirf's share "
        f"{s['share']:g} = {rate:g} requests/min, job delay {s['job_delay']:g} s",
        "Reply phase = `start_reply` (macro) + worker passes until the run is completed; it starts after "
        "linking. Floor = (update_many requests needed + 1 job poll) / (share of the rate). The wall time "
        "splits into: to the 1st request (`start_reply`, the first claim), submitting (1st to last "
        "update_many, polls in between), tail (last update_many -> run completed: the job delay and the "
        "poll interval); other worker jobs: the worker's passes outside the bulk-reply runner (impact "
        "facts, surge check, ratings pull...). Worker: "
        + ("warmed by one pass before." if s["warm_worker"] else "fresh (started with the reply phase)."),
        report.table(
            [
                "backend",
                "replied",
                "wall s",
                "floor s",
                "wall / floor",
                "to 1st request s",
                "submitting s",
                "tail s",
                "other worker jobs s",
                "requests",
                "requests / rate s",
                "peak RSS MB (link / reply)",
            ],
            reply_rows,
        ),
        "### Linking (before the reply phase, not in its wall time)",
        report.table(["backend", "linked", "wall s", "requests", "requests / rate s", "RSS MB"], link_rows),
        "### The fake Zendesk's count (whole run: linking + replying)",
        report.table(
            [
                "backend",
                "tickets replied",
                "replies",
                "max replies per ticket",
                "safe-update conflicts",
                "429s",
                "peak requests in 60 s",
                "requests",
                "sirf warnings",
            ],
            fake_rows,
        ),
        *report.host_and_targets(env, verdicts),
    ]
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    if "postgresql" in plan.backends and (problem := servers.postgres_reachable(plan.pg_admin_url)):
        sys.exit(f"PostgreSQL is not reachable at {plan.pg_admin_url}: {problem}\nStart it or pass --pg-url.")
    started = time.perf_counter()
    settings = {k: v for k, v in asdict(plan).items() if k != "pg_admin_url"}
    results: dict[str, Any] = {"environment": run.environment(), "settings": settings, "backends": {}}
    busy = results["environment"]["host_busy_before"] = run.host_busy()
    if busy > report.HOST_BUSY_WARNING:
        progress(f"warning: the host is already {busy:.0%} busy; figures will be noisier")
    with tempfile.TemporaryDirectory(prefix="sirf-bench-bulk-") as tmp:
        for backend in plan.backends:
            results["backends"][backend] = measure(backend, plan, Path(tmp) / backend)
    results["environment"]["host_busy_after"] = run.host_busy()
    verdicts = evaluate(results)
    results["targets"] = [v.as_dict() for v in verdicts]
    results["duration_s"] = round(time.perf_counter() - started, 1)
    path = run.save(results, name="bulk-reply")
    print(markdown(results, verdicts))
    progress(f"done in {results['duration_s']} s; results in {path.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
