"""Benchmark signed Zendesk webhook ingestion (the accept path) on SQLite and PostgreSQL, in one run.

    .venv/bin/python bench/webhooks.py                     # both backends (~3 min)
    .venv/bin/python bench/webhooks.py --quick             # 8 s at 50/s, 500 requests flat out (~1 min)
    .venv/bin/python bench/webhooks.py --backends sqlite --rate 100 --seconds 60

Per backend, a real ``sirf server`` (its in-process worker on, as by default, so stored deliveries
are processed while new ones arrive) with SIRF_ZENDESK_* set (the Zendesk URL is a closed local
port: accepting a webhook never calls Zendesk) and the core bench's reference app
(``bench/reference_app.py``), both fresh:

1. fixed rate: ``ticket.created`` events, each with a new delivery id, signed as Zendesk signs them,
   sent open-loop at ``--rate`` (50) a second for ``--seconds`` (30; quick 8) to
   ``POST /api/v1/webhooks/zendesk``; latency from each request's scheduled send time to the last
   byte of its answer. The reference's ``POST /items`` gets the same schedule, for information.
2. flat out: closed loop at ``--concurrency`` (8) in flight (``bench/loadgen.py``, as the core
   bench), the reference's ``POST /items`` then sirf's webhook, ``--requests`` each.

See bench/README.md ("Webhook ingestion benchmark"). Markdown on stdout, progress on stderr, JSON in
bench/results/webhooks-<UTC time>[-quick].json. Targets are reported, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bulk_reply
import loadgen
import report
import run
import servers

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = run.RESULTS_DIR
BACKENDS = run.BACKENDS
WEBHOOK_PATH = "/api/v1/webhooks/zendesk"
SECRET = "bench-webhook-signing-secret-7f3a9c"  # noqa: S105 - a throw-away secret of this bench
P99_MAX_MS = 300.0
RATE_SHARE_MIN = 0.25  # sirf's flat-out rate >= 25% of the reference's
OPEN_LOOP_MAX_CONNECTIONS = 256
IDLE_REUSE_S = 3.0  # below uvicorn's 5 s keep-alive timeout


@dataclass(frozen=True)
class Plan:
    backends: tuple[str, ...]
    rate: float
    seconds: float
    requests: int
    warmup: int
    concurrency: int
    pg_admin_url: str
    log_level: str
    zendesk_unreachable: bool
    no_worker: bool
    quick: bool


def parse_args(argv: list[str] | None = None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma list of sqlite, postgresql")
    parser.add_argument("--rate", type=float, default=50.0, help="deliveries a second, fixed-rate phase (50)")
    parser.add_argument("--seconds", type=float, help="length of the fixed-rate phase (default 30; quick 8)")
    parser.add_argument("--requests", type=int, help="timed requests flat out (default 2000; quick 500)")
    parser.add_argument("--warmup", type=int, help="untimed requests first (default 200; quick 50)")
    parser.add_argument("--concurrency", type=int, default=8, help="in flight, flat-out phase (8)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("SIRF_BENCH_PG_URL", run.DEFAULT_PG_URL),
        help="PostgreSQL URL used to create and drop the bench databases (env SIRF_BENCH_PG_URL)",
    )
    parser.add_argument("--log-level", default="INFO", help="server log level, both servers (default INFO)")
    parser.add_argument(
        "--zendesk-unreachable",
        action="store_true",
        help="point SIRF_ZENDESK_URL at a closed port instead of the fake Zendesk (the worker's calls fail)",
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="start sirf with --no-worker: the accept path alone, nothing processing the deliveries",
    )
    parser.add_argument("--quick", action="store_true", help="shorter phases: a check in about a minute")
    args = parser.parse_args(argv)
    backends = tuple(b.strip() for b in args.backends.split(",") if b.strip())
    if set(backends) - set(BACKENDS) or not backends:
        parser.error(f"--backends: use {', '.join(BACKENDS)} (got {args.backends!r})")
    plan = Plan(
        backends=backends,
        rate=args.rate,
        seconds=args.seconds or (8.0 if args.quick else 30.0),
        requests=args.requests or (500 if args.quick else 2000),
        warmup=args.warmup if args.warmup is not None else (50 if args.quick else 200),
        concurrency=args.concurrency,
        pg_admin_url=args.pg_url,
        log_level=args.log_level.upper(),
        zendesk_unreachable=args.zendesk_unreachable,
        no_worker=args.no_worker,
        quick=args.quick,
    )
    if plan.rate <= 0 or plan.seconds <= 0 or plan.requests < 1 or plan.concurrency < 1:
        parser.error("--rate, --seconds, --requests and --concurrency must be positive")
    return plan


progress = run.progress


# --- requests ------------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ticket_created(delivery_id: str, ticket_id: int, at: datetime) -> bytes:
    """A Zendesk event-subscription body: a new ticket, as ``parse_event`` reads it."""
    stamp = iso(at)
    payload = {
        "account_id": 12345,
        "id": delivery_id,
        "time": stamp,
        "type": "zen:event-type:ticket.created",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": {
            "id": str(ticket_id),
            "subject": f"Pipelines are stuck in pending ({ticket_id})",
            "description": "Since this morning every pipeline waits in pending; nothing runs.",
            "status": "NEW",
            "priority": "HIGH" if ticket_id % 5 == 0 else "NORMAL",
            "requester_id": str(100_000 + ticket_id),
            "organization_id": str(360_000 + ticket_id % 50),
            "form_id": None,
            "tags": ["ci", "pipelines"] + (["enterprise"] if ticket_id % 3 == 0 else []),
            "is_public": True,
            "created_at": stamp,
            "updated_at": stamp,
        },
        "event": {},
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def signed_request(port: int, body: bytes, now: datetime) -> bytes:
    """``POST /api/v1/webhooks/zendesk`` signed as Zendesk signs: base64(HMAC-SHA256(secret, ts + body))."""
    timestamp = iso(now)
    signature = base64.b64encode(
        hmac.new(SECRET.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    )
    head = [
        f"POST {WEBHOOK_PATH} HTTP/1.1",
        f"Host: {servers.HOST}:{port}",
        "Accept: application/json",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        f"X-Zendesk-Webhook-Signature: {signature.decode()}",
        f"X-Zendesk-Webhook-Signature-Timestamp: {timestamp}",
        "User-Agent: Zendesk Webhook",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def webhook_maker(port: int, phase: str, first_ticket: int) -> loadgen.RequestMaker:
    """A new delivery id and a new ticket on every call (warm-up included), signed now."""
    numbers = itertools.count(first_ticket)

    def make(n: int) -> bytes:
        ticket_id, now = next(numbers), datetime.now(UTC)
        body = ticket_created(f"bench-{os.getpid()}-{phase}-{ticket_id}", ticket_id, now)
        return signed_request(port, body, now)

    return make


def reference_maker(port: int) -> loadgen.RequestMaker:
    def make(n: int) -> bytes:
        body = {"title": f"Bench delivery {n}", "kind": "ticket.created", "severity": n % 4 + 1}
        return loadgen.build_request(
            "POST", servers.HOST, port, "/items", body=json.dumps(body, separators=(",", ":")).encode()
        )

    return make


# --- open loop at a fixed rate -------------------------------------------------------------------


@dataclass
class RateResult:
    requests: int
    errors: int
    offered_per_s: float
    achieved_per_s: float
    duration_s: float
    p50_ms: float  # from the scheduled send time
    p95_ms: float
    p99_ms: float
    max_ms: float
    sent_p99_ms: float  # from the moment the request was written (the generator's own lateness left out)
    late_sends: int  # requests written more than 10 ms after their scheduled time (a busy host)
    connections_opened: int
    cpu_s: dict[str, float] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _OpenLoop:
    latencies: list[float] = field(default_factory=list)  # scheduled -> last byte
    sent_latencies: list[float] = field(default_factory=list)  # written -> last byte
    statuses: dict[int, int] = field(default_factory=dict)
    late: int = 0
    opened: int = 0
    duration: float = 0.0


async def _open_loop(
    port: int, make_request: loadgen.RequestMaker, *, rate: float, count: int, warm: int
) -> _OpenLoop:
    """Send request i at start + i / rate whatever the answers do, each on an idle keep-alive
    connection or a new one. A connection idle for longer than ``IDLE_REUSE_S`` is closed rather than
    reused: uvicorn closes keep-alive connections idle for 5 s, and writing into one it is closing
    would count the generator's mistake as the server's error."""
    idle: list[tuple[loadgen._Connection, float]] = []
    out = _OpenLoop()

    def take() -> loadgen._Connection:
        while idle:
            connection, since = idle.pop()
            if time.perf_counter() - since < IDLE_REUSE_S:
                return connection
            connection.close()
        out.opened += 1
        return loadgen._Connection(servers.HOST, port)

    async def one(number: int, scheduled: float, record: bool) -> None:
        connection = take()
        request = make_request(number)
        sent = time.perf_counter()
        try:
            status, closing = await loadgen._exchange(connection, request)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            status, closing = loadgen.TRANSPORT_ERROR, True
        done = time.perf_counter()
        if record:
            out.late += sent - scheduled > 0.010
            out.latencies.append(done - scheduled)
            out.sent_latencies.append(done - sent)
            out.statuses[status] = out.statuses.get(status, 0) + 1
        if closing or len(idle) >= OPEN_LOOP_MAX_CONNECTIONS:
            connection.close()
        else:
            idle.append((connection, done))

    for _ in range(8):  # a few connections ready before the first request
        connection = loadgen._Connection(servers.HOST, port)
        await connection.open()
        idle.append((connection, time.perf_counter()))
        out.opened += 1
    tasks = []
    start = time.perf_counter() + 0.05
    for i in range(warm + count):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled, record=i >= warm)))
    await asyncio.gather(*tasks)
    out.duration = time.perf_counter() - (start + warm / rate)
    for connection, _ in idle:
        connection.close()
    return out


def fixed_rate(
    port: int, make_request: loadgen.RequestMaker, plan: Plan, cpu_probes: dict[str, loadgen.CpuProbe]
) -> RateResult:
    count = max(1, round(plan.rate * plan.seconds))
    warm = max(1, round(plan.rate))  # one untimed second first
    before = {name: probe() for name, probe in cpu_probes.items()}
    out = asyncio.run(_open_loop(port, make_request, rate=plan.rate, count=count, warm=warm))
    cpu = {name: round(probe() - before[name], 2) for name, probe in cpu_probes.items()}
    ordered, sent = sorted(out.latencies), sorted(out.sent_latencies)
    ms = 1000.0
    return RateResult(
        requests=len(ordered),
        errors=sum(n for status, n in out.statuses.items() if not 200 <= status < 300),
        offered_per_s=plan.rate,
        achieved_per_s=round(len(ordered) / out.duration, 1),
        duration_s=round(out.duration, 2),
        p50_ms=round(loadgen.percentile(ordered, 0.50) * ms, 2),
        p95_ms=round(loadgen.percentile(ordered, 0.95) * ms, 2),
        p99_ms=round(loadgen.percentile(ordered, 0.99) * ms, 2),
        max_ms=round(ordered[-1] * ms, 2),
        sent_p99_ms=round(loadgen.percentile(sent, 0.99) * ms, 2),
        late_sends=out.late,
        connections_opened=out.opened,
        cpu_s=cpu,
        status_counts={str(k): v for k, v in sorted(out.statuses.items())},
    )


# --- servers -------------------------------------------------------------------------------------


def database_urls(backend: str, plan: Plan, root: Path, stack: ExitStack) -> tuple[str, str]:
    if backend == "sqlite":
        return f"sqlite:///{root / 'sirf-data' / 'sirf.db'}", f"sqlite:///{root / 'reference.db'}"
    urls = []
    for app in ("sirf", "ref"):
        name = f"sirf_bench_webhooks_{os.getpid()}_{app}"
        urls.append(servers.create_postgres_database(plan.pg_admin_url, name))
        stack.callback(servers.drop_postgres_database, plan.pg_admin_url, name)
    return urls[0], urls[1]


def zendesk_settings(root: Path, plan: Plan, stack: ExitStack) -> dict[str, str]:
    """SIRF_ZENDESK_*: the fake Zendesk (no tickets) in its own process, so the worker's own Zendesk
    calls (the ratings pull) succeed as in production; or a closed port with --zendesk-unreachable.
    Accepting a webhook never calls Zendesk either way."""
    if plan.zendesk_unreachable:
        url, email, token = f"http://{servers.HOST}:{servers.free_port()}", "bench@example.com", "bench-token"
    else:
        fake = bulk_reply.start_fake(
            root / "zendesk-fake.log", stack, tickets=0, rpm=700, job_delay=0.5, tag=""
        )
        url, email, token = fake.url, fake.email, fake.token
    return {
        "SIRF_ZENDESK_URL": url,
        "SIRF_ZENDESK_EMAIL": email,
        "SIRF_ZENDESK_API_TOKEN": token,
        "SIRF_ZENDESK_WEBHOOK_SECRET": SECRET,
    }


def start_sirf(url: str, root: Path, plan: Plan, stack: ExitStack) -> servers.Server:
    port = servers.free_port()
    env = servers.clean_environment(
        {
            "SIRF_DATA_DIR": str(root / "sirf-data"),
            "SIRF_CONFIG_HOME": str(root / "sirf-config"),
            "DATABASE_URL": url,
            "SIRF_HOST": servers.HOST,
            "SIRF_PORT": str(port),
            "SIRF_LOG_LEVEL": plan.log_level,
            **zendesk_settings(root, plan, stack),
        }
    )
    argv = [str(run.SIRF_BIN), "server", "--port", str(port), *(["--no-worker"] if plan.no_worker else [])]
    server = servers.start("sirf", argv, env, port, root / "sirf-server.log")
    stack.callback(server.stop)
    return server


def start_reference(url: str, root: Path, plan: Plan, stack: ExitStack) -> servers.Server:
    port = servers.free_port()
    argv = [sys.executable, str(run.BENCH_DIR / "reference_app.py"), "--port", str(port)]
    argv += ["--database", url, "--log-level", plan.log_level]
    server = servers.start("reference", argv, servers.clean_environment({}), port, root / "reference.log")
    stack.callback(server.stop)
    return server


def check_signature_refused(server: servers.Server) -> int:
    """A wrongly signed delivery must be refused (401): the bench is measuring the real check."""
    import httpx

    body = ticket_created(f"bench-{os.getpid()}-forged", 1, datetime.now(UTC))
    headers = {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": base64.b64encode(b"0" * 32).decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": iso(datetime.now(UTC)),
    }
    return httpx.post(f"{server.url}{WEBHOOK_PATH}", content=body, headers=headers, timeout=10).status_code


def stored_deliveries(url: str) -> dict[str, int]:
    """Deliveries in sirf's inbox by state, read from its database after the run."""
    from sqlalchemy import create_engine, text

    from sirf.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT state, count(*) FROM webhook_inbox GROUP BY state")).all()
    except Exception as problem:  # sirf's schema is its own business: report, do not fail the run
        progress(f"could not count the stored deliveries: {problem}")
        return {}
    finally:
        engine.dispose()
    return {str(state): int(n) for state, n in rows}


