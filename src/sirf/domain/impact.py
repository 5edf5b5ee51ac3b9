"""Customer-impact figures of one incident from its linked tickets (F8.5, F8.6, F8.8, F9.4, F9.5).

Everything the SMOC and CMOC templates quote about tickets is computed here, from plain ``Ticket``
snapshots and a ``now`` passed in: volume (total, per hour, peak), who is affected (organisations,
customers, segments, regions), how the queue copes (first-response times, tickets still awaiting a
first response, queue health) and how customers feel (CSAT against the 30-day baseline).

Time rules, so that every figure agrees with the others:

- Hours are UTC hours; the hourly series runs from the first ticket's hour to ``now``'s hour with
  empty hours as zero, so a chart and the peak never skip a quiet hour.
- "The last hour" is the half-open window ``(now - 1 h, now]``: a ticket exactly 60 minutes old is
  no longer in it, one created at ``now`` is.
- A ticket-system time later than ``now`` (the two clocks drift by seconds) is read as ``now``, so
  such a ticket still lands in the current hour instead of outside the series.
- A first response stamped before the ticket's creation (same drift) counts as an immediate answer.

The hourly series is as long as the incident's tickets span: an old ticket linked late stretches it
(a year back is 8,760 zero-filled hours, still milliseconds to build).

One pass over the tickets collects every count; 20,000 tickets take a few tens of milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar

from sirf.domain.errors import ValidationFailed
from sirf.domain.regions import Region
from sirf.domain.tickets import CsatTrend, QueueHealth, Satisfaction, Segment, Ticket

HOUR = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ZERO = timedelta(0)
# A response threshold beyond a week would never trigger during an incident: almost surely a typo.
_MAX_RESPONSE = timedelta(days=7)
_MAX_AWAITING = 1_000_000
_DURATION = re.compile(r"(?:\d+[dhms])+")
_DURATION_PART = re.compile(r"(\d+)([dhms])")
_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
K = TypeVar("K", Segment, Region)


@dataclass(frozen=True)
class QueueThresholds:
    """When the incident's ticket queue stops being Healthy (F8.5), configurable per team.

    The handbook names the three states but gives no numbers, so the defaults are starting points
    for a team of a handful of agents on shift: 25 tickets without a first response is about what
    they clear in an hour with a bulk reply, and 1 hour is the usual first-response target for
    urgent tickets. Four times that (100 waiting, 4 hours) means customers are being left alone
    and more people are needed: Critical. Either measure alone is enough to raise the state.
    """

    strained_awaiting: int = 25
    critical_awaiting: int = 100
    strained_response: timedelta = timedelta(hours=1)
    critical_response: timedelta = timedelta(hours=4)

    KEYS: ClassVar[tuple[str, ...]] = (
        "strained_awaiting",
        "critical_awaiting",
        "strained_response",
        "critical_response",
    )

    def __post_init__(self) -> None:
        for key in ("strained_awaiting", "critical_awaiting"):
            value = getattr(self, key)
            if not 1 <= value <= _MAX_AWAITING:
                raise ValidationFailed(f"use a whole number from 1 to {_MAX_AWAITING:,}", field=key)
        for key in ("strained_response", "critical_response"):
            value = getattr(self, key)
            if not _ZERO < value <= _MAX_RESPONSE:
                raise ValidationFailed('use a duration above zero and at most "7d", such as "1h"', field=key)
        if self.critical_awaiting < self.strained_awaiting:
            raise ValidationFailed(
                f"must be at least strained_awaiting ({self.strained_awaiting}): "
                "raise critical_awaiting or lower strained_awaiting",
                field="critical_awaiting",
            )
        if self.critical_response < self.strained_response:
            raise ValidationFailed(
                f"must be at least strained_response ({self.strained_response}): "
                "raise critical_response or lower strained_response",
                field="critical_response",
            )

    def health(self, awaiting: int, response_time: timedelta | None) -> QueueHealth:
        """The worse of the two signals; an unknown response time leaves it to the waiting count."""
        response = _ZERO if response_time is None else response_time
        if awaiting >= self.critical_awaiting or response >= self.critical_response:
            return QueueHealth.CRITICAL
        if awaiting >= self.strained_awaiting or response >= self.strained_response:
            return QueueHealth.STRAINED
        return QueueHealth.HEALTHY

    @classmethod
    def from_mapping(cls, data: Any, *, path: str = "tickets.queue_health") -> QueueThresholds:
        """Read the TOML section; keys left out keep their defaults, unknown keys are refused
        (a misspelt key silently ignored would leave the team on thresholds it meant to change)."""
        if not isinstance(data, Mapping):
            raise ValidationFailed(f"{path}: expected a table, got {type(data).__name__}", field=path)
        for key in data:
            if key not in cls.KEYS:
                raise ValidationFailed(
                    f"{path}.{key}: unknown key; allowed here: {', '.join(cls.KEYS)}", field=f"{path}.{key}"
                )
        values: dict[str, Any] = {}
        for key in ("strained_awaiting", "critical_awaiting"):
            if key in data:
                values[key] = _whole_number(data[key], f"{path}.{key}")
        for key in ("strained_response", "critical_response"):
            if key in data:
                values[key] = _duration(data[key], f"{path}.{key}")
        try:
            return cls(**values)
        except ValidationFailed as exc:
            where = f"{path}.{exc.details.get('field', '')}".rstrip(".")
            raise ValidationFailed(f"{where}: {exc.message}", field=where) from None


def _whole_number(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationFailed(f"{where}: expected a whole number such as 25, got {value!r}", field=where)
    return value


def _duration(value: Any, where: str) -> timedelta:
    """``"1h"``, ``"90m"``, ``"1h30m"``; a bare number is refused because its unit would be a guess."""
    text = value.strip().lower().replace(" ", "") if isinstance(value, str) else None
    if text is None or not _DURATION.fullmatch(text):
        raise ValidationFailed(
            f'{where}: expected a duration such as "1h", "90m" or "1h30m", got {value!r}', field=where
        )
    seconds = sum(int(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(text))
    return timedelta(seconds=seconds)


def csat_percent(ratings: Iterable[Satisfaction | None]) -> float | None:
    """Good / (good + bad) x 100, the handbook's CSAT (F9.3); None without a single rating.

    Unrated entries (None) are skipped so callers can pass ticket rows as they are, for the incident
    and for the 30-day baseline alike.
    """
    good = bad = 0
    for rating in ratings:
        if rating is Satisfaction.GOOD:
            good += 1
        elif rating is Satisfaction.BAD:
            bad += 1
    return _csat(good, bad)


def _csat(good: int, bad: int) -> float | None:
    # The one place the formula lives: compute_impact counts ratings in its own pass, then uses it too.
    return good * 100 / (good + bad) if good + bad else None


@dataclass(frozen=True, kw_only=True)
class ImpactFigures:
    """The incident's ticket figures at ``computed_at``. Counts are whole tickets; None is "not known".

    ``segments`` and ``regions`` list only the classes that have tickets, most first (ties in the
    handbook's order); tickets the classifier could not place are counted apart in
    ``unclassified_segment`` / ``unclassified_region`` rather than as an invented "unknown" class,
    so the templates never print a segment the handbook does not have.
    """

    computed_at: datetime
    total_tickets: int
    active_tickets: int  # unsolved: new, open, pending or on hold
    awaiting_first_response: int  # unsolved and never answered publicly by an agent
    escalated: int  # unsolved escalated tickets: what the next shift has to chase
    escalated_total: int  # every escalated ticket, solved or not (F9.5 review)
    organisations: int
    customers: int  # organisations, plus requesters who belong to none
    segments: tuple[tuple[Segment, int], ...]
    unclassified_segment: int
    regions: tuple[tuple[Region, int], ...]
    unclassified_region: int
    hourly: tuple[tuple[datetime, int], ...]  # (UTC hour start, tickets created in it), zero-filled
    tickets_per_hour: int  # created in (now - 1 h, now]
    peak_per_hour: int
    peak_hour: datetime | None  # the earliest busiest hour
    current_response_time: timedelta | None  # mean over tickets first answered in the last hour
    average_response_time: timedelta | None  # mean over every answered ticket
    longest_wait: timedelta | None  # the oldest unsolved ticket still awaiting a first response
    queue_health: QueueHealth
    csat_percent: float | None
    csat_ratings: int
    csat_baseline_percent: float | None
    csat_trend: CsatTrend | None
    top_issues: tuple[tuple[str, int], ...]  # most reported first
    first_ticket_at: datetime | None
    last_ticket_at: datetime | None


def compute_impact(
    tickets: Sequence[Ticket],
    *,
    now: datetime,
    thresholds: QueueThresholds,
    csat_baseline_percent: float | None = None,
    top_issues: Sequence[tuple[str, int]] = (),
) -> ImpactFigures:
    """All figures in one pass over ``tickets`` (the incident's linked tickets, in any order).

    Queue health weighs the tickets awaiting a first response and a response time: the current
    first-response time, or the longest wait of a ticket nobody has answered yet when that is
    longer. Without the second, a queue where agents answer only the newest tickets (or nobody at
    all, so that there is no current response time) would read Healthy while customers wait hours.
    """
    if now.tzinfo is None:
        raise ValidationFailed("now must carry a time zone", field="now")
    hour_ago = now - HOUR
    per_hour: dict[int, int] = {}
    organisations: set[str] = set()
    lone_requesters: set[str] = set()
    segments: dict[Segment | None, int] = {}
    regions: dict[Region | None, int] = {}
    active = awaiting = escalated = escalated_total = recent = 0
    answered = answered_recently = good = bad = 0
    response_total = recent_response_total = _ZERO
    oldest_waiting: datetime | None = None
    first: datetime | None = None
    last: datetime | None = None

    for ticket in tickets:
        raw = ticket.created_at
        if first is None or raw < first:
            first = raw
        if last is None or raw > last:
            last = raw
        created = raw if raw <= now else now
        hour = (created - _EPOCH) // HOUR
        per_hour[hour] = per_hour.get(hour, 0) + 1
        if created > hour_ago:
            recent += 1

        if ticket.organization:
            organisations.add(ticket.organization)
        elif ticket.requester:
            lone_requesters.add(ticket.requester)
        segments[ticket.segment] = segments.get(ticket.segment, 0) + 1
        regions[ticket.region] = regions.get(ticket.region, 0) + 1

        unsolved = ticket.status.unsolved
        if ticket.escalated:
            escalated_total += 1
            if unsolved:
                escalated += 1
        answered_at = ticket.first_response_at
        if answered_at is not None:
            if answered_at > now:
                answered_at = now
            wait = answered_at - created if answered_at > created else _ZERO
            answered += 1
            response_total += wait
            if answered_at > hour_ago:
                answered_recently += 1
                recent_response_total += wait
        if unsolved:
            active += 1
            if answered_at is None:
                awaiting += 1
                if oldest_waiting is None or created < oldest_waiting:
                    oldest_waiting = created

        if ticket.satisfaction is Satisfaction.GOOD:
            good += 1
        elif ticket.satisfaction is Satisfaction.BAD:
            bad += 1

    hourly = _hourly(per_hour, (now - _EPOCH) // HOUR)
    peak_hour, peak = _peak(hourly)
    current = recent_response_total / answered_recently if answered_recently else None
    longest_wait = now - oldest_waiting if oldest_waiting is not None else None
    pressure = max((t for t in (current, longest_wait) if t is not None), default=None)
    csat = _csat(good, bad)
    return ImpactFigures(
        computed_at=now,
        total_tickets=len(tickets),
        active_tickets=active,
        awaiting_first_response=awaiting,
        escalated=escalated,
        escalated_total=escalated_total,
        organisations=len(organisations),
        customers=len(organisations) + len(lone_requesters),
        segments=_most_first(segments, tuple(Segment)),
        unclassified_segment=segments.get(None, 0),
        regions=_most_first(regions, tuple(Region)),
        unclassified_region=regions.get(None, 0),
        hourly=hourly,
        tickets_per_hour=recent,
        peak_per_hour=peak,
        peak_hour=peak_hour,
        current_response_time=current,
        average_response_time=response_total / answered if answered else None,
        longest_wait=longest_wait,
        queue_health=thresholds.health(awaiting, pressure),
        csat_percent=csat,
        csat_ratings=good + bad,
        csat_baseline_percent=csat_baseline_percent,
        csat_trend=(
            CsatTrend.between(csat, csat_baseline_percent)
            if csat is not None and csat_baseline_percent is not None
            else None
        ),
        # Stable sort: the labelling module's order survives among equal counts.
        top_issues=tuple(sorted(top_issues, key=lambda issue: -issue[1])),
        first_ticket_at=first,
        last_ticket_at=last,
    )


def _hourly(per_hour: Mapping[int, int], now_hour: int) -> tuple[tuple[datetime, int], ...]:
    if not per_hour:
        return ()
    # Created times were capped at now, so no bucket lies beyond now's hour.
    return tuple((_EPOCH + hour * HOUR, per_hour.get(hour, 0)) for hour in range(min(per_hour), now_hour + 1))


def _peak(hourly: Sequence[tuple[datetime, int]]) -> tuple[datetime | None, int]:
    peak_hour: datetime | None = None
    peak = 0
    for hour, count in hourly:
        if count > peak:  # strictly greater: the earliest of equal hours wins
            peak_hour, peak = hour, count
    return peak_hour, peak


def _most_first(counts: Mapping[K | None, int], order: tuple[K, ...]) -> tuple[tuple[K, int], ...]:
    present = [(key, counts[key]) for key in order if counts.get(key)]
    return tuple(sorted(present, key=lambda entry: -entry[1]))
