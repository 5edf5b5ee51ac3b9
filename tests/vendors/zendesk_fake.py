"""A stateful fake Zendesk Support API v2, written from the documented shapes
(shared/research/vendor-apis.md §4), as an ``httpx.MockTransport`` handler like the fakes in
``fakes.py``; ``server.serve()`` puts it behind a real HTTP server, and ``python -m
tests.vendors.zendesk_fake`` runs it as its own process for the benchmark.

What it keeps: tickets (seedable in bulk), the comments posted on each, tags, organisations,
satisfaction ratings and bulk-update jobs. What it refuses as Zendesk would: bad credentials (401),
more than 100 tickets or ids (400), invalid values (422 ``RecordInvalid``), more than the plan's
requests in any 60 s (429 with Retry-After and ``X-Rate-Limit`` headers), more than ``max_jobs``
unfinished jobs (429). Per ticket, a bulk update fails with ``UpdateConflict`` when
``safe_update``'s ``updated_stamp`` is not the ticket's ``updated_at``.

Simplifications, chosen so tests stay deterministic: a job's changes are applied when it is
submitted, and only its status and results wait ``job_delay`` seconds; every change moves
``updated_at`` forward by at least one second, so a stale ``updated_stamp`` is always caught.
``comments`` hold only comments posted through the API (the description is not repeated there).

Admin: ``GET /_fake/stats`` (no credentials, not rate-limited) returns counts of requests, 429s,
jobs and replies, the peak requests in any 60 s, and how many replies the most-replied ticket got.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import json
import re
import socket
import sys
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.vendors.fakes import FakeVendor

EMAIL = "agent@example.com"
TOKEN = "zendesk-token-5d2c8e7a1f9b"
WINDOW = 60.0
MAX_MANY = 100
STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = {None, "low", "normal", "high", "urgent"}
_TAG = re.compile(r"^[^\s,]{1,80}$")
_TERM = re.compile(r'"[^"]*"|\S+')
_FILTER = re.compile(r"^(\w+)(<=|>=|<|>|:)(.+)$")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def basic_auth(email: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{email}/token:{token}".encode()).decode()


class Invalid(Exception):
    """A request Zendesk refuses as a whole: ``status`` and the body's ``error``/``description``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


@dataclass
class Job:
    id: str
    created: float
    ready_at: float
    total: int
    results: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None  # the message of a job that fails as a whole