def count_warnings(log_path: Path) -> int:
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return sum(1 for line in text.splitlines() if '"level": "warning"' in line)


# --- one backend ---------------------------------------------------------------------------------


def _log(label: str, outcome: dict[str, Any], duration: float) -> None:
    cores = outcome["cpu_s"].get("server", 0.0) / duration if duration else 0.0
    progress(
        f"  {label:<26} {outcome.get('rps', outcome.get('achieved_per_s')):7.0f}/s  "
        f"p50 {outcome['p50_ms']:6.1f} ms  p99 {outcome['p99_ms']:6.1f} ms  errors {outcome['errors']}  "
        f"server cores {cores:.2f}"
    )


def run_backend(backend: str, plan: Plan, root: Path) -> dict[str, Any]:
    root.mkdir(parents=True)
    with ExitStack() as stack:
        sirf_url, reference_url = database_urls(backend, plan, root, stack)
        progress(f"{backend}: starting sirf (Zendesk webhook configured) and the reference")
        sirf = start_sirf(sirf_url, root, plan, stack)
        reference = start_reference(reference_url, root, plan, stack)
        forged = check_signature_refused(sirf)
        memory = {"sirf": {"start": sirf.memory_mb()}}
        targets = {
            "reference": (reference, reference_maker(reference.port)),
            "sirf": (sirf, webhook_maker(sirf.port, "rate", 1_000_000)),
        }
        results: dict[str, Any] = {"forged_signature_status": forged, "fixed_rate": {}, "flat_out": {}}
        for app, (server, maker) in targets.items():
            probes = {"server": server.cpu_seconds, "host": servers.host_cpu_seconds}
            outcome = fixed_rate(server.port, maker, plan, probes).as_dict()
            _log(f"{plan.rate:g}/s for {plan.seconds:g} s {app}", outcome, outcome["duration_s"])
            results["fixed_rate"][app] = outcome
        flat = {
            "reference": (reference, reference_maker(reference.port)),
            "sirf": (sirf, webhook_maker(sirf.port, "flat", 2_000_000)),
        }
        for app, (server, maker) in flat.items():
            measured = loadgen.measure(
                servers.HOST,
                server.port,
                maker,
                requests=plan.requests,
                warmup=plan.warmup,
                concurrency=plan.concurrency,
                cpu_probes={"server": server.cpu_seconds, "host": servers.host_cpu_seconds},
            ).as_dict()
            _log(f"flat out, {plan.concurrency} in flight {app}", measured, measured["duration_s"])
            results["flat_out"][app] = measured
        memory["sirf"]["end"] = sirf.memory_mb()
        results["memory_mb"] = memory
        results["sirf_log_warnings"] = count_warnings(sirf.log_path)
        results["server_log_errors"] = {
            "sirf": run.count_log_errors(sirf.log_path),
            "reference": run.count_log_errors(reference.log_path),
        }
        sirf.stop()
        results["sirf_inbox"] = stored_deliveries(sirf_url)
        return results


