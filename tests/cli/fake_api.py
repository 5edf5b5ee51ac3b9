"""An in-memory sirf API that follows docs/api.md for the routes the CLI uses, served through
``httpx.MockTransport`` so CLI tests exercise real HTTP requests and responses without a network.

It keeps every request it saw (``requests``) and can be told to fail: ``unreachable`` raises a
connection error for that many requests, ``next_answer`` replaces the next answer wholesale.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

Json = dict[str, Any]
START = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)
TOKEN = "sirf_0123456789ab_secret"
VIEWER_TOKEN = "sirf_ba9876543210_viewer"
USERS = {
    TOKEN: {"username": "alice", "display_name": "Alice Liddell", "org_role": "responder"},
    VIEWER_TOKEN: {"username": "victor", "display_name": "", "org_role": "viewer"},
}
IN_SCOPE = {"customer-emergency", "saas-outage", "security-incident", "product-issue", "release-impact"}
REDIRECTS = {"feature-request": "the product team's issue tracker as a feature proposal"}
TRANSITIONS = {
    "detection": ["triage", "resolution"],
    "triage": ["response", "resolution"],
    "response": ["communication", "resolution"],
    "communication": ["resolution"],
    "resolution": ["closure", "response"],
    "closure": [],
}
ACTIVE = {"detection", "triage", "response", "communication"}
CRITERIA = {
    "communication-stable": "customer communication is stable",
    "queue-normal": "the support queue is back to normal",
    "no-new-impact-patterns": "no new impact patterns",
    "ticket-flow-normal": "normal ticket flow has resumed",
    "final-status-documented": "the final status is documented",
    "handed-back": "work is handed back to the normal support flow",
}
MAX_BODY = 20_000


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Problem(Exception):
    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.body = {
            "type": f"https://sirf.dev/problems/{code}",
            "title": code.replace("_", " "),
            "status": status,
            "detail": detail,
            "code": code,
            **extra,
        }
        self.status = status


Handler = Callable[["FakeApi", re.Match[str], Json, httpx.Request], tuple[int, Json]]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append((method, re.compile(f"^/api/v1{pattern}$"), handler))
        return handler

    return register


class FakeApi:
    def __init__(self) -> None:
        self.now = START
        self.incidents: dict[int, Json] = {}
        self.timelines: dict[int, list[Json]] = {}
        self.requests: list[httpx.Request] = []
        self.replays: dict[str, tuple[int, Json]] = {}
        self.notifications: list[Json] = []
        self.unreachable = 0
        self.timeouts = 0
        self.next_answer: httpx.Response | None = None

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # -- plumbing -------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.unreachable:
            self.unreachable -= 1
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if self.timeouts:
            self.timeouts -= 1
            raise httpx.ReadTimeout("timed out", request=request)
        if self.next_answer is not None:
            answer, self.next_answer = self.next_answer, None
            return answer
        try:
            status, body = self._answer(request)
        except Problem as problem:
            return httpx.Response(
                problem.status, json=problem.body, headers={"Content-Type": "application/problem+json"}
            )
        return httpx.Response(status, json=body)

    def _answer(self, request: httpx.Request) -> tuple[int, Json]:
        user = USERS.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if user is None:
            raise Problem(401, "authentication_required", "invalid, revoked or unknown API token")
        if len(request.content) > MAX_BODY:
            raise Problem(413, "payload_too_large", f"the request body is larger than {MAX_BODY} bytes")
        if request.method != "GET" and user["org_role"] == "viewer":
            raise Problem(403, "permission_denied", "viewers cannot change incidents")
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key in self.replays:
            return self.replays[key]
        for method, pattern, handler in ROUTES:
            match = pattern.match(request.url.path)
            if match and method == request.method:
                body = json.loads(request.content) if request.content else {}
                answer = handler(self, match, body, request)
                self.now += timedelta(minutes=1)
                if request.method == "POST" and key:
                    self.replays[key] = answer
                return answer
        raise Problem(404, "not_found", f"no route {request.method} {request.url.path}")

    # -- state helpers --------------------------------------------------------------------------

    def incident(self, match: re.Match[str], request: httpx.Request | None = None) -> Json:
        number = int(match["id"])
        if number not in self.incidents:
            raise Problem(404, "not_found", f"incident #{number} does not exist")
        incident = self.incidents[number]
        expected = request.headers.get("If-Match") if request is not None else None
        if expected is not None and expected.strip('"') != str(incident["version"]):
            raise Problem(
                412,
                "precondition_failed",
                f"incident #{number} is at version {incident['version']}, not {expected.strip(chr(34))}",
            )
        return incident

    def record(self, incident: Json, event_type: str, actor: str, **data: Any) -> Json:
        entries = self.timelines.setdefault(incident["id"], [])
        entry = {
            "seq": len(entries) + 1,
            "type": event_type,
            "actor": actor,
            "at": iso(self.now),
            "data": data,
        }
        entries.append(entry)
        if event_type != "incident.declared":
            incident["version"] += 1
        return entry

    def declare(self, title: str = "Users cannot sign in", **fields: Any) -> Json:
        """Seed an incident directly (no request), as if declared by alice."""
        number = len(self.incidents) + 1
        incident = new_incident(number, title, self.now, **fields)
        self.incidents[number] = incident
        self.record(
            incident,
            "incident.declared",
            "alice",
            title=title,
            kind=incident["kind"],
            severity=incident["severity"],
            source=incident["source"],
        )
        self.now += timedelta(minutes=1)
        return incident

    def posted(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST"]


def new_incident(number: int, title: str, now: datetime, **fields: Any) -> Json:
    severity = int(fields.pop("severity", 2))
    incident: Json = {
        "id": number,
        "title": title,
        "kind": "saas-outage",
        "source": "support",
        "severity": severity,
        "severity_label": f"SEV{severity}",
        "highest_severity": severity,
        "phase": "detection",
        "active": True,
        "region": "emea",
        "declared_by": "alice",
        "declared_at": iso(now),
        "detected_at": iso(now),
        "triaged_at": None,
        "first_response_at": None,
        "first_customer_communication_at": None,
        "resolved_at": None,
        "closed_at": None,
        "times_reopened": 0,
        "summary": "",
        "affected_services": [],
        "impact": {
            "customers_affected": None,
            "bulk_communication_needed": False,
            "support_coordination_needed": False,
            "complex_impact": False,
            "resource_conflict": False,
            "sla_at_risk": False,
            "sirt_involved": False,
        },
        "scope_override": None,
        "roles": {"cmoc": None, "smoc": None, "imoc": None},
        "role_history": [],
        "tasks": [],
        "teams": [],
        "attestations": [],
        "version": 1,
    }
    incident.update(fields)
    return incident


def summary_of(incident: Json) -> Json:
    hidden = {"role_history", "tasks", "teams", "attestations"}
    return {key: value for key, value in incident.items() if key not in hidden}


def actor_of(request: httpx.Request) -> str:
    return str(USERS[request.headers["Authorization"].removeprefix("Bearer ")]["username"])


# -- incidents -----------------------------------------------------------------------------------


@route("POST", "/incidents")
def declare(api: FakeApi, _m: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    kind = body.get("kind", "")
    if not 1 <= int(body.get("severity", 0)) <= 4:
        raise Problem(422, "invalid_input", "severity: Input should be less than or equal to 4")
    if kind not in IN_SCOPE and not body.get("override_scope_reason"):
        where = REDIRECTS.get(kind, "the normal support queue")
        raise Problem(
            422, "out_of_scope", f"{kind} is out of scope; take it to {where}.", kind=kind, redirect_to=where
        )
    number = len(api.incidents) + 1
    fields: Json = {
        key: body[key]
        for key in ("kind", "source", "summary", "affected_services", "detected_at")
        if key in body
    }
    if body.get("override_scope_reason"):
        fields["scope_override"] = {"reported_kind": kind, "reason": body["override_scope_reason"]}
    incident = new_incident(number, body["title"], api.now, severity=body["severity"], **fields)
    incident["declared_by"] = actor_of(request)
    api.incidents[number] = incident
    api.record(
        incident,
        "incident.declared",
        actor_of(request),
        title=body["title"],
        kind=kind,
        severity=body["severity"],
        source=incident["source"],
    )
    return 201, incident


@route("GET", "/incidents")
def list_incidents(api: FakeApi, _m: re.Match[str], _b: Json, request: httpx.Request) -> tuple[int, Json]:
    query = request.url.params
    status = query.get("status", "active")
    items = [
        i
        for i in api.incidents.values()
        if status == "all" or ((status == "active") == i["active"] and _status_matches(i, status))
    ]
    for name in ("severity", "kind", "phase"):
        if name in query:
            items = [i for i in items if str(i[name]) == query[name]]
    items.sort(key=lambda i: (-(i["impact"]["customers_affected"] or 0), i["severity"], -i["id"]))
    if not query.get("cursor", "0").isdigit():
        raise Problem(422, "invalid_input", "cursor is not one this API returned; start again without it")
    start = int(query.get("cursor", "0"))
    limit = int(query.get("limit", "50"))
    page = items[start : start + limit]
    more = start + limit < len(items)
    return 200, {"items": [summary_of(i) for i in page], "next_cursor": str(start + limit) if more else None}


def _status_matches(incident: Json, status: str) -> bool:
    if status == "closed":
        return incident["closed_at"] is not None
    if status == "resolved":
        return not incident["active"] and incident["closed_at"] is None
    return True


@route("GET", r"/incidents/(?P<id>\d+)")
def show(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    return 200, api.incident(match)


@route("POST", r"/incidents/(?P<id>\d+)/severity")
def severity(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match, request)
    previous, incident["severity"] = incident["severity"], body["severity"]
    incident["severity_label"] = f"SEV{body['severity']}"
    incident["highest_severity"] = min(incident["highest_severity"], body["severity"])
    api.record(
        incident,
        "incident.severity_changed",
        actor_of(request),
        previous=previous,
        severity=body["severity"],
        reason=body["reason"],
    )
    return 200, incident


def move(api: FakeApi, incident: Json, target: str, reason: str, actor: str) -> tuple[int, Json]:
    current = incident["phase"]
    allowed = TRANSITIONS[current] if target != "resolution" or current not in ACTIVE else ["resolution"]
    if target not in allowed:
        raise Problem(
            409,
            "invalid_transition",
            f"cannot move from {current} to {target}; allowed from {current}: {', '.join(allowed)}",
            allowed=allowed,
        )
    incident["phase"], incident["active"] = target, target in ACTIVE
    stamp = {
        "triage": "triaged_at",
        "response": "first_response_at",
        "resolution": "resolved_at",
        "closure": "closed_at",
    }.get(target)
    if stamp and incident[stamp] is None:
        incident[stamp] = iso(api.now)
    api.record(incident, "incident.phase_changed", actor, previous=current, phase=target, reason=reason)
    return 200, incident


@route("POST", r"/incidents/(?P<id>\d+)/phase")
def phase(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match, request)
    return move(api, incident, body["phase"], body.get("reason", ""), actor_of(request))


@route("POST", r"/incidents/(?P<id>\d+)/(?P<action>resolve|reopen|close)")
def shortcut(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    target = {"resolve": "resolution", "reopen": "response", "close": "closure"}[match["action"]]
    if match["action"] == "reopen" and not body.get("reason"):
        raise Problem(422, "invalid_input", "reason: Field required")
    return move(api, api.incident(match, request), target, body.get("reason", ""), actor_of(request))


# -- roles, triggers, release ----------------------------------------------------------------------


@route("PUT", r"/incidents/(?P<id>\d+)/roles/(?P<role>[^/]+)")
def assign(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match, request)
    role = match["role"]
    if role not in incident["roles"]:
        raise Problem(422, "invalid_input", f"unknown role {role!r}: use cmoc, smoc or imoc")
    others = {k: v["holder"] for k, v in incident["roles"].items() if v and k != role}
    if {role, *others} >= {"cmoc", "smoc"} and body["person"] in others.values():
        raise Problem(409, "role_conflict", f"{body['person']} already holds another support role")
    held = {"holder": body["person"], "assumed_at": iso(api.now), "assigned_by": actor_of(request)}
    incident["roles"][role] = held
    incident["role_history"].append(
        {
            "role": role,
            "ordinal": len(incident["role_history"]) + 1,
            **held,
            "released_at": None,
            "released_by": None,
        }
    )
    api.record(
        incident, "role.assigned", actor_of(request), role=role, holder=body["person"], previous_holder=None
    )
    return 200, incident


def checklist(incident: Json) -> list[Json]:
    attested = {a["criterion"]: a for a in incident["attestations"]}
    return [
        {
            "criterion": name,
            "description": description,
            "holds": name in attested,
            "basis": "attested" if name in attested else "missing",
            "detail": f"attested by {attested[name]['by']}: {attested[name]['note']}"
            if name in attested
            else "needs an attestation with a note",
        }
        for name, description in CRITERIA.items()
    ]


@route("POST", r"/incidents/(?P<id>\d+)/roles/(?P<role>[^/]+)/release")
def release(api: FakeApi, match: re.Match[str], _b: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match, request)
    role = match["role"]
    missing = [item["criterion"] for item in checklist(incident) if not item["holds"]]
    if role in ("cmoc", "smoc") and missing:
        raise Problem(
            409,
            "release_blocked",
            f"{role.upper()} cannot be released yet (F7.3); not yet met: {', '.join(missing)}",
            missing=missing,
        )
    holder = (incident["roles"][role] or {}).get("holder")
    incident["roles"][role] = None
    api.record(incident, "role.released", actor_of(request), role=role, holder=holder, criteria=[])
    return 200, incident


@route("GET", r"/incidents/(?P<id>\d+)/release-check")
def release_check(api: FakeApi, match: re.Match[str], _b: Json, request: httpx.Request) -> tuple[int, Json]:
    items = checklist(api.incident(match))
    role = request.url.params.get("role", "cmoc")
    return 200, {"role": role, "releasable": all(i["holds"] for i in items), "checklist": items}


@route("POST", r"/incidents/(?P<id>\d+)/attestations")
def attest(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match, request)
    if body["criterion"] not in CRITERIA:
        raise Problem(422, "invalid_input", f"unknown release criterion {body['criterion']!r}")
    incident["attestations"].append(
        {"criterion": body["criterion"], "by": actor_of(request), "at": iso(api.now), "note": body["note"]}
    )
    api.record(
        incident, "release.attested", actor_of(request), criterion=body["criterion"], note=body["note"]
    )
    return 200, incident


@route("GET", r"/incidents/(?P<id>\d+)/triggers")
def triggers(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    facts = incident["impact"]
    cmoc = (
        [("several-customers-affected", "several customers are affected")]
        if (facts["customers_affected"] or 0) >= 10
        else []
    )
    if facts["bulk_communication_needed"]:
        cmoc.append(("bulk-communication-needed", "bulk customer communication is needed"))
    smoc = [("sla-at-risk", "an SLA is at risk")] if facts["sla_at_risk"] else []
    engagements = []
    for role, met in (("cmoc", cmoc), ("smoc", smoc)):
        holder = (incident["roles"][role] or {}).get("holder")
        engagements.append(
            {
                "role": role,
                "engage": bool(met),
                "criteria_met": [{"name": n, "description": d} for n, d in met],
                "holder": holder,
                "proposed": None if holder or not met else "carol",
            }
        )
    return 200, {"engagements": engagements}


@route("PATCH", r"/incidents/(?P<id>\d+)/impact")
def impact(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match, request)
    for key, value in body.items():
        if key in ("affected_services", "summary"):
            incident[key] = value
        elif key in incident["impact"]:
            incident["impact"][key] = value
        else:
            raise Problem(422, "invalid_input", f"{key}: Extra inputs are not permitted")
    api.record(incident, "impact.updated", actor_of(request), changes=body)
    return 200, incident


# -- tasks, teams, notes, timeline -----------------------------------------------------------------


@route("GET", r"/incidents/(?P<id>\d+)/tasks")
def tasks(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    return 200, {"items": api.incident(match)["tasks"]}


@route("POST", r"/incidents/(?P<id>\d+)/tasks")
def add_task(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match, request)
    task = {
        "number": len(incident["tasks"]) + 1,
        "title": body["title"],
        "owner": body["owner"],
        "status": "open",
        "due_at": body.get("due_at"),
        "created_at": iso(api.now),
        "created_by": actor_of(request),
        "updated_at": iso(api.now),
    }
    incident["tasks"].append(task)
    api.record(
        incident,
        "task.added",
        actor_of(request),
        number=task["number"],
        title=task["title"],
        owner=task["owner"],
        due_at=task["due_at"],
    )
    return 201, task


@route("PATCH", r"/incidents/(?P<id>\d+)/tasks/(?P<number>\d+)")
def update_task(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match, request)
    number = int(match["number"])
    if not 0 < number <= len(incident["tasks"]):
        raise Problem(404, "not_found", f"incident #{incident['id']} has no task {number}")
    task = incident["tasks"][number - 1]
    task.update(body, updated_at=iso(api.now))
    api.record(incident, "task.updated", actor_of(request), number=number, changes=body)
    return 200, task


@route("POST", r"/incidents/(?P<id>\d+)/teams")
def engage_team(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match, request)
    incident["teams"].append(
        {
            "team": body["team"],
            "contact": body["contact"],
            "engaged_at": iso(api.now),
            "engaged_by": actor_of(request),
        }
    )
    api.record(incident, "team.engaged", actor_of(request), team=body["team"], contact=body["contact"])
    return 200, incident


@route("POST", r"/incidents/(?P<id>\d+)/notes")
def note(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match, request)
    return 201, api.record(incident, "note.added", actor_of(request), text=body["text"])


@route("GET", r"/incidents/(?P<id>\d+)/timeline")
def timeline(api: FakeApi, match: re.Match[str], _b: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    after = int(request.url.params.get("after", "0"))
    limit = int(request.url.params.get("limit", "100"))
    entries = [e for e in api.timelines[incident["id"]] if e["seq"] > after]
    page = entries[:limit]
    return 200, {"items": page, "next_cursor": str(page[-1]["seq"]) if len(entries) > limit else None}


# -- people --------------------------------------------------------------------------------------------


@route("GET", "/users/me")
def me(_api: FakeApi, _m: re.Match[str], _b: Json, request: httpx.Request) -> tuple[int, Json]:
    return 200, USERS[request.headers["Authorization"].removeprefix("Bearer ")]


@route("GET", "/notifications")
def notifications(api: FakeApi, _m: re.Match[str], _b: Json, request: httpx.Request) -> tuple[int, Json]:
    limit = int(request.url.params.get("limit", "50"))
    mine = [n for n in api.notifications if n["recipient"] == actor_of(request)]
    return 200, {"items": mine[:limit]}
