"""Zendesk Support API v2 as sirf's ticket system (the ``TicketSystem`` port).

Endpoints (shared/research/vendor-apis.md §4): ``search/export`` (cursor pages) to find tickets,
``tickets/show_many`` to read them, ``tickets/update_many`` for replies and tag changes (an async
job, at most 100 tickets), ``job_statuses/show_many`` to learn how many jobs ended in one request,
``satisfaction_ratings`` (cursor pages) and ``organizations/show_many``.

Budget (reliability.md §3.2): the agents' UI and other apps share the account's plan limit, so
sirf spends at most ``rate_limit_rpm * rate_share`` requests a minute. ``RequestPacer`` spaces the
*starts* of requests evenly, one pacer per Zendesk account (base URL) for the whole process:

- even spacing never exceeds the share in any 60 s window, which a token bucket with a burst would
  (by the burst size), and it costs no speed: N requests take (N - 1) spacings, the floor the
  share allows. The spacing is stretched by ``ARRIVAL_MARGIN`` (0.5 s a minute, under 1 %):
  Zendesk counts arrivals, and network jitter could otherwise bring share + 1 requests into one
  60 s window;
- starts are spaced, not ends, so requests from several threads may overlap in flight; the budget
  counts requests, and waiting for each answer would waste it on latency.

Failures: a 429 pauses every thread on the account for its Retry-After; a short wait (at most
``max_retry_wait``) is slept through and the same request sent again, a longer one becomes a
retryable ``DeliveryFailed`` carrying the delay. Reads retry 5xx, timeouts and network errors a few
times with jittered backoff; writes do not (the caller decides, and replies are guarded by marker
tags and ``safe_update``). A 400/422 is not retryable and carries Zendesk's own error text.

The API token is registered with ``register_secret``: it never shows in messages or httpx's logs.
"""

from __future__ import annotations

import base64
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from sirf.adapters.http import failure_for, register_secret, retry_after_seconds, send, unreadable
from sirf.config import Secret
from sirf.domain.errors import ValidationFailed
from sirf.domain.tickets import (
    Satisfaction,
    Ticket,
    TicketPriority,
    TicketStatus,
    check_tag,
)
from sirf.services.publishing import RETRYABLE_STATUS, DeliveryFailed
from sirf.services.ticket_ports import MAX_BATCH, Rating, Reply, ReplyOutcome, TicketSearch

log = logging.getLogger(__name__)

ORG_CACHE = 10_000  # organisation names remembered per process
PAGE_SIZE = 100
JOB_IDS_PER_REQUEST = 100  # job ids are 32 characters: 100 of them keep the URL near 3.5 KB
READ_ATTEMPTS = 4  # a read is tried at most this often on 5xx, timeouts and network errors
RATE_LIMIT_ATTEMPTS = 5  # at most this many short 429 waits for one request
DEFAULT_RETRY_AFTER = 10.0  # a 429 without Retry-After (Zendesk always sends one)
REMEMBERED_JOBS = 10_000  # job id -> refs, to name the tickets of a job Zendesk lost or failed
PENDING_JOB = frozenset({"queued", "working"})
ARRIVAL_MARGIN = 0.5  # seconds added to each minute's worth of spacing; see the module docstring

T = TypeVar("T")


