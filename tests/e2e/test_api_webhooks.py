"""The signed Zendesk webhook end to end: HTTP in, the inbox, the worker's pass (mirror, link, tag in
a fake Zendesk), duplicates, refused signatures and bodies, concurrency, and no secret in any log."""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from sirf.adapters.zendesk import RequestPacer, ZendeskConfig, ZendeskTickets
from sirf.adapters.zendesk_webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER
from sirf.api.app import create_app
from sirf.bootstrap import Container, build
from sirf.config import Secret, Settings
from sirf.domain.framework import Framework
from tests.conftest import Api, FakeClock
from tests.e2e.helpers import API, assert_problem, count_rows, declare, timeline
from tests.e2e.live_server import live_server
from tests.e2e.ticket_helpers import (
    WEBHOOK,
    WEBHOOK_SECRET,
    linked,
    linked_refs,
    run_ticket_jobs,
    sign,
    signed_headers,
    stamp,
    ticket_event,
)
from tests.vendors.support import ManualClock, mock_client
from tests.vendors.zendesk_fake import EMAIL, TOKEN, FakeZendesk

ZENDESK_URL = "https://acme.zendesk.test"


@pytest.fixture
def zendesk(clock: FakeClock) -> FakeZendesk:
    """The fake Zendesk; it stamps tickets with sirf's clock so both agree on ticket times."""
    return FakeZendesk(clock=ManualClock(), now=clock.now)


