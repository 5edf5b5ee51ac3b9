"""How values read in every template (F8.11: one format everywhere)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sirf.templates.blanks import blank


def format_time(at: datetime) -> str:
    """``YYYY-MM-DD HH:MM UTC``, the handbook's time format, whatever zone ``at`` was given in."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def format_duration(span: timedelta) -> str:
    """``X hours Y minutes`` (whole minutes, rounded down; never negative)."""
    minutes = max(0, int(span.total_seconds() // 60))
    hours, rest = divmod(minutes, 60)
    return f"{hours} {_plural(hours, 'hour')} {rest} {_plural(rest, 'minute')}"


def format_count(number: int) -> str:
    return f"{number:,}"


def time_or_blank(at: datetime | None, description: str = "YYYY-MM-DD HH:MM UTC") -> str:
    return format_time(at) if at is not None else blank(description)


def clock_or_blank(at: datetime | None) -> str:
    """For the handbook's ``[time] UTC`` slots: the full time, or a blank followed by "UTC"."""
    return format_time(at) if at is not None else f"{blank('time')} UTC"


def count_or_blank(number: int | None, description: str = "number") -> str:
    return format_count(number) if number is not None else blank(description)


def duration_or_blank(span: timedelta | None, description: str = "time") -> str:
    return format_duration(span) if span is not None else blank(description)


def list_or_blank(items: Sequence[str], description: str) -> str:
    return ", ".join(items) if items else blank(description)


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"
