"""Customer-impact figures (F8.5, F8.6, F8.8, F9.4, F9.5): small hand-computed cases, then properties."""

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sirf.domain.errors import ValidationFailed
from sirf.domain.impact import QueueThresholds, compute_impact, csat_percent
from sirf.domain.regions import Region
from sirf.domain.tickets import CsatTrend, QueueHealth, Satisfaction, Segment, Ticket, TicketStatus
from sirf.templates.context import IssueCount, RegionCount, SegmentCount, TicketFigures
from sirf.templates.impact_figures import ticket_figures

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
DEFAULTS = QueueThresholds()
_refs = iter(range(1, 10**9))


def at(hour, minute=0, second=0):
    return datetime(2026, 1, 1, hour, minute, second, tzinfo=UTC)


def ticket(created=None, **fields):
    created = created or NOW - timedelta(minutes=30)
    fields.setdefault("status", TicketStatus.OPEN)
    return Ticket(
        ref=str(next(_refs)), subject="Checkout fails", created_at=created, updated_at=created, **fields
    )


def impact(tickets, **options):
    options.setdefault("thresholds", DEFAULTS)
    return compute_impact(tickets, now=NOW, **options)


# --- volume and who is affected ---------------------------------------------------------------


def test_no_tickets_gives_zeros_and_unknowns():
    figures = impact([])
    assert (figures.total_tickets, figures.active_tickets, figures.awaiting_first_response) == (0, 0, 0)
    assert (figures.escalated, figures.organisations, figures.customers) == (0, 0, 0)
    assert figures.segments == figures.regions == figures.hourly == figures.top_issues == ()
    assert (figures.tickets_per_hour, figures.peak_per_hour, figures.peak_hour) == (0, 0, None)
    assert figures.current_response_time is figures.average_response_time is figures.longest_wait is None
    assert figures.queue_health is QueueHealth.HEALTHY
    assert figures.csat_percent is figures.csat_trend is None
    assert figures.csat_ratings == 0
    assert figures.first_ticket_at is figures.last_ticket_at is None


def test_customers_are_organisations_plus_requesters_without_one():
    figures = impact(
        [
            ticket(organization="acme", requester="ann@acme.example"),
            ticket(organization="acme", requester="bob@acme.example"),
            ticket(organization="globex", requester="ann@acme.example"),
            ticket(requester="carol@mail.example"),
            ticket(requester="carol@mail.example"),
            ticket(requester="dan@mail.example"),
            ticket(),  # neither: nobody to count
        ]
    )
    assert figures.organisations == 2
    assert figures.customers == 4
    assert figures.total_tickets == 7


def test_an_organisation_and_a_requester_of_the_same_name_are_two_customers():
    figures = impact([ticket(organization="alice"), ticket(requester="alice")])
    assert (figures.organisations, figures.customers) == (1, 2)


def test_segments_and_regions_most_first_with_ties_in_the_handbook_order():
    tickets = [
        *(ticket(segment=Segment.SMB, region=Region.APAC) for _ in range(3)),
        ticket(segment=Segment.PERSONAL, region=Region.EMEA),
        ticket(segment=Segment.ENTERPRISE, region=Region.APAC),
        ticket(region=Region.EMEA),
        ticket(),
    ]
    figures = impact(tickets)
    assert figures.segments == ((Segment.SMB, 3), (Segment.ENTERPRISE, 1), (Segment.PERSONAL, 1))
    assert figures.unclassified_segment == 2
    assert figures.regions == ((Region.APAC, 4), (Region.EMEA, 2))  # AMER has none: left out
    assert figures.unclassified_region == 1


def test_active_awaiting_and_escalated_count_unsolved_tickets():
    answered = {"first_response_at": at(11, 50)}
    figures = impact(
        [
            ticket(status=TicketStatus.NEW),
            ticket(status=TicketStatus.OPEN, **answered),
            ticket(status=TicketStatus.PENDING, escalated=True, **answered),
            ticket(status=TicketStatus.HOLD),
            ticket(status=TicketStatus.SOLVED, escalated=True),  # never answered, but solved
            ticket(status=TicketStatus.CLOSED, **answered),
        ]
    )
    assert figures.active_tickets == 4
    assert figures.awaiting_first_response == 2
    assert (figures.escalated, figures.escalated_total) == (1, 2)


# --- over time ----------------------------------------------------------------------------------


