"""F6.4 regions (EMEA, AMER, APAC), their working hours in UTC, and the on-call roster per role."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sirf.domain.errors import ValidationFailed
from sirf.domain.roles import Role


class Region(StrEnum):
    EMEA = "emea"
    AMER = "amer"
    APAC = "apac"

    @property
    def label(self) -> str:
        return self.value.upper()

    @classmethod
    def parse(cls, value: str) -> Region:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValidationFailed(
                f"unknown region {value!r}: use emea, amer or apac", field="region"
            ) from None


@dataclass(frozen=True)
class RegionHours:
    """A region's shift as [start_hour, end_hour) in UTC; a shift may wrap past midnight."""

    region: Region
    start_hour: int
    end_hour: int

    def covers(self, hour: int) -> bool:
        if self.start_hour <= self.end_hour:
            return self.start_hour <= hour < self.end_hour
        return hour >= self.start_hour or hour < self.end_hour


DEFAULT_REGION_HOURS: tuple[RegionHours, ...] = (
    RegionHours(Region.APAC, 23, 7),
    RegionHours(Region.EMEA, 7, 15),
    RegionHours(Region.AMER, 15, 23),
)


def region_on_shift(hours: Sequence[RegionHours], at: datetime) -> Region:
    """The region whose shift covers ``at`` (an aware datetime); the first listed wins on overlap."""
    utc_hour = at.astimezone(UTC).hour
    for shift in hours:
        if shift.covers(utc_hour):
            return shift.region
    return hours[0].region


@dataclass(frozen=True)
class Roster:
    """People on call per role per region, in priority order (the first is proposed first)."""

    entries: Mapping[Role, Mapping[Region, Sequence[str]]]

    def on_call(self, role: Role, region: Region, *, exclude: frozenset[str] = frozenset()) -> str | None:
        for person in self.entries.get(role, {}).get(region, ()):
            if person not in exclude:
                return person
        return None

    def lists(self, role: Role, person: str) -> bool:
        return any(person in people for people in self.entries.get(role, {}).values())