@dataclass(frozen=True)
class ZendeskConfig:
    base_url: str  # https://acme.zendesk.com
    email: str
    api_token: Secret
    rate_limit_rpm: int = 200  # the plan's requests per minute (Team 200 ... Enterprise 700)
    rate_share: float = 0.5  # sirf's share of it; the rest is for agents and other apps
    job_poll_interval: float = 2.0  # between polls while add_tags/remove_tags wait for their job
    job_timeout: float = 600.0  # give up waiting for a tag job after this long (retryable)
    max_retry_wait: float = 30.0  # a longer Retry-After fails the call instead of stalling it

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("https://", "http://")):
            raise ValidationFailed("the Zendesk base URL starts with https://", field="zendesk.base_url")
        if not self.email or not self.api_token.reveal():
            raise ValidationFailed("Zendesk needs an agent email and an API token", field="zendesk.email")
        if self.rate_limit_rpm <= 0 or not 0 < self.rate_share <= 1:
            raise ValidationFailed(
                "rate_limit_rpm must be positive and rate_share in (0, 1]", field="zendesk.rate_share"
            )
        if self.job_poll_interval <= 0:
            raise ValidationFailed("job_poll_interval must be positive", field="zendesk.job_poll_interval")

    @property
    def api(self) -> str:
        return f"{self.base_url.rstrip('/')}/api/v2"

    @property
    def requests_per_minute(self) -> float:
        return self.rate_limit_rpm * self.rate_share


# -- rate ------------------------------------------------------------------------------------------


class RequestPacer:
    """Starts requests ``(60 + ARRIVAL_MARGIN) / per_minute`` seconds apart, across every thread.

    Each caller reserves the next free start under a lock and sleeps outside it, so threads queue in
    order without holding each other up once their turn has come. ``pause`` (a 429's Retry-After)
    holds back every start until then; a pause longer than ``max_pause`` is not slept through: the
    call fails as retryable with the remaining delay.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        max_pause: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = (60.0 + ARRIVAL_MARGIN) / per_minute
        self.max_pause = max_pause
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = float("-inf")
        self._paused_until = float("-inf")

    def slow_to(self, per_minute: float) -> None:
        """Two configurations for one account: the stricter rate wins."""
        with self._lock:
            self.interval = max(self.interval, (60.0 + ARRIVAL_MARGIN) / per_minute)

    def wait_turn(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                paused = self._paused_until - now
                if paused > self.max_pause:
                    raise DeliveryFailed(
                        f"Zendesk: held back by its rate limit for {paused:.0f} s",
                        retryable=True,
                        retry_after=paused,
                    )
                start = max(now, self._next, self._paused_until)
                self._next = start + self.interval
            if start > now:
                self._sleep(start - now)
            with self._lock:
                # A 429 seen by another thread while we slept: its pause outranks our reservation.
                if self._paused_until <= start:
                    return

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)


_pacers: dict[str, RequestPacer] = {}
_pacers_lock = threading.Lock()


def shared_pacer(config: ZendeskConfig) -> RequestPacer:
    """The one pacer of this process for ``config``'s account (Zendesk limits per account)."""
    key = config.base_url.rstrip("/").lower()
    with _pacers_lock:
        pacer = _pacers.get(key)
        if pacer is None:
            pacer = _pacers[key] = RequestPacer(config.requests_per_minute, max_pause=config.max_retry_wait)
        else:
            pacer.slow_to(config.requests_per_minute)
        return pacer


# -- mapping ---------------------------------------------------------------------------------------


