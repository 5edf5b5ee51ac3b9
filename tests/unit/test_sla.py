"""The first-response SLA clock: business hours, weekends, DST changes, states and configuration.

Expected due instants are worked out by hand in the comments; each DST case is one where ignoring
the change would be off by exactly an hour.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sirf.domain.errors import ValidationFailed
from sirf.domain.regions import Region
from sirf.domain.sla import (
    BusinessCalendar,
    SlaAssessment,
    SlaPolicy,
    SlaState,
    assess,
    assess_all,
    at_risk,
    breached,
    compliance,
)
from sirf.domain.tickets import Ticket, TicketPriority, TicketStatus

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
EVERY_DAY = frozenset(range(7))
H = timedelta(hours=1)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def ticket(
    created_at: datetime,
    *,
    priority: TicketPriority = TicketPriority.HIGH,
    region: Region | None = Region.EMEA,
    ref: str = "1",
    status: TicketStatus = TicketStatus.OPEN,
    first_response_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> Ticket:
    return Ticket(
        ref=ref,
        subject="Cannot log in",
        created_at=created_at,
        updated_at=updated_at or created_at,
        priority=priority,
        status=status,
        region=region,
        first_response_at=first_response_at,
    )


def due(
    created_at: datetime, *, priority: TicketPriority = TicketPriority.HIGH, region: Region = Region.EMEA
) -> datetime:
    return assess(ticket(created_at, priority=priority, region=region), created_at, SlaPolicy()).due_at


# -- concrete cases ----------------------------------------------------------------------------------


def test_high_ticket_opened_friday_afternoon_is_due_monday_morning() -> None:
    # 2026-01-16 is a Friday; London is on GMT (= UTC). 16:00-18:00 Friday is 2 h, Monday 08:00 + 2 h.
    assert due(utc(2026, 1, 16, 16)) == utc(2026, 1, 19, 10)


def test_each_priority_has_its_handbook_target() -> None:
    friday = utc(2026, 1, 16, 16)
    # normal 8 h: 2 h Friday + 6 h Monday -> Monday 14:00.
    assert due(friday, priority=TicketPriority.NORMAL) == utc(2026, 1, 19, 14)
    # low 24 h: 2 h Friday + 10 h Monday + 10 h Tuesday + 2 h Wednesday -> Wednesday 10:00.
    assert due(friday, priority=TicketPriority.LOW) == utc(2026, 1, 21, 10)
    # urgent 30 min, around the clock.
    assert due(friday, priority=TicketPriority.URGENT) == utc(2026, 1, 16, 16, 30)


def test_ticket_created_on_saturday_starts_counting_monday_at_eight() -> None:
    assert due(utc(2026, 1, 17, 11)) == utc(2026, 1, 19, 12)


def test_ticket_created_after_hours_starts_counting_next_morning() -> None:
    # Tuesday 21:00 London: the clock starts Wednesday 08:00.
    assert due(utc(2026, 1, 13, 21)) == utc(2026, 1, 14, 12)


def test_urgent_runs_through_the_night_and_the_weekend() -> None:
    saturday_night = utc(2026, 1, 17, 23, 50)
    assert due(saturday_night, priority=TicketPriority.URGENT) == utc(2026, 1, 18, 0, 20)


def test_a_priority_removed_from_always_on_follows_business_hours() -> None:
    policy = SlaPolicy(always_on=frozenset())
    result = assess(
        ticket(utc(2026, 1, 17, 23, 50), priority=TicketPriority.URGENT), utc(2026, 1, 18), policy
    )
    assert result.due_at == utc(2026, 1, 19, 8, 30)


def test_ticket_without_region_uses_the_default_region() -> None:
    # Friday 16:00 New York (EST, 21:00 UTC) -> Monday 10:00 EST = 15:00 UTC.
    result = assess(ticket(utc(2026, 1, 16, 21), region=None), utc(2026, 1, 16, 21), SlaPolicy())
    assert result.region is Region.AMER
    assert result.due_at == utc(2026, 1, 19, 15)


def test_due_instants_are_returned_in_utc() -> None:
    created = datetime(2026, 1, 16, 16, tzinfo=SYDNEY)
    result = assess(ticket(created, region=Region.APAC), created, SlaPolicy())
    assert result.due_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("zone", "day", "before", "after"),
    [
        (NEW_YORK, date(2026, 3, 8), timedelta(hours=-5), timedelta(hours=-4)),
        (NEW_YORK, date(2026, 11, 1), timedelta(hours=-4), timedelta(hours=-5)),
        (LONDON, date(2026, 3, 29), timedelta(0), timedelta(hours=1)),
        (LONDON, date(2026, 10, 25), timedelta(hours=1), timedelta(0)),
        (SYDNEY, date(2026, 4, 5), timedelta(hours=11), timedelta(hours=10)),
        (SYDNEY, date(2026, 10, 4), timedelta(hours=10), timedelta(hours=11)),
    ],
)
def test_the_dst_dates_used_below_are_real(
    zone: ZoneInfo, day: date, before: timedelta, after: timedelta
) -> None:
    assert datetime.combine(day, time(0), tzinfo=zone).utcoffset() == before
    assert datetime.combine(day, time(12), tzinfo=zone).utcoffset() == after


@pytest.mark.parametrize(
    ("region", "priority", "created", "expected"),
    [
        # US spring forward (Sun 2026-03-08). Fri 16:00 EST = 21:00Z; 2 h Fri, Mon 08:00 EDT + 2 h
        # = 10:00 EDT = 14:00Z (15:00Z if the change were ignored).
        (Region.AMER, TicketPriority.HIGH, datetime(2026, 3, 6, 16, tzinfo=NEW_YORK), utc(2026, 3, 9, 14)),
        # Thu 17:00 EST: 1 h Thu + 10 Fri + 10 Mon + 3 Tue -> Tue 11:00 EDT = 15:00Z.
        (Region.AMER, TicketPriority.LOW, datetime(2026, 3, 5, 17, tzinfo=NEW_YORK), utc(2026, 3, 10, 15)),
        # US fall back (Sun 2026-11-01). Fri 14:00 EDT: 4 h Fri + 4 h Mon -> 12:00 EST = 17:00Z.
        (
            Region.AMER,
            TicketPriority.NORMAL,
            datetime(2026, 10, 30, 14, tzinfo=NEW_YORK),
            utc(2026, 11, 2, 17),
        ),
        # EU spring forward (Sun 2026-03-29). Fri 17:00 GMT: 1 h Fri + 3 h Mon -> 11:00 BST = 10:00Z.
        (Region.EMEA, TicketPriority.HIGH, datetime(2026, 3, 27, 17, tzinfo=LONDON), utc(2026, 3, 30, 10)),
        # EU fall back (Sun 2026-10-25). Fri 17:00 BST: 1 h Fri + 3 h Mon -> 11:00 GMT = 11:00Z.
        (Region.EMEA, TicketPriority.HIGH, datetime(2026, 10, 23, 17, tzinfo=LONDON), utc(2026, 10, 26, 11)),
        # Sydney DST ends (Sun 2026-04-05). Fri 16:00 AEDT: 2 h Fri + 2 h Mon -> 10:00 AEST = 00:00Z.
        (Region.APAC, TicketPriority.HIGH, datetime(2026, 4, 3, 16, tzinfo=SYDNEY), utc(2026, 4, 6, 0)),
        # Sydney DST starts (Sun 2026-10-04). Fri 16:00 AEST: 2 h Fri + 2 h Mon -> 10:00 AEDT = 23:00Z Sun.
        (Region.APAC, TicketPriority.HIGH, datetime(2026, 10, 2, 16, tzinfo=SYDNEY), utc(2026, 10, 4, 23)),
    ],
)
def test_due_instants_across_dst_changes(
    region: Region, priority: TicketPriority, created: datetime, expected: datetime
) -> None:
    assert due(created, region=region, priority=priority) == expected


def test_urgent_across_the_spring_forward_counts_real_minutes() -> None:
    # 01:45 EST = 06:45Z; 30 real minutes later is 07:15Z, which New York calls 03:15 EDT.
    created = datetime(2026, 3, 8, 1, 45, tzinfo=NEW_YORK)
    assert due(created, region=Region.AMER, priority=TicketPriority.URGENT) == utc(2026, 3, 8, 7, 15)


def test_a_working_week_is_fifty_hours_even_across_a_dst_change() -> None:
    calendar = BusinessCalendar("Europe/London")
    start = datetime(2026, 3, 23, tzinfo=LONDON)  # Monday before the EU change
    end = datetime(2026, 3, 30, tzinfo=LONDON)
    # (Subtracting two datetimes of the same zone gives wall-clock time; compare real time in UTC.)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=167)
    assert calendar.elapsed(start, end) == timedelta(hours=50)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("America/New_York", date(2026, 3, 8), 5),
        ("America/New_York", date(2026, 11, 1), 7),
        ("Europe/London", date(2026, 3, 29), 5),
        ("Europe/London", date(2026, 10, 25), 7),
    ],
)
def test_a_window_containing_the_changed_hour_is_measured_in_real_time(
    zone: str, day: date, hours: int
) -> None:
    night_shift = BusinessCalendar(zone, EVERY_DAY, time(0), time(6))
    local = ZoneInfo(zone)
    start = datetime.combine(day, time(0), tzinfo=local)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=local)
    assert night_shift.elapsed(start, end) == timedelta(hours=hours)
    assert night_shift.add(start, timedelta(hours=hours)) == datetime.combine(day, time(6), tzinfo=local)


def test_a_window_opening_in_the_skipped_hour_opens_when_the_clock_jumps() -> None:
    # 02:30 never happens in New York on 2026-03-08: the team starts at the jump, 03:00 EDT = 07:00Z.
    calendar = BusinessCalendar("America/New_York", EVERY_DAY, time(2, 30), time(12))
    midnight = datetime(2026, 3, 8, tzinfo=NEW_YORK)
    assert calendar.add(midnight, timedelta(minutes=1)) == utc(2026, 3, 8, 7, 1)
    assert calendar.elapsed(midnight, midnight + timedelta(days=1)) == timedelta(hours=9)


def test_a_whole_day_window_is_twenty_four_hours_on_ordinary_days() -> None:
    round_the_clock_weekdays = BusinessCalendar("Europe/London", start=time(0), end=time(0))
    friday = datetime(2026, 1, 16, tzinfo=LONDON)
    assert round_the_clock_weekdays.elapsed(friday, friday + timedelta(days=3)) == timedelta(hours=24)


def test_business_time_helpers_refuse_naive_times_and_negative_durations() -> None:
    calendar = BusinessCalendar("Europe/London")
    with pytest.raises(ValidationFailed):
        calendar.elapsed(datetime(2026, 1, 1), utc(2026, 1, 2))
    with pytest.raises(ValidationFailed):
        calendar.add(utc(2026, 1, 1), -H)


@pytest.mark.parametrize(
    "build",
    [
        lambda: BusinessCalendar("Mars/Olympus_Mons"),
        lambda: BusinessCalendar("Europe/London", weekdays=frozenset()),
        lambda: BusinessCalendar("Europe/London", weekdays=frozenset({7})),
        lambda: BusinessCalendar("Europe/London", start=time(18), end=time(8)),
    ],
)
def test_invalid_calendars_are_refused(build: Callable[[], object]) -> None:
    with pytest.raises(ValidationFailed):
        build()


# -- states ------------------------------------------------------------------------------------------

MONDAY_9 = utc(2026, 1, 12, 9)  # London, GMT; high ticket due at 13:00 the same day
POLICY = SlaPolicy()


def test_met_when_first_response_is_within_target() -> None:
    result = assess(ticket(MONDAY_9, first_response_at=utc(2026, 1, 12, 10)), utc(2026, 1, 12, 15), POLICY)
    assert result.state is SlaState.MET
    assert result.remaining == 3 * H


def test_a_response_exactly_at_the_due_time_is_met() -> None:
    result = assess(ticket(MONDAY_9, first_response_at=utc(2026, 1, 12, 13)), utc(2026, 1, 12, 15), POLICY)
    assert (result.state, result.remaining) == (SlaState.MET, timedelta(0))


def test_missed_when_first_response_is_late_by_real_time() -> None:
    result = assess(ticket(MONDAY_9, first_response_at=utc(2026, 1, 12, 14, 30)), utc(2026, 1, 13), POLICY)
    assert result.state is SlaState.MISSED
    assert result.remaining == -90 * timedelta(minutes=1)


def test_on_track_then_at_risk_then_breached_as_time_passes() -> None:
    open_ticket = ticket(MONDAY_9)
    on_track = assess(open_ticket, utc(2026, 1, 12, 10), POLICY)
    assert (on_track.state, on_track.remaining) == (SlaState.ON_TRACK, 3 * H)
    # Less than 25% of 4 h (= 1 h) left.
    at_risk_now = assess(open_ticket, utc(2026, 1, 12, 12, 30), POLICY)
    assert (at_risk_now.state, at_risk_now.remaining) == (SlaState.AT_RISK, timedelta(minutes=30))
    at_due = assess(open_ticket, utc(2026, 1, 12, 13), POLICY)
    assert (at_due.state, at_due.remaining) == (SlaState.AT_RISK, timedelta(0))
    late = assess(open_ticket, utc(2026, 1, 12, 13, 0, 1), POLICY)
    assert (late.state, late.remaining) == (SlaState.BREACHED, -timedelta(seconds=1))


def test_exactly_the_at_risk_share_left_is_still_on_track() -> None:
    assert assess(ticket(MONDAY_9), utc(2026, 1, 12, 12), POLICY).state is SlaState.ON_TRACK


def test_remaining_before_due_is_business_time() -> None:
    # Created Friday 17:00 (due Monday 11:00); at Saturday noon 3 business hours are left.
    result = assess(ticket(utc(2026, 1, 16, 17)), utc(2026, 1, 17, 12), POLICY)
    assert (result.state, result.remaining) == (SlaState.ON_TRACK, 3 * H)


def test_overdue_is_real_time_the_customer_waited() -> None:
    # Created Friday 14:00, due Friday 18:00; on Monday 08:00 it is 62 h overdue.
    result = assess(ticket(utc(2026, 1, 16, 14)), utc(2026, 1, 19, 8), POLICY)
    assert result.due_at == utc(2026, 1, 16, 18)
    assert (result.state, result.remaining) == (SlaState.BREACHED, -62 * H)


def test_a_reply_after_now_is_not_yet_known() -> None:
    replied = ticket(MONDAY_9, first_response_at=utc(2026, 1, 12, 11))
    assert assess(replied, utc(2026, 1, 12, 10), POLICY).state is SlaState.ON_TRACK
    assert assess(replied, utc(2026, 1, 12, 11), POLICY).state is SlaState.MET


def test_a_ticket_solved_without_reply_stops_its_clock_at_the_solve() -> None:
    in_time = ticket(MONDAY_9, status=TicketStatus.SOLVED, updated_at=utc(2026, 1, 12, 12))
    assert assess(in_time, utc(2026, 1, 13), POLICY).state is SlaState.MET
    too_late = ticket(MONDAY_9, status=TicketStatus.CLOSED, updated_at=utc(2026, 1, 12, 16))
    assert assess(too_late, utc(2026, 1, 13), POLICY).state is SlaState.MISSED
    # Pending is not solved: still waiting for the first reply.
    pending = ticket(MONDAY_9, status=TicketStatus.PENDING, updated_at=utc(2026, 1, 12, 12))
    assert assess(pending, utc(2026, 1, 13), POLICY).state is SlaState.BREACHED


def test_lists_and_compliance() -> None:
    now = utc(2026, 1, 12, 12, 45)
    tickets = [
        ticket(MONDAY_9, ref="met", first_response_at=utc(2026, 1, 12, 9, 30)),
        ticket(utc(2026, 1, 12, 8), ref="missed", first_response_at=utc(2026, 1, 12, 12, 30)),
        ticket(utc(2026, 1, 12, 8, 30), ref="late-a"),  # due 12:30, 15 min overdue
        ticket(utc(2026, 1, 12, 8), ref="late-b"),  # due 12:00, 45 min overdue
        ticket(utc(2026, 1, 12, 9), ref="risk-a"),  # due 13:00, 15 min left
        ticket(utc(2026, 1, 12, 9, 30), ref="risk-b"),  # due 13:30, 45 min left
        ticket(utc(2026, 1, 12, 12), ref="fine"),
    ]
    assessments = assess_all(tickets, now, POLICY)
    assert [a.ref for a in breached(assessments)] == ["late-b", "late-a"]
    assert [a.ref for a in at_risk(assessments)] == ["risk-a", "risk-b"]
    assert {a.ref: a.state for a in assessments}["fine"] is SlaState.ON_TRACK
    # Decided: met, missed, late-a, late-b -> 1 of 4 met.
    assert compliance(assessments) == 25.0


def test_compliance_is_unknown_until_something_is_decided() -> None:
    assert compliance([]) is None
    assert compliance(assess_all([ticket(MONDAY_9)], utc(2026, 1, 12, 10), POLICY)) is None


def test_assessment_names_the_ticket() -> None:
    result = assess(ticket(MONDAY_9, ref="4711", priority=TicketPriority.LOW), MONDAY_9, POLICY)
    assert result == SlaAssessment(
        "4711", TicketPriority.LOW, Region.EMEA, utc(2026, 1, 14, 13), SlaState.ON_TRACK, 24 * H
    )


# -- configuration -----------------------------------------------------------------------------------


def test_from_mapping_reads_every_key() -> None:
    policy = SlaPolicy.from_mapping(
        {
            "targets": {"urgent": "15m", "high": "2h", "low": "1h30m"},
            "always_on": ["urgent", "high"],
            "at_risk_fraction": 0.5,
            "default_region": "emea",
            "calendars": {
                "apac": {"timezone": "Asia/Tokyo", "days": ["mon", "tue"], "hours": "09:00-17:30"},
                "amer": {"hours": "24x7"},
                "emea": {"hours": "00:00-24:00"},
            },
        }
    )
    assert policy.targets[TicketPriority.URGENT] == timedelta(minutes=15)
    assert policy.targets[TicketPriority.NORMAL] == 8 * H  # not given: the default
    assert policy.targets[TicketPriority.LOW] == timedelta(minutes=90)
    assert policy.always_on == {TicketPriority.URGENT, TicketPriority.HIGH}
    assert policy.at_risk_fraction == 0.5
    assert policy.default_region is Region.EMEA
    assert policy.calendars[Region.APAC] == BusinessCalendar(
        "Asia/Tokyo", frozenset({0, 1}), time(9), time(17, 30)
    )
    assert policy.calendars[Region.AMER].always_open
    assert policy.calendars[Region.EMEA] == BusinessCalendar("Europe/London", start=time(0), end=time(0))


def test_from_mapping_of_nothing_is_the_handbook_default() -> None:
    assert SlaPolicy.from_mapping({}) == SlaPolicy()


@pytest.mark.parametrize(
    ("data", "path", "hint"),
    [
        ({"targets": {"high": "4 hours"}}, "tickets.sla.targets.high", '"30m", "4h" or "1h30m"'),
        ({"targets": {"high": 240}}, "tickets.sla.targets.high", '"30m", "4h" or "1h30m"'),
        ({"targets": {"high": "0m"}}, "tickets.sla.targets.high", "from 1m to 720h"),
        ({"targets": {"critical": "1h"}}, "tickets.sla.targets.critical", "urgent, high, normal, low"),
        ({"targets": "4h"}, "tickets.sla.targets", "expected a table"),
        ({"always_on": "urgent"}, "tickets.sla.always_on", '["urgent"]'),
        ({"always_on": ["sev1"]}, "tickets.sla.always_on", "urgent, high, normal or low"),
        ({"at_risk_fraction": 25}, "tickets.sla.at_risk_fraction", "such as 0.25"),
        ({"at_risk_fraction": True}, "tickets.sla.at_risk_fraction", "such as 0.25"),
        ({"default_region": "europe"}, "tickets.sla.default_region", "emea, amer or apac"),
        ({"calendars": {"latam": {}}}, "tickets.sla.calendars.latam", "emea, amer, apac"),
        (
            {"calendars": {"emea": {"timezone": "Europe/Londres"}}},
            "tickets.sla.calendars.emea.timezone",
            "IANA name",
        ),
        ({"calendars": {"emea": {"days": ["monday"]}}}, "tickets.sla.calendars.emea.days", "mon, tue"),
        ({"calendars": {"emea": {"days": []}}}, "tickets.sla.calendars.emea.days", '["mon"'),
        ({"calendars": {"emea": {"hours": "8-18"}}}, "tickets.sla.calendars.emea.hours", '"08:00-18:00"'),
        ({"calendars": {"emea": {"hours": "18:00-08:00"}}}, "tickets.sla.calendars.emea.hours", "same day"),
        ({"calendars": {"emea": {"hours": "08:00-25:00"}}}, "tickets.sla.calendars.emea.hours", "24:00"),
        (
            {"calendars": {"emea": {"hours": "24x7", "days": ["mon"]}}},
            "tickets.sla.calendars.emea.days",
            "00:00-24:00",
        ),
        ({"calendars": {"emea": {"tz": "UTC"}}}, "tickets.sla.calendars.emea.tz", "timezone, days, hours"),
        ({"target": {}}, "tickets.sla.target", "allowed here: targets, always_on"),
    ],
)
def test_from_mapping_refuses_bad_input_naming_the_path(
    data: dict[str, object], path: str, hint: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        SlaPolicy.from_mapping(data)
    assert caught.value.message.startswith(f"{path}: ")
    assert hint in caught.value.message
    assert caught.value.details["field"] == path


def test_from_mapping_uses_the_given_path() -> None:
    with pytest.raises(ValidationFailed, match=r"^sla\.targets\.low: "):
        SlaPolicy.from_mapping({"targets": {"low": "soon"}}, path="sla")


def test_policy_refuses_incomplete_targets_and_calendars() -> None:
    with pytest.raises(ValidationFailed):
        SlaPolicy(targets={TicketPriority.HIGH: H})
    with pytest.raises(ValidationFailed):
        SlaPolicy(calendars={Region.EMEA: BusinessCalendar("Europe/London")})
    with pytest.raises(ValidationFailed):
        SlaPolicy(at_risk_fraction=1.0)


# -- properties --------------------------------------------------------------------------------------

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "UTC")
# The 2026 changes of the zones above; instants are drawn near them often, as that is where bugs hide.
CHANGES = [
    utc(2026, 3, 8, 7),
    utc(2026, 11, 1, 6),
    utc(2026, 3, 29, 1),
    utc(2026, 10, 25, 1),
    utc(2026, 4, 4, 16),
    utc(2026, 10, 3, 16),
]


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    if draw(st.integers(0, 9)) == 0:
        return BusinessCalendar(zone, always_open=True)
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    # Any quarter-hour start, including ones inside the skipped or repeated hour; end 00:00 = midnight.
    start = draw(st.integers(0, 95))
    end = draw(st.integers(start + 1, 96))
    return BusinessCalendar(zone, days, _quarter(start), _quarter(end % 96))


def _quarter(index: int) -> time:
    return time(index // 4, index % 4 * 15)


instants = st.one_of(
    st.datetimes(datetime(2025, 12, 1), datetime(2027, 2, 1), timezones=st.just(UTC)),
    st.builds(
        lambda change, seconds: change + timedelta(seconds=seconds),
        st.sampled_from(CHANGES),
        st.integers(-4 * 86_400, 4 * 86_400),
    ),
)
durations = st.timedeltas(timedelta(0), timedelta(hours=200))


@given(calendars(), instants, durations)
def test_elapsed_inverts_add(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> None:
    end = calendar.add(start, duration)
    assert end.tzinfo is UTC
    assert end >= start
    assert calendar.elapsed(start, end) == duration


@given(calendars(), instants, durations, durations)
def test_add_is_monotonic(calendar: BusinessCalendar, start: datetime, a: timedelta, b: timedelta) -> None:
    shorter, longer = sorted((a, b))
    assert calendar.add(start, shorter) <= calendar.add(start, longer)


@given(
    calendars(),
    instants,
    st.timedeltas(timedelta(0), timedelta(days=20)),
    st.timedeltas(timedelta(0), timedelta(days=20)),
)
def test_elapsed_is_additive(calendar: BusinessCalendar, a: datetime, ab: timedelta, bc: timedelta) -> None:
    b, c = a + ab, a + ab + bc
    assert calendar.elapsed(a, c) == calendar.elapsed(a, b) + calendar.elapsed(b, c)


@given(calendars(), instants, instants)
def test_elapsed_never_exceeds_wall_time(calendar: BusinessCalendar, a: datetime, b: datetime) -> None:
    start, end = sorted((a, b))
    assert timedelta(0) <= calendar.elapsed(start, end) <= end - start
    assert calendar.elapsed(end, start) == timedelta(0)


@given(
    st.sampled_from(ZONES),
    st.dates(date(2025, 12, 1), date(2027, 1, 31)),
    st.timedeltas(timedelta(0), timedelta(hours=47)),
    st.timedeltas(timedelta(0), timedelta(hours=47)),
)
def test_nothing_elapses_inside_a_weekend(zone: str, day: date, a: timedelta, b: timedelta) -> None:
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    # The shortest weekend (spring forward) is 47 real hours from Saturday 00:00 to Monday 00:00.
    midnight = datetime.combine(saturday, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    start, end = sorted((midnight + a, midnight + b))
    assert BusinessCalendar(zone).elapsed(start, end) == timedelta(0)
    assert BusinessCalendar(zone, start=time(0), end=time(0)).elapsed(start, end) == timedelta(0)


# Each 2026 change with its zone, and whether the clock goes back (repeats an hour) or forward.
ZONED_CHANGES = [
    ("America/New_York", utc(2026, 3, 8, 7), False),
    ("America/New_York", utc(2026, 11, 1, 6), True),
    ("Europe/London", utc(2026, 3, 29, 1), False),
    ("Europe/London", utc(2026, 10, 25, 1), True),
    ("Australia/Sydney", utc(2026, 4, 4, 16), True),
    ("Australia/Sydney", utc(2026, 10, 3, 16), False),
]


@st.composite
def oracle_cases(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime]:
    """A calendar in the zone of a DST change and a start near that change.

    The referee below reads the wall clock minute by minute: "open while start <= wall < end". That
    agrees with the calendar's rule (a window opens the first time the clock shows its start) for every
    time, skipped ones included, except a time the clock shows twice; so on a fall-back day no end
    point is drawn between 01:00 and 02:59. Early starts are drawn often, as they contain the change.
    """
    zone, change, falls_back = draw(st.sampled_from(ZONED_CHANGES))
    hour = draw(st.one_of(st.integers(0, 3), st.integers(0, 23)))
    assume(not (falls_back and hour in (1, 2)))
    start = time(hour, draw(st.sampled_from((0, 15, 30, 45))))
    ends = [h for h in range(hour + 1, 25) if not (falls_back and h in (1, 2))]
    end_hour = draw(st.sampled_from(ends))
    end = MIDNIGHT_END if end_hour == 24 else time(end_hour, draw(st.sampled_from((0, 30))))
    days = draw(st.one_of(st.just(EVERY_DAY), st.frozensets(st.integers(0, 6), min_size=1)))
    offset = timedelta(minutes=draw(st.integers(-1440, 720)))
    return BusinessCalendar(zone, days, start, end), change + offset


MIDNIGHT_END = time(0)


def _open_at(calendar: BusinessCalendar, instant: datetime) -> bool:
    wall = instant.astimezone(ZoneInfo(calendar.timezone))
    if wall.weekday() not in calendar.weekdays:
        return False
    clock = wall.time().replace(tzinfo=None)
    return calendar.start <= clock and (calendar.end == MIDNIGHT_END or clock < calendar.end)


@settings(max_examples=150, deadline=None)
@given(oracle_cases(), st.integers(0, 3 * 1440))
def test_elapsed_matches_a_minute_by_minute_count_around_dst_changes(
    case: tuple[BusinessCalendar, datetime], length: int
) -> None:
    calendar, start = case
    minutes = sum(_open_at(calendar, start + timedelta(minutes=m)) for m in range(length))
    assert calendar.elapsed(start, start + timedelta(minutes=length)) == timedelta(minutes=minutes)
