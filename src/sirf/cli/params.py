"""Click parameter types for moments in time, sent to the API as ISO-8601 UTC (``...Z``).

A moment is either an ISO-8601 time (``2026-11-27T06:30``, ``2026-11-27 06:30+01:00``; read as local
time when it has no zone) or a duration from now such as ``45s``, ``30m``, ``2h``, ``1d`` or
``1h30m``: into the future for due times, into the past for "detected at" (``20m`` or ``20m ago``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    _TextType = click.ParamType[str]
else:  # click before 8.4 has no generic ParamType
    _TextType = click.ParamType

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(?:\d+[smhd])+")
_PART = re.compile(r"(\d+)([smhd])")


def parse_duration(value: str) -> timedelta | None:
    text = value.strip().lower().removeprefix("+").removesuffix(" ago").replace(" ", "")
    if not _DURATION.fullmatch(text):
        return None
    return timedelta(seconds=sum(int(number) * _UNIT_SECONDS[unit] for number, unit in _PART.findall(text)))


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class Moment(_TextType):
    name = "time"

    def __init__(self, *, past: bool) -> None:
        self.past = past

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "TIME"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        duration = parse_duration(text)
        if duration is not None:
            return utc_text(datetime.now(UTC) + (-duration if self.past else duration))
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            example = "20m" if self.past else "30m"
            self.fail(f"{text!r} is neither an ISO-8601 time nor a duration like {example}", param, ctx)
        if moment.tzinfo is None:
            moment = moment.astimezone()  # a time without a zone is the user's local time
        return utc_text(moment)
