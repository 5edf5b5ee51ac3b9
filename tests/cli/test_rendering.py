"""Rendering helpers and parameter types: local time, tables, colour, moments."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime, timedelta

import click
import pytest

from sirf.cli.output import colour_enabled, local_time, table
from sirf.cli.params import Moment, parse_duration


@pytest.mark.usefixtures("local_zone")
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-11-27T05:30:00Z", "2026-11-27 06:30 CET"),
        ("2026-07-01T22:30:00Z", "2026-07-02 00:30 CEST"),
        ("2026-11-27T05:30:00+00:00", "2026-11-27 06:30 CET"),
        ("2026-11-27T05:30:00", "2026-11-27 06:30 CET"),  # no zone: the API's UTC
        (None, "-"),
        ("", "-"),
        ("not a time", "not a time"),
    ],
)
def test_local_time(value: str | None, shown: str) -> None:
    assert local_time(value) == shown


def test_local_time_follows_the_process_zone(local_zone: str) -> None:
    os.environ["TZ"] = "JST-9"
    time.tzset()
    assert local_time("2026-11-27T05:30:00Z") == "2026-11-27 14:30 JST"


def test_table_aligns_columns_and_trims_trailing_space() -> None:
    assert table(["A", "LONGER", "C"], [["1", "", ""], ["22", "x", "last column"]]) == (
        "A   LONGER  C\n1\n22  x       last column"
    )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour_enabled(Terminal()) is True
    assert colour_enabled(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert colour_enabled(Terminal()) is False


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45s", 45),
        ("30m", 1800),
        ("2h", 7200),
        ("1d", 86400),
        ("1h30m", 5400),
        ("+15m", 900),
        ("20m ago", 1200),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "m", "30", "30x", "-5m", "2026-11-27"])
def test_not_durations(text: str) -> None:
    assert parse_duration(text) is None


def test_moments_run_forward_for_due_and_backward_for_detected() -> None:
    now = datetime.now(UTC)
    due = datetime.fromisoformat(Moment(past=False).convert("1h", None, None))
    detected = datetime.fromisoformat(Moment(past=True).convert("1h", None, None))
    assert abs(due - (now + timedelta(hours=1))) < timedelta(seconds=5)
    assert abs(detected - (now - timedelta(hours=1))) < timedelta(seconds=5)


@pytest.mark.usefixtures("local_zone")
def test_moments_without_zone_are_local_and_sent_as_utc() -> None:
    moment = Moment(past=False)
    assert moment.convert("2026-11-27T06:30", None, None) == "2026-11-27T05:30:00Z"
    assert moment.convert("2026-11-27T06:30:00.123456+01:00", None, None) == "2026-11-27T05:30:00Z"
    assert moment.convert("2026-11-27T05:30:00Z", None, None) == "2026-11-27T05:30:00Z"
    with pytest.raises(click.BadParameter, match="like 30m"):
        moment.convert("soon", None, None)
