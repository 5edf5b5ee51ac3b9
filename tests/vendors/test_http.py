"""The shared HTTP pieces: the client's settings, Retry-After, and status-to-retry mapping."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from sirf.adapters.http import build_client, failure_for, retry_after_seconds, send
from sirf.services.publishing import DeliveryFailed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_client_has_explicit_timeouts_no_redirects_and_a_user_agent() -> None:
    with build_client() as client:
        assert client.timeout.connect == 5.0
        assert client.timeout.read == 10.0
        assert client.follow_redirects is False
        assert client.headers["User-Agent"].startswith("sirf/0.1.0")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("Mon, 02 Mar 2026 09:01:30 GMT", 90.0),
        ("Mon, 02 Mar 2026 08:00:00 GMT", 0.0),  # a date in the past: go now
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value, now=lambda: NOW) == seconds


RETRYABLE = [408, 420, 425, 429, 500, 502, 503, 504]
PERMANENT = [400, 401, 403, 404, 409, 422, 501]


@pytest.mark.parametrize("status", RETRYABLE + PERMANENT)
def test_only_transient_statuses_are_retryable(status: int) -> None:
    retryable = status in RETRYABLE
    response = httpx.Response(status, headers={"Retry-After": "3"})
    failure = failure_for(response, action="vendor call")
    assert (failure.retryable, failure.status) == (retryable, status)
    assert failure.retry_after == (3.0 if retryable else None)
    assert failure.message == f"vendor call: HTTP {status}"


def test_an_unusable_url_is_not_retryable_and_not_repeated() -> None:
    with build_client() as client, pytest.raises(DeliveryFailed) as failed:
        send(client, "POST", "ftp://files.test/upload/very-private-path", action="vendor call")
    assert not failed.value.retryable
    assert "very-private-path" not in failed.value.message
