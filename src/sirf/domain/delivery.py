"""Outbox deliveries: one row per (published update, channel), delivered at least once by a worker.

State: pending -> in-flight (leased by a worker) -> delivered, or back to pending to retry, or
failed once attempts run out or the failure cannot be fixed by retrying. An operator can send a
failed delivery again. The retry policy is data: jittered exponential backoff, the vendor's
Retry-After honoured when it asks for longer, a bounded number of attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class DeliveryState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in-flight"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True)
class Delivery:
    id: int
    update_id: int
    incident_id: int
    channel: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime
    lease_until: datetime | None = None
    last_error: str | None = None
    external_ref: str | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(minutes=10)
    jitter: float = 0.2  # +/- this share of the delay, so retries from many rows do not align

    def delay(self, attempts: int, *, retry_after: float | None, unit_random: float) -> timedelta | None:
        """How long to wait before the next attempt, or None when attempts are exhausted.

        ``attempts`` counts the attempts made so far; ``unit_random`` is a number in [0, 1) supplied
        by the caller so the policy stays deterministic under test.
        """
        if attempts >= self.max_attempts:
            return None
        backoff = min(self.base * (1 << min(max(attempts - 1, 0), 30)), self.cap)
        spread = 1 + self.jitter * (2 * unit_random - 1)
        delay = backoff * spread
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        return delay