def parse_time(value: object, *, field: str) -> datetime:
    """Zendesk times are ISO 8601 in UTC (``2026-11-27T08:00:00Z``); returned aware, in UTC."""
    if not isinstance(value, str) or not value:
        raise ValidationFailed(f"{field} is missing or not a time", field=field)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{field} {value[:40]!r} is not an ISO 8601 time", field=field) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def ticket_from_json(data: Mapping[str, Any], *, form_key: str = "ticket_form_id") -> Ticket:
    """A ``Ticket`` from Zendesk's ticket JSON (the API's ``ticket_form_id``) or a webhook event's
    ``detail`` (``form_id``, upper-case status and priority). Segment, region and escalation are not
    Zendesk fields: the service derives them from the tags."""
    ticket_id = data.get("id")
    if ticket_id is None or isinstance(ticket_id, bool) or str(ticket_id) == "":
        raise ValidationFailed("the ticket has no id", field="id")
    status = data.get("status")
    if not isinstance(status, str):
        raise ValidationFailed(f"ticket {ticket_id} has no status", field="status")
    priority = data.get("priority")
    tags = data.get("tags") or []
    if not isinstance(tags, list):
        raise ValidationFailed(f"ticket {ticket_id}: tags must be a list", field="tags")
    rating = data.get("satisfaction_rating")
    score = rating.get("score") if isinstance(rating, dict) else None
    return Ticket(
        ref=str(ticket_id),
        subject=str(data.get("subject") or ""),
        description=str(data.get("description") or ""),
        created_at=parse_time(data.get("created_at"), field="created_at"),
        updated_at=parse_time(data.get("updated_at"), field="updated_at"),
        priority=TicketPriority.parse(priority if isinstance(priority, str) else None),
        status=TicketStatus.parse(status),
        requester=_id_text(data.get("requester_id")) or "",
        organization=_id_text(data.get("organization_id")),
        form=_id_text(data.get(form_key)),
        tags=frozenset(str(tag) for tag in tags),
        public=data.get("is_public") is not False,
        satisfaction=Satisfaction(score) if score in ("good", "bad") else None,
    )


def _id_text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def stamp_text(moment: datetime) -> str:
    """``updated_stamp`` as Zendesk writes ``updated_at``: UTC, whole seconds, ``Z``."""
    if moment.tzinfo is None:
        raise ValidationFailed("updated_stamp must carry a time zone", field="updated_stamp")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def search_query(search: TicketSearch) -> str:
    """Zendesk search syntax for ``search``. Words are quoted so one holding ``:`` or ``<`` is not
    read as a field filter; ``order_by``/``sort`` ask for newest first."""
    terms = ["type:ticket"]
    for word in search.text.split():
        cleaned = word.replace('"', "")
        if cleaned:
            terms.append(f'"{cleaned}"')
    if search.since is not None:
        terms.append(f"created>={stamp_text(search.since)}")
    if search.tag:
        terms.append(f"tags:{check_tag(search.tag)}")
    if search.unsolved_only:
        terms.append("status<solved")
    terms += ["order_by:created", "sort:desc"]
    return " ".join(terms)


def _numeric_ids(refs: Sequence[str]) -> list[int]:
    ids = []
    for ref in refs:
        if not (ref.isascii() and ref.isdigit()):
            raise ValidationFailed(f"{ref[:64]!r} is not a Zendesk ticket id", field="ref")
        ids.append(int(ref))
    return ids


def _error_text(response: httpx.Response) -> str:
    """Zendesk's error bodies: ``{"error": "RecordInvalid", "description": ..., "details": {...}}``
    or ``{"error": {"title": ..., "message": ...}}``; some API-level errors are plain text."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200].strip()
    if not isinstance(data, dict):
        return ""
    parts: list[str] = []
    error = data.get("error")
    if isinstance(error, dict):
        parts += [str(error[k]) for k in ("title", "message") if error.get(k)]
    elif error:
        parts.append(str(error))
    if data.get("description"):
        parts.append(str(data["description"]))
    details = data.get("details")
    if isinstance(details, dict):
        for field, problems in list(details.items())[:3]:
            for problem in problems if isinstance(problems, list) else [problems]:
                text = problem.get("description") if isinstance(problem, dict) else problem
                parts.append(f"{field}: {text}")
    return "; ".join(parts)


def _result_error(result: Mapping[str, Any]) -> str:
    parts = [str(result[k]) for k in ("error", "errors", "details") if result.get(k)]
    return ": ".join(parts) or str(result.get("status") or "failed")


def _outcome(result: Mapping[str, Any]) -> ReplyOutcome:
    """One entry of a job's ``results``: ``{"id", "action", "success", "status", "error"...}``."""
    ref = str(result.get("id", ""))
    success = result.get("success")
    failed = bool(result.get("error") or result.get("errors"))
    if success is True or (success is None and not failed and result.get("status") == "Updated"):
        return ReplyOutcome(ref, ok=True)
    error = _result_error(result)
    conflict = "conflict" in error.lower()  # Zendesk's "UpdateConflict" from safe_update
    return ReplyOutcome(ref, ok=False, error=error, conflict=conflict)