# --- results -------------------------------------------------------------------------------------


def evaluate(results: dict[str, Any]) -> list[report.Verdict]:
    verdicts = []
    rate = results["settings"]["rate"]
    for backend, data in results["backends"].items():
        fixed = data["fixed_rate"]["sirf"]
        clean = fixed["errors"] == 0 and fixed["achieved_per_s"] >= 0.95 * rate
        verdicts.append(
            report.Verdict(
                f"p99 <= {P99_MAX_MS:g} ms at {rate:g} deliveries/s",
                backend,
                f"{fixed['p99_ms']:.1f} ms at {fixed['achieved_per_s']:.1f}/s"
                + ("" if fixed["errors"] == 0 else f", {fixed['errors']} errors"),
                clean and fixed["p99_ms"] <= P99_MAX_MS,
            )
        )
        sirf, ref = data["flat_out"]["sirf"], data["flat_out"]["reference"]
        share = sirf["rps"] / ref["rps"] if ref["rps"] else 0.0
        verdicts.append(
            report.Verdict(
                f"flat-out rate >= {RATE_SHARE_MIN:.0%} of the reference",
                backend,
                f"{sirf['rps']:.0f} vs {ref['rps']:.0f}/s = {share:.0%}"
                + ("" if sirf["errors"] == 0 else f", {sirf['errors']} errors"),
                sirf["errors"] == 0 and share >= RATE_SHARE_MIN,
            )
        )
        verdicts.append(
            report.Verdict(
                "a forged signature is refused (401)",
                backend,
                str(data["forged_signature_status"]),
                data["forged_signature_status"] == 401,
            )
        )
    return verdicts


