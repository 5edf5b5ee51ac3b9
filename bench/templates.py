"""Render every F8 template N times, built-in and with an installation override, and report p50/p99.

    .venv/bin/python bench/templates.py                  # 500 renders per template and variant
    .venv/bin/python bench/templates.py --iterations 2000

Each sample is one ``render_update`` call, the service layer's entry point: the template (or the
sandboxed override) plus plain text, sanitised HTML and blank detection. The target is p99 <= 20 ms
of wall time. CPU time of the rendering thread is shown beside it: on a busy host the wall-time tail
is mostly waiting for a core, which the CPU figure leaves out. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from sirf.domain.framework import Framework
from sirf.rendering.overrides import TemplateOverrides
from sirf.rendering.render import render_update
from sirf.templates.build import build_context
from sirf.templates.context import TemplateContext
from sirf.templates.registry import TEMPLATES
from sirf.templates.samples import DECLARED, full_context, full_incident

TARGET_P99_MS = 20.0
# A realistic override: the built-in text, a loop over the open actions, filters, a macro, a blank.
OVERRIDE = """{% macro item(action) %}- {{ action.title|title }} ({{ action.owner|upper }}){% endmacro %}
{{ default }}
### Owners
{% for action in current_actions %}{{ item(action) }}
{% else %}- {{ blank("who owns what") }}
{% endfor %}
{% if tickets %}Tickets: {{ tickets.active_tickets }} active,
top issue "{{ tickets.top_issues[0].issue }}".{% endif %}
Services: {{ affected_services|join(", ") or blank("services") }}; {{ severity }} / {{ status }}.
"""


@dataclass(frozen=True)
class Figures:
    name: str
    variant: str
    p50_ms: float
    p99_ms: float
    max_ms: float
    cpu_p50_ms: float
    cpu_p99_ms: float


Samples = tuple[list[float], list[float]]  # wall and CPU milliseconds


def sample(render: Callable[[], object], iterations: int) -> Samples:
    for _ in range(min(20, iterations)):  # warm caches (parser, compiled regexes)
        render()
    wall, cpu = [], []
    for _ in range(iterations):
        started, started_cpu = time.perf_counter(), time.thread_time()
        render()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def figures(name: str, variant: str, samples: Samples) -> Figures:
    wall, cpu = samples
    return Figures(
        name,
        variant,
        statistics.median(wall),
        percentile(wall, 0.99),
        max(wall),
        statistics.median(cpu),
        percentile(cpu, 0.99),
    )


def measure(context: TemplateContext, overrides: TemplateOverrides, iterations: int) -> list[Figures]:
    results = []
    for name in TEMPLATES:
        for variant, chosen in (("built-in", None), ("override", overrides)):

            def render(name: str = name, chosen: TemplateOverrides | None = chosen) -> object:
                return render_update(name, context, chosen)

            results.append(figures(name, variant, sample(render, iterations)))
    return results


def measure_build(iterations: int) -> Figures:
    framework = Framework()
    incident = full_incident(framework)

    def build() -> object:
        return build_context(
            incident,
            now=DECLARED.replace(hour=14),
            framework=framework,
            update_number=3,
            last_public_update_at=None,
            next_update_at=None,
            requested_by="bob",
        )

    return figures("(build_context)", "-", sample(build, iterations))


def report(results: list[Figures]) -> None:
    print("| template | variant | p50 ms | p99 ms | max ms | CPU p50 ms | CPU p99 ms | p99 <= 20 ms |")
    print("|---|---|---:|---:|---:|---:|---:|:---:|")
    for row in results:
        verdict = "yes" if row.p99_ms <= TARGET_P99_MS else "NO"
        wall = f"{row.p50_ms:.3f} | {row.p99_ms:.3f} | {row.max_ms:.3f}"
        cpu = f"{row.cpu_p50_ms:.3f} | {row.cpu_p99_ms:.3f}"
        print(f"| {row.name} | {row.variant} | {wall} | {cpu} | {verdict} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=500)
    arguments = parser.parse_args()
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    print(f"host: {cores} cores, load average {load:.2f} at start", end="")
    print(" (busy: expect a longer wall-time tail)\n" if load > cores / 2 else "\n")
    started = time.perf_counter()
    overrides = TemplateOverrides.compile(dict.fromkeys(TEMPLATES, OVERRIDE))
    compile_ms = (time.perf_counter() - started) * 1000
    gc.collect()
    results = measure(full_context(), overrides, arguments.iterations)
    results.append(measure_build(arguments.iterations))
    report(results)
    worst = max(row.p99_ms for row in results)
    print(f"\ncompiling and trial-rendering 10 overrides at start-up: {compile_ms:.1f} ms")
    verdict = "met" if worst <= TARGET_P99_MS else "MISSED"
    print(f"worst p99: {worst:.3f} ms (target {TARGET_P99_MS:.0f} ms): {verdict}")


if __name__ == "__main__":
    main()
