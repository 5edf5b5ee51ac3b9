"""One error tree for the whole service; every edge (API, CLI, web) maps it exactly once.

    DomainError                    code            meaning
    +-- NotFound                   not_found       the thing named does not exist
    +-- ValidationFailed           invalid_input   a value is malformed or out of range
    +-- OutOfScope                 out_of_scope    F1: the report does not belong to this framework
    +-- InvalidTransition          invalid_transition   F3: lifecycle move not in the table
    +-- PermissionDenied           permission_denied    RACI / organisation role forbids it
    +-- AuthenticationRequired     authentication_required  no valid credentials
    +-- ReleaseBlocked             release_blocked F7.3: release criteria not all met
    +-- RoleConflict               role_conflict   the same person may not hold both roles
    +-- Conflict                   conflict        state changed underneath (e.g. duplicate)
    +-- PreconditionFailed         precondition_failed  If-Match / version no longer current

Each error carries a stable ``code`` and structured ``details`` so clients can act on it.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    title: ClassVar[str] = "Request refused"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class ValidationFailed(DomainError):
    code = "invalid_input"
    title = "Invalid input"


class OutOfScope(DomainError):
    code = "out_of_scope"
    title = "Out of scope for the support incident framework"


class InvalidTransition(DomainError):
    code = "invalid_transition"
    title = "Lifecycle transition not allowed"


class PermissionDenied(DomainError):
    code = "permission_denied"
    title = "Permission denied"


class AuthenticationRequired(DomainError):
    code = "authentication_required"
    title = "Authentication required"


class ReleaseBlocked(DomainError):
    code = "release_blocked"
    title = "Release criteria not met"


class RoleConflict(DomainError):
    code = "role_conflict"
    title = "Role conflict"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"


class PreconditionFailed(DomainError):
    code = "precondition_failed"
    title = "Precondition failed"


ALL_ERRORS: tuple[type[DomainError], ...] = (
    NotFound,
    ValidationFailed,
    OutOfScope,
    InvalidTransition,
    PermissionDenied,
    AuthenticationRequired,
    ReleaseBlocked,
    RoleConflict,
    Conflict,
    PreconditionFailed,
)
