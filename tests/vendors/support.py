"""Shared pieces for the vendor adapter tests: a publication builder, secrets, a hand-moved clock."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx

from sirf.adapters.http import RequestSpacing, build_client
from sirf.domain.public_state import ComponentStatus, PublicState
from sirf.domain.severity import Severity
from sirf.domain.updates import Audience
from sirf.services.publishing import Publication
from tests.vendors.fakes import Handler

STATUSIO_ID = "statusio-id-5f1e9c7d"
STATUSIO_KEY = "statusio-key-3b8a7e2c9d1f"
STATUSPAGE_KEY = "statuspage-key-9c4f1a2b7e6d"
SLACK_PATH = "/services/T0SIRF01/B0SIRF02/xoxwebhooksecret123"
SLACK_URL = f"https://hooks.slack.test{SLACK_PATH}"
SECRETS = (STATUSIO_ID, STATUSIO_KEY, STATUSPAGE_KEY, SLACK_PATH)

BASE = Publication(
    delivery_id=1,
    idempotency_key="sirf-7-test",
    incident_id=42,
    incident_title="Merge requests fail to load",
    severity=Severity.SEV2,
    update_id=7,
    template="status",
    audience=Audience.PUBLIC,
    public_state=PublicState.INVESTIGATING,
    components={"API": ComponentStatus.PARTIAL_SERVICE_DISRUPTION},
    markdown="We are **investigating** errors on merge requests.",
    text="We are investigating errors on merge requests.",
    html="<p>We are <strong>investigating</strong> errors on merge requests.</p>",
)


def publication(**changes: Any) -> Publication:
    return dataclasses.replace(BASE, **changes)


def mock_client(handler: Handler) -> httpx.Client:
    """The production client (timeouts, no redirects, User-Agent) over a fake vendor."""
    return build_client(transport=httpx.MockTransport(handler))


class ManualClock:
    """Monotonic time that only moves when someone sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def spacing(self, interval: float = 1.0) -> RequestSpacing:
        return RequestSpacing(interval, clock=self, sleep=self.sleep)
