"""Exit codes and the CLI's one error type.

Every failure ends with one line ``error: <detail>`` on stderr (sometimes followed by ``hint:`` lines)
and one of these exit codes, which scripts may rely on:

    code  meaning                          comes from
    0     ok
    1     other error                      configuration problems, unexpected answers, 429
    2     usage error                      click: unknown option, missing argument
    3     not found                        404 not_found
    4     authentication or permission     401 authentication_required, 403 permission_denied
    5     refused by a rule                409 invalid_transition, release_blocked, role_conflict,
                                           conflict; 422 out_of_scope; 422 naming missing
                                           approvals (a publish whose approvals lapsed)
    6     server unreachable or failing    connection error, timeout, any 5xx
    7     invalid input                    422 invalid_input, 413 payload_too_large
    8     precondition failed              412 precondition_failed (a stale --if-version or
                                           --if-etag)
    9     partly done                      a bulk reply (``sirf tickets reply``) ended with
                                           tickets that failed, or was cancelled before
                                           every ticket got it

The mapping from HTTP answers to these codes lives in ``sirf.cli.client``; nothing else decides them.
Code 9 is no HTTP answer: ``sirf.cli.tickets`` reads it from the finished bulk reply's counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import IntEnum
from typing import IO, Any

import click


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    NOT_FOUND = 3
    AUTH = 4
    REFUSED = 5
    UNAVAILABLE = 6
    INVALID_INPUT = 7
    PRECONDITION_FAILED = 8
    PARTIAL = 9


# Shown at the end of `sirf --help`; keep in step with the module docstring above.
EXIT_CODES_HELP = """\b
Exit codes:
  0  ok
  1  other error (configuration, unexpected answer)
  2  usage error (bad option or argument)
  3  not found (404)
  4  authentication or permission (401, 403)
  5  refused by a rule (409 invalid_transition, release_blocked, role_conflict,
     conflict; 422 out_of_scope; approvals missing)
  6  server unreachable, timed out or failing (5xx)
  7  invalid input (422 invalid_input, 413)
  8  precondition failed (412: the incident or update changed since
     --if-version or --if-etag)
  9  partly done (a bulk reply ended with failed tickets, or was cancelled)"""


class CliError(click.ClickException):
    """A failure to report as ``error: <message>``, then ``details`` lines and ``hint:`` lines, ending
    the process with ``exit_code``.

    ``problem`` keeps the server's problem JSON (empty when the failure happened on this side), so a
    command can act on structured fields such as ``missing`` of ``release_blocked``.
    """

    def __init__(
        self,
        message: str,
        *,
        exit_code: ExitCode = ExitCode.ERROR,
        hints: Iterable[str] = (),
        problem: Mapping[str, Any] | None = None,
        details: Iterable[str] = (),
    ) -> None:
        super().__init__(message)
        self._exit_code = int(exit_code)
        self.hints = tuple(hints)
        self.details = tuple(details)
        self.problem: Mapping[str, Any] = problem or {}

    # click reads ``exit_code`` (a class attribute on ClickException) to end the process.
    @property
    def exit_code(self) -> int:
        return self._exit_code

    @exit_code.setter
    def exit_code(self, value: int) -> None:
        self._exit_code = value

    @property
    def code(self) -> str | None:
        code = self.problem.get("code")
        return code if isinstance(code, str) else None

    def show(self, file: IO[Any] | None = None) -> None:
        for line in (f"error: {self.message}", *self.details, *(f"hint: {hint}" for hint in self.hints)):
            click.echo(line, file=file, err=True)
