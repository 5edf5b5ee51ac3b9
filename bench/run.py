"""Benchmark sirf against a bare FastAPI reference on SQLite and PostgreSQL, in one run.

    .venv/bin/python bench/run.py                      # both backends, about 3 minutes
    .venv/bin/python bench/run.py --quick              # smaller samples, under a minute
    .venv/bin/python bench/run.py --backends sqlite --requests 5000

See bench/README.md for what each figure means. Results: a Markdown table on stdout and a JSON file in
bench/results/. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import clitime
import httpx
import loadgen
import report
import seeding
import servers

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
BIN_DIR = Path(sys.executable).parent
SIRF_BIN = BIN_DIR / "sirf"
BACKENDS = ("sqlite", "postgresql")
SCENARIOS = ("list", "declare", "append")
KINDS = seeding.KINDS
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Plan:
    backends: tuple[str, ...]
    requests: int
    warmup: int
    concurrency: int
    incidents: int
    cli_runs: int
    pg_admin_url: str
    log_level: str
    quick: bool


def parse_args(argv: list[str] | None = None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma list of sqlite, postgresql")
    parser.add_argument("--requests", type=int, help="timed requests per scenario (default 2000; quick 300)")
    parser.add_argument("--warmup", type=int, help="untimed requests first (default 200; quick 30)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight (default 8)")
    parser.add_argument("--incidents", type=int, default=10_000, help="incidents stored before measuring")
    parser.add_argument("--cli-runs", type=int, help="runs per CLI command (default 20; quick 5)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("SIRF_BENCH_PG_URL", DEFAULT_PG_URL),
        help="PostgreSQL URL used to create and drop the bench databases (env SIRF_BENCH_PG_URL)",
    )
    parser.add_argument("--log-level", default="INFO", help="server log level, both servers (default INFO)")
    parser.add_argument("--quick", action="store_true", help="smaller samples: a smoke run under a minute")
    args = parser.parse_args(argv)
    backends = tuple(b.strip() for b in args.backends.split(",") if b.strip())
    unknown = set(backends) - set(BACKENDS)
    if unknown or not backends:
        parser.error(f"--backends: use {', '.join(BACKENDS)} (got {args.backends!r})")
    return Plan(
        backends=backends,
        requests=args.requests or (300 if args.quick else 2000),
        warmup=args.warmup if args.warmup is not None else (30 if args.quick else 200),
        concurrency=args.concurrency,
        incidents=args.incidents,
        cli_runs=args.cli_runs or (5 if args.quick else 20),
        pg_admin_url=args.pg_url,
        log_level=args.log_level.upper(),
        quick=args.quick,
    )


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- requests ------------------------------------------------------------------------------------


def _json_body(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def _declaration(n: int) -> dict[str, Any]:
    return {"title": f"Bench incident {n}", "kind": KINDS[n % len(KINDS)], "severity": n % 4 + 1}


def sirf_requests(port: int, token: str, incident_id: int) -> dict[str, loadgen.RequestMaker]:
    host, build = servers.HOST, loadgen.build_request
    listing = build("GET", host, port, "/api/v1/incidents?limit=50", token=token)
    notes = f"/api/v1/incidents/{incident_id}/notes"
    return {
        "list": lambda n: listing,
        "declare": lambda n: build(
            "POST", host, port, "/api/v1/incidents", token=token, body=_json_body(_declaration(n))
        ),
        "append": lambda n: build(
            "POST", host, port, notes, token=token, body=_json_body({"text": f"Bench note {n}"})
        ),
    }


def reference_requests(port: int, item_id: int) -> dict[str, loadgen.RequestMaker]:
    host, build = servers.HOST, loadgen.build_request
    listing = build("GET", host, port, "/items?limit=50")
    notes = f"/items/{item_id}/notes"
    return {
        "list": lambda n: listing,
        "declare": lambda n: build("POST", host, port, "/items", body=_json_body(_declaration(n))),
        "append": lambda n: build("POST", host, port, notes, body=_json_body({"text": f"Bench note {n}"})),
    }


# --- servers -------------------------------------------------------------------------------------


@dataclass
class Workspace:
    root: Path
    sirf_url: str
    reference_url: str

    @property
    def sirf_data(self) -> Path:
        return self.root / "sirf-data"

    @property
    def sirf_config(self) -> Path:
        return self.root / "sirf-config"


def prepare_databases(backend: str, plan: Plan, root: Path, stack: ExitStack) -> Workspace:
    root.mkdir(parents=True)
    if backend == "sqlite":
        return Workspace(
            root, f"sqlite:///{root / 'sirf-data' / 'sirf.db'}", f"sqlite:///{root / 'reference.db'}"
        )
    urls = []
    for app in ("sirf", "ref"):
        name = f"sirf_bench_{os.getpid()}_{app}"
        urls.append(servers.create_postgres_database(plan.pg_admin_url, name))
        stack.callback(servers.drop_postgres_database, plan.pg_admin_url, name)
    return Workspace(root, urls[0], urls[1])


def sirf_launchers(port: int) -> list[tuple[str, list[str]]]:
    return [
        ("sirf server", [str(SIRF_BIN), "server", "--port", str(port)]),
        ("sirf.cli.admin.server()", [sys.executable, "-c", "from sirf.cli.admin import server; server()"]),
    ]


def start_sirf(ws: Workspace, plan: Plan, stack: ExitStack) -> tuple[servers.Server, str, list[str]]:
    """Start ``sirf server``; fall back to calling the command function if the CLI entry point fails."""
    port, failures = servers.free_port(), []
    env = servers.clean_environment(
        {
            "SIRF_DATA_DIR": str(ws.sirf_data),
            "SIRF_CONFIG_HOME": str(ws.sirf_config),
            "DATABASE_URL": ws.sirf_url,
            "SIRF_HOST": servers.HOST,
            "SIRF_PORT": str(port),
            "SIRF_LOG_LEVEL": plan.log_level,
        }
    )
    for label, argv in sirf_launchers(port):
        try:
            server = servers.start("sirf", argv, env, port, ws.root / "sirf-server.log")
        except servers.ServerFailed as exc:
            failures.append(f"{label}: {exc}")
            progress(f"sirf did not start with `{label}`; trying the next way")
            continue
        stack.callback(server.stop)
        return server, label, failures
    raise servers.ServerFailed("sirf did not start:\n" + "\n".join(failures))


def start_reference(ws: Workspace, plan: Plan, stack: ExitStack) -> servers.Server:
    port = servers.free_port()
    argv = [sys.executable, str(BENCH_DIR / "reference_app.py"), "--port", str(port)]
    argv += ["--database", ws.reference_url, "--log-level", plan.log_level]
    server = servers.start("reference", argv, servers.clean_environment({}), port, ws.root / "reference.log")
    stack.callback(server.stop)
    return server


def read_token(config_home: Path) -> str:
    """The admin token that sirf's first start stored in the CLI profile."""
    data = json.loads((config_home / "profiles.json").read_text())
    token: str = data["profiles"][data["default"]]["token"]
    return token


