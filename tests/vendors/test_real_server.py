"""Each adapter over real sockets: the production httpx client (timeouts, headers, JSON) against the
same fake vendors served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from sirf.adapters.http import RequestSpacing, build_client
from sirf.adapters.slack import SlackWebhookChannel
from sirf.adapters.statusio import StatusIoChannel, StatusIoConfig
from sirf.adapters.statuspage import StatuspageChannel, StatuspageConfig
from sirf.config import Secret
from sirf.domain.public_state import PublicState
from sirf.services.publishing import DeliveryFailed
from tests.vendors.fakes import FakeSlack, FakeStatusIo, FakeStatuspage, Fault
from tests.vendors.server import serve
from tests.vendors.support import SLACK_PATH, STATUSIO_ID, STATUSIO_KEY, STATUSPAGE_KEY, publication


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


SHORT = httpx.Timeout(0.3, connect=2.0)  # the real 10 s read timeout, shortened so a slow answer trips it


def test_status_io_over_http_survives_a_read_timeout_without_a_duplicate() -> None:
    fake = FakeStatusIo(api_id=STATUSIO_ID, api_key=STATUSIO_KEY, page_id="page", infrastructure={"c1-k1"})
    fake.faults.append(Fault(path="incident/create", delay=0.8))  # created, but answered too late
    with serve(fake) as url, build_client(timeout=SHORT) as client:
        config = StatusIoConfig(
            Secret(STATUSIO_ID), Secret(STATUSIO_KEY), "page", f"{url}/v2", {"API": "c1-k1"}
        )
        channel = StatusIoChannel(config, client)
        with pytest.raises(DeliveryFailed, match="timed out") as failed:
            channel.deliver(publication())
        assert failed.value.retryable
        wait_for(lambda: bool(fake.incidents))  # the worker's backoff: the slow create has landed
        first = channel.deliver(publication())
        channel.deliver(
            publication(public_state=PublicState.RESOLVED, text="Fixed.", external_ref=first.external_ref)
        )
    (incident,) = fake.incidents.values()
    assert incident["_id"] == first.external_ref
    assert incident["resolved"]
    assert incident["infrastructure"] == ["c1-k1"]
    assert fake.requests[1].headers["user-agent"].startswith("sirf/")


def test_statuspage_over_http_keeps_to_one_request_a_second_per_token() -> None:
    fake = FakeStatuspage(api_key=STATUSPAGE_KEY, page_id="page", components={"cmp1"})  # real clock, 1 s
    with serve(fake) as url, build_client() as client:
        config = StatuspageConfig(Secret(STATUSPAGE_KEY), "page", f"{url}/v1", {"API": "cmp1"})
        channel = StatuspageChannel(config, client, spacing=RequestSpacing(1.0))
        started = time.monotonic()
        ref = channel.deliver(publication()).external_ref
        channel.deliver(publication(public_state=PublicState.RESOLVED, text="Fixed.", external_ref=ref))
        elapsed = time.monotonic() - started
    assert fake.rate_limited == 0
    assert elapsed >= 2.0  # three calls, a second apart
    assert fake.incidents[0]["status"] == "resolved"
    assert fake.incidents[0]["components"] == {"cmp1": "partial_outage"}


def test_slack_over_http_posts_and_reports_documented_errors() -> None:
    fake = FakeSlack()
    fake.add_hook(SLACK_PATH)
    fake.add_hook("/services/T0/B0/archived-channel", status=410, answer="channel_is_archived")
    with serve(fake) as url, build_client() as client:
        spacing = RequestSpacing(0.0)
        SlackWebhookChannel("ops", f"{url}{SLACK_PATH}", False, client, spacing=spacing).deliver(
            publication()
        )
        archived = SlackWebhookChannel(
            "old", f"{url}/services/T0/B0/archived-channel", False, client, spacing=spacing
        )
        with pytest.raises(DeliveryFailed) as failed:
            archived.deliver(publication())
    assert failed.value.message == "slack:old webhook: HTTP 410 channel_is_archived"
    assert not failed.value.retryable
    (message,) = fake.messages[SLACK_PATH]
    assert message["blocks"][0]["type"] == "header"
