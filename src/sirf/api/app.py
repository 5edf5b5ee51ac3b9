"""The application factory: ``create_app(container)``; nothing is built at import time."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from sirf import __version__
from sirf.api import (
    routes_accounts,
    routes_builtin_tickets,
    routes_engagement,
    routes_incidents,
    routes_tickets,
    routes_updates,
    routes_webhooks,
)
from sirf.api.errors import install_error_handlers, problem
from sirf.api.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from sirf.bootstrap import Container
from sirf.statuspage import install_status_page
from sirf.web import install as install_web

DESCRIPTION = """sirf runs the customer side of incidents (the Support Incident Response Framework).
Authenticate with `Authorization: Bearer sirf_...`. Errors are RFC 9457 problem JSON with a stable `code`.
POST requests accept `Idempotency-Key`; changes accept `If-Match` with the incident's ETag."""


def create_app(container: Container) -> FastAPI:
    app = FastAPI(title="sirf", version=__version__, description=DESCRIPTION, redoc_url=None)
    app.state.container = container
    install_error_handlers(app)
    app.include_router(routes_incidents.router)
    app.include_router(routes_engagement.router)
    app.include_router(routes_updates.router)
    app.include_router(routes_accounts.router)
    app.include_router(routes_tickets.router)
    app.include_router(routes_builtin_tickets.router)
    app.include_router(routes_webhooks.router)
    install_web(app)

    @app.get("/healthz", tags=["health"], summary="The process is up")
    def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["health"], summary="The database answers", response_model=None)
    def readyz() -> dict[str, Any] | JSONResponse:
        try:
            with container.database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # any failure means "not ready"; the reason goes to the log, not the caller
            return problem(503, "unavailable", "Not ready", "the database does not answer")
        return {"status": "ready", "database": container.database.engine.dialect.name}

    app.add_middleware(BodyLimitMiddleware, max_bytes=container.settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    install_status_page(
        app, container, page_name=container.settings.status_page_name
    )  # last, so outermost: the public page skips the stack
    return app
