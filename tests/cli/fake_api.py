"""An in-memory sirf API that follows docs/api.md for the routes the CLI uses, served through
``httpx.MockTransport`` so CLI tests exercise real HTTP requests and responses without a network.

It keeps every request it saw (``requests``) and can be told to fail: ``unreachable`` raises a
connection error for that many requests, ``next_answer`` replaces the next answer wholesale.
"""

from __future__ import annotations

import hashlib
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
BOB_TOKEN = "sirf_b0b0b0b0b0b0_bob"
SAM_TOKEN = "sirf_5a5a5a5a5a5a_sam"
USERS = {
    TOKEN: {"username": "alice", "display_name": "Alice Liddell", "org_role": "responder"},
    VIEWER_TOKEN: {"username": "victor", "display_name": "", "org_role": "viewer"},
    BOB_TOKEN: {"username": "bob", "display_name": "Bob", "org_role": "responder"},
    SAM_TOKEN: {"username": "sam", "display_name": "Sam (SIRT)", "org_role": "responder"},
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
        self.updates: dict[int, Json] = {}
        self.deliveries: dict[int, Json] = {}
        self.sirt_reviewers = {"sam"}
        self.ticket_system = "builtin"
        self.tickets: dict[str, Json] = {}
        self.links: dict[int, list[str]] = {}
        self.rules: dict[int, Json] = {}
        self.retired_tags: set[int] = set()
        self.pending_tag_ops: dict[int, int] = {}
        self.opted_out = {"Initech"}
        self.macros = {
            "outage-resolved": "Hi {{requester}}, the sign-in problem is fixed.\nThanks for waiting."
        }
        self.runs: dict[int, Json] = {}
        self.reply_step = 2
        self.failing_refs: set[str] = set()
        self.impact_figures: dict[int, Json] = {}
        self.sla_figures: dict[int, Json] = {}
        self.surges: list[Json] = []
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
        headers = {"ETag": f'"{body["etag"]}"'} if request.method == "GET" and "etag" in body else None
        return httpx.Response(status, json=body, headers=headers)

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

    def add_delivery(self, update: Json, channel: str, **fields: Any) -> Json:
        """A delivery of ``update`` to ``channel``, pending unless ``fields`` say otherwise."""
        delivery: Json = {
            "id": len(self.deliveries) + 1,
            "update_id": update["id"],
            "incident_id": update["incident_id"],
            "channel": channel,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": iso(self.now),
            "last_error": None,
            "external_ref": None,
            "created_at": iso(self.now),
            "updated_at": iso(self.now),
            "delivered_at": None,
            **fields,
        }
        self.deliveries[delivery["id"]] = delivery
        return delivery

    def add_ticket(self, subject: str, **fields: Any) -> Json:
        """Seed a ticket directly (no request), numbered from 101, created a minute after the last."""
        ref = str(101 + len(self.tickets))
        ticket = new_ticket(ref, subject, self.now, **fields)
        self.tickets[ref] = ticket
        self.now += timedelta(minutes=1)
        return ticket

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


# -- status updates (F8) and deliveries ----------------------------------------------------------------

TEMPLATE_AUDIENCE = {
    "initial": "public",
    "periodic": "public",
    "resolution": "public",
    "region-handoff": "internal",
    "resource-allocation": "internal",
    "customer-impact": "customer",
    "cmoc-activation": "internal",
    "support-summary": "internal",
    "technical-handoff": "internal",
    "executive": "internal",
}
PUBLIC_STATES = {"investigating", "identified", "monitoring", "resolved"}
COMPONENT_STATUSES = {
    "operational",
    "degraded-performance",
    "partial-service-disruption",
    "service-disruption",
    "security-event",
}
CHANNELS = {
    "public": ["statusio", "slack:customer-success"],
    "customer": ["zendesk"],
    "internal": ["slack:stakeholders"],
}
BLANK = re.compile(r"\[\[TODO:\s*(.*?)\]\]")
STATUS_PAGE_LIMIT = 220


def template_text(incident: Json, template: str, sequence: int) -> str:
    return (
        f"## Incident #{incident['id']} - {incident['title']} - UPDATE #{sequence}\n\n"
        f"{template}: [[TODO: Brief description of the issue - 1-2 sentences]]\n\n"
        "We will post the next update within 30 minutes."
    )


def etag_of(update: Json) -> str:
    content = {key: update[key] for key in ("body", "public_state", "components", "next_update_at")}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]


