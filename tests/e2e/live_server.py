"""Run the real app under uvicorn in a background thread on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from sirf.api.app import create_app
from sirf.bootstrap import Container


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def live_server(container: Container, *, prepare: Callable[[FastAPI], None] | None = None) -> Iterator[str]:
    """Serve ``create_app(container)``; ``prepare`` may adjust the app first (e.g. a cheap hasher)."""
    port = free_port()
    app = create_app(container)
    if prepare is not None:
        prepare(app)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    else:
        raise RuntimeError("the test server did not start within 10 s")
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
