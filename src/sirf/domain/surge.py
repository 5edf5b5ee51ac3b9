"""Surge detection: similar tickets arriving well above their usual rate, before anyone declares.

Without a declared incident sirf watches incoming tickets; when similar ones surge it proposes an
incident (or attaching the group to an active one) with the evidence: counts per hour, sample
subjects, the organisations affected. The same grouping feeds F8.6's "top reported issues".

The rule, for a window W ending at ``now`` (one hour by default) and D baseline days (14):

- The tickets created in (now - W, now] are grouped by ``similarity.group_tickets``.
- A group's **baseline** is the number of earlier tickets its signature matches among those created
  in the same time-of-day window of each previous day, (now - d days - W, now - d days] for
  d = 1..D, divided by D. A day without tickets counts as zero, so a young installation has a low
  baseline; the floor and the minimum count stop that from turning into a flood of proposals.
- The group **surges** when count >= min_count and count >= multiple x max(baseline, baseline_floor).

Comparing with the same hour of earlier days makes the daily rhythm part of the normal: the 09:00
rush is compared with other 09:00 rushes, not with the quiet night. Weekdays are not told apart.
Everything is computed from the tickets passed in; nothing here reads a clock or a database.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any

from sirf.domain.errors import ValidationFailed
from sirf.domain.similarity import (
    DEFAULT_SIMILARITY,
    Signature,
    SignatureIndex,
    TicketGroup,
    group_tickets,
    latest_by_ref,
    matches,
    top_issues,
)
from sirf.domain.tickets import Ticket

__all__ = [
    "Signature",
    "SignatureIndex",
    "Surge",
    "SurgePolicy",
    "TicketGroup",
    "detect_surges",
    "group_tickets",
    "matches",
    "top_issues",
]

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
HOURS_SHOWN = 6  # hourly counts in a proposal: enough to see the rise, short enough to read
MAX_SAMPLES = 5
MAX_ORGANISATIONS = 10

# Each setting's allowed range and the advice given when a value falls outside it.
_HINTS = {
    "multiple": "a factor above 1 and at most 100, for example 3.0",
    "min_count": "a whole number of tickets from 1 to 100000, for example 5",
    "window": 'a duration from 5m to 24h, for example "1h" or "30m"',
    "baseline_days": "a whole number of days from 1 to 90, for example 14",
    "similarity": "a number above 0 and at most 1, for example 0.5",
    "baseline_floor": "tickets per window, above 0 and at most 1000, for example 0.5",
}
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?:in)?)?$")


@dataclass(frozen=True)
class SurgePolicy:
    """When a group of similar tickets counts as a surge; the framework file's ``[tickets.surge]``."""

    multiple: float = 3.0
    min_count: int = 5
    window: timedelta = HOUR
    baseline_days: int = 14
    similarity: float = DEFAULT_SIMILARITY
    # Tickets per window assumed when the history shows fewer, so a never-seen issue still needs a
    # real jump (multiple x floor) on top of min_count.
    baseline_floor: float = 0.5

    def __post_init__(self) -> None:
        allowed = {
            "multiple": 1.0 < self.multiple <= 100.0,
            "min_count": 1 <= self.min_count <= 100_000,
            "window": timedelta(minutes=5) <= self.window <= DAY,
            "baseline_days": 1 <= self.baseline_days <= 90,
            "similarity": 0.0 < self.similarity <= 1.0,
            "baseline_floor": 0.0 < self.baseline_floor <= 1000.0,
        }
        for key, ok in allowed.items():
            if not ok:
                value = getattr(self, key)
                shown = f"{value.total_seconds() / 60:g}m" if isinstance(value, timedelta) else repr(value)
                raise ValidationFailed(f"{key} = {shown}: expected {_HINTS[key]}", field=key)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, path: str = "tickets.surge") -> SurgePolicy:
        """Read a TOML table; every problem names the full dotted path and what to write instead."""
        if not isinstance(data, Mapping):
            raise ValidationFailed(f"{path}: expected a table such as [{path}]", field=path)
        unknown = sorted(set(data) - set(_HINTS))
        if unknown:
            raise ValidationFailed(
                f"{path}: unknown key {', '.join(map(repr, unknown))}; use {', '.join(_HINTS)}",
                field=f"{path}.{unknown[0]}",
            )
        values = {key: _READERS[key](value, f"{path}.{key}") for key, value in data.items()}
        try:
            return cls(**values)
        except ValidationFailed as error:
            name = f"{path}.{error.details['field']}"
            raise ValidationFailed(f"{path}.{error.message}", field=name) from None


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(f"{path} = {value!r}: expected {_HINTS[_key(path)]}", field=path)
    return float(value)


