"""Cookies, CSRF defences and the response headers of every page.

Cookies: the session id lives in ``__Host-sirf_session`` (Secure, HttpOnly, SameSite=Lax, Path=/,
no Domain), which browsers only accept over https. On plain-http development servers (e.g.
http://127.0.0.1:8000) the browser would drop a ``__Host-`` cookie, so the same cookie is named
``sirf_session`` there, without Secure. Put sirf behind TLS in production: then the ``__Host-``
name is used automatically (uvicorn must see the original scheme, via ``--proxy-headers``).

CSRF: every unsafe request must pass two independent checks. (1) The browser's own claim: a
``Sec-Fetch-Site`` other than same-origin/none, or an ``Origin`` that is not this site, is refused.
(2) A synchronizer token: the session's random CSRF token, sent as the ``csrf_token`` form field
or the ``X-CSRF-Token`` header (htmx requests). Forms used before sign-in (sign-in, set-password)
have no session yet; they use a random token in a short-lived ``__Host-``/plain form cookie that
must match the form field (double submit), so a login-CSRF attack fails too.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from sirf.services.sessions import ABSOLUTE_TIMEOUT

SESSION_COOKIE = "sirf_session"
FORM_COOKIE = "sirf_form"
SECURE_PREFIX = "__Host-"
FORM_COOKIE_MAX_AGE = 60 * 60  # a sign-in form left open for an hour must be reloaded
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


class CsrfRefused(Exception):
    """An unsafe request that failed a CSRF check; answered 403 with a short page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def cookie_name(request: Request, base: str) -> str:
    return SECURE_PREFIX + base if is_https(request) else base


def page_headers(request: Request) -> dict[str, str]:
    """Headers for HTML responses (the API middleware adds nosniff, framing and referrer rules)."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        # Not no-referrer (the API's default): under it browsers send "Origin: null" even on
        # same-origin form posts, which would defeat the Origin check. same-origin still sends
        # nothing to other sites, so set-password links in URLs do not leak.
        "Referrer-Policy": "same-origin",
        "Vary": "Cookie",
    }
    if is_https(request):
        headers["Strict-Transport-Security"] = HSTS
    return headers


def _set_cookie(response: Response, request: Request, base: str, value: str, max_age: int) -> None:
    response.set_cookie(
        cookie_name(request, base),
        value,
        max_age=max_age,
        path="/",
        secure=is_https(request),
        httponly=True,
        samesite="lax",
    )


def set_session_cookie(response: Response, request: Request, session_id: str) -> None:
    # The browser may keep it for the absolute lifetime; the server enforces the idle limit.
    _set_cookie(response, request, SESSION_COOKIE, session_id, int(ABSOLUTE_TIMEOUT.total_seconds()))


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        cookie_name(request, SESSION_COOKIE),
        path="/",
        secure=is_https(request),
        httponly=True,
        samesite="lax",
    )


def session_cookie(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request, SESSION_COOKIE))


def form_token(request: Request) -> str:
    """The pre-session CSRF token of a form shown before sign-in (kept while its cookie lives)."""
    return request.cookies.get(cookie_name(request, FORM_COOKIE)) or secrets.token_urlsafe(32)


def set_form_cookie(response: Response, request: Request, token: str) -> None:
    _set_cookie(response, request, FORM_COOKIE, token, FORM_COOKIE_MAX_AGE)


def check_origin(request: Request) -> None:
    """Refuse a cross-site unsafe request by what the browser says about where it came from."""
    if request.method in SAFE_METHODS:
        return
    site = request.headers.get("sec-fetch-site")
    if site is not None and site.lower() not in ALLOWED_FETCH_SITES:
        raise CsrfRefused(f"the request came from another site (Sec-Fetch-Site: {site[:40]})")
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request):
        raise CsrfRefused("the request came from another origin")


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def check_token(expected: str | None, request: Request, submitted: str | None) -> None:
    sent = submitted or request.headers.get(CSRF_HEADER) or ""
    if not expected or not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRefused("the form's security token is missing or out of date; reload the page and retry")


def check_form_token(request: Request, submitted: str | None) -> None:
    check_token(request.cookies.get(cookie_name(request, FORM_COOKIE)), request, submitted)
