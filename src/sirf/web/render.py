"""Jinja2 pages: one autoescaping environment, the filters the templates use, and the response.

Times are rendered in UTC as ``<time datetime="...Z" title="... UTC">``; ``static/localtime.js``
rewrites the visible text into the viewer's time zone and leaves the UTC title for hovering.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from sirf.domain.describe import describe
from sirf.domain.timeline import TimelineEntry
from sirf.web.security import page_headers

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def time_tag(value: datetime | None, placeholder: str = "—") -> Markup:
    if value is None:
        return escape(placeholder)
    utc = value.astimezone(UTC)
    shown = utc.strftime("%Y-%m-%d %H:%M UTC")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"), shown, shown
    )


def duration(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours < 48 else f"{hours // 24} days"


def span(value: timedelta | None) -> str:
    """A length of time, sign dropped (the sentence around it says "left" or "overdue by")."""
    return "—" if value is None else duration(abs(value.total_seconds()))


def count(value: int) -> str:
    return f"{value:,}"


def countdown(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "no update scheduled"
    left = (due - now).total_seconds()
    return f"overdue by {duration(-left)}" if left <= 0 else f"due in {duration(left)}"


def describe_entry(entry: TimelineEntry) -> str:
    return describe(entry.type, entry.data)


def _static_versions() -> dict[str, str]:
    """A content hash per static file, put in its URL so browsers may cache it for a year."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in STATIC.iterdir()
        if path.is_file()
    }


class Pages:
    def __init__(self) -> None:
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        versions = _static_versions()
        self.env.globals["static"] = lambda name: f"/static/{name}?v={versions.get(name, '0')}"
        self.env.filters["time"] = time_tag
        self.env.filters["countdown"] = countdown
        self.env.filters["describe"] = describe_entry
        self.env.filters["span"] = span
        self.env.filters["count"] = count

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        return self.env.get_template(name).render(context)

    def response(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        all_headers = page_headers(request) | dict(headers or {})
        return HTMLResponse(self.render(name, context), status_code=status, headers=all_headers)


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.web_pages
    return pages
