"""What every outbound vendor adapter shares: one way to build an HTTP client, one way to send, and
one mapping from an HTTP answer or a transport error to ``DeliveryFailed``.

Retry policy (reliability.md invariant 6): a delivery is retryable only for 408/425/429/5xx
(``RETRYABLE_STATUS``), Statuspage's 420, timeouts and network errors; ``Retry-After`` is passed on
as seconds. Everything else (4xx, unexpected redirects) needs a person.

Secrets: error messages never quote a URL, header or response at length, and every secret an
adapter registers is scrubbed from our messages and from httpx's own request log line (which
prints the full URL, and a Slack webhook URL *is* a credential).

Vendors without idempotency keys (status.io, Statuspage) get incident names ending in
``incident_marker``, so a retry can find what an earlier, unanswered attempt created.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from sirf import __version__
from sirf.services.publishing import RETRYABLE_STATUS, DeliveryFailed

USER_AGENT = f"sirf/{__version__} (+https://handbook.gitlab.com/handbook/support/support-incident-response)"
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
RETRYABLE = RETRYABLE_STATUS | {420}  # 420: Statuspage's "enhance your calm" rate-limit answer
_MIN_SECRET = 8  # shorter strings would redact ordinary words; no real credential is that short
_REDACTED = "[REDACTED]"

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def incident_marker(incident_id: int) -> str:
    """The suffix that ties a vendor incident to its sirf incident: ``" (#42)"``. It sits at the end,
    after a space, so ``(#5)`` never matches ``(#15)`` and a title that itself contains ``(#n)``
    cannot be mistaken for it."""
    return f" (#{incident_id})"


def vendor_incident_name(title: str, incident_id: int) -> str:
    return f"{title}{incident_marker(incident_id)}"


def build_client(
    *, timeout: httpx.Timeout = TIMEOUT, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """Redirects are not followed: a vendor API never needs one, and following one could carry our
    credentials to another host."""
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
        transport=transport,
    )


def register_secret(value: str) -> None:
    """Remember ``value`` so it is scrubbed from our messages and from httpx's log lines."""
    if len(value) < _MIN_SECRET:
        return
    with _secrets_lock:
        _secrets.add(value)
    _install_log_filter()


def scrub(text: str) -> str:
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)  # longest first: no secret is left half-shown
    for secret in known:
        text = text.replace(secret, _REDACTED)
    return text


class _ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_FILTER = _ScrubFilter()


def _install_log_filter() -> None:
    # httpx logs 'HTTP Request: POST <full url> ...' at INFO on the "httpx" logger. A filter on that
    # logger runs before the record propagates to any handler, ours or pytest's.
    logger = logging.getLogger("httpx")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


def send(client: httpx.Client, method: str, url: str, *, action: str, **options: Any) -> httpx.Response:
    """One request; a transport failure becomes ``DeliveryFailed``. ``action`` names the call in
    messages (for example "status.io incident/create") and must hold no secret."""
    try:
        return client.request(method, url, **options)
    except httpx.TimeoutException as error:
        raise _failure(f"{action}: timed out ({type(error).__name__})", retryable=True) from None
    except httpx.TransportError as error:
        # Connection refused or reset, broken protocol: the request may or may not have arrived.
        # Adapters that create things look before they create, so retrying is safe.
        retryable = not isinstance(error, httpx.UnsupportedProtocol | httpx.LocalProtocolError)
        raise _failure(f"{action}: {_describe(error)}", retryable=retryable) from None
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise _failure(f"{action}: {_describe(error)}", retryable=False) from None


def failure_for(response: httpx.Response, *, action: str, reason: str = "") -> DeliveryFailed:
    """The ``DeliveryFailed`` for an unsuccessful answer; ``reason`` is the vendor's short error."""
    status = response.status_code
    retryable = status in RETRYABLE
    text = f"{action}: HTTP {status}"
    if reason:
        text += f" {reason[:200]}"
    if 300 <= status < 400:
        text += " (redirects are not followed; check the configured URL)"
    retry_after = retry_after_seconds(response.headers.get("Retry-After")) if retryable else None
    return _failure(text, retryable=retryable, retry_after=retry_after, status=status)


def unreadable(action: str, *, status: int) -> DeliveryFailed:
    """A success status with a body we cannot read: the effect may have happened. Retrying is safe
    because creates look for their earlier result first."""
    return _failure(f"{action}: HTTP {status} with an unreadable answer", retryable=True, status=status)


def retry_after_seconds(value: str | None, *, now: Callable[[], datetime] | None = None) -> float | None:
    """``Retry-After`` is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass  # not seconds: an HTTP-date
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now() if now else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def _failure(
    message: str, *, retryable: bool, retry_after: float | None = None, status: int | None = None
) -> DeliveryFailed:
    return DeliveryFailed(scrub(message), retryable=retryable, retry_after=retry_after, status=status)


def _describe(error: Exception) -> str:
    # httpx messages can hold the URL (InvalidURL, UnsupportedProtocol); keep the class name and at
    # most a short, scrubbed first line.
    first_line = (str(error).splitlines() or [""])[0][:120]
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


class RequestSpacing:
    """Keeps calls made with one key (an API token, a webhook) at least ``interval`` seconds apart,
    across every thread of the process.

    The interval runs from the *end* of one call to the start of the next, and calls with one key
    take turns: spacing the starts would not do, because a slow first request (a new TLS
    connection) can reach the vendor less than a second before a quick second one. Keys are stored
    hashed, so the table holds no secret.

    A wait longer than ``max_wait`` (a vendor's Retry-After) is not slept through: the call fails
    as retryable with that delay, so one rate-limited vendor does not stall the worker's other
    deliveries.
    """

    def __init__(
        self,
        interval: float,
        *,
        max_wait: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._turns: dict[str, threading.Lock] = {}
        self._next: dict[str, float] = {}

    @contextmanager
    def turn(self, key: str) -> Iterator[None]:
        digest = _digest(key)
        with self._lock:
            turn = self._turns.setdefault(digest, threading.Lock())
        with turn:
            with self._lock:
                delay = self._next.get(digest, 0.0) - self._clock()
            if delay > self.max_wait:
                raise DeliveryFailed(
                    f"held back by the vendor's rate limit for {delay:.0f} s",
                    retryable=True,
                    retry_after=delay,
                )
            if delay > 0:
                self._sleep(delay)
            try:
                yield
            finally:
                self._hold(digest, self.interval)

    def back_off(self, key: str, seconds: float) -> None:
        """The vendor asked us to wait (Retry-After): nobody in this process calls it sooner."""
        self._hold(_digest(key), seconds)

    def _hold(self, digest: str, seconds: float) -> None:
        with self._lock:
            until = self._clock() + seconds
            self._next[digest] = max(self._next.get(digest, until), until)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
