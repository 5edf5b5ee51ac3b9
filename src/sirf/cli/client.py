"""HTTP access to the sirf API, and the one place its answers become exit codes.

httpx is imported only when the first request is made, so ``sirf --help`` never pays for it.

    answer                                  exit code (names from sirf.cli.errors.ExitCode)
    2xx                                     0          the JSON body is returned
    404                                     3 NOT_FOUND
    401, 403                                4 AUTH
    409 (any code), 422 out_of_scope        5 REFUSED
    422 (any other code), 413               7 INVALID_INPUT
    412                                     8 PRECONDITION_FAILED
    5xx, no answer (refused, reset, timeout) 6 UNAVAILABLE
    anything else (e.g. 429)                1 ERROR

Every POST carries a fresh ``Idempotency-Key``. A GET or POST that gets no answer at all (connection
refused or reset, timeout) is sent once more; the POST keeps its key, so the server runs it once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sirf import __version__
from sirf.cli.errors import CliError, ExitCode

if TYPE_CHECKING:
    import ssl

    import httpx

API_PREFIX = "/api/v1"
TIMEOUT_SECONDS = 10.0
USER_AGENT = f"sirf-cli/{__version__}"

Json = dict[str, Any]


@dataclass(frozen=True)
class Connection:
    server: str
    token: str | None


@dataclass(frozen=True)
class Wiring:
    """How requests leave the process; tests pass ``obj=Wiring(transport=MockTransport(...))`` to click."""

    transport: httpx.BaseTransport | None = None
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


def if_match(version: int | None) -> dict[str, str]:
    return {} if version is None else {"If-Match": f'"{version}"'}


class Api:
    def __init__(self, connection: Connection, wiring: Wiring) -> None:
        self.connection = connection
        self._wiring = wiring
        self._client: httpx.Client | None = None

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Json:
        return self._request("GET", path, params=compact(params or {}), retry=True)

    def post(self, path: str, body: Mapping[str, Any], *, if_version: int | None = None) -> Json:
        headers = {"Idempotency-Key": str(uuid.uuid4()), **if_match(if_version)}
        return self._request("POST", path, body=body, headers=headers, retry=True)

    def put(self, path: str, body: Mapping[str, Any], *, if_version: int | None = None) -> Json:
        return self._request("PUT", path, body=body, headers=if_match(if_version), retry=False)

    def patch(self, path: str, body: Mapping[str, Any], *, if_version: int | None = None) -> Json:
        return self._request("PATCH", path, body=body, headers=if_match(if_version), retry=False)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

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
        import httpx

        def send() -> httpx.Response:
            return self._http().request(method, API_PREFIX + path, json=body, params=params, headers=headers)

        try:
            try:
                response = send()
            except (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError):
                if not retry:
                    raise
                time.sleep(self._wiring.retry_delay)
                response = send()
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise self._failure(exc) from exc
        return decode(response)

    def _http(self) -> httpx.Client:
        import httpx

        if self._client is None:
            headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
            if self.connection.token:
                headers["Authorization"] = f"Bearer {self.connection.token}"
            self._client = httpx.Client(
                base_url=self.connection.server,
                headers=headers,
                timeout=TIMEOUT_SECONDS,
                transport=self._wiring.transport,
                verify=_tls_context(self.connection.server),
            )
        return self._client

    def _failure(self, exc: Exception) -> CliError:
        import httpx

        server = self.connection.server
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return CliError(
                f"the server URL {server!r} is not usable: {exc}",
                hints=["give a URL such as http://127.0.0.1:8000 with --server or SIRF_SERVER"],
            )
        if isinstance(exc, httpx.TimeoutException):
            return CliError(
                f"the sirf server at {server} did not answer within {TIMEOUT_SECONDS:g} s",
                exit_code=ExitCode.UNAVAILABLE,
            )
        return CliError(
            f"cannot reach the sirf server at {server}: {exc or type(exc).__name__}",
            exit_code=ExitCode.UNAVAILABLE,
            hints=["is it running? Check --server, SIRF_SERVER or the profile (`sirf server` sets one up)"],
        )


def _tls_context(server: str) -> ssl.SSLContext | bool:
    """Verify certificates for https; for plain http, skip loading the CA bundle (~25 ms a run).

    The context for http trusts no certificate at all, so should TLS ever be attempted through it
    (an https proxy, say) it fails closed rather than connecting unverified.
    """
    if not server.lower().startswith("http://"):
        return True
    import ssl

    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def decode(response: httpx.Response) -> Json:
    """The JSON object of a successful answer, or the CliError its problem JSON describes."""
    if not response.is_success:
        retry_after = response.headers.get("Retry-After")
        raise error_from_answer(response.status_code, problem_of(response), retry_after=retry_after)
    if not response.content:
        return {}
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise CliError(f"the server answered {response.status_code} with something other than a JSON object")
    return data


def problem_of(response: httpx.Response) -> Json:
    try:
        data = response.json()
    except ValueError:
        data = None
    problem: Json = data if isinstance(data, dict) else {}
    problem.setdefault("status", response.status_code)
    problem.setdefault("title", response.reason_phrase)
    return problem


def exit_code_for(status: int, code: object) -> ExitCode:
    if status == 404:
        return ExitCode.NOT_FOUND
    if status in (401, 403):
        return ExitCode.AUTH
    if status == 409 or code == "out_of_scope":
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
        exit_code=exit_code_for(status, problem.get("code")),
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