def _whole(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"{path} = {value!r}: expected {_HINTS[_key(path)]}", field=path)
    return value


def _duration(value: Any, path: str) -> timedelta:
    found = _DURATION.match(value.replace(" ", "").lower()) if isinstance(value, str) else None
    if found is None or not any(found.groups()):
        raise ValidationFailed(f"{path} = {value!r}: expected {_HINTS['window']}", field=path)
    hours, minutes = (int(part or 0) for part in found.groups())
    return timedelta(hours=hours, minutes=minutes)


def _key(path: str) -> str:
    return path.rsplit(".", 1)[-1]


_READERS: dict[str, Callable[[Any, str], Any]] = {
    "multiple": _number,
    "min_count": _whole,
    "window": _duration,
    "baseline_days": _whole,
    "similarity": _number,
    "baseline_floor": _number,
}


@dataclass(frozen=True)
class Surge:
    """A proposal's evidence: which tickets, how many against how many usually, and who is affected."""

    label: str
    keywords: tuple[str, ...]
    signature: Signature  # attach later tickets with ``signature.matches(ticket)``
    count: int
    baseline_per_window: float
    ratio: float  # count / max(baseline, floor)
    hourly_counts: tuple[tuple[datetime, int], ...]  # (UTC hour start, tickets), oldest first
    sample_subjects: tuple[str, ...]  # distinct, newest first
    organisations: tuple[str, ...]  # most tickets first
    customers: int  # distinct organisations, or requesters for tickets without one
    refs: tuple[str, ...]  # every ticket of the group in the window, oldest first
    first_seen_at: datetime  # the group's first ticket in the window
    reason: str


