"""Wall time of short commands (the sirf CLI and a Python baseline), as a median over many runs."""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

WARMUP_RUNS = 2
COMMAND_TIMEOUT_S = 30.0

Check = Callable[[str], str | None]


@dataclass
class CommandTiming:
    command: str
    runs: int
    ok: bool
    median_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    problem: str | None = None
    samples_ms: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def expect_incident_list(stdout: str) -> str | None:
    """A check for ``sirf list --json``: None when stdout is a JSON list page with items."""
    try:
        data = json.loads(stdout)
    except ValueError:
        return f"stdout is not JSON: {stdout[:200]!r}"
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        return f"no incidents in the answer: {stdout[:200]!r}"
    return None


def expect_usage(stdout: str) -> str | None:
    """A check for ``--help``: None when stdout shows a usage text."""
    return None if "Usage:" in stdout else f"no usage text: {stdout[:200]!r}"


def _run_once(argv: Sequence[str], env: Mapping[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(
        list(argv), env=dict(env), capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False
    )
    return time.perf_counter() - started, done


def _failure(done: subprocess.CompletedProcess[str], check: Check | None) -> str | None:
    if done.returncode != 0:
        return f"exit {done.returncode}: {(done.stderr or done.stdout).strip()[-400:]}"
    return check(done.stdout) if check else None


def time_command(
    label: str, argv: Sequence[str], env: Mapping[str, str], *, runs: int, check: Check | None = None
) -> CommandTiming:
    """Run ``argv`` WARMUP_RUNS times unrecorded, then ``runs`` times; report the median wall time."""
    samples: list[float] = []
    for index in range(WARMUP_RUNS + runs):
        elapsed, done = _run_once(argv, env)
        problem = _failure(done, check)
        if problem:
            return CommandTiming(label, index, ok=False, problem=problem)
        if index >= WARMUP_RUNS:
            samples.append(elapsed * 1000)
    return CommandTiming(
        label,
        runs,
        ok=True,
        median_ms=round(statistics.median(samples), 1),
        min_ms=round(min(samples), 1),
        max_ms=round(max(samples), 1),
        samples_ms=[round(s, 1) for s in samples],
    )