# -- the adapter -----------------------------------------------------------------------------------


class ZendeskTickets:
    def __init__(
        self,
        config: ZendeskConfig,
        client: httpx.Client,
        *,
        pacer: RequestPacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._client = client
        self._pacer = pacer or shared_pacer(config)
        self._sleep = sleep
        self._clock = clock
        token = config.api_token.reveal()
        credentials = base64.b64encode(f"{config.email}/token:{token}".encode()).decode()
        register_secret(token)
        register_secret(credentials)
        self._headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}
        self._jobs: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._jobs_lock = threading.Lock()
        # Organisation id -> name. Tickets carry only the id; people (and the framework file's
        # opted-out organisations and linking rules) name organisations by name.
        self._org_names: OrderedDict[str, str] = OrderedDict()
        self._org_lock = threading.Lock()

    @property
    def name(self) -> str:
        return "zendesk"

    # -- reads -------------------------------------------------------------------------------------

    def search(self, search: TicketSearch) -> Iterator[Ticket]:
        if search.limit <= 0:
            return
        params = {
            "query": search_query(search),
            "filter[type]": "ticket",
            "page[size]": str(min(PAGE_SIZE, search.limit)),
        }
        found = 0
        tickets: list[Ticket] = []
        for page in self._pages("search/export.json", params, "results", action="Zendesk search"):
            for item in page:
                if item.get("result_type", "ticket") != "ticket":
                    continue
                ticket = self._ticket_or_none(item)
                if ticket is not None:
                    tickets.append(ticket)
            for ticket in self._named(tickets):
                yield ticket
                found += 1
                if found >= search.limit:
                    return
            tickets = []

    def get_many(self, refs: Sequence[str]) -> list[Ticket]:
        tickets: list[Ticket] = []
        for chunk in _chunks(_numeric_ids(refs), MAX_BATCH):
            data = self._read(
                "tickets/show_many.json", {"ids": _joined(chunk)}, action="Zendesk show tickets"
            )
            for item in _list_of(data, "tickets"):
                ticket = self._ticket_or_none(item)
                if ticket is not None:
                    tickets.append(ticket)
        return self._named(tickets)

    def organisations(self, ids: Sequence[str]) -> dict[str, str]:
        """Names of the organisations given (remembered; one request per 100 unknown ids)."""
        wanted = [i for i in dict.fromkeys(ids) if i]
        with self._org_lock:
            names = {i: self._org_names[i] for i in wanted if i in self._org_names}
        unknown = [i for i in wanted if i not in names and i.isdigit()]
        for chunk in _chunks(unknown, MAX_BATCH):
            data = self._read(
                "organizations/show_many.json", {"ids": ",".join(chunk)}, action="Zendesk organizations"
            )
            for item in _list_of(data, "organizations"):
                if item.get("id") is not None and item.get("name"):
                    names[str(item["id"])] = str(item["name"])
        with self._org_lock:
            for org_id in unknown:
                if org_id in names:
                    self._org_names[org_id] = names[org_id]
            while len(self._org_names) > ORG_CACHE:
                self._org_names.popitem(last=False)
        return names

    def _named(self, tickets: list[Ticket]) -> list[Ticket]:
        """Tickets with their organisation's name instead of its id (ids stay if Zendesk is down)."""
        ids = sorted({t.organization for t in tickets if t.organization})
        if not ids:
            return tickets
        try:
            names = self.organisations(ids)
        except DeliveryFailed as failure:
            log.warning("Zendesk organisation names unavailable: %s", failure.message)
            return tickets
        return [
            replace(t, organization=names[t.organization]) if t.organization in names else t for t in tickets
        ]

    def ratings(self, since: datetime) -> Iterator[Rating]:
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        params = {"start_time": str(int(since.timestamp())), "page[size]": str(PAGE_SIZE)}
        pages = self._pages(
            "satisfaction_ratings.json", params, "satisfaction_ratings", action="Zendesk ratings"
        )
        for page in pages:
            for item in page:
                score, ticket_id = item.get("score"), item.get("ticket_id")
                if score not in ("good", "bad") or ticket_id is None:
                    continue  # offered / unoffered: no rating given yet
                try:
                    at = parse_time(item.get("created_at"), field="created_at")
                except ValidationFailed:
                    log.warning("Zendesk rating %s has no readable time; skipped", item.get("id"))
                    continue
                if at >= since:
                    yield Rating(ref=str(ticket_id), score=Satisfaction(score), at=at)

    # -- replies -----------------------------------------------------------------------------------

    def submit_replies(self, replies: Sequence[Reply]) -> str:
        if not 1 <= len(replies) <= MAX_BATCH:
            raise ValueError(f"submit 1 to {MAX_BATCH} replies at a time, not {len(replies)}")
        refs = [reply.ref for reply in replies]
        if len(set(refs)) != len(refs):
            raise ValueError("one reply per ticket in a batch: Zendesk would post both")
        ids = _numeric_ids(refs)
        tickets = [_reply_change(ticket_id, reply) for ticket_id, reply in zip(ids, replies, strict=True)]
        job_id = self._start_job(
            "tickets/update_many.json", None, {"tickets": tickets}, action="Zendesk bulk reply"
        )
        with self._jobs_lock:
            self._jobs[job_id] = tuple(refs)
            while len(self._jobs) > REMEMBERED_JOBS:
                self._jobs.popitem(last=False)
        return job_id

    def job_outcomes(self, job_ids: Sequence[str]) -> dict[str, list[ReplyOutcome] | None]:
        wanted = list(dict.fromkeys(job_ids))
        statuses: dict[str, Mapping[str, Any]] = {}
        for chunk in _chunks(wanted, JOB_IDS_PER_REQUEST):
            statuses.update(self._job_statuses(chunk))
        return {job_id: self._outcomes(job_id, statuses.get(job_id)) for job_id in wanted}

    # -- tags --------------------------------------------------------------------------------------

    def add_tags(self, refs: Sequence[str], tags: Sequence[str]) -> None:
        self._change_tags(refs, tags, "additional_tags")

    def remove_tags(self, refs: Sequence[str], tags: Sequence[str]) -> None:
        self._change_tags(refs, tags, "remove_tags")

    def _change_tags(self, refs: Sequence[str], tags: Sequence[str], key: str) -> None:
        if not refs or not tags:
            return
        if len(refs) > MAX_BATCH:
            raise ValueError(f"change tags on at most {MAX_BATCH} tickets at a time")
        ids = _numeric_ids(refs)
        change = {"ticket": {key: [check_tag(tag) for tag in tags]}}
        action = "Zendesk tag tickets" if key == "additional_tags" else "Zendesk untag tickets"
        job_id = self._start_job("tickets/update_many.json", {"ids": _joined(ids)}, change, action=action)
        refused = [o for o in self._wait_for_job(job_id, tuple(refs), action=action) if not o.ok]
        if refused:
            listed = ", ".join(f"{o.ref or '?'} ({o.error})" for o in refused[:5])
            more = f" and {len(refused) - 5} more" if len(refused) > 5 else ""
            raise DeliveryFailed(f"{action}: refused for tickets {listed}{more}", retryable=False)

    def _wait_for_job(self, job_id: str, refs: tuple[str, ...], *, action: str) -> list[ReplyOutcome]:
        deadline = self._clock() + self._config.job_timeout
        while True:
            self._sleep(self._config.job_poll_interval)  # a job is never done at once; poll politely
            outcomes = self._outcomes(job_id, self._job_statuses([job_id]).get(job_id), refs=refs)
            if outcomes is not None:
                return outcomes
            if self._clock() > deadline:
                raise DeliveryFailed(f"{action}: job {job_id} not done in time", retryable=True)

    # -- jobs --------------------------------------------------------------------------------------

    def _start_job(self, path: str, params: Mapping[str, str] | None, body: object, *, action: str) -> str:
        data = self._call("PUT", path, params=params, json=body, action=action, read=False)
        job = data.get("job_status") if isinstance(data, dict) else None
        if not isinstance(job, dict) or not job.get("id"):
            raise unreadable(action, status=200)
        return str(job["id"])

    def _job_statuses(self, job_ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
        """Job id -> job JSON; a job Zendesk does not know is left out."""
        action = "Zendesk job statuses"
        try:
            data = self._read("job_statuses/show_many.json", {"ids": ",".join(job_ids)}, action=action)
        except DeliveryFailed as failure:
            if failure.status != 404:
                raise
            # One expired id may fail the whole request: ask about each job alone.
            found: dict[str, Mapping[str, Any]] = {}
            for job_id in job_ids:
                try:
                    one = self._read(f"job_statuses/{job_id}.json", None, action=action)
                except DeliveryFailed as missing:
                    if missing.status != 404:
                        raise
                    continue
                job = one.get("job_status") if isinstance(one, dict) else None
                if isinstance(job, dict):
                    found[job_id] = job
            return found
        return {str(job.get("id")): job for job in _list_of(data, "job_statuses")}

    def _outcomes(
        self, job_id: str, job: Mapping[str, Any] | None, *, refs: tuple[str, ...] | None = None
    ) -> list[ReplyOutcome] | None:
        if refs is None:
            with self._jobs_lock:
                refs = self._jobs.get(job_id, ())
        if job is None:
            return _failed([], refs, f"Zendesk no longer knows job {job_id} (expired or lost)")
        status = str(job.get("status", "")).lower()
        if status in PENDING_JOB:
            return None
        results = job.get("results")
        outcomes = [_outcome(r) for r in results if isinstance(r, dict)] if isinstance(results, list) else []
        if status == "completed":
            reason = f"Zendesk job {job_id} gave no result for this ticket"
        else:
            # A failed job may still have changed some tickets: their results are kept as given.
            reason = f"Zendesk job {job_id} {status or 'ended'}: {job.get('message') or 'no message'}"
        return _failed(outcomes, refs, reason)

    # -- HTTP --------------------------------------------------------------------------------------

    def _pages(
        self, path: str, params: dict[str, str], key: str, *, action: str
    ) -> Iterator[list[Mapping[str, Any]]]:
        """Cursor pagination: ``meta.has_more`` and ``meta.after_cursor`` (``page[after]``)."""
        seen: set[str] = set()
        while True:
            data = self._read(path, params, action=action)
            yield _list_of(data, key)
            meta = data.get("meta") if isinstance(data, dict) else None
            if not isinstance(meta, dict) or not meta.get("has_more"):
                return
            cursor = meta.get("after_cursor") or _next_cursor(data)
            if not cursor or str(cursor) in seen:
                raise DeliveryFailed(f"{action}: Zendesk gave no new page cursor", retryable=True)
            seen.add(str(cursor))
            params = {**params, "page[after]": str(cursor)}

    def _read(self, path: str, params: Mapping[str, str] | None, *, action: str) -> Any:
        return self._call("GET", path, params=params, action=action, read=True)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: object = None,
        action: str,
        read: bool,
    ) -> Any:
        """One request within the budget. ``read``: safe to send again on 5xx or a timeout."""
        url = f"{self._config.api}/{path}"
        attempt, limited = 1, 0
        while True:
            self._pacer.wait_turn()
            try:
                response = send(
                    self._client, method, url, action=action, headers=self._headers, params=params, json=json
                )
            except DeliveryFailed as failure:
                if read and failure.retryable and attempt < READ_ATTEMPTS:
                    self._back_off(attempt, None)
                    attempt += 1
                    continue
                raise
            status = response.status_code
            if status == 429:
                told = retry_after_seconds(response.headers.get("Retry-After"))
                wait = DEFAULT_RETRY_AFTER if told is None else told
                self._pacer.pause(wait)  # every thread on this account waits, not only this one
                limited += 1
                if wait <= self._config.max_retry_wait and limited < RATE_LIMIT_ATTEMPTS:
                    continue
                raise DeliveryFailed(
                    f"{action}: HTTP 429 rate limited for {wait:.0f} s",
                    retryable=True,
                    retry_after=wait,
                    status=429,
                )
            if read and status in RETRYABLE_STATUS and attempt < READ_ATTEMPTS:
                self._back_off(attempt, retry_after_seconds(response.headers.get("Retry-After")))
                attempt += 1
                continue
            if not response.is_success:
                raise failure_for(response, action=action, reason=_error_text(response))
            try:
                return response.json()
            except ValueError:
                raise unreadable(action, status=status) from None

    def _back_off(self, attempt: int, retry_after: float | None) -> None:
        # Jittered exponential backoff (0.25-0.5 s, 0.5-1 s, 1-2 s), or the server's Retry-After.
        jitter = random.uniform(0.5, 1.0)  # noqa: S311 - spreading retries, not a secret
        delay = retry_after if retry_after is not None else 0.5 * 2 ** (attempt - 1) * jitter
        self._sleep(min(delay, self._config.max_retry_wait))

    def _ticket_or_none(self, item: Mapping[str, Any]) -> Ticket | None:
        # One malformed record must not stop a search over thousands; it is logged, not hidden.
        try:
            return ticket_from_json(item)
        except (ValidationFailed, ValueError, TypeError) as problem:
            log.warning("Zendesk ticket %s skipped: %s", str(item.get("id"))[:20], problem)
            return None