def required_reviewers(update: Json, incident: Json) -> list[str]:
    base = {"public": ["cmoc", "imoc"], "customer": ["cmoc"], "internal": []}[update["audience"]]
    return [*base, "sirt"] if base and incident["kind"] == "security-incident" else base


def approval_of(api: FakeApi, update: Json, incident: Json) -> Json:
    required, etag = required_reviewers(update, incident), etag_of(update)
    holders = {role: (held or {}).get("holder") for role, held in incident["roles"].items()}
    satisfied: list[str] = []
    for approval in update["approvals"]:
        counts = (
            approval["by"] in api.sirt_reviewers
            if approval["as"] == "sirt"
            else holders.get(approval["as"]) == approval["by"]
        )
        if approval["etag"] == etag and counts and approval["as"] not in satisfied:
            satisfied.append(approval["as"])
    problems = [
        f"no {role.upper()} is assigned; assign one to approve"
        for role in required
        if role != "sirt" and not holders.get(role)
    ]
    missing = [role for role in required if role not in satisfied]
    complete = not missing and not problems
    return {
        "required": required,
        "satisfied": satisfied,
        "missing": missing,
        "problems": problems,
        "complete": complete,
    }


def update_json(api: FakeApi, update: Json) -> Json:
    incident = api.incidents[update["incident_id"]]
    etag = etag_of(update)
    before_link = re.sub(r"\s*\S*https?://\S+$", "", update["body"].rstrip())
    warnings = (
        [
            f"the status-page text is {len(before_link)} characters before its final link; keep it "
            f"within {STATUS_PAGE_LIMIT} so social posts are not cut off"
        ]
        if update["audience"] == "public" and len(before_link) > STATUS_PAGE_LIMIT
        else []
    )
    return {
        **{key: value for key, value in update.items() if key != "approvals"},
        "etag": etag,
        "approvals": [{**a, "current": a["etag"] == etag} for a in update["approvals"]],
        "approval": approval_of(api, update, incident),
        "warnings": warnings,
        "blanks": [match.group(1).strip() for match in BLANK.finditer(update["body"])],
        "channels": CHANNELS[update["audience"]],
    }