def declare_one(server: servers.Server, token: str) -> int:
    body = {"title": "Bench timeline target", "kind": "saas-outage", "severity": 2}
    answer = httpx.post(
        f"{server.url}/api/v1/incidents", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    answer.raise_for_status()
    incident_id: int = answer.json()["id"]
    return incident_id


def count_log_errors(log_path: Path) -> int:
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return sum(1 for line in text.splitlines() if '"level": "error"' in line or "Traceback" in line)


# --- measurements --------------------------------------------------------------------------------


def measure_scenarios(
    plan: Plan, targets: dict[str, tuple[servers.Server, dict[str, loadgen.RequestMaker]]]
) -> dict[str, dict[str, Any]]:
    """Each scenario on the reference, then on sirf (interleaved, so drift hits both alike)."""
    results: dict[str, dict[str, Any]] = {}
    for scenario in SCENARIOS:
        results[scenario] = {}
        for app, (server, makers) in targets.items():
            outcome = loadgen.measure(
                servers.HOST,
                server.port,
                makers[scenario],
                requests=plan.requests,
                warmup=plan.warmup,
                concurrency=plan.concurrency,
                cpu_probes={"server": server.cpu_seconds, "host": servers.host_cpu_seconds},
            )
            server_cores, host_cores = (outcome.cpu_s[k] / outcome.duration_s for k in ("server", "host"))
            progress(
                f"  {scenario:<8} {app:<9} {outcome.rps:7.0f} req/s  p50 {outcome.p50_ms:6.1f} ms  "
                f"p99 {outcome.p99_ms:6.1f} ms  errors {outcome.errors}  "
                f"CPU cores: server {server_cores:.2f}, whole host {host_cores:.2f}"
            )
            results[scenario][app] = outcome.as_dict()
    return results


def cli_environment(config_home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    config_home.mkdir(parents=True, exist_ok=True)
    return servers.clean_environment({"SIRF_CONFIG_HOME": str(config_home), **(extra or {})})


def time_cli_basics(plan: Plan, root: Path) -> dict[str, Any]:
    env = cli_environment(root / "empty-config")
    progress(f"timing `python -c 'import click'` and `sirf --help` ({plan.cli_runs} runs each)")
    baseline = clitime.time_command(
        'python -c "import click"', [sys.executable, "-c", "import click"], env, runs=plan.cli_runs
    )
    help_ = clitime.time_command(
        "sirf --help", [str(SIRF_BIN), "--help"], env, runs=plan.cli_runs, check=clitime.expect_usage
    )
    return {"baseline": baseline.as_dict(), "help": help_.as_dict()}


def time_cli_list(plan: Plan, root: Path, server: servers.Server, token: str) -> dict[str, Any]:
    env = cli_environment(root / "empty-config", {"SIRF_SERVER": server.url, "SIRF_TOKEN": token})
    argv = [str(SIRF_BIN), "list", "--json"]
    timing = clitime.time_command(
        "sirf list --json", argv, env, runs=plan.cli_runs, check=clitime.expect_incident_list
    )
    shown = f"median {timing.median_ms} ms" if timing.ok else f"FAILED: {timing.problem}"
    progress(f"  sirf list --json: {shown}")
    return timing.as_dict()


def run_backend(backend: str, plan: Plan, root: Path) -> dict[str, Any]:
    with ExitStack() as stack:
        ws = prepare_databases(backend, plan, root / backend, stack)
        progress(f"{backend}: seeding {plan.incidents} incidents into sirf (service layer) and the reference")
        seed = {
            "sirf": round(seeding.seed_sirf(ws.sirf_url, ws.sirf_data, plan.incidents), 1),
            "reference": round(seeding.seed_reference(ws.reference_url, plan.incidents), 1),
        }
        progress(
            f"{backend}: seeded in {seed['sirf']} s (sirf), {seed['reference']} s (reference); "
            "starting the servers"
        )
        sirf, launcher, launch_failures = start_sirf(ws, plan, stack)
        reference = start_reference(ws, plan, stack)
        token = read_token(ws.sirf_config)
        memory: dict[str, dict[str, Any]] = {
            "sirf": {"after_seed": sirf.memory_mb()},
            "reference": {"after_seed": reference.memory_mb()},
        }
        cli_list = time_cli_list(plan, ws.root, sirf, token)
        targets = {
            "reference": (reference, reference_requests(reference.port, item_id=1)),
            "sirf": (sirf, sirf_requests(sirf.port, token, declare_one(sirf, token))),
        }
        scenarios = measure_scenarios(plan, targets)
        memory["sirf"]["after_load"] = sirf.memory_mb()
        memory["reference"]["after_load"] = reference.memory_mb()
        return {
            "seed_s": seed,
            "sirf_launcher": launcher,
            "sirf_launch_failures": launch_failures,
            "scenarios": scenarios,
            "cli_list": cli_list,
            "memory_mb": memory,
            "server_log_errors": {
                "sirf": count_log_errors(sirf.log_path),
                "reference": count_log_errors(reference.log_path),
            },
        }


# --- results -------------------------------------------------------------------------------------


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=BENCH_DIR, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def environment() -> dict[str, Any]:
    import fastapi
    import sqlalchemy
    import uvicorn

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "fastapi": fastapi.__version__,
        "uvicorn": uvicorn.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--", "src")),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }


def host_busy(seconds: float = 1.0) -> float:
    """Fraction of all CPUs busy over ``seconds`` (before the run: other work skews every figure)."""
    busy0, wall0 = servers.host_cpu_seconds(), time.perf_counter()
    time.sleep(seconds)
    busy, wall = servers.host_cpu_seconds() - busy0, time.perf_counter() - wall0
    return round(busy / (wall * (os.cpu_count() or 1)), 2)


def check_postgres(plan: Plan) -> None:
    if "postgresql" not in plan.backends:
        return
    problem = servers.postgres_reachable(plan.pg_admin_url)
    if problem:
        sys.exit(
            f"PostgreSQL is not reachable at {plan.pg_admin_url}: {problem}\n"
            "Start it, pass --pg-url, or run with --backends sqlite."
        )


def save(results: dict[str, Any], *, name: str = "") -> Path:
    """The run's results as JSON in bench/results: ``[<name>-]<UTC time>[-quick].json``."""
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    prefix = f"{name}-" if name else ""
    path = RESULTS_DIR / f"{prefix}{stamp}{'-quick' if results['settings']['quick'] else ''}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    check_postgres(plan)
    started = time.perf_counter()
    settings = {k: v for k, v in plan.__dict__.items() if k != "pg_admin_url"}
    results: dict[str, Any] = {"environment": environment(), "settings": settings, "backends": {}}
    busy = results["environment"]["host_busy_before"] = host_busy()
    if busy > report.HOST_BUSY_WARNING:
        progress(f"warning: the host is already {busy:.0%} busy; figures will be lower and noisier")
    with tempfile.TemporaryDirectory(prefix="sirf-bench-") as tmp:
        root = Path(tmp)
        results["cli"] = time_cli_basics(plan, root)
        for backend in plan.backends:
            results["backends"][backend] = run_backend(backend, plan, root)
    results["environment"]["host_busy_after"] = host_busy()
    verdicts = report.evaluate(results)
    results["targets"] = [v.as_dict() for v in verdicts]
    results["duration_s"] = round(time.perf_counter() - started, 1)
    path = save(results)
    print(report.markdown(results, verdicts))
    progress(f"done in {results['duration_s']} s; results in {path.relative_to(BENCH_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
