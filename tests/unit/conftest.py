"""Fixtures for the pure domain tests: the default framework, a fake clock and a declared incident.

Time is always passed in (the domain never reads a clock), so tests drive a ``FakeClock`` that only
moves forward, in aware UTC.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sirf.domain.framework import Framework
from sirf.domain.incident import Incident
from sirf.domain.roles import Source
from sirf.domain.scope import IncidentKind
from sirf.domain.severity import Severity

# 09:00 UTC is inside the default EMEA shift (07-15 UTC).
START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def tick(self, minutes: int = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def framework() -> Framework:
    return Framework()


@pytest.fixture
def declare(clock: FakeClock, framework: Framework) -> Callable[..., Incident]:
    """A factory: ``declare(severity=Severity.SEV1, ...)`` with sensible defaults for the rest."""

    def _declare(**overrides: Any) -> Incident:
        arguments: dict[str, Any] = {
            "title": "Checkout fails for EU customers",
            "kind": IncidentKind.SAAS_OUTAGE,
            "severity": Severity.SEV2,
            "source": Source.SUPPORT,
            "actor": "ana",
            "at": clock.now,
            "framework": framework,
        }
        arguments.update(overrides)
        return Incident.declare(**arguments)

    return _declare


@pytest.fixture
def incident(declare: Callable[..., Incident]) -> Incident:
    """A freshly declared SEV2 SaaS outage whose declaration event has already been taken."""
    declared = declare()
    declared.take_events()
    return declared
