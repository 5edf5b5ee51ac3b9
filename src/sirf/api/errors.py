"""Every error becomes RFC 9457 problem JSON with a stable ``code``; mapped here and only here."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sirf.domain import errors as e

log = logging.getLogger("sirf.api")

STATUS: dict[type[e.DomainError], int] = {
    e.NotFound: 404,
    e.ValidationFailed: 422,
    e.OutOfScope: 422,
    e.InvalidTransition: 409,
    e.PermissionDenied: 403,
    e.AuthenticationRequired: 401,
    e.ReleaseBlocked: 409,
    e.RoleConflict: 409,
    e.Conflict: 409,
    e.PreconditionFailed: 412,
}

HTTP_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"https://sirf.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update({k: v for k, v in extra.items() if k not in body})
    # A bearer challenge only where a token is what is missing; a refused webhook signature is not.
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 and code != "webhook_rejected" else None
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def status_of(exc: e.DomainError) -> int:
    """The status of the nearest mapped class, so subclasses (e.g. template errors) map like their base."""
    return next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 400)


def domain_problem(exc: e.DomainError) -> JSONResponse:
    return problem(status_of(exc), exc.code, exc.title, exc.message, **exc.details)


def _describe_validation(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    items = []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        items.append({"field": location or "body", "message": error.get("msg", "invalid")})
    if any(err.get("type") == "json_invalid" for err in errors):
        return "the request body is not valid JSON (it must be UTF-8 encoded JSON)", items
    detail = "; ".join(f"{item['field']}: {item['message']}" for item in items[:5])
    return detail or "invalid request", items


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(e.DomainError)
    async def on_domain_error(_request: Request, exc: e.DomainError) -> JSONResponse:
        return domain_problem(exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, items = _describe_validation(list(exc.errors()))
        content_type = request.headers.get("content-type", "")
        if request.method in ("POST", "PUT", "PATCH") and "json" not in content_type:
            detail = "send the body as JSON with `Content-Type: application/json`; " + detail
        return problem(422, "invalid_input", "Invalid input", detail, errors=items)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
            # FastAPI reports undecodable bodies (bad UTF-8, nesting too deep) as a bare 400.
            detail = "the request body is not valid JSON (UTF-8 encoded, nested at most a few hundred levels)"
            return problem(422, "invalid_input", "Invalid input", detail)
        code = HTTP_CODES.get(exc.status_code, "http_error")
        return problem(exc.status_code, code, code.replace("_", " ").capitalize(), str(exc.detail))

    @app.exception_handler(DBAPIError)
    async def on_database_down(request: Request, exc: DBAPIError) -> JSONResponse:
        if not (exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)):
            return await on_unexpected(request, exc)
        log.error("database unavailable: %s", type(exc.orig).__name__)
        response = problem(
            503, "unavailable", "Service unavailable", "the database is unavailable; retry shortly"
        )
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(Exception)
    async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(
            500, "internal_error", "Internal error", "an unexpected error occurred; it has been logged"
        )
