"""The web UI: server-rendered pages (Jinja2 + a vendored htmx 2) on the same service layer as
the API. ``install(app)`` adds the pages, the static files and how the web's own refusals
(not signed in, CSRF) are answered."""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from sirf.config import Settings
from sirf.web import routes_admin, routes_auth, routes_pages, routes_room, routes_tickets, routes_updates
from sirf.web.context import SignInRequired
from sirf.web.errors import problem
from sirf.web.render import STATIC, Pages
from sirf.web.security import CsrfRefused
from sirf.web.ticket_panel import FiguresCache


class VersionedStatic(StaticFiles):
    """Static files are linked with a content hash in the URL (``?v=``), so they may be cached long."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def ticket_url_for(settings: Settings) -> Callable[[str], str | None]:
    """Where an agent opens a ticket: Zendesk's agent view; None for built-in tickets (no page)."""
    base = settings.zendesk_url

    def ticket_url(ref: str) -> str | None:
        return f"{base}/agent/tickets/{quote(ref, safe='')}" if base else None

    return ticket_url


def install(app: FastAPI) -> None:
    # RFC 9106's recommended low-memory Argon2id (64 MiB, 3 passes, 4 lanes): pwdlib's default.
    app.state.web_hasher = PasswordHash((Argon2Hasher(),))
    app.state.web_pages = Pages()
    app.state.web_pages.env.globals["ticket_url"] = ticket_url_for(app.state.container.settings)
    app.state.web_ticket_figures = FiguresCache()
    for module in (routes_auth, routes_pages, routes_room, routes_tickets, routes_updates, routes_admin):
        app.include_router(module.router)
    app.mount("/static", VersionedStatic(directory=STATIC), name="static")
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(CsrfRefused, _csrf_refused)


async def _sign_in(request: Request, _exc: Exception) -> Response:
    if request.headers.get("hx-request"):
        # htmx follows HX-Redirect with a full page load, whatever the status.
        return Response(status_code=401, headers={"HX-Redirect": "/login"})
    target = request.url.path if request.method == "GET" else "/"
    if request.url.query and request.method == "GET":
        target += "?" + request.url.query
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


async def _csrf_refused(request: Request, exc: Exception) -> HTMLResponse:
    reason = exc.reason if isinstance(exc, CsrfRefused) else "refused"
    refused = problem(403, "Request refused", reason, code="csrf_refused")
    context = {"user": None, "csrf_token": "", "can_act": False, "is_admin": False, "problem": refused}
    pages: Pages = request.app.state.web_pages
    return pages.response(request, "error.html", context | {"nav": None}, status=403)