def _cores(outcome: dict[str, Any], key: str) -> str:
    return f"{outcome['cpu_s'].get(key, 0.0) / outcome['duration_s']:.2f}" if outcome["duration_s"] else "-"


FIXED_RATE_COLUMNS = ["backend", "endpoint", "achieved /s", "p50 ms", "p95 ms", "p99 ms", "max ms"]
FIXED_RATE_COLUMNS += ["p99 from send ms", "late sends", "errors", "server cores", "host cores"]
FLAT_OUT_COLUMNS = ["backend", "endpoint", "req/s", "p50 ms", "p99 ms", "errors", "server cores"]
FLAT_OUT_COLUMNS += ["host cores", "sirf / reference"]


def markdown(results: dict[str, Any], verdicts: list[report.Verdict]) -> str:
    s, env = results["settings"], results["environment"]
    fixed_rows, flat_rows = [], []
    for backend, data in results["backends"].items():
        for app in ("sirf", "reference"):
            f = data["fixed_rate"][app]
            fixed_rows.append(
                [
                    backend,
                    "sirf webhook" if app == "sirf" else "reference POST /items",
                    f"{f['achieved_per_s']:.1f}",
                    f"{f['p50_ms']:.1f}",
                    f"{f['p95_ms']:.1f}",
                    f"{f['p99_ms']:.1f}",
                    f"{f['max_ms']:.1f}",
                    f"{f['sent_p99_ms']:.1f}",
                    str(f["late_sends"]),
                    str(f["errors"]),
                    _cores(f, "server"),
                    _cores(f, "host"),
                ]
            )
        sirf, ref = data["flat_out"]["sirf"], data["flat_out"]["reference"]
        for app, o in (("reference POST /items", ref), ("sirf webhook", sirf)):
            flat_rows.append(
                [
                    backend,
                    app,
                    f"{o['rps']:.0f}",
                    f"{o['p50_ms']:.1f}",
                    f"{o['p99_ms']:.1f}",
                    str(o["errors"]),
                    _cores(o, "server"),
                    _cores(o, "host"),
                    f"{sirf['rps'] / ref['rps']:.0%}" if app == "sirf webhook" and ref["rps"] else "",
                ]
            )
    other = [
        f"- {backend}: sirf inbox after the run {data['sirf_inbox']}; sirf RSS "
        f"{data['memory_mb']['sirf']['start'].get('VmRSS', 0):.0f} -> "
        f"{data['memory_mb']['sirf']['end'].get('VmRSS', 0):.0f} MB; server log errors "
        f"{data['server_log_errors']}, sirf log warnings {data['sirf_log_warnings']}"
        for backend, data in results["backends"].items()
    ]
    parts = [
        f"## Fixed rate: {s['rate']:g} signed `ticket.created` deliveries/s for {s['seconds']:g} s "
        "(open loop; latency from the scheduled send time)",
        "sirf's in-process worker: "
        + (
            "off (`--no-worker`): the accept path alone."
            if s["no_worker"]
            else "on, processing the deliveries."
        )
        + (" Zendesk: unreachable." if s["zendesk_unreachable"] else ""),
        report.table(
            FIXED_RATE_COLUMNS,
            fixed_rows,
        ),
        f"## Flat out: {s['requests']} requests, {s['concurrency']} in flight (closed loop)",
        report.table(
            FLAT_OUT_COLUMNS,
            flat_rows,
        ),
        *report.host_and_targets(env, verdicts, notes=other),
    ]
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    if "postgresql" in plan.backends and (problem := servers.postgres_reachable(plan.pg_admin_url)):
        sys.exit(
            f"PostgreSQL is not reachable at {plan.pg_admin_url}: {problem}\n"
            "Start it, pass --pg-url, or run with --backends sqlite."
        )
    started = time.perf_counter()
    settings = {k: v for k, v in asdict(plan).items() if k != "pg_admin_url"}
    results: dict[str, Any] = {"environment": run.environment(), "settings": settings, "backends": {}}
    busy = results["environment"]["host_busy_before"] = run.host_busy()
    if busy > report.HOST_BUSY_WARNING:
        progress(f"warning: the host is already {busy:.0%} busy; figures will be lower and noisier")
    with tempfile.TemporaryDirectory(prefix="sirf-bench-webhooks-") as tmp:
        for backend in plan.backends:
            results["backends"][backend] = run_backend(backend, plan, Path(tmp) / backend)
    results["environment"]["host_busy_after"] = run.host_busy()
    verdicts = evaluate(results)
    results["targets"] = [v.as_dict() for v in verdicts]
    results["duration_s"] = round(time.perf_counter() - started, 1)
    path = run.save(results, name="webhooks")
    print(markdown(results, verdicts))
    progress(f"done in {results['duration_s']} s; results in {path.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