def test_hourly_series_is_zero_filled_up_to_now_and_the_earliest_peak_wins():
    figures = impact([ticket(at(9, 10)), ticket(at(9, 50)), ticket(at(11, 5)), ticket(at(11, 59))])
    assert figures.hourly == ((at(9), 2), (at(10), 0), (at(11), 2), (at(12), 0))
    assert (figures.peak_per_hour, figures.peak_hour) == (2, at(9))
    assert (figures.first_ticket_at, figures.last_ticket_at) == (at(9, 10), at(11, 59))


def test_hours_are_utc_hours_whatever_zone_the_ticket_system_uses():
    tokyo = timezone(timedelta(hours=9))
    figures = impact([ticket(datetime(2026, 1, 1, 19, 30, tzinfo=tokyo))])  # 10:30 UTC
    assert figures.hourly == ((at(10), 1), (at(11), 0), (at(12), 0))
    assert figures.hourly[0][0].utcoffset() == timedelta(0)


def test_the_last_hour_excludes_a_ticket_exactly_an_hour_old_and_includes_one_at_now():
    figures = impact([ticket(at(11, 0)), ticket(at(11, 0, 1)), ticket(NOW)])
    assert figures.tickets_per_hour == 2


def test_a_ticket_stamped_after_now_counts_in_the_current_hour():
    late = NOW + timedelta(seconds=5)
    figures = impact([ticket(late)])
    assert figures.hourly == ((at(12), 1),)
    assert figures.tickets_per_hour == 1
    assert figures.last_ticket_at == late


# --- first responses and queue health ------------------------------------------------------------


def test_current_response_time_covers_first_answers_of_the_last_hour_only():
    figures = impact(
        [
            ticket(at(10), first_response_at=at(10, 30)),  # 30 min, answered before the last hour
            ticket(at(10, 30), first_response_at=at(11)),  # 30 min, answered exactly an hour ago
            ticket(at(11), first_response_at=at(11, 20)),  # 20 min
            ticket(at(11, 30), first_response_at=at(11, 40)),  # 10 min
            ticket(at(11, 50)),  # not answered
        ]
    )
    assert figures.current_response_time == timedelta(minutes=15)
    assert figures.average_response_time == timedelta(minutes=22, seconds=30)
    assert figures.longest_wait == timedelta(minutes=10)


def test_a_first_response_stamped_before_creation_counts_as_immediate():
    figures = impact([ticket(at(11, 30), first_response_at=at(11, 29))])
    assert figures.current_response_time == figures.average_response_time == timedelta(0)


@pytest.mark.parametrize(
    ("awaiting", "response", "health"),
    [
        (0, None, QueueHealth.HEALTHY),
        (24, timedelta(minutes=59, seconds=59), QueueHealth.HEALTHY),
        (25, None, QueueHealth.STRAINED),
        (0, timedelta(hours=1), QueueHealth.STRAINED),
        (99, timedelta(hours=3, minutes=59), QueueHealth.STRAINED),
        (100, None, QueueHealth.CRITICAL),
        (0, timedelta(hours=4), QueueHealth.CRITICAL),
    ],
)
def test_queue_health_at_each_threshold_edge(awaiting, response, health):
    assert DEFAULTS.health(awaiting, response) is health


def test_queue_health_from_tickets_awaiting_a_first_response():
    fresh = [ticket(NOW) for _ in range(24)]
    assert impact(fresh).queue_health is QueueHealth.HEALTHY
    assert impact([*fresh, ticket(NOW)]).queue_health is QueueHealth.STRAINED
    solved = ticket(NOW, status=TicketStatus.SOLVED)
    assert impact([*fresh, solved]).queue_health is QueueHealth.HEALTHY


def test_queue_health_from_the_current_response_time():
    slow = ticket(at(10), first_response_at=at(11, 30))  # 90 min, answered in the last hour
    assert impact([slow]).queue_health is QueueHealth.STRAINED


def test_a_ticket_nobody_answered_for_hours_makes_the_queue_critical():
    # Nothing was answered in the last hour, so there is no current response time to go by.
    figures = impact([ticket(at(8), status=TicketStatus.NEW)])
    assert figures.current_response_time is None
    assert figures.longest_wait == timedelta(hours=4)
    assert figures.queue_health is QueueHealth.CRITICAL


# --- CSAT --------------------------------------------------------------------------------------


