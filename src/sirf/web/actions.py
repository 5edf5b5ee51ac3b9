"""Running a use case from a page: a service error becomes a ``Problem`` shown inline."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sirf.domain.errors import DomainError
from sirf.web.errors import Problem, problem_of

T = TypeVar("T")


def attempt(action: Callable[[], T]) -> T | Problem:
    """The action's result, or the Problem its DomainError maps to (other errors propagate)."""
    try:
        return action()
    except DomainError as exc:
        return problem_of(exc)


def safe_next(target: str | None) -> str:
    """Only a local path may follow sign-in: never another site (``//host`` or ``/\\host``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target