def detect_surges(
    recent: Iterable[Ticket],
    history: Iterable[Ticket],
    *,
    now: datetime,
    policy: SurgePolicy = SurgePolicy(),  # frozen, so one shared default is safe
) -> list[Surge]:
    """Groups of tickets from the window that surge above their baseline, strongest first.

    ``recent`` and ``history`` may overlap or even be one list: each ticket is placed by its
    ``created_at`` (in the window, in a baseline window, in the hours shown, or ignored).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValidationFailed("surge detection needs an aware 'now'", field="now")
    now = now.astimezone(UTC)
    start = now - policy.window
    pool = latest_by_ref(chain(recent, history)).values()
    current = [ticket for ticket in pool if start < ticket.created_at <= now]
    # A cheap first cut: a group below either figure cannot surge whatever its baseline.
    floor_count = policy.multiple * policy.baseline_floor
    groups = [
        group
        for group in group_tickets(current, similarity=policy.similarity)
        if group.count >= policy.min_count and group.count >= floor_count
    ]
    if not groups:
        return []
    first_hour = now.replace(minute=0, second=0, microsecond=0) - (HOURS_SHOWN - 1) * HOUR
    baseline: list[Ticket] = []
    earlier: list[Ticket] = []
    for ticket in pool:
        if first_hour <= ticket.created_at <= start:
            earlier.append(ticket)
        elif _in_baseline(now - ticket.created_at, policy):
            baseline.append(ticket)
    signatures = [group.signature for group in groups]
    baseline_hits = _matching(baseline, signatures, policy.similarity)
    earlier_hits = _matching(earlier, signatures, policy.similarity)
    surges = [
        _surge(group, len(hits), before, first_hour=first_hour, policy=policy)
        for group, hits, before in zip(groups, baseline_hits, earlier_hits, strict=True)
    ]
    found = [surge for surge in surges if surge is not None]
    return sorted(found, key=lambda s: (-s.ratio, -s.count, s.label, s.refs))


def _in_baseline(lag: timedelta, policy: SurgePolicy) -> bool:
    """Whether a ticket this old falls in the same time-of-day window of one of the baseline days."""
    days, into_day = divmod(lag, DAY)
    return 1 <= days <= policy.baseline_days and into_day < policy.window


def _matching(tickets: Sequence[Ticket], signatures: list[Signature], threshold: float) -> list[list[Ticket]]:
    """For each signature, the tickets it matches."""
    index = SignatureIndex(signatures, threshold=threshold)
    hits: list[list[Ticket]] = [[] for _ in signatures]
    for ticket in tickets:
        for position in index.matching(ticket):
            hits[position].append(ticket)
    return hits


def _surge(
    group: TicketGroup, matched: int, before: list[Ticket], *, first_hour: datetime, policy: SurgePolicy
) -> Surge | None:
    baseline = matched / policy.baseline_days
    reference = max(baseline, policy.baseline_floor)
    if group.count < policy.min_count or group.count < policy.multiple * reference:
        return None
    ratio = group.count / reference
    organisations = Counter(t.organization for t in group.tickets if t.organization)
    return Surge(
        label=group.label,
        keywords=group.keywords,
        signature=group.signature,
        count=group.count,
        baseline_per_window=baseline,
        ratio=ratio,
        hourly_counts=_hourly(chain(group.tickets, before), first_hour),
        sample_subjects=_samples(group.tickets),
        organisations=tuple(
            name for name, _ in sorted(organisations.items(), key=lambda i: (-i[1], i[0]))[:MAX_ORGANISATIONS]
        ),
        customers=len({t.customer for t in group.tickets if t.customer}),
        refs=group.refs,
        first_seen_at=group.first_seen_at,
        reason=_reason(group, baseline, ratio, policy),
    )


def _hourly(tickets: Iterable[Ticket], first_hour: datetime) -> tuple[tuple[datetime, int], ...]:
    counts = [0] * HOURS_SHOWN
    for ticket in tickets:
        slot = (ticket.created_at - first_hour) // HOUR
        if 0 <= slot < HOURS_SHOWN:
            counts[slot] += 1
    return tuple((first_hour + slot * HOUR, count) for slot, count in enumerate(counts))


def _samples(tickets: Sequence[Ticket]) -> tuple[str, ...]:
    """Distinct subjects, newest first: the variety of wording is part of the evidence."""
    seen: set[str] = set()
    samples: list[str] = []
    for ticket in sorted(tickets, key=lambda t: (t.created_at, t.ref), reverse=True):
        subject = " ".join(ticket.subject.split())
        if subject and subject.casefold() not in seen:
            seen.add(subject.casefold())
            samples.append(subject)
            if len(samples) == MAX_SAMPLES:
                break
    return tuple(samples)


def _reason(group: TicketGroup, baseline: float, ratio: float, policy: SurgePolicy) -> str:
    span = _span(policy.window)
    counted = f", counted as {policy.baseline_floor:g}" if baseline < policy.baseline_floor else ""
    times = f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x"
    return (
        f"{group.count} tickets about '{group.label}' in the last {span} against a baseline of "
        f"{baseline:.1f} per {span}{counted} ({times}, threshold {policy.multiple:g}x "
        f"and at least {policy.min_count})"
    )


def _span(window: timedelta) -> str:
    minutes = int(window.total_seconds() // 60)
    if minutes == 60:
        return "hour"
    if minutes % 60 == 0:
        return f"{minutes // 60} hours"
    return f"{minutes} minutes"
