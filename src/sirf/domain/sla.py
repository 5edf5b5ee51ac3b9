"""First-response SLA per ticket priority, counted in each region's business hours (F8.5, F9.5).

The handbook's targets are urgent 30 min, high 4 h, normal 8 h and low 24 h. The clock counts only the
support team's working hours in the ticket's region (a high ticket opened at 16:00 on a Friday in London
is due at 10:00 on Monday), except for the priorities answered around the clock (urgent, by default).
Assessing every linked ticket gives the at-risk and breached lists that feed the SMOC report and the
"SLA at risk" engagement trigger, and the compliance figure of F9.5.

Time rules: every instant is timezone-aware and is returned in UTC; working hours are *local wall time*,
so a 08:00-18:00 day is ten hours of work on a daylight-saving change day too, while a window that
contains the skipped or repeated hour is measured between its real UTC end points. The clock steps a
day at a time (never minute by minute) and remembers each day's window, so assessing tens of thousands
of tickets stays cheap. Nothing here reads a clock: ``now`` is always passed in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from sirf.domain.errors import ValidationFailed
from sirf.domain.regions import Region
from sirf.domain.tickets import Ticket, TicketPriority

T = TypeVar("T")
ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)
# A window ending at 00:00 ends at the *next* midnight, so "00:00-24:00" is a whole working day.
MIDNIGHT = time(0)
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKING_WEEK = frozenset(range(5))
# Targets outside this range are almost certainly typos ("4000h"); refusing them beats silently
# reporting every ticket as on track for months.
SHORTEST_TARGET = timedelta(minutes=1)
LONGEST_TARGET = timedelta(hours=720)


def _zone(name: str) -> ZoneInfo:
    # ZoneInfo raises KeyError (ZoneInfoNotFoundError) for unknown names, ValueError for paths and
    # OSError for odd entries of the tz database directory; to a caller they all mean the same.
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        raise ValidationFailed(
            f"unknown time zone {name!r}: use an IANA name such as Europe/London or America/New_York",
            field="timezone",
        ) from None


def _utc(moment: datetime) -> datetime:
    zone = moment.tzinfo
    if zone is UTC:  # the common case (times stored in UTC), and the hot path of assess_all
        return moment
    # A naive datetime would silently be read as the server's local time: refuse it instead.
    if zone is None or moment.utcoffset() is None:
        raise ValidationFailed("SLA times must carry a time zone", field="at")
    return moment.astimezone(UTC)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _first_instant(zone: ZoneInfo, day: date, wall: time) -> datetime:
    """The first UTC instant at which the local clock on ``day`` shows ``wall`` or later.

    For an ordinary time that is simply the time; for a repeated one (autumn) it is the first
    occurrence; for one the clock skips (spring) it is the moment of the jump, because that is when a
    team whose day "starts at 02:30" actually starts.
    """
    local = datetime.combine(day, wall, tzinfo=zone)
    after = local.astimezone(UTC)  # fold=0: a skipped time read with the offset from before the jump
    if _wall(after, zone) == local.replace(tzinfo=None):
        return after
    # Skipped: fold=1 reads it with the offset from after the jump, which lands before the jump.
    # Bisect on whole seconds (transitions fall on whole seconds) between the two readings.
    target = local.replace(tzinfo=None)
    low = math.floor(local.replace(fold=1).astimezone(UTC).timestamp())
    high = math.ceil(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= target:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    """When a region's support team works: ``weekdays`` (0 = Monday) from ``start`` to ``end`` local
    wall time in the IANA zone ``timezone``, or around the clock when ``always_open``.

    ``end`` of 00:00 means midnight at the end of the day. Overnight windows (22:00-06:00) are not
    supported: they would make a window belong to two dates; a team working nights is 00:00-24:00 or
    24x7.
    """

    timezone: str
    weekdays: frozenset[int] = WORKING_WEEK
    start: time = time(8)
    end: time = time(18)
    always_open: bool = False
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    # Each local day's window in UTC (None when closed). A memo only: the calendar is immutable and
    # the window of a date never changes, so this keeps the class pure while making the clock cheap.
    _windows: dict[date, tuple[datetime, datetime] | None] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", _zone(self.timezone))
        if self.always_open:
            return
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValidationFailed("a calendar needs at least one working day, 0 (Monday) to 6", field="days")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValidationFailed("working hours are local wall times, without a time zone", field="hours")
        if self.end != MIDNIGHT and self.end <= self.start:
            raise ValidationFailed(
                "working hours must end after they start on the same day, such as 08:00-18:00 "
                "(use 24:00 for midnight; overnight windows are not supported)",
                field="hours",
            )

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants; zero when ``end`` is not after ``start``."""
        begin, finish = _utc(start), _utc(end)
        if finish <= begin:
            return ZERO
        if self.always_open:
            return finish - begin
        total = ZERO
        # One day of margin either side: around a DST change a window can belong to the neighbouring
        # local date of an end point, and a skipped check is cheaper than a missed hour.
        day, last = self._local_date(begin) - ONE_DAY, self._local_date(finish) + ONE_DAY
        known = self._windows
        while day <= last:
            window = known[day] if day in known else self._window(day)
            if window is not None:
                overlap = min(window[1], finish) - max(window[0], begin)
                if overlap > ZERO:
                    total += overlap
            day += ONE_DAY
        return total

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant (UTC) by which ``duration`` of business time has passed since ``start``.

        The inverse of ``elapsed``: ``elapsed(s, add(s, d)) == d``. Being the earliest such instant,
        a duration that ends exactly at closing time ends at closing time, not at the next opening.
        """
        if duration < ZERO:
            raise ValidationFailed("a business-time duration cannot be negative", field="duration")
        begin = _utc(start)
        if self.always_open or duration == ZERO:
            return begin + duration
        left = duration
        day = self._local_date(begin) - ONE_DAY
        known = self._windows
        while True:  # ends: validation guarantees a working day with a non-empty window every week
            window = known[day] if day in known else self._window(day)
            if window is not None:
                opened = max(window[0], begin)
                available = window[1] - opened
                if available > ZERO:
                    if left <= available:
                        return opened + left
                    left -= available
            day += ONE_DAY

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self._zone).date()

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """Work out (and remember) the window of a day not seen before; callers look in the memo first."""
        window: tuple[datetime, datetime] | None = None
        if day.weekday() in self.weekdays:
            opens = _first_instant(self._zone, day, self.start)
            if self.end == MIDNIGHT:
                closes = _first_instant(self._zone, day + ONE_DAY, MIDNIGHT)
            else:
                closes = _first_instant(self._zone, day, self.end)
            # Both ends lie inside a skipped hour: the day has no working time at all.
            window = (opens, closes) if closes > opens else None
        self._windows[day] = window
        return window


# The clock for priorities answered around the clock: the zone is irrelevant when always open.
AROUND_THE_CLOCK = BusinessCalendar("UTC", always_open=True)


def default_targets() -> dict[TicketPriority, timedelta]:
    """The handbook's first-response targets."""
    return {
        TicketPriority.URGENT: timedelta(minutes=30),
        TicketPriority.HIGH: timedelta(hours=4),
        TicketPriority.NORMAL: timedelta(hours=8),
        TicketPriority.LOW: timedelta(hours=24),
    }