def test_csat_percent_ignores_unrated_entries():
    good, bad = Satisfaction.GOOD, Satisfaction.BAD
    assert csat_percent([good, bad, None, good, good]) == 75.0
    assert csat_percent([]) is None
    assert csat_percent([None, None]) is None
    assert csat_percent(iter([bad])) == 0.0


@pytest.mark.parametrize(
    ("baseline", "trend"),
    [
        (92.0, CsatTrend.STABLE),  # 2 points below: within the margin
        (88.0, CsatTrend.STABLE),
        (92.5, CsatTrend.DECLINING),
        (87.5, CsatTrend.IMPROVING),
        (None, None),
    ],
)
def test_csat_against_the_baseline(baseline, trend):
    rated = [ticket(satisfaction=Satisfaction.GOOD) for _ in range(9)]
    rated += [ticket(satisfaction=Satisfaction.BAD), ticket()]
    figures = impact(rated, csat_baseline_percent=baseline)
    assert (figures.csat_percent, figures.csat_ratings) == (90.0, 10)
    assert figures.csat_baseline_percent == baseline
    assert figures.csat_trend is trend


def test_no_ratings_give_no_trend_even_with_a_baseline():
    figures = impact([ticket()], csat_baseline_percent=90.0)
    assert figures.csat_percent is figures.csat_trend is None


def test_top_issues_are_kept_most_reported_first():
    figures = impact([], top_issues=[("Emails late", 4), ("Checkout fails", 12), ("Login loops", 4)])
    assert figures.top_issues == (("Checkout fails", 12), ("Emails late", 4), ("Login loops", 4))


# --- into the template context ----------------------------------------------------------------


def test_ticket_figures_fill_the_template_context():
    tickets = [
        ticket(
            at(11),
            organization="acme",
            segment=Segment.ENTERPRISE,
            region=Region.EMEA,
            first_response_at=at(11, 20),
            satisfaction=Satisfaction.GOOD,
        ),
        ticket(at(11, 30), requester="carol@mail.example", segment=Segment.SMB, escalated=True),
    ]
    figures = impact(tickets, csat_baseline_percent=92.0, top_issues=[("Checkout fails", 2)])
    engineers = {Region.EMEA: 3, Region.AMER: 1}
    assert ticket_figures(figures, engineers_by_region=engineers.items(), support_staff=4) == TicketFigures(
        active_tickets=2,
        pending_responses=1,
        escalated=1,
        total_tickets=2,
        customers_reporting=2,
        tickets_per_hour=1,
        peak_tickets_per_hour=2,
        current_response_time=timedelta(minutes=20),
        average_response_time=timedelta(minutes=20),
        queue_health=QueueHealth.HEALTHY,
        top_issues=(IssueCount("Checkout fails", 2),),
        segments=(SegmentCount(Segment.ENTERPRISE, 1), SegmentCount(Segment.SMB, 1)),
        regions=(RegionCount(Region.EMEA, 1),),
        engineers_by_region=(RegionCount(Region.EMEA, 3), RegionCount(Region.AMER, 1)),
        support_staff=4,
        csat_percent=100.0,
        csat_baseline_percent=92.0,
    )


def test_ticket_figures_of_no_tickets_leave_the_unknowns_unknown():
    converted = ticket_figures(impact([]))
    assert converted.current_response_time is converted.csat_percent is converted.csat_trend is None
    assert converted.engineers_by_region == ()
    assert converted.support_staff is None


# --- configuration ------------------------------------------------------------------------------


def test_thresholds_from_a_toml_section():
    section = {
        "strained_awaiting": 10,
        "critical_awaiting": 40,
        "strained_response": "30m",
        "critical_response": "1h30m",
    }
    assert QueueThresholds.from_mapping(section) == QueueThresholds(
        10, 40, timedelta(minutes=30), timedelta(minutes=90)
    )


def test_keys_left_out_keep_their_defaults():
    assert QueueThresholds.from_mapping({}) == DEFAULTS
    assert QueueThresholds.from_mapping({"critical_response": "8h"}).strained_response == timedelta(hours=1)


