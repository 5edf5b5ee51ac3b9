"""The template context as plain data (dicts, lists, str, int, float, bool, None) for overrides.

Installation templates never see our dataclasses or enums, only values: that keeps the sandbox's
surface small (no methods of ours to call) and makes the context documentable as one table.
Times are already formatted the way the built-in templates show them.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sirf.templates.formatting import format_duration, format_time

Plain = None | bool | int | float | str | list["Plain"] | dict[str, "Plain"]


def plain(value: Any) -> Plain:
    if isinstance(value, Enum):  # first: our enums are also str or int
        label = getattr(value, "label", None)
        return label if isinstance(label, str) else str(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        return plain_record(value)
    raise TypeError(f"no plain form for {type(value).__name__}")


def plain_record(record: Any) -> dict[str, Plain]:
    """A dataclass's fields, plus the derived properties it lists in ``DERIVED``."""
    names = [f.name for f in fields(record)] + list(getattr(record, "DERIVED", ()))
    return {name: plain(getattr(record, name)) for name in names}