# Shared instances, so every default policy shares each calendar's memo of daily windows.
_DEFAULT_CALENDARS: Mapping[Region, BusinessCalendar] = {
    Region.EMEA: BusinessCalendar("Europe/London"),
    Region.AMER: BusinessCalendar("America/New_York"),
    Region.APAC: BusinessCalendar("Australia/Sydney"),
}


def default_calendars() -> dict[Region, BusinessCalendar]:
    """Each region's working week: Monday to Friday, 08:00-18:00 local time."""
    return dict(_DEFAULT_CALENDARS)


@dataclass(frozen=True)
class SlaPolicy:
    """The first-response targets, the calendars they are counted in and when a ticket is at risk."""

    targets: Mapping[TicketPriority, timedelta] = field(default_factory=default_targets)
    calendars: Mapping[Region, BusinessCalendar] = field(default_factory=default_calendars)
    default_region: Region = Region.AMER  # for tickets whose tags name no region
    # Urgent tickets are emergencies: the customer waits through nights and weekends, so must we.
    always_on: frozenset[TicketPriority] = frozenset({TicketPriority.URGENT})
    at_risk_fraction: float = 0.25  # at risk once less than this share of the target remains

    def __post_init__(self) -> None:
        for priority in TicketPriority:
            target = self.targets.get(priority)
            if target is None or not SHORTEST_TARGET <= target <= LONGEST_TARGET:
                raise ValidationFailed(
                    f"the {priority.value} first-response target must be from 1 minute to 720 hours",
                    field=f"targets.{priority.value}",
                )
        missing = [region.value for region in Region if region not in self.calendars]
        if missing:
            raise ValidationFailed(f"no business calendar for {', '.join(missing)}", field="calendars")
        if not 0 <= self.at_risk_fraction < 1:
            raise ValidationFailed(
                "the at-risk fraction must be from 0 up to (not including) 1", field="at_risk_fraction"
            )

    def calendar_for(self, priority: TicketPriority, region: Region) -> BusinessCalendar:
        return AROUND_THE_CLOCK if priority in self.always_on else self.calendars[region]

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, path: str = "tickets.sla") -> SlaPolicy:
        """Read a ``[tickets.sla]`` table; missing keys keep the handbook's defaults.

        ```toml
        [tickets.sla]
        targets = { urgent = "30m", high = "4h", normal = "8h", low = "24h" }
        always_on = ["urgent"]
        at_risk_fraction = 0.25
        default_region = "amer"
        [tickets.sla.calendars.emea]
        timezone = "Europe/London"
        days = ["mon", "tue", "wed", "thu", "fri"]
        hours = "08:00-18:00"   # or "24x7"
        ```

        Unknown keys are refused rather than ignored: a typo silently ignored would leave a team on
        targets it meant to change. Every error names the full dotted path of the bad entry.
        """
        table = _table(
            data, path, ("targets", "always_on", "at_risk_fraction", "default_region", "calendars")
        )
        defaults = cls()
        targets = dict(defaults.targets)
        names = tuple(p.value for p in TicketPriority)
        for name, value in _table(table.get("targets", {}), f"{path}.targets", names).items():
            targets[TicketPriority(name)] = _duration(value, f"{path}.targets.{name}")
        calendars = dict(defaults.calendars)
        regions = tuple(r.value for r in Region)
        for name, value in _table(table.get("calendars", {}), f"{path}.calendars", regions).items():
            region = Region(name)
            calendars[region] = _calendar(value, f"{path}.calendars.{name}", calendars[region])
        always_on = defaults.always_on
        if "always_on" in table:
            always_on = _priorities(table["always_on"], f"{path}.always_on")
        fraction = defaults.at_risk_fraction
        if "at_risk_fraction" in table:
            fraction = _fraction(table["at_risk_fraction"], f"{path}.at_risk_fraction")
        region = defaults.default_region
        if "default_region" in table:
            region = _parsed(Region.parse, table["default_region"], f"{path}.default_region")
        return cls(targets, calendars, region, always_on, fraction)


