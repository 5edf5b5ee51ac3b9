"""F6.4 regions: which shift covers an hour, and who is on call per role and region."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sirf.domain.errors import ValidationFailed
from sirf.domain.regions import DEFAULT_REGION_HOURS, Region, RegionHours, Roster, region_on_shift
from sirf.domain.roles import Role

EXPECTED_BY_HOUR = dict.fromkeys((23, 0, 1, 2, 3, 4, 5, 6), Region.APAC)
EXPECTED_BY_HOUR.update(dict.fromkeys(range(7, 15), Region.EMEA))
EXPECTED_BY_HOUR.update(dict.fromkeys(range(15, 23), Region.AMER))


@pytest.mark.parametrize("hour", range(24))
def test_default_shifts_cover_every_hour_once(hour):
    at = datetime(2026, 1, 1, hour, 30, tzinfo=UTC)
    assert region_on_shift(DEFAULT_REGION_HOURS, at) is EXPECTED_BY_HOUR[hour]
    assert sum(shift.covers(hour) for shift in DEFAULT_REGION_HOURS) == 1


def test_a_non_utc_time_is_converted_first():
    tokyo = timezone(timedelta(hours=9))
    assert region_on_shift(DEFAULT_REGION_HOURS, datetime(2026, 1, 1, 9, 0, tzinfo=tokyo)) is Region.APAC
    new_york = timezone(timedelta(hours=-5))
    assert region_on_shift(DEFAULT_REGION_HOURS, datetime(2026, 1, 1, 11, 0, tzinfo=new_york)) is Region.AMER


def test_a_wrapping_shift_covers_both_sides_of_midnight():
    night = RegionHours(Region.APAC, 22, 2)
    assert [h for h in range(24) if night.covers(h)] == [0, 1, 22, 23]
    day = RegionHours(Region.EMEA, 8, 10)
    assert [h for h in range(24) if day.covers(h)] == [8, 9]


def test_first_listed_shift_wins_on_overlap_and_first_is_the_fallback():
    hours = (RegionHours(Region.AMER, 8, 12), RegionHours(Region.EMEA, 6, 14))
    assert region_on_shift(hours, datetime(2026, 1, 1, 9, tzinfo=UTC)) is Region.AMER
    assert region_on_shift(hours, datetime(2026, 1, 1, 7, tzinfo=UTC)) is Region.EMEA
    assert region_on_shift(hours, datetime(2026, 1, 1, 20, tzinfo=UTC)) is Region.AMER


ROSTER = Roster({Role.SMOC: {Region.EMEA: ["eve", "emil"], Region.AMER: []}})


def test_roster_proposes_in_priority_order_and_honours_exclusions():
    assert ROSTER.on_call(Role.SMOC, Region.EMEA) == "eve"
    assert ROSTER.on_call(Role.SMOC, Region.EMEA, exclude=frozenset({"eve"})) == "emil"
    assert ROSTER.on_call(Role.SMOC, Region.EMEA, exclude=frozenset({"eve", "emil"})) is None
    assert ROSTER.on_call(Role.SMOC, Region.AMER) is None
    assert ROSTER.on_call(Role.SMOC, Region.APAC) is None
    assert ROSTER.on_call(Role.CMOC, Region.EMEA) is None


def test_roster_lists():
    assert ROSTER.lists(Role.SMOC, "emil")
    assert not ROSTER.lists(Role.CMOC, "emil")
    assert not ROSTER.lists(Role.SMOC, "zed")


def test_region_parse_and_label():
    assert Region.parse(" EMEA ") is Region.EMEA
    assert [r.label for r in Region] == ["EMEA", "AMER", "APAC"]
    with pytest.raises(ValidationFailed) as info:
        Region.parse("latam")
    assert info.value.details == {"field": "region"}
    assert "use emea, amer or apac" in info.value.message


@pytest.mark.parametrize(("hour", "region"), [(9, Region.EMEA), (16, Region.AMER), (1, Region.APAC)])
def test_incident_region_is_the_shift_at_declaration(declare, hour, region):
    at = datetime(2026, 1, 1, hour, 0, tzinfo=UTC)
    assert declare(at=at).region is region