@pytest.fixture
def container(
    database_url: str, tmp_path: Path, clock: FakeClock, framework: Framework, zendesk: FakeZendesk
) -> Iterator[Container]:
    """Configured as an operator would (every SIRF_ZENDESK_* variable), then the Zendesk client is
    pointed at the fake (MockTransport), paced on a hand-moved clock so nothing really sleeps."""
    environ = {
        "DATABASE_URL": database_url,
        "SIRF_DATA_DIR": str(tmp_path),
        "SIRF_ZENDESK_URL": ZENDESK_URL,
        "SIRF_ZENDESK_EMAIL": EMAIL,
        "SIRF_ZENDESK_API_TOKEN": TOKEN,
        "SIRF_ZENDESK_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    wired = build(Settings.from_env(environ), clock=clock, framework=framework)
    assert wired.tickets.name == "zendesk"
    paced = zendesk.clock
    assert isinstance(paced, ManualClock)
    config = ZendeskConfig(ZENDESK_URL, EMAIL, Secret(TOKEN), rate_limit_rpm=700, rate_share=1.0)
    client = mock_client(zendesk)
    wired.http_clients.append(client)
    wired.ticket_port = ZendeskTickets(
        config,
        client,
        pacer=RequestPacer(config.requests_per_minute, clock=paced, sleep=paced.sleep),
        sleep=paced.sleep,
        clock=paced,
    )
    yield wired
    wired.close()


@pytest.fixture(autouse=True)
def _one_event_loop(api: Api) -> Iterator[None]:
    """Keep the TestClient open for the whole test: one event loop instead of one per request."""
    with api.client:
        yield


def deliver(api: Api, body: bytes, headers: dict[str, str]) -> httpx.Response:
    response: httpx.Response = api.client.post(WEBHOOK, content=body, headers=headers)
    return response


def inbox(api: Api) -> list[tuple[str, str, str]]:
    """(delivery id, event type, state) of every stored delivery."""
    with api.container.database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT delivery_id, event_type, state FROM webhook_inbox ORDER BY id")
        ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def add_ticket(zendesk: FakeZendesk, subject: str, tags: list[str]) -> int:
    return zendesk.add_ticket(subject=subject, tags=tags, status="new", priority="normal")


def event_for(
    zendesk: FakeZendesk, delivery_id: str, ticket_id: int, clock: FakeClock, **extra: Any
) -> bytes:
    """A ticket.created delivery showing the fake's ticket as it is now."""
    ticket = zendesk.tickets[ticket_id]
    return ticket_event(
        delivery_id,
        ticket_id,
        at=clock.now(),
        subject=ticket["subject"],
        tags=list(ticket["tags"]),
        requester_id=str(ticket["requester_id"]),
        **extra,
    )


# ----- accepted deliveries -----------------------------------------------------------------------------


def test_a_signed_delivery_is_accepted_at_once_and_the_worker_mirrors_and_links_the_ticket(
    api: Api, clock: FakeClock, zendesk: FakeZendesk
) -> None:
    iid = declare(api, api.admin)["id"]
    tag = f"incident_{iid}"
    rule = {"keywords": ["checkout"]}
    assert api.client.put(f"{API}/incidents/{iid}/tickets/rule", json=rule, headers=api.admin).is_success
    tagged = add_ticket(zendesk, "Cannot sign in", [tag])
    by_rule = add_ticket(zendesk, "Checkout fails with a 500", [])
    unrelated = add_ticket(zendesk, "How do I change my avatar?", [])

    answers = []
    for n, ticket_id in enumerate((tagged, by_rule, unrelated)):
        body = event_for(zendesk, f"01HZX-{n}", ticket_id, clock)
        answers.append(deliver(api, body, signed_headers(body, clock.now())))
    for n, answer in enumerate(answers):
        assert answer.status_code == 202, answer.text
        assert answer.json() == {"accepted": True, "duplicate": False, "delivery_id": f"01HZX-{n}"}
    # Stored, not yet processed: the answer never waits for linking or for Zendesk.
    assert [state for _, _, state in inbox(api)] == ["pending"] * 3
    assert linked(api, iid)["total"] == 0
    assert zendesk.calls_by_endpoint == {}

    assert run_ticket_jobs(api.container) >= 4  # three deliveries and one tag operation
    assert inbox(api) == [(f"01HZX-{n}", "ticket.created", "processed") for n in range(3)]
    assert linked_refs(api, iid) == {str(tagged), str(by_rule)}
    assert count_rows(api, "tickets") == 3  # the unrelated ticket is mirrored too (surges, figures)
    entries = timeline(api, iid)
    links = [e["data"] for e in entries if e["type"] == "tickets.linked"]
    reasons = {tuple(data["refs"]): data["reason"] for data in links}
    assert reasons == {(str(tagged),): "tag", (str(by_rule),): "rule"}
    # The rule's ticket is tagged in Zendesk by the worker; the tagged one needed nothing.
    assert tag in zendesk.tickets[by_rule]["tags"]
    assert zendesk.tickets[unrelated]["tags"] == []
    [tagging] = [e["data"] for e in entries if e["type"] == "tickets.tagged"]
    assert (tagging["refs"], tagging["outcome"]) == ([str(by_rule)], "done")
    status = api.client.get(f"{API}/incidents/{iid}/tickets/status", headers=api.admin).json()
    assert (status["system"], status["linked"], status["pending_tag_operations"]) == ("zendesk", 2, 0)

    # Zendesk retries a delivery it is unsure of: the same delivery id again does nothing twice.
    writes = zendesk.calls_by_endpoint["PUT tickets/update_many"]
    assert writes == 1  # the one tagging
    for _ in range(2):
        body = event_for(zendesk, "01HZX-1", by_rule, clock)
        again = deliver(api, body, signed_headers(body, clock.now()))
        assert again.status_code == 200, again.text
        assert again.json() == {"accepted": True, "duplicate": True, "delivery_id": "01HZX-1"}
    assert len(inbox(api)) == 3
    assert run_ticket_jobs(api.container) == 0
    assert timeline(api, iid) == entries
    assert zendesk.calls_by_endpoint["PUT tickets/update_many"] == writes  # nothing tagged twice

    # With Zendesk configured, tickets are not created in sirf: they come through this webhook.
    refused = api.client.post(f"{API}/tickets", json={"subject": "x", "requester": "y"}, headers=api.admin)
    assert_problem(refused, 422, "invalid_input", "tickets come from zendesk here")


def test_an_unknown_event_type_is_accepted_and_ignored(api: Api, clock: FakeClock) -> None:
    body = json.dumps(
        {
            "id": "01HZY-user",
            "type": "zen:event-type:user.created",
            "time": stamp(clock.now()),
            "subject": "zen:user:77",
            "detail": {"id": "77", "name": "Dana"},
        }
    ).encode()
    answer = deliver(api, body, signed_headers(body, clock.now()))
    assert answer.status_code == 202, answer.text
    assert answer.json()["duplicate"] is False
    assert run_ticket_jobs(api.container) == 1
    assert inbox(api) == [("01HZY-user", "user.created", "ignored")]
    assert count_rows(api, "tickets") == 0


# ----- refused deliveries ------------------------------------------------------------------------------


def test_a_bad_or_missing_signature_or_a_stale_timestamp_is_401_and_nothing_is_stored(
    api: Api, clock: FakeClock, zendesk: FakeZendesk
) -> None:
    iid = declare(api, api.admin)["id"]
    ticket_id = add_ticket(zendesk, "Cannot sign in", [f"incident_{iid}"])
    body = event_for(zendesk, "01HZZ-1", ticket_id, clock)
    now = clock.now()
    good = signed_headers(body, now)
    timestamp_header, signature_header = TIMESTAMP_HEADER, SIGNATURE_HEADER
    without_timestamp = {k: v for k, v in good.items() if k != timestamp_header}
    without_signature = {k: v for k, v in good.items() if k != signature_header}
    unparsable = good | {timestamp_header: "yesterday", signature_header: sign(body, "yesterday")}

    cases: list[tuple[bytes, dict[str, str], str]] = [
        (body.replace(b"Cannot sign in", b"Cannot sign up"), good, "does not match"),  # tampered body
        (body, signed_headers(body, now, secret="another-signing-secret"), "does not match"),
        (body, good | {timestamp_header: stamp(now + timedelta(seconds=1))}, "does not match"),
        (body, signed_headers(body, now - timedelta(minutes=6)), "outside"),  # stale: a replay
        (body, signed_headers(body, now + timedelta(minutes=6)), "outside"),  # from the future
        (body, signed_headers(body, now - timedelta(days=2)), "outside"),
        (body, without_timestamp, "Timestamp header is missing"),
        (body, without_signature, "Signature header is missing"),
        (body, {"Content-Type": "application/json"}, "header is missing"),
        (body, good | {signature_header: "not base64!!"}, "not base64"),
        (body, good | {signature_header: ""}, "header is missing"),
        (body, unparsable, "not an ISO 8601 time"),
    ]
    for content, headers, fragment in cases:
        refused = deliver(api, content, headers)
        problem = assert_problem(refused, 401, "webhook_rejected", fragment)
        assert problem["title"] == "Webhook rejected"
    # The window's edges still count: 5 minutes either way is accepted.
    assert deliver(api, body, signed_headers(body, now - timedelta(minutes=5))).status_code == 202
    assert [delivery for delivery, _, _ in inbox(api)] == ["01HZZ-1"]


def test_a_signed_body_that_is_not_a_valid_event_is_422_problem_json(
    api: Api, clock: FakeClock, zendesk: FakeZendesk
) -> None:
    ticket_id = add_ticket(zendesk, "Cannot sign in", [])
    valid = json.loads(event_for(zendesk, "01HZV", ticket_id, clock))
    cases: list[tuple[bytes, tuple[str, ...]]] = [
        (b"{not json", ("not valid JSON",)),
        (b"\xff\xfe", ("not UTF-8 encoded JSON",)),
        (b"[1, 2]", ("must be a JSON object",)),
        (json.dumps(valid).encode("utf-16"), ("not UTF-8 encoded JSON",)),  # JSON, but not storable as text
        (json.dumps({k: v for k, v in valid.items() if k != "id"}).encode(), ("no 'id'",)),
        (json.dumps(valid | {"type": ""}).encode(), ("no 'type'",)),
        (json.dumps(valid | {"detail": "gone"}).encode(), ("ticket.created event needs a 'detail' object",)),
        (json.dumps(valid | {"detail": valid["detail"] | {"status": None}}).encode(), ("has no status",)),
        (json.dumps(valid | {"time": "last tuesday"}).encode(), ("time",)),
    ]
    for body, fragments in cases:
        answer = deliver(api, body, signed_headers(body, clock.now()))
        assert_problem(answer, 422, "invalid_input", *fragments)
    assert inbox(api) == []


def test_without_a_signing_secret_the_webhook_is_404_naming_the_variable(
    database_url: str, tmp_path: Path, clock: FakeClock, api: Api
) -> None:
    bare = build(Settings(data_dir=tmp_path, database_url=database_url), clock=clock, framework=Framework())
    try:
        with TestClient(create_app(bare), raise_server_exceptions=False) as client:
            body = b'{"id": "01HZW", "type": "zen:event-type:ticket.created"}'
            answer = client.post(WEBHOOK, content=body, headers=signed_headers(body, clock.now()))
    finally:
        bare.close()
    assert_problem(answer, 404, "not_found", "SIRF_ZENDESK_WEBHOOK_SECRET")
    assert inbox(api) == []


# ----- concurrency and secrets ------------------------------------------------------------------------


def test_ten_identical_deliveries_at_once_store_one_row_and_link_once(
    api: Api, clock: FakeClock, zendesk: FakeZendesk
) -> None:
    iid = declare(api, api.admin)["id"]
    ticket_id = add_ticket(zendesk, "Cannot sign in", [f"incident_{iid}"])
    body = event_for(zendesk, "01HZC-same", ticket_id, clock)
    headers = signed_headers(body, clock.now())
    barrier = threading.Barrier(10, timeout=30)

    with live_server(api.container) as url:

        def send(_: int) -> int:
            with httpx.Client(base_url=url, timeout=30) as client:
                barrier.wait()
                return client.post(WEBHOOK, content=body, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(send, range(10)))

    assert sorted(statuses) == [200] * 9 + [202], statuses
    assert inbox(api) == [("01HZC-same", "ticket.created", "pending")]
    run_ticket_jobs(api.container)
    assert linked_refs(api, iid) == {str(ticket_id)}
    assert [e["type"] for e in timeline(api, iid)].count("tickets.linked") == 1
    assert count_rows(api, "ticket_links") == 1


def test_no_secret_shows_in_logs_or_problem_bodies(
    api: Api, clock: FakeClock, zendesk: FakeZendesk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sirf_token = api.admin["Authorization"].removeprefix("Bearer ")
    zendesk_credentials = base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
    secrets = [WEBHOOK_SECRET, TOKEN, zendesk_credentials, sirf_token, sirf_token.rsplit("_", 1)[-1]]
    answers: list[httpx.Response] = []

    iid = declare(api, api.admin)["id"]
    api.client.put(f"{API}/incidents/{iid}/tickets/rule", json={"keywords": ["checkout"]}, headers=api.admin)
    ticket_id = add_ticket(zendesk, "Checkout fails", [])
    body = event_for(zendesk, "01HZS-1", ticket_id, clock)
    now = clock.now()
    answers.append(deliver(api, body, signed_headers(body, now)))
    answers.append(deliver(api, body + b" ", signed_headers(body, now)))
    answers.append(deliver(api, body, signed_headers(body, now - timedelta(hours=1))))
    answers.append(deliver(api, body, signed_headers(body, now, secret=WEBHOOK_SECRET[:-1])))
    answers.append(deliver(api, body, {"X-Zendesk-Webhook-Signature": WEBHOOK_SECRET}))
    broken = b'{"id": "' + WEBHOOK_SECRET.encode() + b'"'
    answers.append(deliver(api, broken, signed_headers(broken, now)))
    for authorization in (f"Bearer {sirf_token}x", f"Bearer {sirf_token}"):
        answers.append(
            api.client.get(f"{API}/incidents/{iid}/tickets", headers={"Authorization": authorization})
        )
    run_ticket_jobs(api.container)  # the tag operation authenticates to Zendesk with the API token
    assert f"incident_{iid}" in zendesk.tickets[ticket_id]["tags"]

    assert [a.status_code for a in answers] == [202, 401, 401, 401, 401, 422, 401, 200]
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "rejected" in logged  # refusals are logged, without what was refused
    for secret in secrets:
        assert secret not in logged
        for answer in answers:
            assert secret not in answer.text
            assert secret not in json.dumps(dict(answer.headers))
