"""The ``[cadence]`` and ``[reviewers]`` sections of the framework file (F3.2, F6.1, F5.3).

[cadence]
remind_before_minutes = 5
[cadence.sev1]            # minutes until the next public update, per public state
investigating = 10
identified = 10
monitoring = 30
[cadence.sync_minutes]    # CMOC-IMOC sync interval per severity
sev1 = 30

[reviewers]
sirt = ["sam", "lee"]     # who reviews customer messages of security incidents for SIRT
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol

from sirf.domain.cadence import DEFAULT_SYNC_INTERVALS, DEFAULT_UPDATE_INTERVALS, Cadence
from sirf.domain.public_state import PublicState
from sirf.domain.severity import Severity

SEVERITY_KEYS = {f"sev{s.value}": s for s in Severity}
STATE_KEYS = {s.value: s for s in PublicState if s is not PublicState.RESOLVED}


class Reader(Protocol):
    def fail(self, path: str, message: str) -> Exception: ...
    def table(self, value: Any, path: str) -> Any: ...
    def only_keys(self, value: Any, allowed: tuple[str, ...], path: str) -> None: ...


def _minutes(reader: Reader, value: Any, path: str) -> timedelta:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 24 * 60:
        raise reader.fail(path, "expected whole minutes from 1 to 1440")
    return timedelta(minutes=value)


def read_cadence(reader: Reader, value: Any) -> Cadence:
    table = reader.table(value, "cadence")
    reader.only_keys(table, (*SEVERITY_KEYS, "sync_minutes", "remind_before_minutes"), "cadence")
    updates = {severity: dict(states) for severity, states in DEFAULT_UPDATE_INTERVALS.items()}
    for key, severity in SEVERITY_KEYS.items():
        if key in table:
            path = f"cadence.{key}"
            states = reader.table(table[key], path)
            reader.only_keys(states, tuple(STATE_KEYS), path)
            for name, minutes in states.items():
                updates[severity][STATE_KEYS[name]] = _minutes(reader, minutes, f"{path}.{name}")
    sync = dict(DEFAULT_SYNC_INTERVALS)
    sync_table = reader.table(table.get("sync_minutes", {}), "cadence.sync_minutes")
    reader.only_keys(sync_table, tuple(SEVERITY_KEYS), "cadence.sync_minutes")
    for key, minutes in sync_table.items():
        sync[SEVERITY_KEYS[key]] = _minutes(reader, minutes, f"cadence.sync_minutes.{key}")
    remind = _minutes(reader, table.get("remind_before_minutes", 5), "cadence.remind_before_minutes")
    return Cadence(update_intervals=updates, sync_intervals=sync, remind_before=remind)


def read_reviewers(reader: Reader, value: Any) -> frozenset[str]:
    table = reader.table(value, "reviewers")
    reader.only_keys(table, ("sirt",), "reviewers")
    people = table.get("sirt", [])
    if not isinstance(people, list) or not all(isinstance(p, str) and p.strip() for p in people):
        raise reader.fail("reviewers.sirt", 'expected a list of usernames, for example ["sam"]')
    return frozenset(p.strip().lower() for p in people)
