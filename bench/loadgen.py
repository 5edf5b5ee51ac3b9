"""A small closed-loop HTTP/1.1 load generator on asyncio streams (standard library only).

Each of ``concurrency`` workers holds one keep-alive connection and sends its next request as soon
as the previous answer has been read completely, so the server always has exactly ``concurrency``
requests in flight. A warm-up phase runs first and is not recorded; then a fixed number of requests
is timed, each from the first byte written to the last byte of the body read.

Why not httpx here: on a 2-core host the generator shares the CPU with the server, and httpx spends
several times more CPU per request than these few lines, which would flatter the slower server.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

RequestMaker = Callable[[int], bytes]
CpuProbe = Callable[[], float]
REQUEST_TIMEOUT_S = 30.0
TRANSPORT_ERROR = 0  # the "status" recorded when the connection failed (reset, timeout, bad answer)


@dataclass
class LoadResult:
    requests: int
    errors: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    generator_cpu_s: float
    cpu_s: dict[str, float] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Run:
    make_request: RequestMaker
    remaining: int
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    issued: int = 0

    def take(self) -> int | None:
        if self.remaining <= 0:
            return None
        self.remaining -= 1
        self.issued += 1
        return self.issued


def build_request(
    method: str, host: str, port: int, path: str, *, token: str | None = None, body: bytes | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: application/json"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the server will close the connection."""
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, closing = 0, False, False
    while True:
        line = await reader.readuntil(b"\r\n")
        if line == b"\r\n":
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            closing = b"close" in value.lower()
    if chunked:
        await _read_chunks(reader)
    elif length:
        await reader.readexactly(length)
    return status, closing


async def _read_chunks(reader: asyncio.StreamReader) -> None:
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        if size == 0:
            return


@dataclass
class _Connection:
    host: str
    port: int
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _worker(connection: _Connection, run: _Run) -> None:
    while (number := run.take()) is not None:
        request = run.make_request(number)
        started = time.perf_counter()
        try:
            status, closing = await _exchange(connection, request)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            status, closing = TRANSPORT_ERROR, True  # counted as an error; reconnect for the next one
        run.latencies.append(time.perf_counter() - started)
        run.statuses[status] = run.statuses.get(status, 0) + 1
        if closing:
            connection.close()


async def _exchange(connection: _Connection, request: bytes) -> tuple[int, bool]:
    if connection.writer is None:
        await connection.open()
    assert connection.reader is not None
    assert connection.writer is not None
    connection.writer.write(request)
    async with asyncio.timeout(REQUEST_TIMEOUT_S):
        return await _read_response(connection.reader)


async def _phase(connections: list[_Connection], make_request: RequestMaker, count: int) -> _Run:
    run = _Run(make_request, count)
    await asyncio.gather(*(_worker(connection, run) for connection in connections))
    return run


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def _summarise(run: _Run, duration: float, cpu: float) -> LoadResult:
    latencies = sorted(run.latencies)
    errors = sum(n for status, n in run.statuses.items() if not 200 <= status < 300)
    ms = 1000.0
    return LoadResult(
        requests=len(latencies),
        errors=errors,
        duration_s=round(duration, 3),
        rps=round(len(latencies) / duration, 1),
        p50_ms=round(percentile(latencies, 0.50) * ms, 2),
        p90_ms=round(percentile(latencies, 0.90) * ms, 2),
        p95_ms=round(percentile(latencies, 0.95) * ms, 2),
        p99_ms=round(percentile(latencies, 0.99) * ms, 2),
        max_ms=round(latencies[-1] * ms, 2),
        generator_cpu_s=round(cpu, 2),
        status_counts={str(k): v for k, v in sorted(run.statuses.items())},
    )


async def _measure(
    host: str,
    port: int,
    make_request: RequestMaker,
    *,
    requests: int,
    warmup: int,
    concurrency: int,
    cpu_probes: Mapping[str, CpuProbe],
) -> LoadResult:
    connections = [_Connection(host, port) for _ in range(concurrency)]
    try:
        await asyncio.gather(*(connection.open() for connection in connections))
        if warmup:
            await _phase(connections, make_request, warmup)
        before = {name: probe() for name, probe in cpu_probes.items()}
        cpu0, wall0 = time.process_time(), time.perf_counter()
        run = await _phase(connections, make_request, requests)
        result = _summarise(run, time.perf_counter() - wall0, time.process_time() - cpu0)
        result.cpu_s = {name: round(probe() - before[name], 2) for name, probe in cpu_probes.items()}
        return result
    finally:
        for connection in connections:
            connection.close()


def measure(
    host: str,
    port: int,
    make_request: RequestMaker,
    *,
    requests: int,
    warmup: int,
    concurrency: int = 8,
    cpu_probes: Mapping[str, CpuProbe] | None = None,
) -> LoadResult:
    """Warm up, then time ``requests`` requests at ``concurrency`` in flight (closed loop).

    ``cpu_probes`` map names to functions returning CPU seconds used so far (by the server, by the
    whole host...); the result's ``cpu_s`` holds what each used during the timed phase only
    (cpu_s[name] / duration_s = cores busy).
    """
    return asyncio.run(
        _measure(
            host,
            port,
            make_request,
            requests=requests,
            warmup=warmup,
            concurrency=concurrency,
            cpu_probes=cpu_probes or {},
        )
    )
