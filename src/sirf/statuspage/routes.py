"""Serving the public page: an ASGI layer that answers its paths from pre-rendered documents.

It sits outermost among the app's own middleware (``install_status_page`` is the last
``add_middleware`` in ``create_app``), so these requests skip routing, validation, the exception
and exit-stack layers and any session, CSRF or rate-limit middleware added later: none of them has
anything to do for anonymous reads of fixed bytes, and some would touch the database. The answers
carry the app's security headers themselves (``responses.SECURITY``). Every other request passes
through untouched. Nothing here reads the database except the at-most-once-per-second version
check, which the cache runs in a worker thread.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from sirf.bootstrap import Container
from sirf.statuspage import documents, feeds
from sirf.statuspage.cache import SnapshotCache
from sirf.statuspage.html import stylesheet
from sirf.statuspage.page import HTML_PATH, PAGE_NAME
from sirf.statuspage.responses import (
    CSS_TYPE,
    NOT_ALLOWED,
    NOT_ALLOWED_BODY,
    PREFLIGHT,
    UNAVAILABLE,
    UNAVAILABLE_BODY,
    Document,
    Headers,
    etag_matches,
)

STYLE_PATH = "/status/style.css"
SNAPSHOT_PATHS = (*documents.PATHS, HTML_PATH, feeds.ATOM_PATH, feeds.RSS_PATH)
READS = frozenset({"GET", "HEAD"})
# A Host header is echoed into the documents' absolute URLs: accept only what a host can be.
_HOST = re.compile(rb"[A-Za-z0-9.\-]{1,253}(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?")


def install_status_page(app: FastAPI, container: Container, *, page_name: str = PAGE_NAME) -> None:
    """Call after every other ``add_middleware``: the last one added is the outermost."""
    app.add_middleware(StatusPageMiddleware, container=container, page_name=page_name)


class StatusPageMiddleware:
    def __init__(self, app: ASGIApp, *, container: Container, page_name: str = PAGE_NAME) -> None:
        self.app = app
        self.cache = SnapshotCache(container.database, container.env.clock, page_name=page_name)
        self.style = Document(stylesheet(), CSS_TYPE)
        self.paths = frozenset((*SNAPSHOT_PATHS, STYLE_PATH))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = self._own_path(scope) if scope["type"] == "http" else None
        if path is None:
            await self.app(scope, receive, send)
        else:
            await self.answer(path, scope, send)

    def _own_path(self, scope: Scope) -> str | None:
        path: str = scope["path"]
        if path in self.paths:
            return path
        # Mounted under a prefix (root_path), the ASGI path still starts with that prefix.
        root: str = scope.get("root_path", "")
        if root and path.startswith(root) and path[len(root) :] in self.paths:
            return path[len(root) :]
        return None

    async def answer(self, path: str, scope: Scope, send: Send) -> None:
        method = scope["method"]
        if method == "OPTIONS":
            await _send(send, 204, PREFLIGHT, b"")
            return
        if method not in READS:
            await _send(send, 405, NOT_ALLOWED, NOT_ALLOWED_BODY)
            return
        host, if_none_match = _request_headers(scope)
        document = await self.document(path, scope, host)
        head = method == "HEAD"
        if document is None:
            await _send(send, 503, UNAVAILABLE, b"" if head else UNAVAILABLE_BODY)
        elif if_none_match is not None and etag_matches(if_none_match, document.etag):
            await _send(send, 304, document.not_modified_headers, b"")
        else:
            await _send(send, 200, document.headers, b"" if head else document.body)

    async def document(self, path: str, scope: Scope, host: bytes | None) -> Document | None:
        if path == STYLE_PATH:
            return self.style
        found = await self.cache.documents(_base_url(scope, host), _server_url(scope))
        return None if found is None else found[path]


def _request_headers(scope: Scope) -> tuple[bytes | None, bytes | None]:
    host = if_none_match = None
    for name, value in scope["headers"]:
        if name == b"host":
            host = value
        elif name == b"if-none-match":
            if_none_match = value
    return host, if_none_match


def _base_url(scope: Scope, host: bytes | None) -> str:
    if host is None or not _HOST.fullmatch(host):
        return _server_url(scope)
    return f"{scope['scheme']}://{host.decode('ascii')}{scope.get('root_path', '')}"


def _server_url(scope: Scope) -> str:
    name, port = scope.get("server") or ("localhost", None)
    return f"{scope['scheme']}://{name}{f':{port}' if port else ''}{scope.get('root_path', '')}"


async def _send(send: Send, status: int, headers: Headers, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
