"""CLI test fixtures: the fake API, an isolated environment, a fixed local timezone and ``run``."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from sirf.cli.client import Answer, Transport, TransportError, Wiring
from sirf.cli.main import cli
from tests.cli.fake_api import TOKEN, FakeApi

SERVER = "http://sirf.test"
# A POSIX TZ rule (no tz database needed): CET in winter, CEST from the last Sunday of March.
BERLIN = "CET-1CEST,M3.5.0,M10.5.0/3"

Run = Callable[..., Result]


def through_mock(mock: httpx.MockTransport) -> Transport:
    """The CLI's transport, answered by an ``httpx.MockTransport`` handler (the fake API)."""

    def send(method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: float) -> Answer:
        limits = dict.fromkeys(("connect", "read", "write", "pool"), timeout)
        request = httpx.Request(
            method, url, headers=dict(headers), content=body, extensions={"timeout": limits}
        )
        try:
            response = mock.handle_request(request)
        except httpx.TimeoutException as exc:
            raise TransportError("timed out", timeout=True) from exc
        except httpx.TransportError as exc:
            raise TransportError(str(exc)) from exc
        response.read()
        headers_out = {name.lower(): value for name, value in response.headers.items()}
        return Answer(response.status_code, response.reason_phrase, headers_out, response.content)

    return send


@pytest.fixture
def fake() -> FakeApi:
    return FakeApi()


@pytest.fixture
def local_zone() -> Iterator[str]:
    """Pin the process's local timezone so rendered times are predictable, then restore it."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = BERLIN
    time.tzset()
    yield BERLIN
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    """SIRF_* settings for one test: server and token given, profiles in an empty directory."""
    return {
        "SIRF_SERVER": SERVER,
        "SIRF_TOKEN": TOKEN,
        "SIRF_PROFILE": None,
        "SIRF_CONFIG_HOME": str(tmp_path / "config"),
        "NO_COLOR": None,
    }


@pytest.fixture
def run(fake: FakeApi, env: dict[str, str | None], local_zone: str) -> Run:
    """``run("list", "--json")`` invokes the CLI in-process against the fake API; ``stdin=`` feeds
    standard input (which is never a terminal here)."""

    def invoke(*args: str, stdin: str | None = None, **extra_env: str | None) -> Result:
        wiring = Wiring(transport=through_mock(fake.transport()), retry_delay=0)
        return CliRunner().invoke(
            cli, list(args), input=stdin, obj=wiring, env={**env, **extra_env}, catch_exceptions=False
        )

    return invoke
