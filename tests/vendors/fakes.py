"""Stateful fake vendors, written from the documented request and response shapes
(shared/research/vendor-apis.md §3, §5), as ``httpx.MockTransport`` handlers.

Each fake keeps what a real vendor would (incidents, messages, posted Slack messages), refuses
what a real vendor would refuse (bad credentials, unknown codes, missing fields, Block Kit limits)
and can be scripted with ``Fault``s: answer with a status, fail before the request arrives, or do
the work and then lose the answer (the case that makes duplicates). The same handlers run behind a
real HTTP server in ``server.py``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Fault:
    """One scripted misbehaviour, used by the first request whose path contains ``path``."""

    path: str = ""
    status: int | None = None  # answer with this status instead of doing the work
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    before: type[httpx.TransportError] | None = None  # fail before the vendor sees the request
    lose_answer: type[httpx.TransportError] | None = None  # do the work, then fail
    delay: float = 0.0  # do the work, then wait (a real server's client times out)


class FakeVendor:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        with self.lock:
            self.requests.append(request)
            fault = self._take_fault(request)
            if fault and fault.before:
                raise fault.before("simulated failure before the vendor", request=request)
            if fault and fault.status is not None:
                return httpx.Response(fault.status, headers=fault.headers, text=fault.body)
            response = self.handle(request)
        if fault and fault.lose_answer:
            raise fault.lose_answer("simulated lost answer", request=request)
        if fault and fault.delay:
            time.sleep(fault.delay)
        return response

    def handle(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError

    def _take_fault(self, request: httpx.Request) -> Fault | None:
        for index, fault in enumerate(self.faults):
            if fault.path in request.url.path:
                return self.faults.pop(index)
        return None

    def calls(self, method: str | None = None) -> list[httpx.Request]:
        return [r for r in self.requests if method is None or r.method == method]


def _json_body(request: httpx.Request) -> Any:
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise ValueError("Content-Type must be application/json")
    return json.loads(request.content)


# -- status.io API v2 ------------------------------------------------------------------------------

STATUSIO_STATUSES = {100, 200, 300, 400, 500, 600}
STATUSIO_STATES = {100, 200, 300}
FLAG = {"0", "1"}


class FakeStatusIo(FakeVendor):
    """status.io: x-api-id / x-api-key headers, JSON bodies, ``{"status": {...}, "result": ...}``."""

    def __init__(self, *, api_id: str, api_key: str, page_id: str, infrastructure: set[str]) -> None:
        super().__init__()
        self.api_id, self.api_key, self.page_id = api_id, api_key, page_id
        self.infrastructure = infrastructure
        self.incidents: dict[str, dict[str, Any]] = {}

    def handle(self, request: httpx.Request) -> httpx.Response:
        if (request.headers.get("x-api-id"), request.headers.get("x-api-key")) != (self.api_id, self.api_key):
            return self._error(401, "Unauthorized")
        path = request.url.path.split("/v2/", 1)[-1]
        if request.method == "GET" and path == f"incident/list/{self.page_id}":
            return self._ok(self._listing())
        actions = {
            "incident/create": self._create,
            "incident/update": self._update,
            "incident/resolve": self._resolve,
        }
        if request.method != "POST" or path not in actions:
            return self._error(404, "Not found")
        try:
            return self._ok(actions[path](_json_body(request)))
        except (ValueError, KeyError) as problem:
            return self._error(400, str(problem))

    def _create(self, body: dict[str, Any]) -> str:
        self._common(body)
        for ref in body["infrastructure_affected"]:
            if ref not in self.infrastructure:
                raise ValueError(f"unknown infrastructure {ref}")
        if body["current_state"] not in STATUSIO_STATES or not body["incident_name"]:
            raise ValueError("bad current_state or incident_name")
        incident_id = f"{len(self.incidents) + 1:024x}"
        self.incidents[incident_id] = {
            "_id": incident_id,
            "name": body["incident_name"],
            "infrastructure": list(body["infrastructure_affected"]),
            "messages": [],
            "resolved": False,
        }
        self._message(incident_id, body)
        return incident_id

    def _update(self, body: dict[str, Any]) -> bool:
        self._common(body)
        if body["current_state"] not in STATUSIO_STATES:
            raise ValueError("bad current_state")
        self._message(self._open_incident(body), body)
        return True

    def _resolve(self, body: dict[str, Any]) -> bool:
        self._common(body)
        incident_id = self._open_incident(body)
        self._message(incident_id, body)
        self.incidents[incident_id]["resolved"] = True
        return True

    def _common(self, body: dict[str, Any]) -> None:
        if body["statuspage_id"] != self.page_id:
            raise ValueError("unknown statuspage_id")
        if body["current_status"] not in STATUSIO_STATUSES:
            raise ValueError("bad current_status")
        if not body["incident_details"] or not body["message_subject"]:
            raise ValueError("incident_details and message_subject are required")
        if {body[k] for k in ("notify_email", "notify_sms", "notify_webhook")} - FLAG:
            raise ValueError("notify flags are '0' or '1'")

    def _open_incident(self, body: dict[str, Any]) -> str:
        incident = self.incidents[body["incident_id"]]
        if incident["resolved"]:
            raise ValueError("incident is resolved")
        return str(incident["_id"])

    def _message(self, incident_id: str, body: dict[str, Any]) -> None:
        message = {
            "details": body["incident_details"],
            "status": body["current_status"],
            "state": body.get("current_state"),
            "subject": body["message_subject"],
            "notify": (body["notify_email"], body["notify_sms"], body["notify_webhook"]),
        }
        self.incidents[incident_id]["messages"].append(message)

    def _listing(self) -> dict[str, list[dict[str, Any]]]:
        shown = [
            {
                "_id": i["_id"],
                "name": i["name"],
                "messages": [{"details": m["details"]} for m in i["messages"]],
            }
            for i in self.incidents.values()
        ]
        return {
            "active_incidents": [
                s for s, i in zip(shown, self.incidents.values(), strict=True) if not i["resolved"]
            ],
            "resolved_incidents": [
                s for s, i in zip(shown, self.incidents.values(), strict=True) if i["resolved"]
            ],
        }

    @staticmethod
    def _ok(result: object) -> httpx.Response:
        return httpx.Response(200, json={"status": {"error": "no", "message": "OK"}, "result": result})

    @staticmethod
    def _error(status: int, message: str) -> httpx.Response:
        return httpx.Response(status, json={"status": {"error": "yes", "message": message}, "result": None})


# -- Atlassian Statuspage API v1 -------------------------------------------------------------------

INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved"}
IMPACTS = {"none", "minor", "major", "critical"}
COMPONENT_STATUSES = {
    "operational",
    "under_maintenance",
    "degraded_performance",
    "partial_outage",
    "major_outage",
}


class FakeStatuspage(FakeVendor):
    """Statuspage: ``Authorization: OAuth <key>``, ``{"incident": {...}}``, at most one request per
    ``interval`` seconds per token (else ``limit_status`` with Retry-After), no idempotency key."""

    def __init__(
        self,
        *,
        api_key: str,
        page_id: str,
        components: set[str],
        clock: Callable[[], float] = time.monotonic,
        interval: float = 1.0,
        limit_status: int = 429,
        echo_metadata: bool = True,
    ) -> None:
        super().__init__()
        self.api_key, self.page_id, self.components = api_key, page_id, components
        self.clock, self.interval, self.limit_status = clock, interval, limit_status
        self.echo_metadata = echo_metadata
        self.incidents: list[dict[str, Any]] = []  # newest first, as the API lists them
        self.accepted_at: list[float] = []
        self.rate_limited = 0
        self._last: dict[str, float] = {}

    def handle(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "")
        now = self.clock()
        if token in self._last and now - self._last[token] < self.interval - 1e-9:
            self.rate_limited += 1
            return httpx.Response(
                self.limit_status, headers={"Retry-After": "1"}, json={"error": "Rate limited"}
            )
        self._last[token] = now
        self.accepted_at.append(now)
        if token != f"OAuth {self.api_key}":
            return httpx.Response(401, json={"error": "Could not authenticate"})
        prefix = f"/v1/pages/{self.page_id}/incidents"
        path = request.url.path
        if not path.startswith(prefix):
            return httpx.Response(404, json={"error": "Not found"})
        try:
            return self._route(request, path[len(prefix) :])
        except (ValueError, KeyError) as problem:
            return httpx.Response(422, json={"error": [str(problem)]})

    def _route(self, request: httpx.Request, rest: str) -> httpx.Response:
        if request.method == "GET" and rest == "":
            return httpx.Response(200, json=[self._shown(i) for i in self.incidents])
        if request.method == "GET" and rest == "/unresolved":
            unresolved = [i for i in self.incidents if i["status"] != "resolved"]
            return httpx.Response(200, json=[self._shown(i) for i in unresolved])
        if request.method == "POST" and rest == "":
            return httpx.Response(201, json=self._create(_json_body(request)["incident"]))
        if request.method == "PATCH" and rest.startswith("/"):
            found = [i for i in self.incidents if i["id"] == rest[1:]]
            if not found:
                return httpx.Response(404, json={"error": "Incident not found"})
            return httpx.Response(200, json=self._patch(found[0], _json_body(request)["incident"]))
        return httpx.Response(405, json={"error": "Method not allowed"})

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("name") or not body.get("body"):
            raise ValueError("name and body are required")
        incident = {
            "id": f"p{len(self.incidents) + 1:011d}",
            "name": body["name"],
            "status": "investigating",
            "metadata": body.get("metadata", {}),
            "components": {},
            "incident_updates": [],
        }
        self.incidents.insert(0, incident)
        return self._patch(incident, body)

    def _patch(self, incident: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        status = body.get("status", incident["status"])
        if status not in INCIDENT_STATUSES:
            raise ValueError(f"status {status!r}")
        if "impact_override" in body and body["impact_override"] not in IMPACTS:
            raise ValueError(f"impact_override {body['impact_override']!r}")
        if not isinstance(body.get("deliver_notifications", True), bool):
            raise ValueError("deliver_notifications must be a boolean")
        components = body.get("components", {})
        if set(body.get("component_ids", [])) - self.components or set(components) - self.components:
            raise ValueError("unknown component")
        if set(components.values()) - COMPONENT_STATUSES:
            raise ValueError("bad component status")
        incident.update(status=status, impact=body.get("impact_override", incident.get("impact")))
        incident["components"].update(components)
        if body.get("body"):
            incident["incident_updates"].insert(0, {"status": status, "body": body["body"]})
        return self._shown(incident)

    def _shown(self, incident: dict[str, Any]) -> dict[str, Any]:
        shown = json.loads(json.dumps(incident))
        if not self.echo_metadata:
            shown.pop("metadata", None)
        return dict(shown)


# -- Slack incoming webhooks -----------------------------------------------------------------------


class FakeSlack(FakeVendor):
    """Answers 200 ``ok`` to a valid Block Kit message, or the documented error bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.hooks: dict[str, tuple[int, str]] = {}  # webhook path -> (status, body) it answers
        self.messages: dict[str, list[dict[str, Any]]] = {}

    def add_hook(self, path: str, *, status: int = 200, answer: str = "ok") -> None:
        self.hooks[path] = (status, answer)
        self.messages.setdefault(path, [])

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path not in self.hooks:
            return httpx.Response(404, text="no_service")
        status, answer = self.hooks[path]
        if status != 200:
            return httpx.Response(status, text=answer)
        try:
            payload = _json_body(request)
        except ValueError:
            return httpx.Response(400, text="invalid_payload")
        problem = block_kit_problem(payload)
        if problem:
            return httpx.Response(400, text=problem)
        self.messages[path].append(payload)
        return httpx.Response(200, text="ok")


def block_kit_problem(payload: dict[str, Any]) -> str | None:
    blocks = payload.get("blocks", [])
    if not payload.get("text") and not blocks:
        return "missing_text_or_fallback_or_attachments"
    if len(blocks) > 50:
        return "invalid_blocks"
    total = 0
    for block in blocks:
        texts = [block["text"]] if "text" in block else block.get("elements", [])
        if block["type"] == "header" and (texts[0]["type"] != "plain_text" or len(texts[0]["text"]) > 150):
            return "invalid_blocks"
        if block["type"] == "context" and len(texts) > 10:
            return "invalid_blocks"
        if any(len(t["text"]) > 3000 or not t["text"] for t in texts):
            return "invalid_blocks"
        total += sum(len(t["text"]) for t in texts)
    return "msg_blocks_too_long" if total > 13_000 else None
