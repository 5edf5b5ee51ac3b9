"""Starting, probing and stopping the servers under test, and the PostgreSQL databases they use."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServerFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def memory_mb(self) -> dict[str, float]:
        """VmRSS (now) and VmHWM (peak) of the server process, in MB (1 MB = 1024 KiB)."""
        fields: dict[str, float] = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = round(int(value.split()[0]) / 1024, 1)
        return fields

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far (all its threads)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(name: str, argv: Sequence[str], env: Mapping[str, str], port: int, log_path: Path) -> Server:
    """Start a server as a child process (output to ``log_path``) and wait until /readyz answers."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(list(argv), env=dict(env), stdout=log, stderr=subprocess.STDOUT)
    server = Server(name, process, port, log_path)
    try:
        wait_ready(server)
    except BaseException:
        server.stop()
        raise
    return server


def host_cpu_seconds() -> float:
    """Busy CPU seconds of the whole host since boot (all CPUs, all processes), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / CLOCK_TICKS


def wait_ready(server: Server, timeout: float = READY_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise ServerFailed(
                    f"{server.name} exited with {server.process.returncode} before it was ready:\n"
                    + server.log_tail()
                )
            try:
                if client.get(f"{server.url}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    raise ServerFailed(f"{server.name} not ready after {timeout:.0f} s:\n{server.log_tail()}")


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without any SIRF_* or DATABASE_URL setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIRF_") and k != "DATABASE_URL"}
    env.update(extra)
    return env


def postgres_url(admin_url: str, database: str) -> str:
    """``admin_url`` with its database name replaced."""
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{database}"


def postgres_reachable(admin_url: str) -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    import psycopg

    try:
        with psycopg.connect(admin_url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip()
    return None


def create_postgres_database(admin_url: str, name: str) -> str:
    drop_postgres_database(admin_url, name)
    _admin(admin_url, "CREATE DATABASE {}", name)
    return postgres_url(admin_url, name)


def drop_postgres_database(admin_url: str, name: str) -> None:
    _admin(admin_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def _admin(admin_url: str, template: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL(template).format(sql.Identifier(name)))