@pytest.mark.parametrize(
    ("section", "where", "hint"),
    [
        ({"strained_waiting": 5}, "tickets.queue_health.strained_waiting", "allowed here"),
        ({"strained_awaiting": "25"}, "tickets.queue_health.strained_awaiting", "whole number"),
        ({"strained_awaiting": True}, "tickets.queue_health.strained_awaiting", "whole number"),
        ({"strained_awaiting": 0}, "tickets.queue_health.strained_awaiting", "from 1"),
        ({"strained_response": 60}, "tickets.queue_health.strained_response", '"90m"'),
        ({"strained_response": "1 hour"}, "tickets.queue_health.strained_response", '"1h"'),
        ({"strained_response": "0m"}, "tickets.queue_health.strained_response", "above zero"),
        ({"critical_response": "8d"}, "tickets.queue_health.critical_response", '"7d"'),
        ({"critical_awaiting": 20}, "tickets.queue_health.critical_awaiting", "lower strained_awaiting"),
        ({"critical_response": "45m"}, "tickets.queue_health.critical_response", "raise critical_response"),
    ],
)
def test_bad_thresholds_name_the_path_and_the_fix(section, where, hint):
    with pytest.raises(ValidationFailed) as raised:
        QueueThresholds.from_mapping(section)
    assert raised.value.details["field"] == where
    assert raised.value.message.startswith(f"{where}: ")
    assert hint in raised.value.message


def test_a_section_that_is_not_a_table_is_refused_at_its_own_path():
    with pytest.raises(ValidationFailed, match=r"^limits\.queue: expected a table"):
        QueueThresholds.from_mapping(25, path="limits.queue")


# --- properties ------------------------------------------------------------------------------


@st.composite
def tickets(draw):
    minutes = draw(st.integers(min_value=-72 * 60, max_value=2))  # a few tickets from a drifting clock
    created = NOW + timedelta(minutes=minutes)
    answer = draw(st.none() | st.integers(min_value=-5, max_value=600))
    return ticket(
        created,
        status=draw(st.sampled_from(TicketStatus)),
        organization=draw(st.none() | st.sampled_from(["acme", "globex", "initech"])),
        requester=draw(st.sampled_from(["", "ann", "bob", "carol"])),
        segment=draw(st.none() | st.sampled_from(Segment)),
        region=draw(st.none() | st.sampled_from(Region)),
        escalated=draw(st.booleans()),
        first_response_at=None if answer is None else created + timedelta(minutes=answer),
        satisfaction=draw(st.none() | st.sampled_from(Satisfaction)),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(tickets(), max_size=40), st.randoms(use_true_random=False))
def test_counts_add_up_and_input_order_does_not_matter(batch, shuffler):
    figures = impact(batch, csat_baseline_percent=90.0)
    total = len(batch)
    assert sum(count for _, count in figures.hourly) == total
    assert sum(count for _, count in figures.segments) + figures.unclassified_segment == total
    assert sum(count for _, count in figures.regions) + figures.unclassified_region == total
    assert figures.awaiting_first_response <= figures.active_tickets <= total
    assert figures.escalated <= figures.escalated_total <= total
    assert figures.organisations <= figures.customers
    assert figures.tickets_per_hour <= total
    if batch:
        hours = [hour for hour, _ in figures.hourly]
        assert hours == [hours[0] + timedelta(hours=n) for n in range(len(hours))]
        assert hours[-1] == at(12)
        assert figures.peak_per_hour == max(count for _, count in figures.hourly)
    shuffled = list(batch)
    shuffler.shuffle(shuffled)
    assert impact(shuffled, csat_baseline_percent=90.0) == figures


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=0, max_value=300),
    st.none() | st.integers(min_value=0, max_value=10 * 3600).map(lambda s: timedelta(seconds=s)),
)
def test_more_waiting_or_slower_answers_never_improve_queue_health(awaiting, response):
    order = list(QueueHealth)
    health = order.index(DEFAULTS.health(awaiting, response))
    assert order.index(DEFAULTS.health(awaiting + 1, response)) >= health
    slower = (response or timedelta(0)) + timedelta(minutes=1)
    assert order.index(DEFAULTS.health(awaiting, slower)) >= health


def test_a_large_shuffled_batch_matches_its_sorted_self():
    rng = random.Random(7)
    batch = [
        ticket(NOW - timedelta(minutes=rng.randrange(48 * 60)), segment=rng.choice([None, *Segment]))
        for _ in range(2000)
    ]
    shuffled = batch[:]
    rng.shuffle(shuffled)
    assert impact(batch) == impact(sorted(shuffled, key=lambda t: t.created_at))
