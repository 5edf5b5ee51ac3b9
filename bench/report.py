"""The issue's targets, checked against one run's results, and the Markdown tables printed at the end."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

RATE_RATIO_MIN = 0.5  # sirf's req/s >= half the reference's
P99_RATIO_MAX = 1.5  # sirf's p99 <= 1.5x the reference's
P99_POSTGRES_MAX_MS = 50.0
CLI_MAX_MS = 150.0
CLI_BASELINE_RATIO_MAX = 2.0  # <= 2x `python -c "import click"`
RSS_MAX_MB = 150.0
HOST_BUSY_WARNING = 0.15
TARGET_SCENARIOS = ("declare", "append")
SCENARIO_LABELS = {
    "declare": "declare (POST /incidents)",
    "append": "append (POST /incidents/{id}/notes, one incident)",
    "list": "list (GET /incidents?limit=50)",
}


@dataclass
class Verdict:
    target: str
    backend: str
    measured: str
    passed: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def _load_verdicts(backend: str, scenario: str, pair: dict[str, Any]) -> Iterator[Verdict]:
    sirf, ref = pair["sirf"], pair["reference"]
    clean = sirf["errors"] == 0
    rate = _ratio(sirf["rps"], ref["rps"])
    yield Verdict(
        f"{scenario}: req/s >= {RATE_RATIO_MIN:g} x reference",
        backend,
        f"{sirf['rps']:.0f} vs {ref['rps']:.0f} = {rate:.2f}x"
        + ("" if clean else f", {sirf['errors']} errors"),
        clean and rate >= RATE_RATIO_MIN,
    )
    p99 = _ratio(sirf["p99_ms"], ref["p99_ms"])
    yield Verdict(
        f"{scenario}: p99 <= {P99_RATIO_MAX:g} x reference",
        backend,
        f"{sirf['p99_ms']:.1f} vs {ref['p99_ms']:.1f} ms = {p99:.2f}x",
        clean and p99 <= P99_RATIO_MAX,
    )
    if backend == "postgresql":
        yield Verdict(
            f"{scenario}: p99 <= {P99_POSTGRES_MAX_MS:g} ms",
            backend,
            f"{sirf['p99_ms']:.1f} ms",
            clean and sirf["p99_ms"] <= P99_POSTGRES_MAX_MS,
        )


def _cli_verdicts(
    label: str, backend: str, timing: dict[str, Any], baseline: dict[str, Any]
) -> Iterator[Verdict]:
    if not timing["ok"]:
        yield Verdict(f"`{label}` works", backend, f"failed: {timing['problem']}", False)
        return
    median = timing["median_ms"]
    yield Verdict(
        f"`{label}` <= {CLI_MAX_MS:g} ms", backend, f"{median:.0f} ms (median)", median <= CLI_MAX_MS
    )
    if baseline["ok"]:
        ratio = _ratio(median, baseline["median_ms"])
        yield Verdict(
            f"`{label}` <= {CLI_BASELINE_RATIO_MAX:g} x `import click`",
            backend,
            f"{median:.0f} vs {baseline['median_ms']:.0f} ms = {ratio:.2f}x",
            ratio <= CLI_BASELINE_RATIO_MAX,
        )


def _memory_verdict(backend: str, memory: dict[str, Any], incidents: int) -> Verdict:
    peak = max(memory["after_seed"]["VmRSS"], memory["after_load"]["VmRSS"], memory["after_load"]["VmHWM"])
    return Verdict(
        f"server RSS <= {RSS_MAX_MB:g} MB with {incidents} incidents",
        backend,
        f"{memory['after_seed']['VmRSS']:.0f} MB after seed, "
        f"{memory['after_load']['VmRSS']:.0f} MB after load, peak {memory['after_load']['VmHWM']:.0f} MB",
        peak <= RSS_MAX_MB,
    )


def evaluate(results: dict[str, Any]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    cli = results["cli"]
    verdicts += _cli_verdicts("sirf --help", "-", cli["help"], cli["baseline"])
    for backend, data in results["backends"].items():
        for scenario in TARGET_SCENARIOS:
            verdicts += _load_verdicts(backend, scenario, data["scenarios"][scenario])
        verdicts += _cli_verdicts("sirf list --json", backend, data["cli_list"], cli["baseline"])
        verdicts.append(_memory_verdict(backend, data["memory_mb"]["sirf"], results["settings"]["incidents"]))
    return verdicts


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def host_and_targets(env: dict[str, Any], verdicts: list[Verdict], *, notes: Sequence[str] = ()) -> list[str]:
    """The closing sections every bench report shares: the host (and ``notes`` about it), then
    each target's verdict."""
    return [
        "## Host",
        f"- {env['cpus']} CPUs ({env['cpu']}), Python {env['python']}, sirf {env['git_commit']}"
        f"{' + uncommitted src changes' if env['git_dirty'] else ''}; host busy before the run "
        f"{env['host_busy_before']:.0%}, after {env.get('host_busy_after', 0):.0%}.",
        *notes,
        "## Targets",
        table(
            ["target", "backend", "measured", "result"],
            [[v.target, v.backend, v.measured, "PASS" if v.passed else "FAIL"] for v in verdicts],
        ),
    ]


