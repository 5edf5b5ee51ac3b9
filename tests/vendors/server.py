"""A fake vendor behind a real HTTP server: a tiny Starlette app, served by uvicorn in a background
thread on 127.0.0.1, that hands each request to the same handler the MockTransport tests use."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.vendors.fakes import Handler

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


def vendor_app(handler: Handler) -> Starlette:
    async def endpoint(request: Request) -> Response:
        incoming = httpx.Request(
            request.method, str(request.url), headers=request.headers.raw, content=await request.body()
        )
        # The fakes are synchronous and may sleep (slow-answer faults): keep them off the event loop.
        answer = await run_in_threadpool(handler, incoming)
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
        return Response(answer.content, status_code=answer.status_code, headers=headers)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)])


@contextmanager
def serve(handler: Handler) -> Iterator[str]:
    """Yield the base URL of a running server; stop it afterwards."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY by asyncio
    listener.bind(("127.0.0.1", 0))  # bound here, so no other process can take the port meanwhile
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        vendor_app(handler), log_level="warning", lifespan="off", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake vendor server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
