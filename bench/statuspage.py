"""Benchmark the public status page: ``GET /api/v2/summary.json`` from sirf against a bare Starlette
app serving the same bytes, in one run, interleaved.

    .venv/bin/python bench/statuspage.py                # SQLite, 3 rounds x 20000 requests + wrk (~2 min)
    .venv/bin/python bench/statuspage.py --quick        # 1 round x 5000 requests, wrk 5 s (~40 s)
    .venv/bin/python bench/statuspage.py --backend postgresql --concurrency 16

1. A real ``sirf server`` (fresh SIRF_DATA_DIR / SIRF_CONFIG_HOME / database, SIRF_LOG_LEVEL=WARNING).
   Content is published through the API as a team would: with the admin token from the profile the
   first start wrote, two responders and their tokens are created; per incident: declare, assign
   CMOC and IMOC, draft the initial update, PATCH a body without blanks, request review, approve as
   IMOC and as CMOC, publish (and, for every other incident, a second update).
2. summary.json is fetched from sirf and written to a file; ``bench/bare_starlette.py`` serves those
   bytes (one uvicorn process, log level warning, like sirf) twice: ``bare`` with only the body, and
   ``bare+headers`` with sirf's ETag, cache, CORS and security headers too (the same bytes on the
   wire, apart from the ETag value), which shows what the headers alone cost.
3. Rounds of bench/loadgen.py (closed loop, ``--concurrency`` in flight) alternate the three servers,
   so drift on the host hits all alike. Figures are the medians over rounds; the share is sirf's
   req/s over ``bare``'s (the target), and over ``bare+headers`` for information. Then ``wrk`` (if
   installed) as a second opinion on each.

Targets (reported, never asserted): >= 1,000 req/s, p99 <= 50 ms, share >= 80%.
Markdown on stdout, progress on stderr, JSON in bench/results/statuspage-<UTC time>[-quick].json.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import loadgen
import servers

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
SIRF_BIN = Path(sys.executable).parent / "sirf"
PATH = "/api/v2/summary.json"
API = "/api/v1"
CMOC, IMOC = "bench-cmoc", "bench-imoc"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MIN_RPS, MAX_P99_MS, MIN_SHARE = 1000.0, 50.0, 0.80
BODY = (
    "Sign-in fails for some users since 09:12 UTC. We are investigating and will post again within "
    "15 minutes. https://status.example.com/incidents/1"
)


@dataclass(frozen=True)
class Plan:
    backend: str
    requests: int
    warmup: int
    concurrency: int
    rounds: int
    incidents: int
    wrk_seconds: int
    pg_admin_url: str
    quick: bool


def parse_args(argv: list[str] | None = None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=20000, help="timed requests per round and server")
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--incidents", type=int, default=6, help="incidents published before the load")
    parser.add_argument("--wrk-seconds", type=int, default=10, help="0 skips wrk")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="admin URL used to create a database")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.warmup, args.rounds, args.wrk_seconds = 5000, 300, 1, 5
    return Plan(
        args.backend,
        args.requests,
        args.warmup,
        args.concurrency,
        args.rounds,
        args.incidents,
        args.wrk_seconds,
        args.pg_url,
        args.quick,
    )


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- publishing through the API ----------------------------------------------------------------


class Team:
    def __init__(self, url: str, admin_token: str) -> None:
        self.client = httpx.Client(base_url=url + API, timeout=30)
        self.tokens = {"admin": admin_token}

    def call(self, who: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = self.client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {self.tokens[who]}"}
        )
        if not answer.is_success:
            raise RuntimeError(f"{method} {path} as {who}: {answer.status_code} {answer.text[:300]}")
        return answer.json()

    def add_person(self, username: str) -> None:
        self.call("admin", "POST", "/users", {"username": username, "org_role": "responder"})
        self.tokens[username] = self.call(
            "admin", "POST", "/tokens", {"name": "bench", "username": username}
        )["token"]

    def publish(self, incident_id: int, template: str, body: str) -> None:
        update_id = self.call(CMOC, "POST", f"/incidents/{incident_id}/updates", {"template": template})["id"]
        edited = self.call(CMOC, "PATCH", f"/updates/{update_id}", {"body": body})
        if edited["blanks"]:
            raise RuntimeError(f"update {update_id} still has blanks: {edited['blanks']}")
        etag = self.call(CMOC, "POST", f"/updates/{update_id}/request-review", {})["etag"]
        for person in (IMOC, CMOC):
            self.call(person, "POST", f"/updates/{update_id}/approve", {"etag": etag})
        published = self.call(CMOC, "POST", f"/updates/{update_id}/publish", {})
        if published["state"] != "published":
            raise RuntimeError(f"update {update_id} is {published['state']} after publish")


def publish_content(url: str, token: str, incidents: int) -> None:
    team = Team(url, token)
    try:
        for person in (CMOC, IMOC):
            team.add_person(person)
        for n in range(1, incidents + 1):
            declaration = {
                "title": f"Bench incident {n}: sign-in errors",
                "kind": "saas-outage",
                "severity": 2,
            }
            declaration["affected_services"] = ["web", "api"]
            incident_id = team.call("admin", "POST", "/incidents", declaration)["id"]
            for role, person in (("cmoc", CMOC), ("imoc", IMOC)):
                team.call("admin", "PUT", f"/incidents/{incident_id}/roles/{role}", {"person": person})
            team.publish(incident_id, "initial", BODY)
            if n % 2 == 0:
                team.publish(incident_id, "periodic", BODY.replace("investigating", "still working on it"))
    finally:
        team.client.close()


# --- servers ------------------------------------------------------------------------------------


def database_url(plan: Plan, root: Path, stack: ExitStack) -> str:
    if plan.backend == "sqlite":
        return f"sqlite:///{root / 'sirf-data' / 'sirf.db'}"
    name = f"sirf_bench_statuspage_{root.name[-8:].lower()}"
    stack.callback(servers.drop_postgres_database, plan.pg_admin_url, name)
    return servers.create_postgres_database(plan.pg_admin_url, name)


def start_sirf(plan: Plan, root: Path, stack: ExitStack) -> tuple[servers.Server, str]:
    port = servers.free_port()
    config = root / "sirf-config"
    env = servers.clean_environment(
        {
            "SIRF_DATA_DIR": str(root / "sirf-data"),
            "SIRF_CONFIG_HOME": str(config),
            "DATABASE_URL": database_url(plan, root, stack),
            "SIRF_LOG_LEVEL": "WARNING",
        }
    )
    argv = [str(SIRF_BIN), "server", "--port", str(port)]
    server = servers.start("sirf", argv, env, port, root / "sirf-server.log")
    stack.callback(server.stop)
    profiles = json.loads((config / "profiles.json").read_text())
    return server, profiles["profiles"][profiles["default"]]["token"]


def start_bare(
    name: str, body_file: Path, headers_file: Path | None, root: Path, stack: ExitStack
) -> servers.Server:
    port = servers.free_port()
    argv = [
        sys.executable,
        str(BENCH_DIR / "bare_starlette.py"),
        "--port",
        str(port),
        "--body",
        str(body_file),
    ]
    if headers_file is not None:
        argv += ["--headers", str(headers_file)]
    server = servers.start(name, argv, servers.clean_environment({}), port, root / f"{name}.log")
    stack.callback(server.stop)
    return server


# --- load ---------------------------------------------------------------------------------------


def load(server: servers.Server, plan: Plan) -> dict[str, Any]:
    request = loadgen.build_request("GET", servers.HOST, server.port, PATH)
    result = loadgen.measure(
        servers.HOST,
        server.port,
        lambda _n: request,
        requests=plan.requests,
        warmup=plan.warmup,
        concurrency=plan.concurrency,
        cpu_probes={"server": server.cpu_seconds, "host": servers.host_cpu_seconds},
    )
    return result.as_dict()


def median_of(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("rps", "p50_ms", "p90_ms", "p99_ms", "max_ms")
    summary: dict[str, Any] = {key: round(statistics.median(r[key] for r in rounds), 2) for key in keys}
    summary["errors"] = sum(r["errors"] for r in rounds)
    summary["server_cores"] = round(
        statistics.median(r["cpu_s"]["server"] / r["duration_s"] for r in rounds), 2
    )
    # CPU per request moves far less than req/s when something else shares the host.
    summary["server_cpu_us"] = round(
        statistics.median(r["cpu_s"]["server"] / r["requests"] * 1e6 for r in rounds)
    )
    return summary


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(server: servers.Server, plan: Plan) -> dict[str, Any] | None:
    wrk = shutil.which("wrk")
    if wrk is None or plan.wrk_seconds <= 0:
        return None
    argv = [wrk, "-t2", f"-c{plan.concurrency}", f"-d{plan.wrk_seconds}s", "--latency", server.url + PATH]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"wrk printed no Requests/sec:\n{output}")
    figures: dict[str, Any] = {"rps": float(rate.group(1))}
    for label in ("50", "90", "99"):
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        figures[f"p{label}_ms"] = (
            round(float(found.group(1)) * _WRK_UNITS[found.group(2)], 2) if found else None
        )
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    figures["errors"] = int(non_2xx.group(1)) if non_2xx else 0
    return figures


# --- report -------------------------------------------------------------------------------------


# Headers every server adds itself, or that the bare app sets from the body.
OWN_HEADERS = frozenset({"date", "server", "content-length", "content-type"})
NAMES = ("bare", "bare+headers", "sirf")


def share(results: dict[str, Any], tool: str, of: str) -> float | None:
    figures = results.get(tool) or {}
    if not (figures.get("sirf") and figures.get(of) and figures[of]["rps"]):
        return None
    return float(figures["sirf"]["rps"] / figures[of]["rps"])


def verdicts(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    sirf, bare = results["loadgen"]["sirf"], results["loadgen"]["bare"]
    share = sirf["rps"] / bare["rps"] if bare["rps"] else 0.0
    return [
        (
            f"sirf >= {MIN_RPS:,.0f} req/s",
            f"{sirf['rps']:,.0f}",
            sirf["rps"] >= MIN_RPS and not sirf["errors"],
        ),
        (f"sirf p99 <= {MAX_P99_MS:g} ms", f"{sirf['p99_ms']:.1f} ms", sirf["p99_ms"] <= MAX_P99_MS),
        (f"share of bare Starlette >= {MIN_SHARE:.0%}", f"{share:.0%}", share >= MIN_SHARE),
    ]


def markdown(results: dict[str, Any]) -> str:
    plan = results["plan"]
    lines = [
        f"## Status page: GET {PATH} ({plan['backend']}, concurrency {plan['concurrency']}, "
        f"{plan['rounds']} x {plan['requests']} requests, summary.json {results['body_bytes']} bytes)",
        "",
        "| server | tool | req/s | p50 ms | p90 ms | p99 ms | server cores | server CPU µs/req | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for tool in ("loadgen", "wrk"):
        for name in NAMES:
            figures = (results.get(tool) or {}).get(name)
            if figures:
                cores, cpu = figures.get("server_cores", ""), figures.get("server_cpu_us", "")
                lines.append(
                    f"| {name} | {tool} | {figures['rps']:,.0f} | {figures['p50_ms']} | {figures['p90_ms']} "
                    f"| {figures['p99_ms']} | {cores} | {cpu} | {figures['errors']} |"
                )
    lines += ["", "| target | measured (loadgen) | verdict |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {'PASS' if ok else 'FAIL'} |" for name, value, ok in verdicts(results)]
    lines += ["", "| share of sirf | of bare | of bare+headers |", "|---|---:|---:|"]
    for tool in ("loadgen", "wrk"):
        shares = [share(results, tool, of) for of in ("bare", "bare+headers")]
        if shares[0] is not None:
            lines.append(
                f"| {tool} | " + " | ".join(f"{s:.0%}" if s is not None else "" for s in shares) + " |"
            )
    return "\n".join(lines)


def save(results: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"statuspage-{stamp}{'-quick' if results['plan']['quick'] else ''}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    results: dict[str, Any] = {"plan": asdict(plan), "started": datetime.now(UTC).isoformat()}
    with tempfile.TemporaryDirectory(prefix="sirf-bench-statuspage-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        progress("starting sirf and publishing content through the API")
        sirf, token = start_sirf(plan, root, stack)
        publish_content(sirf.url, token, plan.incidents)
        summary = httpx.get(sirf.url + PATH, timeout=10)
        summary.raise_for_status()
        if len(summary.json()["incidents"]) != plan.incidents:
            raise RuntimeError(f"summary.json lists {len(summary.json()['incidents'])} incidents")
        body_file, headers_file = root / "summary.json", root / "headers.json"
        body_file.write_bytes(summary.content)
        extra = [[k, v] for k, v in summary.headers.items() if k.lower() not in OWN_HEADERS]
        headers_file.write_text(json.dumps(extra))
        results["body_bytes"], results["sirf_headers"] = len(summary.content), list(summary.headers.items())
        targets = {
            "bare": start_bare("bare", body_file, None, root, stack),
            "bare+headers": start_bare("bare-headers", body_file, headers_file, root, stack),
            "sirf": sirf,
        }
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
        for n in range(1, plan.rounds + 1):
            for name, server in targets.items():
                progress(f"round {n}/{plan.rounds}: {name}")
                rounds[name].append(load(server, plan))
        results["rounds"] = rounds
        results["loadgen"] = {name: median_of(values) for name, values in rounds.items()}
        if shutil.which("wrk") and plan.wrk_seconds > 0:
            results["wrk"] = {}
            for name, server in targets.items():
                progress(f"wrk: {name}")
                results["wrk"][name] = run_wrk(server, plan)
        results["sirf_log_tail"] = sirf.log_tail(10)
    print(markdown(results))
    progress(f"results: {save(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
