"""Zendesk adapter against the fake Zendesk: pages, bulk-reply jobs, rate budget, failures, secrets."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from sirf.adapters.http import build_client
from sirf.adapters.zendesk import RequestPacer, ZendeskConfig, ZendeskTickets, search_query, shared_pacer
from sirf.config import Secret
from sirf.domain.errors import ValidationFailed
from sirf.domain.tickets import Satisfaction, TicketPriority, TicketStatus
from sirf.services.publishing import DeliveryFailed
from sirf.services.ticket_ports import Reply, ReplyOutcome, TicketSearch
from tests.vendors.fakes import Fault
from tests.vendors.server import serve
from tests.vendors.support import ManualClock, mock_client
from tests.vendors.zendesk_fake import EMAIL, TOKEN, FakeZendesk, basic_auth

BASE = "https://acme.zendesk.test"
START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
MARKER = "sirf_reply_42_7"


class Setup:
    def __init__(
        self,
        *,
        rpm: int = 6000,
        share: float = 1.0,
        token: str = TOKEN,
        poll: float = 2.0,
        **fake_options: Any,
    ) -> None:
        self.clock = ManualClock()
        self.fake = FakeZendesk(clock=self.clock, now=self.wall, **fake_options)
        self.config = ZendeskConfig(
            BASE, EMAIL, Secret(token), rate_limit_rpm=rpm, rate_share=share, job_poll_interval=poll
        )
        pacer = RequestPacer(self.config.requests_per_minute, clock=self.clock, sleep=self.clock.sleep)
        self.zendesk = ZendeskTickets(
            self.config, mock_client(self.fake), pacer=pacer, sleep=self.clock.sleep, clock=self.clock
        )

    def wall(self) -> datetime:
        return START + timedelta(seconds=self.clock.now - 1000.0)

    def calls(self, route: str) -> list[httpx.Request]:
        return [r for r in self.fake.requests if r.url.path.endswith(route)]


def replies(refs: list[str], **options: Any) -> list[Reply]:
    return [Reply(ref, f"We are on it ({ref}).", MARKER, **options) for ref in refs]


# -- reads -----------------------------------------------------------------------------------------


def test_search_follows_cursors_across_pages_newest_first() -> None:
    s = Setup()
    s.fake.seed(20, subject="Unrelated question", newest=START - timedelta(days=1))
    ids = s.fake.seed(250, tags=["incident_42"], newest=START)
    found = list(s.zendesk.search(TicketSearch(tag="incident_42")))
    assert [t.ref for t in found] == [str(i) for i in reversed(ids)]
    pages = s.calls("search/export.json")
    assert len(pages) == 3
    assert "page[after]" not in pages[0].url.params
    assert all(p.url.params.get("page[after]") for p in pages[1:])
    assert pages[0].url.params["filter[type]"] == "ticket"
    assert pages[0].url.params["page[size]"] == "100"


def test_search_stops_at_the_limit_without_reading_further_pages() -> None:
    s = Setup()
    s.fake.seed(450)
    found = list(s.zendesk.search(TicketSearch(limit=150)))
    assert len(found) == 150
    assert len(s.calls("search/export.json")) == 2


def test_search_query_holds_words_time_tag_and_status() -> None:
    s = Setup()
    old = s.fake.add_ticket(subject="Merge requests fail", created_at=START - timedelta(hours=3))
    solved = s.fake.add_ticket(subject="merge Requests fail to load", status="solved", created_at=START)
    wanted = s.fake.add_ticket(subject="Our merge requests fail", tags=["incident_42"], created_at=START)
    s.fake.add_ticket(subject="Merge requests fail", created_at=START)  # no tag
    search = TicketSearch(
        text="merge requests:", since=START - timedelta(hours=1), tag="incident_42", unsolved_only=True
    )
    assert search_query(search) == (
        'type:ticket "merge" "requests:" created>=2026-11-27T07:00:00Z tags:incident_42 status<solved '
        "order_by:created sort:desc"
    )
    found = list(s.zendesk.search(TicketSearch(text="merge requests", since=START - timedelta(hours=1))))
    assert {t.ref for t in found} >= {str(solved), str(wanted)}
    assert str(old) not in {t.ref for t in found}
    only = list(s.zendesk.search(TicketSearch(text="merge", tag="incident_42", unsolved_only=True)))
    assert [t.ref for t in only] == [str(wanted)]


def test_tickets_map_from_zendesk_json() -> None:
    s = Setup()
    organization = s.fake.add_organization("Acme Corp")
    ticket_id = s.fake.add_ticket(
        subject="Pipelines stuck",
        description="Since 08:00 all pipelines are pending.",
        priority="high",
        status="pending",
        tags=["segment_enterprise", "region_emea"],
        requester_id=555,
        organization_id=organization,
        ticket_form_id=360001,
        is_public=False,
        created_at=START,
    )
    plain = s.fake.add_ticket(created_at=START)
    s.fake.add_rating(ticket_id, "bad", at=START)
    ticket, other = s.zendesk.get_many([str(ticket_id), str(plain), "999999"])
    assert ticket.ref == str(ticket_id)
    assert ticket.subject == "Pipelines stuck"
    assert ticket.description == "Since 08:00 all pipelines are pending."
    assert ticket.priority is TicketPriority.HIGH
    assert ticket.status is TicketStatus.PENDING
    assert ticket.requester == "555"
    assert ticket.organization == "Acme Corp"  # named: people and the framework file use names
    assert ticket.form == "360001"
    assert ticket.tags == {"segment_enterprise", "region_emea"}
    assert ticket.public is False
    assert ticket.created_at == START
    assert ticket.created_at.tzinfo is UTC
    assert ticket.satisfaction is Satisfaction.BAD
    assert ticket.segment is None  # the service derives segment and region from the tags
    assert ticket.region is None
    assert other.priority is TicketPriority.NORMAL  # Zendesk's empty priority
    assert other.organization is None
    assert other.form is None
    assert other.satisfaction is None
    assert s.zendesk.organisations([str(organization), "1"]) == {str(organization): "Acme Corp"}


def test_organisation_names_are_asked_once_per_unknown_organisation() -> None:
    s = Setup()
    acme, globex = s.fake.add_organization("Acme Corp"), s.fake.add_organization("Globex")
    s.fake.seed(150, organizations=[acme, globex], newest=START)
    found = list(s.zendesk.search(TicketSearch(limit=150)))
    assert {t.organization for t in found} == {"Acme Corp", "Globex"}
    assert len(s.calls("organizations/show_many.json")) == 1  # the second page knew both already
    assert s.zendesk.organisations([str(acme)]) == {str(acme): "Acme Corp"}
    assert len(s.calls("organizations/show_many.json")) == 1


def test_tickets_keep_the_organisation_id_when_names_are_unavailable() -> None:
    s = Setup()
    acme = s.fake.add_organization("Acme Corp")
    ticket_id = s.fake.add_ticket(organization_id=acme, created_at=START)
    s.fake.faults.extend(Fault(path="organizations/show_many", status=503) for _ in range(5))
    [ticket] = s.zendesk.get_many([str(ticket_id)])
    assert ticket.organization == str(acme)


def test_ratings_follow_cursors_and_keep_good_and_bad_only() -> None:
    s = Setup()
    ids = s.fake.seed(130)
    for n, ticket_id in enumerate(ids):
        s.fake.add_rating(ticket_id, ["good", "bad", "offered"][n % 3], at=START + timedelta(minutes=n))
    s.fake.add_rating(ids[0], "good", at=START - timedelta(days=2))  # before the window
    ratings = list(s.zendesk.ratings(START))
    assert len(ratings) == 87  # 130 minus the 43 merely offered
    assert {r.score for r in ratings} == {Satisfaction.GOOD, Satisfaction.BAD}
    assert ratings[0].ref == str(ids[0])
    assert ratings[0].at == START
    pages = s.calls("satisfaction_ratings.json")
    assert len(pages) == 2
    assert pages[0].url.params["start_time"] == str(int(START.timestamp()))


# -- bulk replies ----------------------------------------------------------------------------------


def test_bulk_reply_job_goes_from_queued_to_completed_with_one_result_per_ticket() -> None:
    s = Setup(job_delay=5.0)
    ids = [str(i) for i in s.fake.seed(100)]
    stamp = s.zendesk.get_many(ids[:1])[0].updated_at
    batch = replies(ids, status=TicketStatus.PENDING)
    batch[0] = Reply(ids[0], "First.", MARKER, public=False, updated_stamp=stamp)
    job = s.zendesk.submit_replies(batch)

    body = json.loads(s.calls("update_many.json")[0].content)
    assert body["tickets"][0] == {
        "id": int(ids[0]),
        "comment": {"body": "First.", "public": False},
        "additional_tags": [MARKER],
        "safe_update": True,
        "updated_stamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert body["tickets"][1] == {
        "id": int(ids[1]),
        "comment": {"body": f"We are on it ({ids[1]}).", "public": True},
        "additional_tags": [MARKER],
        "status": "pending",
    }
    assert s.zendesk.job_outcomes([job]) == {job: None}  # queued
    s.clock.sleep(5.0)
    outcomes = s.zendesk.job_outcomes([job])[job]
    assert outcomes == [ReplyOutcome(ref, ok=True) for ref in ids]
    assert all(len(s.fake.replies(int(ref))) == 1 for ref in ids)
    ticket = s.zendesk.get_many([ids[1]])[0]
    assert MARKER in ticket.tags
    assert ticket.status is TicketStatus.PENDING


def test_several_jobs_are_polled_in_one_request() -> None:
    s = Setup(job_delay=1.0)
    ids = [str(i) for i in s.fake.seed(250)]
    jobs = [s.zendesk.submit_replies(replies(ids[n : n + 100])) for n in range(0, 250, 100)]
    s.clock.sleep(1.0)
    outcomes = s.zendesk.job_outcomes(jobs)
    (poll,) = s.calls("job_statuses/show_many.json")
    assert poll.url.params["ids"] == ",".join(jobs)
    assert [len(outcomes[j] or []) for j in jobs] == [100, 100, 50]
    assert s.fake.stats()["max_replies_per_ticket"] == 1


def test_a_resent_reply_after_a_lost_answer_is_refused_as_a_conflict() -> None:
    s = Setup()
    ids = [str(i) for i in s.fake.seed(3)]
    stamps = {t.ref: t.updated_at for t in s.zendesk.get_many(ids)}
    batch = [Reply(ref, "Update.", MARKER, updated_stamp=stamps[ref]) for ref in ids]
    s.fake.faults.append(Fault(path="update_many", lose_answer=httpx.RemoteProtocolError))
    with pytest.raises(DeliveryFailed) as lost:
        s.zendesk.submit_replies(batch)
    assert lost.value.retryable
    s.clock.sleep(1.0)
    job = s.zendesk.submit_replies(batch)  # the worker's retry, same stamps
    outcomes = s.zendesk.job_outcomes([job])[job] or []
    assert [o.conflict for o in outcomes] == [True, True, True]
    assert all(not o.ok and "UpdateConflict" in (o.error or "") for o in outcomes)
    assert all(len(s.fake.replies(int(ref))) == 1 for ref in ids)


def test_a_ticket_changed_by_an_agent_meanwhile_conflicts_and_the_others_go_through() -> None:
    s = Setup()
    ids = [str(i) for i in s.fake.seed(2)]
    stamps = {t.ref: t.updated_at for t in s.zendesk.get_many(ids)}
    s.fake.touch(int(ids[0]))
    job = s.zendesk.submit_replies([Reply(r, "Update.", MARKER, updated_stamp=stamps[r]) for r in ids])
    first, second = s.zendesk.job_outcomes([job])[job] or []
    assert first.ref == ids[0]
    assert first.conflict
    assert not first.ok
    assert second == ReplyOutcome(ids[1], ok=True)
    assert s.fake.replies(int(ids[0])) == []


def test_failed_expired_and_unknown_jobs_come_back_as_failures_to_verify() -> None:
    s = Setup(job_ttl=3600.0)
    ids = [str(i) for i in s.fake.seed(4)]
    s.fake.failing_jobs = 1
    failed = s.zendesk.submit_replies(replies(ids[:2]))
    expired = s.zendesk.submit_replies(replies(ids[2:]))
    unknown = "0123456789abcdef0123456789abcdef"
    outcomes = s.zendesk.job_outcomes([failed, unknown])
    assert [(o.ref, o.ok) for o in outcomes[failed] or []] == [(ids[0], False), (ids[1], False)]
    assert "failed" in ((outcomes[failed] or [])[0].error or "")
    s.clock.sleep(3601.0)  # Zendesk keeps job statuses for a limited time
    assert outcomes[unknown] == [
        ReplyOutcome("", ok=False, error=f"Zendesk no longer knows job {unknown} (expired or lost)")
    ]
    gone = s.zendesk.job_outcomes([expired])[expired] or []
    assert [(o.ref, o.ok) for o in gone] == [(ids[2], False), (ids[3], False)]
    assert s.fake.replies(int(ids[0])) == []  # the failed job changed nothing


def test_a_404_for_the_many_falls_back_to_one_job_at_a_time() -> None:
    s = Setup()
    ids = [str(i) for i in s.fake.seed(2)]
    job = s.zendesk.submit_replies(replies(ids))
    s.fake.faults.append(Fault(path="job_statuses/show_many", status=404, body='{"error": "RecordNotFound"}'))
    missing = "f" * 32
    outcomes = s.zendesk.job_outcomes([job, missing])
    assert [o.ok for o in outcomes[job] or []] == [True, True]
    assert (outcomes[missing] or [])[0].ok is False
    assert len(s.calls(f"job_statuses/{job}.json")) == 1


def test_reply_batches_are_checked_before_sending() -> None:
    s = Setup()
    with pytest.raises(ValueError, match="1 to 100"):
        s.zendesk.submit_replies(replies([str(i) for i in range(1, 102)]))
    with pytest.raises(ValueError, match="one reply per ticket"):
        s.zendesk.submit_replies(replies(["1", "1"]))
    with pytest.raises(ValidationFailed):
        s.zendesk.submit_replies(replies(["ZD-1"]))
    with pytest.raises(ValidationFailed):
        s.zendesk.submit_replies([Reply("1", "x", "Not A Tag")])
    assert s.fake.requests == []


# -- tags ------------------------------------------------------------------------------------------


def test_tags_are_added_and_removed_by_a_job_that_is_waited_for() -> None:
    s = Setup(job_delay=3.0, poll=2.0)
    ids = [str(i) for i in s.fake.seed(3, tags=["keep"])]
    s.zendesk.add_tags(ids, ["incident_42", "sirf_linked"])
    (put,) = s.calls("update_many.json")
    assert put.url.params["ids"] == ",".join(ids)
    assert json.loads(put.content) == {"ticket": {"additional_tags": ["incident_42", "sirf_linked"]}}
    assert len(s.calls(".json")) == 3  # PUT, then polls at 2 s (queued) and 4 s (completed)
    assert s.clock.sleeps.count(2.0) == 2
    s.zendesk.remove_tags(ids[:1], ["sirf_linked"])
    first, second, _ = s.zendesk.get_many(ids)
    assert first.tags == {"keep", "incident_42"}
    assert second.tags == {"keep", "incident_42", "sirf_linked"}


def test_a_ticket_zendesk_refuses_to_tag_is_named() -> None:
    s = Setup()
    open_id = s.fake.add_ticket()
    closed_id = s.fake.add_ticket(status="closed")
    with pytest.raises(DeliveryFailed, match=f"{closed_id} .*closed") as refused:
        s.zendesk.add_tags([str(open_id), str(closed_id)], ["incident_42"])
    assert not refused.value.retryable
    assert "incident_42" in s.fake.tickets[open_id]["tags"]


# -- rate budget and failures ----------------------------------------------------------------------


def test_request_starts_stay_within_the_share_of_the_plan_without_wasting_it() -> None:
    s = Setup(rpm=60, share=0.5)  # 30 a minute: one start every 2 s (and 1/60 s of margin)
    ids = [str(i) for i in s.fake.seed(1)]
    for _ in range(70):
        s.zendesk.get_many(ids)
    starts = s.fake.accepted_at
    assert len(starts) == 70
    assert max(sum(1 for t in starts if start <= t < start + 60) for start in starts) == 30
    assert starts[-1] - starts[0] == pytest.approx(69 * 60.5 / 30)  # the floor the share allows + 1 %


def test_pacer_spaces_starts_across_threads() -> None:
    # The clock stands still and sleeping only records when each turn starts, so what is checked is
    # the reservation itself (scheduling jitter of real threads would make wall-clock gaps flaky).
    turns: list[float] = []
    lock = threading.Lock()

    def sleep(delay: float) -> None:
        with lock:
            turns.append(delay)

    pacer = RequestPacer(60.5 / 0.02, clock=lambda: 100.0, sleep=sleep)  # 20 ms apart

    def worker() -> None:
        for _ in range(5):
            pacer.wait_turn()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 20 turns from 4 threads: the first starts at once, every other one exactly one interval after
    # the one before, none shared and none skipped.
    assert sorted(turns) == pytest.approx([0.02 * k for k in range(1, 20)])


def test_one_pacer_per_account_and_the_stricter_rate_wins() -> None:
    first = ZendeskConfig("https://pacer-one.zendesk.test", EMAIL, Secret(TOKEN), rate_limit_rpm=400)
    stricter = ZendeskConfig("https://PACER-one.zendesk.test/", EMAIL, Secret(TOKEN), rate_limit_rpm=200)
    other = ZendeskConfig("https://pacer-two.zendesk.test", EMAIL, Secret(TOKEN))
    pacer = shared_pacer(first)
    assert pacer.interval == pytest.approx(60.5 / 200)
    assert shared_pacer(stricter) is pacer
    assert pacer.interval == pytest.approx(60.5 / 100)
    assert shared_pacer(other) is not pacer


def test_a_short_retry_after_is_slept_through_and_the_request_sent_again() -> None:
    s = Setup()
    ids = [str(i) for i in s.fake.seed(1)]
    s.fake.faults.append(Fault(path="show_many", status=429, headers={"Retry-After": "7"}))
    assert [t.ref for t in s.zendesk.get_many(ids)] == ids
    assert 7.0 in s.clock.sleeps
    assert len(s.calls("show_many.json")) == 2


def test_the_plan_limit_answers_429_and_a_long_wait_fails_retryable_for_every_caller() -> None:
    s = Setup()
    s.fake.rpm = 2  # the plan: two requests a minute
    ids = [str(i) for i in s.fake.seed(1)]
    s.zendesk.get_many(ids)
    s.zendesk.get_many(ids)
    with pytest.raises(DeliveryFailed, match="429") as limited:
        s.zendesk.get_many(ids)
    assert limited.value.retryable
    assert limited.value.retry_after == pytest.approx(60, abs=1)
    sent = len(s.fake.requests)
    with pytest.raises(DeliveryFailed, match="held back") as held:
        s.zendesk.submit_replies(replies(ids))  # the pause covers every call on the account
    assert held.value.retry_after is not None
    assert held.value.retry_after > 30
    assert len(s.fake.requests) == sent
    response = s.fake.requests[-1]
    assert response.url.path.endswith("show_many.json")
    assert s.fake.rate_limited == 1


def test_the_fake_sends_rate_headers() -> None:
    fake = FakeZendesk(rpm=2, clock=ManualClock())
    client = mock_client(fake)
    headers = {"Authorization": basic_auth(EMAIL, TOKEN)}
    url = f"{BASE}/api/v2/organizations/show_many.json?ids=1"
    assert client.get(url, headers=headers).headers["X-Rate-Limit-Remaining"] == "1"
    client.get(url, headers=headers)
    limited = client.get(url, headers=headers)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    assert limited.headers["X-Rate-Limit"] == "2"


def test_reads_retry_5xx_and_timeouts_a_bounded_number_of_times() -> None:
    s = Setup()
    ids = [str(i) for i in s.fake.seed(1)]
    s.fake.faults += [Fault(path="show_many", status=503), Fault(path="show_many", before=httpx.ReadTimeout)]
    assert len(s.zendesk.get_many(ids)) == 1
    assert len(s.calls("show_many.json")) == 3
    s.fake.faults += [Fault(path="show_many", status=502) for _ in range(4)]
    with pytest.raises(DeliveryFailed, match="502") as failed:
        s.zendesk.get_many(ids)
    assert failed.value.retryable
    assert len(s.calls("show_many.json")) == 3 + 4


def test_writes_are_not_retried_on_5xx_or_timeouts() -> None:
    s = Setup()
    ids = [str(i) for i in s.fake.seed(1)]
    s.fake.faults.append(Fault(path="update_many", status=500))
    with pytest.raises(DeliveryFailed, match="500") as failed:
        s.zendesk.submit_replies(replies(ids))
    assert failed.value.retryable
    s.fake.faults.append(Fault(path="update_many", before=httpx.WriteTimeout))
    with pytest.raises(DeliveryFailed, match="timed out") as timed_out:
        s.zendesk.submit_replies(replies(ids))
    assert timed_out.value.retryable
    assert len(s.calls("update_many.json")) == 2
    assert s.fake.replies(int(ids[0])) == []


def test_a_422_carries_zendesk_text_and_is_not_retryable() -> None:
    s = Setup()
    ids = [str(i) for i in s.fake.seed(1)]
    body = {
        "error": "RecordInvalid",
        "description": "Record validation errors",
        "details": {"base": [{"description": "Comment is too long"}]},
    }
    s.fake.faults.append(Fault(path="update_many", status=422, body=json.dumps(body)))
    with pytest.raises(DeliveryFailed) as refused:
        s.zendesk.submit_replies(replies(ids))
    assert not refused.value.retryable
    assert refused.value.status == 422
    assert "RecordInvalid" in refused.value.message
    assert "Comment is too long" in refused.value.message


def test_the_fake_refuses_what_zendesk_refuses() -> None:
    fake = FakeZendesk(clock=ManualClock())
    ids = fake.seed(101)
    client = mock_client(fake)
    headers = {"Authorization": basic_auth(EMAIL, TOKEN)}
    url = f"{BASE}/api/v2/tickets/update_many.json"
    many = {"tickets": [{"id": i, "comment": {"body": "x"}} for i in ids]}
    assert client.put(url, headers=headers, json=many).status_code == 400
    blank = {"tickets": [{"id": ids[0], "comment": {"body": " "}}]}
    refused = client.put(url, headers=headers, json=blank)
    assert refused.status_code == 422
    assert refused.json()["error"] == "RecordInvalid"
    wrong = {"Authorization": basic_auth(EMAIL, "wrong-token-123")}
    assert client.get(f"{BASE}/api/v2/tickets/{ids[0]}.json", headers=wrong).status_code == 401


def test_credentials_never_show_in_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "zendesk-token-never-shown-48c1"
    s = Setup(token=secret)
    credentials = basic_auth(EMAIL, secret).removeprefix("Basic ")
    s.fake.faults.append(Fault(path="show_many", status=401, body=f'{{"error": "bad token {secret}"}}'))
    with pytest.raises(DeliveryFailed) as refused:
        s.zendesk.get_many(["1"])
    s.fake.faults.append(Fault(path="update_many", before=httpx.ConnectError))
    with pytest.raises(DeliveryFailed) as unreachable:
        s.zendesk.submit_replies(replies(["1"]))
    for text in (refused.value.message, unreachable.value.message, caplog.text, repr(s.config)):
        assert secret not in text
        assert credentials not in text
    assert "401" in refused.value.message
    assert "HTTP Request" in caplog.text  # httpx did log the calls


# -- over a real socket, and as its own process ----------------------------------------------------


def test_bulk_reply_over_http_against_the_served_fake() -> None:
    fake = FakeZendesk(job_delay=0.05)
    ids = [str(i) for i in fake.seed(150, tags=["incident_7"])]
    with serve(fake) as url, build_client() as client:
        config = ZendeskConfig(url, EMAIL, Secret(TOKEN), job_poll_interval=0.02)
        zendesk = ZendeskTickets(config, client, pacer=RequestPacer(60_000))
        found = [t.ref for t in zendesk.search(TicketSearch(tag="incident_7"))]
        assert sorted(found, key=int) == ids
        jobs = [zendesk.submit_replies(replies(found[n : n + 100])) for n in range(0, 150, 100)]
        deadline = time.monotonic() + 5
        outcomes: dict[str, list[ReplyOutcome] | None] = {}
        while time.monotonic() < deadline:
            outcomes = zendesk.job_outcomes(jobs)
            if all(v is not None for v in outcomes.values()):
                break
            time.sleep(0.02)
        zendesk.add_tags(ids[:2], ["sirf_done"])
        stats = httpx.get(f"{url}/_fake/stats").json()
    assert sum(len(v or []) for v in outcomes.values()) == 150
    assert all(o.ok for v in outcomes.values() for o in v or [])
    assert stats["tickets_replied"] == 150
    assert stats["max_replies_per_ticket"] == 1
    assert stats["rate_limited"] == 0
    assert "sirf_done" in fake.tickets[int(ids[0])]["tags"]


def test_the_fake_runs_as_its_own_process_with_20000_tickets() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.vendors.zendesk_fake", "--port", "0", "--tickets", "20000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        stats = httpx.get(f"{url}/_fake/stats", timeout=10).json()
        assert stats["tickets"] == 20000
        assert stats["max_replies_per_ticket"] == 0
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_seeding_20000_tickets_is_fast() -> None:
    fake = FakeZendesk()
    started = time.perf_counter()
    fake.seed(20_000, tags=["incident_1"])
    assert time.perf_counter() - started < 1.0
    assert len(fake.tickets) == 20_000
