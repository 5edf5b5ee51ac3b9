"""The floor for the status page benchmark: a bare Starlette app answering one path with fixed bytes.

    .venv/bin/python bench/bare_starlette.py --port 8101 --body summary.json [--headers headers.json]

``GET /api/v2/summary.json`` returns the file's bytes (read once at start) as
``application/json; charset=utf-8``, plus, with ``--headers``, the extra headers listed in that
JSON file (``[[name, value], ...]``: sirf's ETag, cache, CORS and security headers, to measure what
sending them costs). ``GET /readyz`` answers 200 so ``servers.start`` can wait for it. One uvicorn
process, as ``sirf server`` runs, with the same (default) HTTP and loop choices.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PATH = "/api/v2/summary.json"


def build(body: bytes, headers: dict[str, str] | None = None) -> Starlette:
    async def summary(request: Request) -> Response:
        return Response(body, media_type="application/json; charset=utf-8", headers=headers)

    async def ready(request: Request) -> Response:
        return Response(b"ok", media_type="text/plain")

    return Starlette(routes=[Route(PATH, summary), Route("/readyz", ready)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True, help="file whose bytes are served")
    parser.add_argument("--headers", type=Path, help="JSON [[name, value], ...] added to the answer")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    headers = dict(json.loads(args.headers.read_text())) if args.headers else None
    app = build(args.body.read_bytes(), headers)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