def _reply_change(ticket_id: int, reply: Reply) -> dict[str, Any]:
    if not reply.body.strip():
        raise ValidationFailed(f"the reply to ticket {reply.ref} is empty", field="body")
    change: dict[str, Any] = {
        "id": ticket_id,
        "comment": {"body": reply.body, "public": reply.public},
        "additional_tags": [check_tag(reply.marker_tag)],
    }
    if reply.status is not None:
        change["status"] = reply.status.value
    if reply.updated_stamp is not None:
        # safe_update alone does nothing: Zendesk compares updated_stamp with the ticket's updated_at.
        change["safe_update"] = True
        change["updated_stamp"] = stamp_text(reply.updated_stamp)
    return change


def _failed(outcomes: list[ReplyOutcome], refs: tuple[str, ...], reason: str) -> list[ReplyOutcome]:
    """``outcomes`` plus a failed one for each of ``refs`` they leave out; a lone ``ref=""`` outcome
    when nothing at all is known (a job of an earlier process that Zendesk has forgotten)."""
    told = {outcome.ref for outcome in outcomes}
    everything = outcomes + [ReplyOutcome(ref, ok=False, error=reason) for ref in refs if ref not in told]
    return everything or [ReplyOutcome("", ok=False, error=reason)]


def _next_cursor(data: Mapping[str, Any]) -> str | None:
    """The cursor inside ``links.next``. The URL itself is not followed: only the cursor is taken,
    so our credentials never go to a host other than the configured one."""
    links = data.get("links")
    following = links.get("next") if isinstance(links, dict) else None
    if not isinstance(following, str):
        return None
    try:
        cursor = httpx.URL(following).params.get("page[after]")
    except httpx.InvalidURL:
        return None
    return str(cursor) if cursor else None


def _list_of(data: object, key: str) -> list[Mapping[str, Any]]:
    items = data.get(key) if isinstance(data, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _joined(ids: Sequence[int]) -> str:
    return ",".join(map(str, ids))