def _fail(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{path}: {message}", field=path)


def _table(value: object, path: str, allowed: Sequence[str]) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise _fail(path, f"expected a table, got {type(value).__name__}")
    for key in value:
        if key not in allowed:
            raise _fail(f"{path}.{key}", f"unknown key; allowed here: {', '.join(allowed)}")
    return value


def _parsed(parse: Callable[[str], T], value: object, path: str) -> T:
    if not isinstance(value, str):
        raise _fail(path, f"expected a string, got {type(value).__name__}")
    try:
        return parse(value)
    except ValidationFailed as exc:
        raise _fail(path, exc.message) from None


_DURATION = re.compile(r"(?:(\d{1,4})h)?(?:(\d{1,6})m)?")


def _duration(value: object, path: str) -> timedelta:
    hint = 'expected a duration such as "30m", "4h" or "1h30m"'
    match = _DURATION.fullmatch(value.replace(" ", "").lower()) if isinstance(value, str) else None
    if match is None or not any(match.groups()):
        raise _fail(path, f"{hint}, got {value!r}")
    hours, minutes = (int(part or 0) for part in match.groups())
    duration = timedelta(hours=hours, minutes=minutes)
    if not SHORTEST_TARGET <= duration <= LONGEST_TARGET:
        raise _fail(path, f"{hint}, from 1m to 720h; got {value!r}")
    return duration


def _priorities(value: object, path: str) -> frozenset[TicketPriority]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _fail(path, 'expected a list of priorities, for example ["urgent"] (or [] for none)')
    return frozenset(_parsed(_priority, item, path) for item in value)


def _priority(name: str) -> TicketPriority:
    # Stricter than TicketPriority.parse, which reads an empty priority as normal: in a config
    # file an empty entry is a mistake, not a choice.
    try:
        return TicketPriority(name.strip().lower())
    except ValueError:
        raise ValidationFailed(f"unknown priority {name!r}: use urgent, high, normal or low") from None


def _fraction(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise _fail(path, f"expected a fraction from 0 up to (not including) 1, such as 0.25; got {value!r}")
    return float(value)


_HOURS = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")


def _calendar(value: object, path: str, base: BusinessCalendar) -> BusinessCalendar:
    table = _table(value, path, ("timezone", "days", "hours"))
    timezone = base.timezone
    if "timezone" in table:
        timezone = _parsed(lambda name: _zone(name).key, table["timezone"], f"{path}.timezone")
    weekdays = base.weekdays
    if "days" in table:
        weekdays = _days(table["days"], f"{path}.days")
    start, end, always_open = base.start, base.end, base.always_open
    if "hours" in table:
        hours = table["hours"]
        if hours == "24x7":
            if "days" in table:
                raise _fail(
                    f"{path}.days", '"24x7" means every day: drop days, or give hours = "00:00-24:00"'
                )
            always_open = True
        else:
            start, end = _hours(hours, f"{path}.hours")
            always_open = False
    try:
        return BusinessCalendar(timezone, weekdays, start, end, always_open)
    except ValidationFailed as exc:  # e.g. a 24x7 base now given hours but no days: report the calendar
        raise _fail(path, exc.message) from None


def _days(value: object, path: str) -> frozenset[int]:
    hint = 'expected a list of days, for example ["mon", "tue", "wed", "thu", "fri"]'
    if not isinstance(value, list) or not value:
        raise _fail(path, hint)
    days = set()
    for item in value:
        name = item.strip().lower() if isinstance(item, str) else None
        if name not in WEEKDAY_NAMES:
            raise _fail(path, f"unknown day {item!r}: use {', '.join(WEEKDAY_NAMES)}")
        days.add(WEEKDAY_NAMES.index(name))
    return frozenset(days)


def _hours(value: object, path: str) -> tuple[time, time]:
    hint = 'expected local working hours such as "08:00-18:00" (24:00 for midnight) or "24x7"'
    match = _HOURS.fullmatch(value.replace(" ", "")) if isinstance(value, str) else None
    if match is None:
        raise _fail(path, f"{hint}, got {value!r}")
    start_hour, start_minute, end_hour, end_minute = (int(part) for part in match.groups())
    if end_hour == 24 and end_minute == 0:
        end_hour = 0
    if max(start_hour, end_hour) > 23 or max(start_minute, end_minute) > 59:
        raise _fail(path, f"{hint}, got {value!r}")
    start, end = time(start_hour, start_minute), time(end_hour, end_minute)
    if end != MIDNIGHT and end <= start:
        raise _fail(path, f"the hours must end after they start on the same day; {hint}")
    return start, end


class SlaState(StrEnum):
    MET = "met"  # first response given by the due time
    MISSED = "missed"  # first response given after it
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"  # no response yet, less than the at-risk share of the target left
    BREACHED = "breached"  # no response yet and past due

    @property
    def decided(self) -> bool:
        """Whether the outcome is known: the ticket counts towards compliance."""
        return self in (SlaState.MET, SlaState.MISSED, SlaState.BREACHED)


@dataclass(frozen=True)
class SlaAssessment:
    """One ticket's first-response SLA at a moment.

    ``region`` is the one whose calendar applied (the policy's default when the ticket has none).
    ``remaining`` is business time left before ``due_at`` (for a met ticket: what was to spare); once
    past due it is minus the *real* time since ``due_at`` (for a missed ticket: how late the reply
    was). Real time, because that is what the customer waited and what "overdue by" should say: a
    ticket due Friday 18:00 still unanswered on Monday 08:00 is 62 hours late, not zero. The two
    halves meet at zero on ``due_at``, so ``remaining`` only ever falls as time passes.
    """

    ref: str
    priority: TicketPriority
    region: Region
    due_at: datetime
    state: SlaState
    remaining: timedelta


def _clock_stop(ticket: Ticket) -> datetime | None:
    """When the first-response clock stopped: the first public reply, else the solve.

    A ticket solved without a public reply (solved by the customer, merged, spam) needs no reply any
    more; like Zendesk, count it as answered when solved. The ticket snapshot has no solved time,
    so ``updated_at`` stands in for it: at worst a later edit makes a solve look later than it was.
    """
    if ticket.first_response_at is not None:
        return ticket.first_response_at
    return None if ticket.status.unsolved else ticket.updated_at


def assess(ticket: Ticket, now: datetime, policy: SlaPolicy) -> SlaAssessment:
    """The ticket's SLA as of ``now``. A reply or solve later than ``now`` is not yet known at ``now``,
    so the same ticket can be replayed at any moment of an incident."""
    region = ticket.region or policy.default_region
    calendar = policy.calendar_for(ticket.priority, region)
    target = policy.targets[ticket.priority]
    due = calendar.add(ticket.created_at, target)
    at = _utc(now)
    stopped = _clock_stop(ticket)
    if stopped is not None and (stopped := _utc(stopped)) <= at:
        if stopped <= due:
            state, remaining = SlaState.MET, calendar.elapsed(stopped, due)
        else:
            state, remaining = SlaState.MISSED, due - stopped
    elif at > due:
        state, remaining = SlaState.BREACHED, due - at
    else:
        remaining = calendar.elapsed(at, due)
        state = SlaState.AT_RISK if remaining < target * policy.at_risk_fraction else SlaState.ON_TRACK
    return SlaAssessment(ticket.ref, ticket.priority, region, due, state, remaining)


def assess_all(tickets: Iterable[Ticket], now: datetime, policy: SlaPolicy) -> list[SlaAssessment]:
    return [assess(ticket, now, policy) for ticket in tickets]


def _most_urgent_first(assessments: Iterable[SlaAssessment], state: SlaState) -> list[SlaAssessment]:
    chosen = [a for a in assessments if a.state is state]
    # Least remaining first (for breached tickets: most overdue first); earlier due, then ref, break
    # ties so the lists are stable from one refresh to the next.
    return sorted(chosen, key=lambda a: (a.remaining, a.due_at, a.ref))


def at_risk(assessments: Iterable[SlaAssessment]) -> list[SlaAssessment]:
    """Unanswered tickets close to their due time, least time left first."""
    return _most_urgent_first(assessments, SlaState.AT_RISK)


def breached(assessments: Iterable[SlaAssessment]) -> list[SlaAssessment]:
    """Unanswered tickets past their due time, longest overdue first."""
    return _most_urgent_first(assessments, SlaState.BREACHED)


def compliance(assessments: Iterable[SlaAssessment]) -> float | None:
    """F9.5: the percentage of decided tickets (met, missed, breached) whose first response met the
    target; None when none is decided yet, since 0% and 100% would both be false."""
    decided = [a for a in assessments if a.state.decided]
    if not decided:
        return None
    return 100.0 * sum(a.state is SlaState.MET for a in decided) / len(decided)
