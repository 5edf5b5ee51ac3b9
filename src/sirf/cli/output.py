"""Rendering for people and scripts: JSON on stdout, aligned plain tables, local times.

Data goes to stdout and messages to stderr. Times arrive from the API in UTC and are shown in the
local timezone with its abbreviation (``2026-11-27 06:30 CET``). Colour is used only when the
stream is a terminal and ``NO_COLOR`` is unset, and only to make table headers bold.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

import click

MINUTES = "%Y-%m-%d %H:%M %Z"
SECONDS = "%Y-%m-%d %H:%M:%S %Z"
NONE = "-"


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def emit(as_json: bool, data: Mapping[str, Any], render: Callable[[Mapping[str, Any]], str]) -> None:
    """Print ``data`` as the API's JSON or as ``render(data)`` for a person."""
    if as_json:
        print_json(data)
        return
    text = render(data)
    if text:
        click.echo(text)


def message(text: str) -> None:
    """A note for the person at the terminal (stderr), never part of the data."""
    click.echo(text, err=True)


def colour_enabled(stream: TextIO) -> bool:
    return "NO_COLOR" not in os.environ and stream.isatty()


def local_time(value: object, *, fmt: str = MINUTES) -> str:
    """An API timestamp (ISO-8601, UTC) in the local timezone; ``-`` for none, unparseable as given."""
    if not isinstance(value, str) or not value:
        return NONE
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime(fmt)


def text(value: object) -> str:
    """A scalar as table text: ``-`` for missing, yes/no for booleans, lists comma-separated."""
    if value is None or value == "" or value == []:
        return NONE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(text(item) for item in value)
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, indent: str = "") -> str:
    """Left-aligned columns separated by two spaces; the last column is never padded."""
    lines = [list(headers), *([str(cell) for cell in row] for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    rendered = [
        indent + "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    if colour_enabled(sys.stdout):
        rendered[0] = click.style(rendered[0], bold=True)
    return "\n".join(rendered)


def fields(pairs: Iterable[tuple[str, str]], *, indent: str = "") -> str:
    """``label  value`` lines with the values aligned."""
    items = list(pairs)
    width = max((len(label) for label, _ in items), default=0)
    return "\n".join(f"{indent}{label.ljust(width)}  {value}".rstrip() for label, value in items)
