"""`sirf server --workers N`: several API processes on PostgreSQL with the worker in the supervisor,
started for real; and the refusal of several processes on SQLite, where one process writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

from tests.conftest import PG_URL, REQUIRE_PG
from tests.e2e.live_server import free_port

SIRF = str(Path(sys.executable).parent / "sirf")
MACRO = "Hello {{ requester }}, we are working on '{{ incident_title }}'."


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "SIRF_CONFIG_HOME": str(tmp_path / "cfg"),
        "SIRF_DATA_DIR": str(tmp_path / "data"),
        "SIRF_LOG_LEVEL": "WARNING",
        **extra,
    }


def test_several_processes_are_refused_on_sqlite_with_the_reason(tmp_path: Path) -> None:
    done = subprocess.run(
        [SIRF, "server", "--workers", "2", "--port", str(free_port())],
        env=base_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--workers above 1 needs PostgreSQL" in done.stderr


@pytest.fixture
def pg_database() -> Iterator[str]:
    url = make_url(PG_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"sirf_servers_{os.getpid()}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if REQUIRE_PG:
            raise
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_two_api_processes_serve_and_the_supervisors_worker_sends_a_bulk_reply(
    tmp_path: Path, pg_database: str
) -> None:
    framework = tmp_path / "sirf.toml"
    framework.write_text(f'[tickets.macros]\nack = "{MACRO}"\n', encoding="utf-8")
    port = free_port()
    env = base_env(tmp_path, DATABASE_URL=pg_database, SIRF_FRAMEWORK_FILE=str(framework))
    server = subprocess.Popen(
        [SIRF, "server", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, server)
        profile = json.loads((tmp_path / "cfg" / "profiles.json").read_text(encoding="utf-8"))
        token = next(iter(profile["profiles"].values()))["token"]
        with httpx.Client(base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}) as api:
            incident = api.post(
                "/incidents", json={"title": "Sign-in fails", "kind": "saas-outage", "severity": 2}
            )
            assert incident.status_code == 201, incident.text
            number = incident.json()["id"]
            for n in range(6):  # spread over both processes by the kernel
                created = api.post(
                    "/tickets",
                    json={
                        "subject": f"Cannot sign in {n}",
                        "requester": f"user{n}",
                        "tags": [f"incident_{number}"],
                    },
                )
                assert created.json()["linked_incidents"] == [number]
            started = api.post(f"/incidents/{number}/tickets/replies", json={"macro": "ack"})
            assert started.status_code == 202, started.text
            run = started.json()["id"]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                progress = api.get(f"/incidents/{number}/tickets/replies/{run}").json()
                if progress["state"] != "running":
                    break
                time.sleep(0.2)
            assert progress["state"] == "completed"
            assert progress["counts"]["replied"] == 6
            shown = api.get("/tickets/1").json()
            assert [c["body"] for c in shown["comments"]] == [
                "Hello user0, we are working on 'Sign-in fails'."
            ]
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _wait_healthy(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server stopped: {server.stderr.read() if server.stderr else ''}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not become ready within 30 s")