def choose(value: str | None, allowed: set[str], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise Problem(422, "invalid_input", f"{what}: unknown value {value!r}")
    return value


def checked_components(raw: Json | None) -> Json | None:
    for name, status in (raw or {}).items():
        choose(status, COMPONENT_STATUSES, f"components.{name}")
    return raw


def stored_update(api: FakeApi, match: re.Match[str]) -> Json:
    number = int(match["uid"])
    if number not in api.updates:
        raise Problem(404, "not_found", f"status update {number} does not exist", update=number)
    return api.updates[number]


@route("POST", r"/incidents/(?P<id>\d+)/updates")
def draft_update(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    template = body.get("template", "")
    if template not in TEMPLATE_AUDIENCE:
        raise Problem(422, "invalid_input", f"unknown template {template!r}")
    audience = choose(body.get("audience"), set(CHANNELS), "audience") or TEMPLATE_AUDIENCE[template]
    corrects = body.get("corrects")
    if corrects is not None and (api.updates.get(corrects) or {}).get("state") != "published":
        raise Problem(422, "invalid_input", f"update {corrects} is not published; edit it instead")
    sequence = 1 + sum(1 for u in api.updates.values() if u["incident_id"] == incident["id"])
    state = choose(body.get("public_state"), PUBLIC_STATES, "public_state")
    if audience == "public" and state is None:
        state = "resolved" if template == "resolution" else "investigating"
    components = checked_components(body.get("components"))
    default_next = iso(api.now + timedelta(minutes=30)) if state not in (None, "resolved") else None
    update: Json = {
        "id": len(api.updates) + 1,
        "incident_id": incident["id"],
        "sequence": sequence,
        "template": template,
        "audience": audience,
        "state": "draft",
        "body": body.get("body") or template_text(incident, template, sequence),
        "author": actor_of(request),
        "created_at": iso(api.now),
        "updated_at": iso(api.now),
        "public_state": state,
        "components": components or dict.fromkeys(incident["affected_services"], "degraded-performance"),
        "next_update_at": body.get("next_update_at") or default_next,
        "corrects": corrects,
        "published_at": None,
        "published_by": None,
        "approvals": [],
    }
    api.updates[update["id"]] = update
    api.record(incident, "update.drafted", actor_of(request), update_id=update["id"], template=template)
    return 201, update_json(api, update)


@route("GET", r"/incidents/(?P<id>\d+)/updates")
def list_updates(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    mine = [u for u in api.updates.values() if u["incident_id"] == incident["id"]]
    return 200, {"items": [update_json(api, u) for u in mine]}


@route("GET", r"/updates/(?P<uid>\d+)")
def show_update(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    return 200, update_json(api, stored_update(api, match))


def ensure_editable(update: Json) -> None:
    if update["state"] == "published":
        raise Problem(409, "conflict", f"update {update['id']} is published and its text is immutable")
    if update["state"] == "withdrawn":
        raise Problem(409, "conflict", f"update {update['id']} was withdrawn; draft a new one")


@route("PATCH", r"/updates/(?P<uid>\d+)")
def edit_update(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    update = stored_update(api, match)
    expected = request.headers.get("If-Match")
    if expected is not None and expected.strip('"') != etag_of(update):
        raise Problem(
            412, "precondition_failed", f"update {update['id']} changed since you read it; reload it"
        )
    ensure_editable(update)
    before = etag_of(update)
    if "body" in body:
        if not str(body["body"]).strip():
            raise Problem(422, "invalid_input", "the update text must not be empty", field="body")
        update["body"] = str(body["body"]).replace("\r\n", "\n").strip()
    if "public_state" in body:
        update["public_state"] = choose(body["public_state"], PUBLIC_STATES, "public_state")
    if "components" in body:
        update["components"] = checked_components(body["components"])
    if "next_update_at" in body:
        update["next_update_at"] = body["next_update_at"]
    if etag_of(update) != before:
        update["updated_at"] = iso(api.now)
        if update["state"] == "approved":
            update["state"] = "in-review"
    return 200, update_json(api, update)


@route("POST", r"/updates/(?P<uid>\d+)/request-review")
def request_review(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    update = stored_update(api, match)
    if update["state"] != "draft":
        raise Problem(409, "conflict", f"update {update['id']} is {update['state']}; only a draft can be")
    update.update(state="in-review", updated_at=iso(api.now))
    if approval_of(api, update, api.incidents[update["incident_id"]])["complete"]:
        update["state"] = "approved"
    return 200, update_json(api, update)


@route("POST", r"/updates/(?P<uid>\d+)/approve")
def approve_update(
    api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request
) -> tuple[int, Json]:
    update = stored_update(api, match)
    incident, person = api.incidents[update["incident_id"]], actor_of(request)
    if update["state"] not in ("in-review", "approved"):
        raise Problem(409, "conflict", f"update {update['id']} is {update['state']}; ask for review first")
    if body.get("etag") != etag_of(update):
        raise Problem(
            409, "conflict", f"update {update['id']} changed since you read it", current_etag=etag_of(update)
        )
    required = required_reviewers(update, incident)
    holds = [r for r in ("cmoc", "imoc") if (incident["roles"][r] or {}).get("holder") == person]
    capacities = [c for c in [*holds, *(["sirt"] if person in api.sirt_reviewers else [])] if c in required]
    wanted = body.get("as")
    if not capacities or (wanted is not None and wanted not in capacities):
        raise Problem(403, "permission_denied", f"{person} cannot approve update {update['id']}")
    if wanted is None and any(a["by"] == person and a["etag"] == body["etag"] for a in update["approvals"]):
        raise Problem(409, "conflict", f"{person} has already approved update {update['id']}")
    update["approvals"] = [
        a for a in update["approvals"] if not (a["by"] == person and a["as"] == (wanted or capacities[0]))
    ]
    update["approvals"].append(
        {"by": person, "as": wanted or capacities[0], "etag": body["etag"], "at": iso(api.now)}
    )
    if approval_of(api, update, incident)["complete"]:
        update.update(state="approved", updated_at=iso(api.now))
    return 200, update_json(api, update)


@route("POST", r"/updates/(?P<uid>\d+)/withdraw")
def withdraw_update(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    update = stored_update(api, match)
    if update["state"] == "published":
        raise Problem(409, "conflict", f"update {update['id']} is published; issue a correction instead")
    update.update(state="withdrawn", updated_at=iso(api.now))
    return 200, update_json(api, update)


@route("POST", r"/updates/(?P<uid>\d+)/publish")
def publish_update(
    api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request
) -> tuple[int, Json]:
    update = stored_update(api, match)
    current = update_json(api, update)
    approval = current["approval"]
    if update["state"] == "approved" and not approval["complete"]:
        missing = ", ".join(r.upper() for r in approval["missing"]) or "none"
        raise Problem(
            422,
            "invalid_input",
            f"update {update['id']} no longer has the approvals it needs (missing: {missing}); ask again",
            missing=approval["missing"],
        )
    if update["state"] == "published":
        raise Problem(409, "conflict", f"update {update['id']} is already published", update=update["id"])
    if update["state"] != "approved":
        raise Problem(
            409,
            "conflict",
            f"update {update['id']} is {update['state']}; it needs its approvals before publishing",
        )
    if current["blanks"]:
        blanks = current["blanks"]
        raise Problem(
            422,
            "invalid_input",
            f"update {update['id']} still has {len(blanks)} blank(s) to fill: " + "; ".join(blanks),
            blanks=blanks,
        )
    published = {
        **update,
        "state": "published",
        "published_at": iso(api.now),
        "published_by": actor_of(request),
    }
    if body.get("dry_run"):
        return 200, update_json(api, published) | {"dry_run": True}
    update.update(published)
    for channel in current["channels"]:
        api.add_delivery(update, channel)
    api.record(
        api.incidents[update["incident_id"]], "update.published", actor_of(request), update_id=update["id"]
    )
    return 200, update_json(api, update) | {"dry_run": False}


@route("GET", r"/updates/(?P<uid>\d+)/preview")
def preview_update(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    current = update_json(api, stored_update(api, match))
    markdown = current["body"]
    plain = re.sub(r"^#+\s*", "", markdown, flags=re.MULTILINE)
    html = "".join(f"<p>{paragraph}</p>" for paragraph in plain.split("\n\n"))
    return 200, {
        "id": current["id"],
        "markdown": markdown,
        "text": plain,
        "html": html,
        "channels": current["channels"],
        "warnings": current["warnings"],
        "blanks": current["blanks"],
    }


@route("GET", r"/incidents/(?P<id>\d+)/deliveries")
def list_deliveries(api: FakeApi, match: re.Match[str], _b: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    wanted = request.url.params.get("update")
    items = [
        d
        for d in api.deliveries.values()
        if d["incident_id"] == incident["id"] and (wanted is None or str(d["update_id"]) == wanted)
    ]
    return 200, {"items": items}


@route("POST", r"/deliveries/(?P<did>\d+)/retry")
def retry_delivery(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    number = int(match["did"])
    delivery = api.deliveries.get(number)
    if delivery is None:
        raise Problem(404, "not_found", f"delivery {number} does not exist", delivery=number)
    if delivery["state"] != "failed":
        raise Problem(
            409, "conflict", f"delivery {number} is {delivery['state']}; only failed deliveries are retried"
        )
    delivery.update(state="pending", attempts=0, next_attempt_at=iso(api.now), updated_at=iso(api.now))
    return 200, delivery


# -- tickets (F5.1, F8.5-F8.8, F9.4-F9.5); the shapes of src/sirf/api/ticket_json.py -----------------

RUN_STATES = ("pending", "sending", "submitted", "replied", "skipped", "failed")
FINAL_RUN_STATES = {"replied", "skipped", "failed"}
REPLY_STATUSES = {"open", "pending", "solved"}
PRIORITIES = {"urgent", "high", "normal", "low"}


def new_ticket(ref: str, subject: str, created_at: datetime, **fields: Any) -> Json:
    """A ticket as ``ticket_json`` renders it."""
    ticket: Json = {
        "ref": ref,
        "subject": subject,
        "priority": "normal",
        "status": "new",
        "requester": "ann@example.com",
        "organization": None,
        "form": None,
        "tags": [],
        "public": True,
        "segment": None,
        "region": None,
        "escalated": False,
        "created_at": iso(created_at),
        "updated_at": iso(created_at),
        "first_response_at": None,
        "satisfaction": None,
    }
    ticket.update(fields)
    return ticket


def ticket_tag(incident_id: int) -> str:
    return f"incident_{incident_id}"


def link_refs(api: FakeApi, incident: Json, refs: list[str], actor: str) -> tuple[list[str], list[str]]:
    """Link ``refs`` (known tickets): the newly linked and the already linked, in the order given."""
    linked = api.links.setdefault(incident["id"], [])
    new = [ref for ref in dict.fromkeys(refs) if ref not in linked]
    already = [ref for ref in dict.fromkeys(refs) if ref in linked]
    if new:
        linked.extend(new)
        api.pending_tag_ops[incident["id"]] = api.pending_tag_ops.get(incident["id"], 0) + len(new)
        api.record(incident, "tickets.linked", actor, refs=new, linked=len(linked))
    return new, already


def link_answer(incident: Json, api: FakeApi, linked: list[str], unchanged: list[str]) -> Json:
    return {
        "tag": ticket_tag(incident["id"]),
        "linked": linked,
        "unchanged": unchanged,
        "total": len(api.links.get(incident["id"], [])),
        "version": incident["version"],
    }


def moment(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Problem(422, "invalid_input", f"{field}={value!r}: use a time with a zone", field=field)
    return parsed


def rule_matches(rule: Json, ticket: Json) -> bool:
    created = moment(ticket["created_at"], "created_at")
    if rule.get("form") is not None and ticket["form"] != rule["form"]:
        return False
    if rule.get("organization") is not None and ticket["organization"] != rule["organization"]:
        return False
    if rule.get("since") and created < moment(rule["since"], "since"):
        return False
    if rule.get("until") and created >= moment(rule["until"], "until"):
        return False
    words = rule.get("keywords") or []
    return not words or any(word.lower() in ticket["subject"].lower() for word in words)


@route("POST", "/tickets")
def create_ticket(api: FakeApi, _m: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    if api.ticket_system != "builtin":
        raise Problem(
            422,
            "invalid_input",
            f"tickets come from {api.ticket_system} here; create them there (its webhook brings them in)",
            field="system",
        )
    if not str(body.get("subject", "")).strip():
        raise Problem(422, "invalid_input", "subject: String should have at least 1 character")
    priority = body.get("priority", "normal")
    if priority not in PRIORITIES:
        raise Problem(422, "invalid_input", f"unknown priority {priority!r}", field="priority")
    fields = {key: body[key] for key in ("requester", "organization", "form", "public") if key in body}
    ticket = api.add_ticket(body["subject"], priority=priority, tags=sorted(body.get("tags", [])), **fields)
    linked_to = []
    for number, rule in api.rules.items():
        incident = api.incidents[number]
        if incident["active"] and rule_matches(rule, ticket):
            link_refs(api, incident, [ticket["ref"]], actor_of(request))
            linked_to.append(number)
    return 201, {**ticket, "linked_incidents": linked_to}


@route("GET", r"/incidents/(?P<id>\d+)/tickets")
def linked_tickets(api: FakeApi, match: re.Match[str], _b: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    limit = int(request.url.params.get("limit", "50"))
    offset = int(request.url.params.get("offset", "0"))
    if not 1 <= limit <= 1000 or offset < 0:
        raise Problem(422, "invalid_input", "limit must be 1 to 1000 and offset 0 or more", field="limit")
    refs = api.links.get(incident["id"], [])
    newest = sorted((api.tickets[ref] for ref in refs), key=lambda t: t["created_at"], reverse=True)
    page = newest[offset : offset + limit]
    return 200, {
        "tag": ticket_tag(incident["id"]),
        "tag_retired": incident["id"] in api.retired_tags,
        "rule": api.rules.get(incident["id"]),
        "total": len(refs),
        "items": page,
        "next_offset": offset + len(page) if offset + len(page) < len(refs) else None,
    }


@route("POST", r"/incidents/(?P<id>\d+)/tickets/match")
def match_tickets(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    limit = body.get("limit", 1000)
    if not 1 <= limit <= 20_000:
        raise Problem(422, "invalid_input", "limit: Input should be less than or equal to 20000")
    words = str(body.get("query", "")).lower()
    since = moment(body["since"], "since") if body.get("since") else None
    found = [
        t
        for t in sorted(api.tickets.values(), key=lambda t: t["created_at"], reverse=True)
        if words in t["subject"].lower()
        and (since is None or moment(t["created_at"], "created_at") >= since)
        and (body.get("tag") is None or body["tag"] in t["tags"])
        and not (body.get("unsolved_only") and t["status"] in ("solved", "closed"))
    ][:limit]
    if body.get("confirm"):
        new, already = link_refs(api, incident, [t["ref"] for t in found], actor_of(request))
        return 200, link_answer(incident, api, new, already) | {"confirmed": True}
    linked = api.links.get(incident["id"], [])
    items = [t | {"linked": t["ref"] in linked} for t in found]
    return 200, {
        "confirmed": False,
        "count": len(items),
        "already_linked": sum(1 for t in items if t["linked"]),
        "items": items,
    }


def checked_refs(api: FakeApi, body: Json) -> list[str]:
    refs = [str(ref) for ref in body.get("tickets") or []]
    if not refs:
        raise Problem(422, "invalid_input", "tickets: List should have at least 1 item", field="tickets")
    missing = sorted(set(refs) - set(api.tickets))
    if missing:
        listed = ", ".join("#" + ref for ref in missing)
        raise Problem(
            404, "not_found", f"no ticket {listed} in {api.ticket_system}; check the ticket numbers"
        )
    return refs


@route("POST", r"/incidents/(?P<id>\d+)/tickets/link")
def link_tickets(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    new, already = link_refs(api, incident, checked_refs(api, body), actor_of(request))
    return 200, link_answer(incident, api, new, already)


@route("POST", r"/incidents/(?P<id>\d+)/tickets/unlink")
def unlink_tickets(
    api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request
) -> tuple[int, Json]:
    incident = api.incident(match)
    refs = [str(ref) for ref in body.get("tickets") or []]
    linked = api.links.setdefault(incident["id"], [])
    gone = [ref for ref in refs if ref in linked]
    not_linked = sorted(set(refs) - set(gone))
    for ref in gone:
        linked.remove(ref)
    if gone:
        api.record(incident, "tickets.unlinked", actor_of(request), refs=gone, linked=len(linked))
    return 200, link_answer(incident, api, gone, not_linked)


@route("PUT", r"/incidents/(?P<id>\d+)/tickets/rule")
def set_rule(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    rule = {key: body.get(key) for key in ("form", "organization", "since", "until")}
    rule["keywords"] = list(body.get("keywords") or [])
    if not (rule["keywords"] or rule["form"] or rule["organization"]):
        raise Problem(
            422,
            "invalid_input",
            "a linking rule needs at least one of keywords, form or organization",
            field="keywords",
        )
    api.rules[incident["id"]] = rule
    api.record(incident, "tickets.rule_set", actor_of(request), rule=rule)
    matching = [t["ref"] for t in api.tickets.values() if rule_matches(rule, t)]
    new, _already = link_refs(api, incident, matching, actor_of(request))
    return 200, link_answer(incident, api, new, [])


@route("DELETE", r"/incidents/(?P<id>\d+)/tickets/rule")
def clear_rule(api: FakeApi, match: re.Match[str], _b: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    api.rules.pop(incident["id"], None)
    api.record(incident, "tickets.rule_set", actor_of(request), rule={})
    return 200, link_answer(incident, api, [], [])


def exclusion(api: FakeApi, ticket: Json, replied: set[str]) -> str | None:
    if ticket["ref"] in replied:
        return "already received this reply"
    if ticket["status"] == "closed":
        return "closed"
    if not ticket["public"]:
        return "private ticket"
    if ticket["escalated"]:
        return "escalated"
    if ticket["organization"] in api.opted_out:
        return "organisation opted out"
    return None


def run_progress(run: Json) -> Json:
    """``progress_json``: the run and its items' counts."""
    counts = dict.fromkeys(RUN_STATES, 0)
    for state in run["items"].values():
        counts[state] += 1
    shown = {key: value for key, value in run.items() if key not in ("items", "body")}
    return shown | {
        "total": sum(counts.values()),
        "done": sum(n for state, n in counts.items() if state in FINAL_RUN_STATES),
        "counts": counts,
    }


@route("POST", r"/incidents/(?P<id>\d+)/tickets/replies")
def bulk_reply(api: FakeApi, match: re.Match[str], body: Json, request: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    if (body.get("update") is None) == (body.get("macro") is None):
        raise Problem(
            422,
            "invalid_input",
            "give exactly one of update (a published update's id) or macro",
            field="update",
        )
    if body.get("status") is not None and body["status"] not in REPLY_STATUSES:
        raise Problem(
            422,
            "invalid_input",
            f"a bulk reply can set the status to open, pending or solved, not {body['status']}",
            field="status",
        )
    if body.get("update") is not None:
        source, ref = "update", str(body["update"])
        update = api.updates.get(body["update"])
        if update is None or update["incident_id"] != incident["id"]:
            raise Problem(404, "not_found", f"incident #{incident['id']} has no update {ref}", update=ref)
        if update["state"] != "published":
            raise Problem(
                422,
                "invalid_input",
                f"update {ref} is {update['state']}: only a published update can go to customers in bulk",
                field="update",
            )
        text = update["body"]
    else:
        source, ref = "macro", str(body["macro"])
        if ref not in api.macros:
            known = ", ".join(sorted(api.macros))
            raise Problem(404, "not_found", f"no macro {ref!r}; known macros: {known}", macro=ref)
        text = api.macros[ref]
    replied = {
        item_ref
        for run in api.runs.values()
        if run["incident_id"] == incident["id"] and (run["source"], run["source_ref"]) == (source, ref)
        for item_ref, state in run["items"].items()
        if state == "replied"
    }
    plan = [
        {
            "ref": t["ref"],
            "subject": t["subject"],
            "excluded": exclusion(api, t, replied),
            "text": text.replace("{{requester}}", t["requester"]),
        }
        for t in (api.tickets[item] for item in api.links.get(incident["id"], []))
    ]
    targets = [p for p in plan if p["excluded"] is None]
    if body.get("dry_run"):
        return 200, {
            "dry_run": True,
            "source": f"{source} {ref}",
            "body": text,
            "targets": len(targets),
            "excluded": len(plan) - len(targets),
            "items": plan,
        }
    if not targets:
        raise Problem(
            409,
            "conflict",
            f"no linked ticket of incident #{incident['id']} would get this reply "
            f"({len(plan)} left out); a dry run shows why each is left out",
            excluded=len(plan),
        )
    run = {
        "id": len(api.runs) + 1,
        "incident_id": incident["id"],
        "source": source,
        "source_ref": ref,
        "status_change": body.get("status"),
        "public": body.get("public", True),
        "state": "running",
        "created_by": actor_of(request),
        "created_at": iso(api.now),
        "finished_at": None,
        "items": {p["ref"]: "skipped" if p["excluded"] else "pending" for p in plan},
    }
    api.runs[run["id"]] = run
    api.record(incident, "tickets.bulk_reply_started", actor_of(request), run_id=run["id"])
    return 202, run_progress(run)


@route("GET", r"/incidents/(?P<id>\d+)/tickets/replies/(?P<run>\d+)")
def reply_progress(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    """Each poll finds ``reply_step`` more tickets sent (``failing_refs`` fail), like a worker's passes."""
    incident = api.incident(match)
    run = api.runs.get(int(match["run"]))
    if run is None or run["incident_id"] != incident["id"]:
        raise Problem(404, "not_found", f"incident #{incident['id']} has no bulk reply {match['run']}")
    if run["state"] == "running":
        pending = [ref for ref, state in run["items"].items() if state == "pending"]
        for ref in pending[: api.reply_step]:
            run["items"][ref] = "failed" if ref in api.failing_refs else "replied"
        if len(pending) <= api.reply_step:
            run.update(state="completed", finished_at=iso(api.now))
    return 200, run_progress(run)


def impact_of(api: FakeApi, incident_id: int) -> Json:
    """``impact_json``: nothing known until a test sets ``impact_figures[incident_id]``."""
    figures: Json = {
        "computed_at": iso(api.now),
        "total_tickets": len(api.links.get(incident_id, [])),
        "active_tickets": 0,
        "awaiting_first_response": 0,
        "escalated": 0,
        "organisations": 0,
        "customers": 0,
        "segments": {},
        "unclassified_segment": 0,
        "regions": {},
        "unclassified_region": 0,
        "tickets_per_hour": 0,
        "peak_per_hour": 0,
        "peak_hour": None,
        "hourly": [],
        "current_response_minutes": None,
        "average_response_minutes": None,
        "longest_wait_minutes": None,
        "queue_health": "healthy",
        "csat_percent": None,
        "csat_ratings": 0,
        "csat_baseline_percent": None,
        "csat_trend": None,
        "top_issues": [],
    }
    return figures | api.impact_figures.get(incident_id, {})


def sla_of(api: FakeApi, incident_id: int) -> Json:
    """``sla_json``: no ticket assessed until a test sets ``sla_figures[incident_id]``."""
    empty: Json = {"compliance_percent": None, "counts": {}, "at_risk": [], "breached": []}
    return {"incident_id": incident_id} | empty | api.sla_figures.get(incident_id, {})


@route("GET", r"/incidents/(?P<id>\d+)/impact")
def ticket_impact(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    incident = api.incident(match)
    return 200, {"incident_id": incident["id"]} | impact_of(api, incident["id"])


@route("GET", r"/incidents/(?P<id>\d+)/sla")
def ticket_sla(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    return 200, sla_of(api, api.incident(match)["id"])


@route("GET", r"/incidents/(?P<id>\d+)/tickets/status")
def ticket_status(api: FakeApi, match: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    number = api.incident(match)["id"]
    impact, sla = impact_of(api, number), sla_of(api, number)
    return 200, {
        "incident_id": number,
        "system": api.ticket_system,
        "tag": ticket_tag(number),
        "tag_retired": number in api.retired_tags,
        "rule": api.rules.get(number),
        "linked": len(api.links.get(number, [])),
        "pending_tag_operations": api.pending_tag_ops.get(number, 0),
        "customers": impact["customers"],
        "queue_health": impact["queue_health"],
        "sla_at_risk": len(sla["at_risk"]),
        "sla_breached": len(sla["breached"]),
        "replies": [run_progress(run) for run in api.runs.values() if run["incident_id"] == number],
    }


@route("GET", "/tickets/surges")
def surges(api: FakeApi, _m: re.Match[str], _b: Json, _r: httpx.Request) -> tuple[int, Json]:
    return 200, {"items": api.surges}