def _load_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for backend, data in results["backends"].items():
        for scenario, pair in data["scenarios"].items():
            sirf, ref = pair["sirf"], pair["reference"]
            rows.append(
                [
                    backend,
                    SCENARIO_LABELS[scenario],
                    f"{sirf['rps']:.0f}",
                    f"{ref['rps']:.0f}",
                    f"{_ratio(sirf['rps'], ref['rps']):.2f}",
                    f"{sirf['p50_ms']:.1f} / {ref['p50_ms']:.1f}",
                    f"{sirf['p99_ms']:.1f} / {ref['p99_ms']:.1f}",
                    f"{_ratio(sirf['p99_ms'], ref['p99_ms']):.2f}",
                    f"{_cores(sirf)} / {_cores(ref)}",
                    f"{sirf['errors']} / {ref['errors']}",
                ]
            )
    return rows


def _cores(result: dict[str, Any]) -> str:
    cpu = result.get("cpu_s", {}).get("server")
    return "?" if cpu is None else f"{cpu / result['duration_s']:.2f}"


def _cli_rows(results: dict[str, Any]) -> list[list[str]]:
    entries = [("-", results["cli"]["baseline"]), ("-", results["cli"]["help"])]
    entries += [(backend, data["cli_list"]) for backend, data in results["backends"].items()]
    rows = []
    for backend, t in entries:
        if t["ok"]:
            rows.append(
                [
                    f"`{t['command']}`",
                    backend,
                    f"{t['median_ms']:.0f}",
                    f"{t['min_ms']:.0f}-{t['max_ms']:.0f}",
                ]
            )
        else:
            rows.append([f"`{t['command']}`", backend, "failed", str(t["problem"])[:120]])
    return rows


def _memory_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for backend, data in results["backends"].items():
        for app in ("sirf", "reference"):
            m = data["memory_mb"][app]
            rows.append(
                [
                    backend,
                    app,
                    f"{m['after_seed']['VmRSS']:.0f}",
                    f"{m['after_load']['VmRSS']:.0f}",
                    f"{m['after_load']['VmHWM']:.0f}",
                ]
            )
    return rows


def _other_cores(result: dict[str, Any]) -> float:
    """Whole-host CPU minus the server under test and the load generator, in cores."""
    cpu = result.get("cpu_s", {})
    other = float(cpu.get("host", 0.0) - cpu.get("server", 0.0) - result["generator_cpu_s"])
    return max(0.0, other / float(result["duration_s"]))


def _host_lines(results: dict[str, Any]) -> list[str]:
    env = results["environment"]
    lines = [
        f"{env['cpus']} CPUs ({env['cpu']}), Python {env['python']}, FastAPI {env['fastapi']}, "
        f"uvicorn {env['uvicorn']}, SQLAlchemy {env['sqlalchemy']}, sirf {env['git_commit']}"
        f"{' + uncommitted src changes' if env['git_dirty'] else ''}.",
        f"Host busy before the run: {env['host_busy_before']:.0%}, "
        f"after: {env.get('host_busy_after', 0):.0%}.",
    ]
    for backend, data in results["backends"].items():
        other = max(_other_cores(r) for pair in data["scenarios"].values() for r in pair.values())
        note = " (includes the PostgreSQL server itself)" if backend == "postgresql" else ""
        lines.append(
            f"{backend}: other CPU on the host during the timed phases, at most {other:.2f} cores{note}."
        )
    return lines


def markdown(results: dict[str, Any], verdicts: list[Verdict]) -> str:
    s = results["settings"]
    busy = results["environment"].get("host_busy_before", 0.0)
    warning = (
        [f"**Warning: the host was already {busy:.0%} busy before the run; the figures are suspect.**"]
        if busy > HOST_BUSY_WARNING
        else []
    )
    parts = [
        *warning,
        f"## Throughput and latency — concurrency {s['concurrency']}, {s['requests']} timed requests "
        f"after {s['warmup']} warm-up, {s['incidents']} incidents stored",
        table(
            [
                "backend",
                "scenario",
                "sirf req/s",
                "ref req/s",
                "rate ratio",
                "p50 ms sirf / ref",
                "p99 ms sirf / ref",
                "p99 ratio",
                "server CPU cores sirf / ref",
                "errors sirf / ref",
            ],
            _load_rows(results),
        ),
        f"## CLI wall time — median of {s['cli_runs']} runs",
        table(["command", "backend", "median ms", "min-max ms"], _cli_rows(results)),
        "## Server memory (MB, /proc/<pid>/status)",
        table(
            ["backend", "server", "VmRSS after seed", "VmRSS after load", "VmHWM (peak)"],
            _memory_rows(results),
        ),
        "## Host",
        "\n".join(f"- {line}" for line in _host_lines(results)),
        "## Targets",
        table(
            ["target", "backend", "measured", "result"],
            [[v.target, v.backend, v.measured, "PASS" if v.passed else "FAIL"] for v in verdicts],
        ),
    ]
    return "\n\n".join(parts) + "\n"
