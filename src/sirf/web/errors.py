"""Service-layer errors as the web shows them; mapped here and only here.

Each ``DomainError`` becomes a ``Problem``: the HTTP status (the same as the API's for the same
error), a heading and the service's own message, plus where the request belongs instead when the
F1 scope check refused it. Pages show a problem inline, next to the form that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sirf.api.errors import status_of
from sirf.domain import errors as e
from sirf.services.sessions import SignInThrottled


@dataclass(frozen=True)
class Problem:
    status: int
    code: str
    title: str
    message: str
    field: str | None = None
    redirect_to: str | None = None  # F1: where an out-of-scope report goes
    requirement: str | None = None
    retry_after: int | None = None


def sentence(text: str) -> str:
    """End the service's message with a full stop; its first word may be a username, so its case
    is kept (it follows the title and a colon)."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def problem_of(exc: e.DomainError) -> Problem:
    details = exc.details
    status = 429 if isinstance(exc, SignInThrottled) else status_of(exc)
    field = details.get("field")
    redirect_to = details.get("redirect_to")
    requirement = details.get("requirement")
    retry_after = details.get("retry_after")
    return Problem(
        status=status,
        code=exc.code,
        title=exc.title,
        message=sentence(exc.message),
        field=field if isinstance(field, str) else None,
        redirect_to=redirect_to if isinstance(redirect_to, str) else None,
        requirement=requirement if isinstance(requirement, str) else None,
        retry_after=retry_after if isinstance(retry_after, int) else None,
    )


def problem(status: int, title: str, message: str, code: str = "refused") -> Problem:
    """A problem found by the web edge itself (CSRF, not signed in, page not for this role)."""
    return Problem(status=status, code=code, title=title, message=sentence(message))
