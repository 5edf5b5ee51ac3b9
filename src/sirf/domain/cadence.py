"""F3.2 / F6.1 cadence: when the next public update falls due, and when CMOC and IMOC sync.

Shipped defaults are the handbook's status-page intervals (state x severity): SEV1 10/10/30 minutes
for investigating/identified/monitoring, SEV2-SEV4 15/30/60, none once resolved. A CMOC may
announce a different next-update time, which then governs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sirf.domain.public_state import PublicState
from sirf.domain.severity import Severity


def _minutes(*values: int) -> dict[PublicState, timedelta]:
    states = (PublicState.INVESTIGATING, PublicState.IDENTIFIED, PublicState.MONITORING)
    return {state: timedelta(minutes=value) for state, value in zip(states, values, strict=True)}


DEFAULT_UPDATE_INTERVALS: dict[Severity, dict[PublicState, timedelta]] = {
    Severity.SEV1: _minutes(10, 10, 30),
    Severity.SEV2: _minutes(15, 30, 60),
    Severity.SEV3: _minutes(15, 30, 60),
    Severity.SEV4: _minutes(15, 30, 60),
}
DEFAULT_SYNC_INTERVALS: dict[Severity, timedelta] = {
    Severity.SEV1: timedelta(minutes=30),
    Severity.SEV2: timedelta(minutes=60),
    Severity.SEV3: timedelta(hours=2),
    Severity.SEV4: timedelta(hours=4),
}


@dataclass(frozen=True)
class Cadence:
    update_intervals: Mapping[Severity, Mapping[PublicState, timedelta]] = field(
        default_factory=lambda: DEFAULT_UPDATE_INTERVALS
    )
    sync_intervals: Mapping[Severity, timedelta] = field(default_factory=lambda: DEFAULT_SYNC_INTERVALS)
    # How long before an update falls due the CMOC is reminded (never more than half the interval).
    remind_before: timedelta = timedelta(minutes=5)

    def update_interval(self, state: PublicState, severity: Severity) -> timedelta | None:
        return self.update_intervals.get(severity, {}).get(state)

    def next_update_due(
        self,
        *,
        published_at: datetime,
        state: PublicState,
        severity: Severity,
        announced: datetime | None = None,
    ) -> datetime | None:
        """The next update's due time: the announced time if the CMOC gave one, else by the table."""
        if state is PublicState.RESOLVED:
            return None
        if announced is not None:
            return announced
        interval = self.update_interval(state, severity)
        return published_at + interval if interval else None

    def reminder_time(self, *, published_at: datetime, due: datetime) -> datetime:
        lead = min(self.remind_before, (due - published_at) / 2)
        return due - lead

    def sync_interval(self, severity: Severity) -> timedelta:
        return self.sync_intervals.get(severity, DEFAULT_SYNC_INTERVALS[severity])