class FakeZendesk(FakeVendor):
    def __init__(
        self,
        *,
        email: str = EMAIL,
        token: str = TOKEN,
        rpm: int = 700,
        job_delay: float = 0.0,
        job_ttl: float | None = None,
        max_jobs: int = 30,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__()
        self.auth = basic_auth(email, token)
        self.rpm, self.job_delay, self.job_ttl, self.max_jobs = rpm, job_delay, job_ttl, max_jobs
        self.clock, self.now = clock, now
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.organizations: dict[int, str] = {}
        self.ratings: list[dict[str, Any]] = []
        self.jobs: dict[str, Job] = {}
        self.failing_jobs = 0  # the next this many jobs fail as a whole, changing nothing
        self.accepted_at: list[float] = []  # clock time of every request inside the rate limit
        self.rate_limited = 0
        self.peak_per_minute = 0
        self.conflicts = 0
        self.calls_by_endpoint: Counter[str] = Counter()
        self._window: deque[float] = deque()
        self._version = 0  # bumped on every change; keys the search cache
        self._search_cache: dict[tuple[str, int], tuple[list[tuple[float, int]], list[int]]] = {}
        self._next_id = 1
        self._comment_id = 1

    # -- seeding -----------------------------------------------------------------------------------

    def add_ticket(
        self,
        *,
        subject: str = "Cannot push to the repository",
        description: str = "",
        status: str = "open",
        priority: str | None = None,
        tags: Iterable[str] = (),
        requester_id: int | None = None,
        organization_id: int | None = None,
        ticket_form_id: int | None = None,
        is_public: bool = True,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
    ) -> int:
        ticket_id = self._next_id
        self._next_id += 1
        created = (created_at or self.now()).replace(microsecond=0)
        self.tickets[ticket_id] = {
            "id": ticket_id,
            "subject": subject,
            "description": description or subject,
            "status": status,
            "priority": priority,
            "requester_id": requester_id if requester_id is not None else 1000 + ticket_id,
            "organization_id": organization_id,
            "ticket_form_id": ticket_form_id,
            "tags": list(dict.fromkeys(tags)),
            "is_public": is_public,
            "created_at": created,
            "updated_at": (updated_at or created).replace(microsecond=0),
            "satisfaction": None,
        }
        self._version += 1
        return ticket_id

    def seed(
        self,
        count: int,
        *,
        newest: datetime | None = None,
        spacing: timedelta = timedelta(seconds=1),
        organizations: Sequence[int] = (),
        subject: str = "Pipelines are stuck in pending",
        tags: Iterable[str] = (),
        **fields: Any,
    ) -> list[int]:
        """``count`` tickets, one ``spacing`` apart, the last created at ``newest``; fast enough for
        20,000 (one dict each)."""
        newest = newest or self.now()
        shared_tags = list(tags)
        ids = []
        for index in range(count):
            organization = organizations[index % len(organizations)] if organizations else None
            ids.append(
                self.add_ticket(
                    subject=f"{subject} ({index + 1})",
                    created_at=newest - spacing * (count - 1 - index),
                    organization_id=organization,
                    tags=shared_tags,
                    **fields,
                )
            )
        return ids

    def add_organization(self, name: str) -> int:
        organization_id = 360_000 + len(self.organizations) + 1
        self.organizations[organization_id] = name
        return organization_id

    def add_rating(self, ticket_id: int, score: str, *, at: datetime | None = None) -> None:
        at = (at or self.now()).replace(microsecond=0)
        self.ratings.append(
            {
                "id": 7_000 + len(self.ratings) + 1,
                "ticket_id": ticket_id,
                "score": score,
                "comment": None,
                "created_at": at,
                "updated_at": at,
            }
        )
        if score in ("good", "bad"):
            self.tickets[ticket_id]["satisfaction"] = score

    def touch(self, ticket_id: int) -> None:
        """Someone else (an agent, a trigger) changes the ticket: its updated_at moves on."""
        self._bump(self.tickets[ticket_id])

    # -- what tests look at ------------------------------------------------------------------------

    def replies(self, ticket_id: int) -> list[dict[str, Any]]:
        return self.comments.get(ticket_id, [])

    def stats(self) -> dict[str, Any]:
        per_ticket = Counter(len(posted) for posted in self.comments.values() if posted)
        several = [tid for tid, posted in self.comments.items() if len(posted) > 1]
        return {
            "requests": sum(self.calls_by_endpoint.values()),
            "accepted": len(self.accepted_at),
            "rate_limited": self.rate_limited,
            "peak_requests_per_minute": self.peak_per_minute,
            "rpm": self.rpm,
            "by_endpoint": dict(self.calls_by_endpoint),
            "tickets": len(self.tickets),
            "jobs": len(self.jobs),
            "conflicts": self.conflicts,
            "replies": sum(len(posted) for posted in self.comments.values()),
            "tickets_replied": sum(per_ticket.values()),
            "replies_per_ticket": {str(n): tickets for n, tickets in sorted(per_ticket.items())},
            "max_replies_per_ticket": max(per_ticket, default=0),
            "tickets_with_several_replies": several[:20],
        }

    # -- the API -----------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/_fake/stats" and request.method == "GET":
            return httpx.Response(200, json=self.stats())
        if not path.startswith("/api/v2/"):
            return _error(404, "InvalidEndpoint", "Not found")
        route = path[len("/api/v2/") :]
        self.calls_by_endpoint[f"{request.method} {_endpoint(route)}"] += 1
        limited = self._rate_limit()
        if limited is not None:
            return limited
        if request.headers.get("authorization") != self.auth:
            return httpx.Response(401, json={"error": "Couldn't authenticate you"})
        try:
            response = self._route(request, route)
        except Invalid as problem:
            response = _error(problem.status, problem.error, problem.description)
        remaining = max(0, self.rpm - len(self._window))
        response.headers.update({"X-Rate-Limit": str(self.rpm), "X-Rate-Limit-Remaining": str(remaining)})
        return response

    def _rate_limit(self) -> httpx.Response | None:
        now = self.clock()
        while self._window and self._window[0] <= now - WINDOW:
            self._window.popleft()
        if len(self._window) >= self.rpm:
            self.rate_limited += 1
            wait = max(1, int(self._window[0] + WINDOW - now + 0.999))
            headers = {"Retry-After": str(wait), "X-Rate-Limit": str(self.rpm), "X-Rate-Limit-Remaining": "0"}
            return httpx.Response(429, headers=headers, json={"error": "APIRateLimitExceeded"})
        self._window.append(now)
        self.accepted_at.append(now)
        self.peak_per_minute = max(self.peak_per_minute, len(self._window))
        return None

    def _route(self, request: httpx.Request, route: str) -> httpx.Response:
        params = request.url.params
        method = request.method
        if method == "PUT" and route == "tickets/update_many.json":
            return self._update_many(request)
        if method != "GET":
            return _error(405, "MethodNotAllowed", f"{method} is not allowed here")
        if route == "tickets/show_many.json":
            shown = [self._shown(self.tickets[i]) for i in _ids(params) if i in self.tickets]
            return httpx.Response(200, json={"tickets": shown})
        if route == "search/export.json":
            return self._export(params)
        if route == "satisfaction_ratings.json":
            return self._ratings(params)
        if route == "organizations/show_many.json":
            found = [
                {"id": i, "name": self.organizations[i]} for i in _ids(params) if i in self.organizations
            ]
            return httpx.Response(200, json={"organizations": found})
        if route == "job_statuses/show_many.json":
            wanted = [j for j in params.get("ids", "").split(",") if j]
            if len(wanted) > MAX_MANY:
                raise Invalid(400, "InvalidValue", f"at most {MAX_MANY} ids")
            self._expire_jobs()
            found = [self._job_json(self.jobs[j]) for j in wanted if j in self.jobs]
            return httpx.Response(200, json={"job_statuses": found})
        if match := re.fullmatch(r"job_statuses/(\w+)\.json", route):
            self._expire_jobs()
            job = self.jobs.get(match[1])
            if job is None:
                return _error(404, "RecordNotFound", "Not found")
            return httpx.Response(200, json={"job_status": self._job_json(job)})
        if match := re.fullmatch(r"tickets/(\d+)\.json", route):
            ticket = self.tickets.get(int(match[1]))
            if ticket is None:
                return _error(404, "RecordNotFound", "Not found")
            return httpx.Response(200, json={"ticket": self._shown(ticket)})
        if match := re.fullmatch(r"tickets/(\d+)/comments\.json", route):
            if int(match[1]) not in self.tickets:
                return _error(404, "RecordNotFound", "Not found")
            return httpx.Response(200, json={"comments": self.replies(int(match[1]))})
        return _error(404, "InvalidEndpoint", "Not found")

    # -- bulk updates and jobs ---------------------------------------------------------------------

    def _update_many(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content)
        except ValueError:
            raise Invalid(400, "InvalidJSON", "the body is not JSON") from None
        if not isinstance(body, dict):
            raise Invalid(400, "InvalidJSON", "the body must be a JSON object")
        if "ids" in request.url.params:
            ids = _ids(request.url.params)
            change = body.get("ticket")
            if not isinstance(change, dict):
                raise Invalid(400, "InvalidValue", "update_many with ids takes one 'ticket' object")
            changes = [{**change, "id": ticket_id} for ticket_id in ids]
        else:
            listed = body.get("tickets")
            if not isinstance(listed, list) or not listed:
                raise Invalid(400, "InvalidValue", "send 'ids' with a 'ticket', or a 'tickets' list")
            if len(listed) > MAX_MANY:
                raise Invalid(400, "InvalidValue", f"at most {MAX_MANY} tickets per request")
            changes = listed
        for change in changes:
            _check_change(change)
        self._expire_jobs()
        unfinished = sum(1 for job in self.jobs.values() if self.clock() < job.ready_at)
        if unfinished >= self.max_jobs:
            return httpx.Response(
                429,
                headers={"Retry-After": "5"},
                json={"error": "TooManyJobs", "description": "job queue full"},
            )
        now = self.clock()
        job = Job(uuid.uuid4().hex, now, now + self.job_delay, total=len(changes))
        if self.failing_jobs:
            self.failing_jobs -= 1
            job.failure = "Failed: an internal error stopped the job"
        else:
            job.results = [self._apply(change) for change in changes]
        self.jobs[job.id] = job
        return httpx.Response(200, json={"job_status": self._job_json(job)})

    def _apply(self, change: dict[str, Any]) -> dict[str, Any]:
        ticket_id = change["id"]
        ticket = self.tickets.get(ticket_id)
        result: dict[str, Any] = {"id": ticket_id, "action": "update"}
        if ticket is None:
            return {
                **result,
                "success": False,
                "status": "Failed",
                "error": "RecordNotFound",
                "details": "Not found",
            }
        if ticket["status"] == "closed":
            return {
                **result,
                "success": False,
                "status": "Failed",
                "error": "RecordInvalid",
                "details": "Status: closed prevents ticket update",
            }
        if change.get("safe_update") and "updated_stamp" in change:
            stamp = _time(change["updated_stamp"])
            if stamp != ticket["updated_at"]:
                self.conflicts += 1
                return {
                    **result,
                    "success": False,
                    "status": "Failed",
                    "error": "UpdateConflict",
                    "details": "Ticket has been updated since you last viewed it",
                }
        comment = change.get("comment")
        if isinstance(comment, dict):
            self.comments.setdefault(ticket_id, []).append(
                {
                    "id": self._comment_id,
                    "body": comment["body"],
                    "public": comment.get("public", True),
                    "author_id": 1,
                    "created_at": iso(self.now()),
                }
            )
            self._comment_id += 1
        if "status" in change:
            ticket["status"] = change["status"]
        if "tags" in change:
            ticket["tags"] = list(dict.fromkeys(change["tags"]))
        for tag in change.get("additional_tags", []):
            if tag not in ticket["tags"]:
                ticket["tags"].append(tag)
        removed = set(change.get("remove_tags", []))
        ticket["tags"] = [tag for tag in ticket["tags"] if tag not in removed]
        self._bump(ticket)
        return {**result, "success": True, "status": "Updated"}

    def _bump(self, ticket: dict[str, Any]) -> None:
        ticket["updated_at"] = max(
            self.now().replace(microsecond=0), ticket["updated_at"] + timedelta(seconds=1)
        )
        self._version += 1

    def _expire_jobs(self) -> None:
        if self.job_ttl is None:
            return
        cutoff = self.clock() - self.job_ttl
        for job_id in [j for j, job in self.jobs.items() if job.created < cutoff]:
            del self.jobs[job_id]

    def _job_json(self, job: Job) -> dict[str, Any]:
        done = self.clock() >= job.ready_at
        status = ("failed" if job.failure else "completed") if done else "queued"
        return {
            "id": job.id,
            "url": f"https://fake.zendesk.test/api/v2/job_statuses/{job.id}.json",
            "job_type": "bulk_update",
            "status": status,
            "total": job.total,
            "progress": job.total if done else 0,
            "message": (job.failure or "Completed") if done else None,
            "results": job.results if done and not job.failure else None,
        }

    # -- search and ratings ------------------------------------------------------------------------

    def _export(self, params: httpx.QueryParams) -> httpx.Response:
        if params.get("filter[type]") != "ticket":
            raise Invalid(400, "InvalidParameter", "filter[type] is required (this fake knows 'ticket')")
        size = _page_size(params, default=100, most=1000)
        keys, ids = self._matches(params.get("query", ""))
        start = 0
        if params.get("page[after]"):
            start = bisect.bisect_right(keys, _decode_key(params["page[after]"]))
        chosen = ids[start : start + size]
        has_more = start + size < len(ids)
        after = _encode_key(keys[start + len(chosen) - 1]) if chosen else None
        results = [{**self._shown(self.tickets[i]), "result_type": "ticket"} for i in chosen]
        return httpx.Response(
            200, json=_page("results", results, has_more, after, "search/export.json", params)
        )

    def _matches(self, query: str) -> tuple[list[tuple[float, int]], list[int]]:
        """Sorted cursor keys and ticket ids matching ``query``; cached until something changes."""
        cached = self._search_cache.get((query, self._version))
        if cached is not None:
            return cached
        tests, descending = _parse_query(query)
        sign = -1 if descending else 1
        keyed = sorted(
            ((sign * t["created_at"].timestamp(), sign * t["id"]), t["id"])
            for t in self.tickets.values()
            if all(test(t) for test in tests)
        )
        found = ([k for k, _ in keyed], [i for _, i in keyed])
        self._search_cache = {(query, self._version): found}  # keep one: queries are few, tickets many
        return found

    def _ratings(self, params: httpx.QueryParams) -> httpx.Response:
        size = _page_size(params, default=100, most=100)
        start_time = int(params.get("start_time", "0") or 0)
        chosen = [r for r in self.ratings if r["created_at"].timestamp() >= start_time]
        if params.get("score"):
            chosen = [r for r in chosen if r["score"] == params["score"]]
        offset = _decode_offset(params.get("page[after]"))
        page = chosen[offset : offset + size]
        has_more = offset + size < len(chosen)
        after = base64.urlsafe_b64encode(str(offset + len(page)).encode()).decode()
        shown = [{**r, "created_at": iso(r["created_at"]), "updated_at": iso(r["updated_at"])} for r in page]
        body = _page("satisfaction_ratings", shown, has_more, after, "satisfaction_ratings.json", params)
        return httpx.Response(200, json=body)

    def _shown(self, ticket: dict[str, Any]) -> dict[str, Any]:
        score = ticket["satisfaction"]
        return {
            "id": ticket["id"],
            "url": f"https://fake.zendesk.test/api/v2/tickets/{ticket['id']}.json",
            "external_id": None,
            "type": None,
            "subject": ticket["subject"],
            "raw_subject": ticket["subject"],
            "description": ticket["description"],
            "priority": ticket["priority"],
            "status": ticket["status"],
            "requester_id": ticket["requester_id"],
            "submitter_id": ticket["requester_id"],
            "assignee_id": None,
            "organization_id": ticket["organization_id"],
            "group_id": None,
            "ticket_form_id": ticket["ticket_form_id"],
            "tags": list(ticket["tags"]),
            "is_public": ticket["is_public"],
            "via": {"channel": "web"},
            "custom_fields": [],
            "satisfaction_rating": {"score": score} if score else None,
            "created_at": iso(ticket["created_at"]),
            "updated_at": iso(ticket["updated_at"]),
        }


# -- request parsing -------------------------------------------------------------------------------


def _error(status: int, error: str, description: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "description": description})


