"""HTTP access to the sirf API, and the one place its answers become exit codes.

Requests go out through the standard library's ``http.client``: the CLI talks only to sirf's own
API, and importing httpx (with httpcore, h11 and anyio) costs more than click itself, which broke
the start-up budget (150 ms, and at most twice ``import click``). Tests plug in their own transport.

    answer                                  exit code (names from sirf.cli.errors.ExitCode)
    2xx                                     0          the JSON body is returned
    404                                     3 NOT_FOUND
    401, 403                                4 AUTH
    409 (any code), 422 out_of_scope        5 REFUSED
    422 naming `missing` approvals          5 REFUSED   (a publish whose approvals lapsed)
    422 (any other code), 413               7 INVALID_INPUT
    412                                     8 PRECONDITION_FAILED
    5xx, no answer (refused, reset, timeout) 6 UNAVAILABLE
    anything else (e.g. 429)                1 ERROR

Every POST carries a fresh ``Idempotency-Key``. A GET or POST that gets no answer at all (connection
refused or reset, timeout) is sent once more; the POST keeps its key, so the server runs it once.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sirf import __version__
from sirf.cli.errors import CliError, ExitCode

API_PREFIX = "/api/v1"
TIMEOUT_SECONDS = 10.0
USER_AGENT = f"sirf-cli/{__version__}"

Json = dict[str, Any]


@dataclass(frozen=True)
class Connection:
    server: str
    token: str | None


@dataclass(frozen=True)
class Answer:
    """What came back: status, reason, headers (names in lower case) and the raw body."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class TransportError(Exception):
    """No answer at all: refused, reset, unresolvable, or timed out (``timeout`` True)."""

    def __init__(self, message: str, *, timeout: bool = False, unusable_url: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout
        self.unusable_url = unusable_url


# (method, absolute URL, headers, body, timeout in seconds) -> Answer, or TransportError.
Transport = Callable[[str, str, Mapping[str, str], bytes | None, float], Answer]


def stdlib_transport(
    method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: float
) -> Answer:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(f"unsupported URL {url!r}", unusable_url=True)
    try:
        port = parts.port
    except ValueError as exc:
        raise TransportError(str(exc), unusable_url=True) from None
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "http":
        return _plain(method, parts.hostname, port or 80, target, headers, body, timeout)
    import http.client
    import ssl

    connection = http.client.HTTPSConnection(
        parts.hostname, port, timeout=timeout, context=ssl.create_default_context()
    )
    try:
        connection.request(method, target, body=body, headers=dict(headers))
        response = connection.getresponse()
        data = response.read()
    except TimeoutError as exc:
        raise TransportError("timed out", timeout=True) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(str(exc) or type(exc).__name__) from exc
    finally:
        connection.close()
    answer_headers = {name.lower(): value for name, value in response.getheaders()}
    return Answer(response.status, response.reason, answer_headers, data)


def _plain(
    method: str,
    host: str,
    port: int,
    target: str,
    headers: Mapping[str, str],
    body: bytes | None,
    timeout: float,
) -> Answer:
    from sirf.cli.plain_http import PlainHttpError, exchange

    try:
        status, reason, answer_headers, data = exchange(method, host, port, target, headers, body, timeout)
    except PlainHttpError as exc:
        raise TransportError(str(exc), timeout=exc.timeout) from exc
    return Answer(status, reason, answer_headers, data)


@dataclass(frozen=True)
class Wiring:
    """How requests leave the process; tests pass ``obj=Wiring(transport=...)`` to click."""

    transport: Transport = field(default=stdlib_transport)
    retry_delay: float = 0.5


def segment(value: object) -> str:
    """One URL path segment, quoted so that user input cannot reach another route."""
    from urllib.parse import quote  # only on the request path: it costs ~3 ms to import

    return quote(str(value), safe="")


def incident_path(incident_id: int, *parts: str) -> str:
    """``/incidents/42/roles/cmoc`` from ``(42, "roles", "cmoc")``, every part quoted."""
    return "/".join([f"/incidents/{segment(incident_id)}", *(segment(part) for part in parts)])


def compact(body: Mapping[str, Any]) -> Json:
    """A body or query without the options the user left out (None), so the server's defaults apply."""
    return {key: value for key, value in body.items() if value is not None}


def if_match(version: int | str | None) -> dict[str, str]:
    """``If-Match`` for an incident's version or a status update's ETag (both sent quoted)."""
    return {} if version is None else {"If-Match": f'"{version}"'}


class Api:
    def __init__(self, connection: Connection, wiring: Wiring) -> None:
        self.connection = connection
        self._wiring = wiring

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Json:
        return self._request("GET", path, params=compact(params or {}), retry=True)

    def post(self, path: str, body: Mapping[str, Any], *, if_version: int | str | None = None) -> Json:
        headers = {"Idempotency-Key": str(uuid.uuid4()), **if_match(if_version)}
        return self._request("POST", path, body=body, headers=headers, retry=True)

    def put(self, path: str, body: Mapping[str, Any], *, if_version: int | str | None = None) -> Json:
        return self._request("PUT", path, body=body, headers=if_match(if_version), retry=False)

    def patch(self, path: str, body: Mapping[str, Any], *, if_version: int | str | None = None) -> Json:
        return self._request("PATCH", path, body=body, headers=if_match(if_version), retry=False)

    def delete(self, path: str, *, if_version: int | str | None = None) -> Json:
        return self._request("DELETE", path, headers=if_match(if_version), retry=False)

    def close(self) -> None:
        """Nothing to release: every request uses its own short-lived connection."""

    def _request(
        self,
        method: str,
        path: str,
        *,
        retry: bool,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Json:
        url = self._url(path, params)
        all_headers = self._headers(headers, has_body=body is not None)
        payload = json.dumps(body).encode("utf-8") if body is not None else None
        transport = self._wiring.transport
        try:
            try:
                answer = transport(method, url, all_headers, payload, TIMEOUT_SECONDS)
            except TransportError as exc:
                if not retry or exc.unusable_url:
                    raise
                time.sleep(self._wiring.retry_delay)
                answer = transport(method, url, all_headers, payload, TIMEOUT_SECONDS)
        except TransportError as exc:
            raise self._failure(exc) from exc
        return decode(answer)

    def _url(self, path: str, params: Mapping[str, Any] | None) -> str:
        url = self.connection.server + API_PREFIX + path
        if params:
            from urllib.parse import urlencode

            url += "?" + urlencode({k: _query_value(v) for k, v in params.items()})
        return url

    def _headers(self, extra: Mapping[str, str] | None, *, has_body: bool) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if has_body:
            headers["Content-Type"] = "application/json"
        if self.connection.token:
            headers["Authorization"] = f"Bearer {self.connection.token}"
        return headers | dict(extra or {})

    def _failure(self, exc: TransportError) -> CliError:
        server = self.connection.server
        if exc.unusable_url:
            return CliError(
                f"the server URL {server!r} is not usable: {exc}",
                hints=["give a URL such as http://127.0.0.1:8000 with --server or SIRF_SERVER"],
            )
        if exc.timeout:
            return CliError(
                f"the sirf server at {server} did not answer within {TIMEOUT_SECONDS:g} s",
                exit_code=ExitCode.UNAVAILABLE,
            )
        return CliError(
            f"cannot reach the sirf server at {server}: {exc}",
            exit_code=ExitCode.UNAVAILABLE,
            hints=["is it running? Check --server, SIRF_SERVER or the profile (`sirf server` sets one up)"],
        )


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def decode(response: Answer) -> Json:
    """The JSON object of a successful answer, or the CliError its problem JSON describes."""
    if not response.is_success:
        retry_after = response.headers.get("retry-after")
        raise error_from_answer(response.status, problem_of(response), retry_after=retry_after)
    if not response.body:
        return {}
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise CliError(f"the server answered {response.status} with something other than a JSON object")
    return data


def problem_of(response: Answer) -> Json:
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        data = None
    problem: Json = data if isinstance(data, dict) else {}
    problem.setdefault("status", response.status)
    problem.setdefault("title", response.reason)
    return problem


def exit_code_for(status: int, code: object, *, missing: object = None) -> ExitCode:
    """``missing`` is the problem's list of what a rule still needs (approvals, release criteria)."""
    if status == 404:
        return ExitCode.NOT_FOUND
    if status in (401, 403):
        return ExitCode.AUTH
    if status == 409 or code == "out_of_scope" or (status == 422 and bool(missing)):
        return ExitCode.REFUSED
    if status in (413, 422):
        return ExitCode.INVALID_INPUT
    if status == 412:
        return ExitCode.PRECONDITION_FAILED
    if status >= 500:
        return ExitCode.UNAVAILABLE
    return ExitCode.ERROR


def error_from_answer(status: int, problem: Mapping[str, Any], *, retry_after: str | None = None) -> CliError:
    return CliError(
        describe(status, problem),
        exit_code=exit_code_for(status, problem.get("code"), missing=problem.get("missing")),
        hints=hints_for(status, problem, retry_after=retry_after),
        problem=problem,
    )


def describe(status: int, problem: Mapping[str, Any]) -> str:
    """One line from problem JSON: its ``detail``, else its ``title``, else the status itself."""
    detail = problem.get("detail")
    if isinstance(detail, list):  # a framework-style validation list: [{"loc": [...], "msg": ...}]
        detail = "; ".join(_validation_item(item) for item in detail)
    for candidate in (detail, problem.get("title")):
        if isinstance(candidate, str) and candidate.strip():
            return " ".join(candidate.split())
    return f"the server answered {status}"


def _validation_item(item: object) -> str:
    if not isinstance(item, dict):
        return str(item)
    location = ".".join(str(part) for part in item.get("loc", []) if part != "body")
    return f"{location}: {item.get('msg', '')}" if location else str(item.get("msg", ""))


def hints_for(status: int, problem: Mapping[str, Any], *, retry_after: str | None = None) -> list[str]:
    code = problem.get("code")
    if code == "out_of_scope":
        where = problem.get("redirect_to")
        redirect = [f"this belongs in {where}"] if where else []
        return [
            *redirect,
            "someone on the SMOC roster or an admin may declare it anyway: --override-scope REASON",
        ]
    if code == "invalid_transition" and isinstance(problem.get("allowed"), list):
        allowed = ", ".join(str(phase) for phase in problem["allowed"])
        return [f"allowed from here: {allowed}" if allowed else "no further phase changes are allowed"]
    if status == 401:
        return ["check the token: pass --token, set SIRF_TOKEN, or run `sirf server` to store a profile"]
    if status == 412:
        return ["the incident changed since that version; look at `sirf show` and try again"]
    if status == 429 and retry_after:
        return [f"the server is busy; retry after {retry_after} s"]
    if status >= 500:
        return ["the server failed; try again shortly, or ask its operator to check its logs"]
    return []