def _endpoint(route: str) -> str:
    return re.sub(r"/(\d+|[0-9a-f]{32})(?=[/.])", "/{id}", route).removesuffix(".json")


def _ids(params: httpx.QueryParams) -> list[int]:
    raw = [part for part in params.get("ids", "").split(",") if part]
    if not raw:
        raise Invalid(400, "InvalidValue", "ids is required")
    if len(raw) > MAX_MANY:
        raise Invalid(400, "InvalidValue", f"at most {MAX_MANY} ids")
    if not all(part.isdigit() for part in raw):
        raise Invalid(400, "InvalidValue", "ids are numbers")
    return [int(part) for part in raw]


def _time(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise Invalid(422, "RecordInvalid", f"{value!r} is not a time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _check_change(change: object) -> None:
    """Whole-request validation, as Zendesk answers 422 ``RecordInvalid`` before queueing a job."""

    def invalid(text: str) -> Invalid:
        return Invalid(422, "RecordInvalid", f"Record validation errors: {text}")

    if (
        not isinstance(change, dict)
        or not isinstance(change.get("id"), int)
        or isinstance(change["id"], bool)
    ):
        raise invalid("every ticket needs a numeric id")
    if "comment" in change:
        comment = change["comment"]
        if (
            not isinstance(comment, dict)
            or not isinstance(comment.get("body"), str)
            or not comment["body"].strip()
        ):
            raise invalid(f"ticket {change['id']}: comment body can't be blank")
        if not isinstance(comment.get("public", True), bool):
            raise invalid(f"ticket {change['id']}: comment public must be true or false")
    if "status" in change and change["status"] not in STATUSES:
        raise invalid(f"ticket {change['id']}: status {change['status']!r} is not valid")
    if "priority" in change and change["priority"] not in PRIORITIES:
        raise invalid(f"ticket {change['id']}: priority {change['priority']!r} is not valid")
    for key in ("tags", "additional_tags", "remove_tags"):
        tags = change.get(key, [])
        if not isinstance(tags, list) or not all(isinstance(t, str) and _TAG.match(t) for t in tags):
            raise invalid(f"ticket {change['id']}: {key} must be a list of tags without spaces")
    if "updated_stamp" in change:
        _time(change["updated_stamp"])


def _parse_query(query: str) -> tuple[list[Callable[[dict[str, Any]], bool]], bool]:
    """The subset of Zendesk's search syntax sirf uses; anything else is refused (400), so an
    adapter that builds a query this fake does not understand fails loudly."""
    tests: list[Callable[[dict[str, Any]], bool]] = []
    descending = True
    for term in _TERM.findall(query):
        if term.startswith('"'):
            tests.append(_has_word(term.strip('"')))
            continue
        match = _FILTER.match(term)
        if match is None:
            tests.append(_has_word(term))
            continue
        key, op, value = match.groups()
        if key == "type" and op == ":" and value == "ticket":
            continue
        if key in ("order_by", "sort") and op == ":":
            if key == "sort":
                descending = value != "asc"
            continue
        if key == "tags" and op == ":":
            tests.append(_has_tag(value))
        elif key == "status" and value in STATUSES:
            tests.append(_compare(lambda t: STATUSES.index(t["status"]), op, STATUSES.index(value)))
        elif key == "created":
            tests.append(_compare(lambda t: t["created_at"], op, _time(value)))
        else:
            raise Invalid(400, "InvalidSearchQuery", f"this fake does not understand {term!r}")
    return tests, descending


def _has_word(word: str) -> Callable[[dict[str, Any]], bool]:
    word = word.lower()
    return lambda t: word in t["subject"].lower() or word in t["description"].lower()


def _has_tag(tag: str) -> Callable[[dict[str, Any]], bool]:
    return lambda t: tag in t["tags"]


def _compare(get: Callable[[dict[str, Any]], Any], op: str, value: Any) -> Callable[[dict[str, Any]], bool]:
    checks: dict[str, Callable[[Any, Any], bool]] = {
        ":": lambda a, b: a == b,
        "<": lambda a, b: a < b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        ">=": lambda a, b: a >= b,
    }
    check = checks[op]
    return lambda t: check(get(t), value)


def _page_size(params: httpx.QueryParams, *, default: int, most: int) -> int:
    raw = params.get("page[size]")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise Invalid(400, "InvalidPaginationParameter", f"page[size] is 1 to {most}")
    return int(raw)


def _decode_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except ValueError:
        raise Invalid(400, "InvalidPaginationParameter", "page[after] is not a cursor") from None


def _encode_key(key: tuple[float, int]) -> str:
    return base64.urlsafe_b64encode(f"{key[0]!r}:{key[1]}".encode()).decode()


def _decode_key(cursor: str) -> tuple[float, int]:
    try:
        created, ticket_id = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        return float(created), int(ticket_id)
    except ValueError:
        raise Invalid(400, "InvalidPaginationParameter", "page[after] is not a cursor") from None


def _page(
    key: str,
    items: list[dict[str, Any]],
    has_more: bool,
    after: str | None,
    route: str,
    params: httpx.QueryParams,
) -> dict[str, Any]:
    following = None
    if has_more and after:
        query = httpx.QueryParams({**dict(params), "page[after]": after})
        following = f"https://fake.zendesk.test/api/v2/{route}?{query}"
    return {
        key: items,
        "meta": {"has_more": has_more, "after_cursor": after if has_more else None, "before_cursor": None},
        "links": {"next": following, "prev": None},
    }


# -- its own process, for the benchmark ------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    from tests.vendors.server import vendor_app

    parser = argparse.ArgumentParser(description="A fake Zendesk on 127.0.0.1 (prints its URL first).")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tickets", type=int, default=0)
    parser.add_argument("--rpm", type=int, default=700)
    parser.add_argument("--job-delay", type=float, default=0.5)
    parser.add_argument("--max-jobs", type=int, default=30)
    parser.add_argument("--tags", default="incident_1", help="comma-separated tags on every seeded ticket")
    parser.add_argument("--organizations", type=int, default=50)
    parser.add_argument("--email", default=EMAIL)
    parser.add_argument("--token", default=TOKEN)
    options = parser.parse_args(argv)

    fake = FakeZendesk(
        email=options.email,
        token=options.token,
        rpm=options.rpm,
        job_delay=options.job_delay,
        max_jobs=options.max_jobs,
    )
    organizations = [fake.add_organization(f"Customer {n}") for n in range(1, options.organizations + 1)]
    fake.seed(options.tickets, organizations=organizations, tags=[t for t in options.tags.split(",") if t])

    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose proto says
    # TCP, and a plain socket.socket() says 0. With Nagle on, every answer waits ~40 ms for the
    # client's delayed ACK, and the benchmark would measure that instead of the rate budget.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", options.port))
    listener.listen(128)  # connections made before uvicorn starts wait in the backlog
    port = listener.getsockname()[1]
    print(f"http://127.0.0.1:{port}", flush=True)
    print(
        json.dumps({"email": options.email, "token": options.token, "tickets": options.tickets}), flush=True
    )
    config = uvicorn.Config(vendor_app(fake), log_level="warning", lifespan="off", access_log=False)
    uvicorn.Server(config).run(sockets=[listener])


if __name__ == "__main__":
    main(sys.argv[1:])
