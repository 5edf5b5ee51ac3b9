"""Rows for the pure snapshot tests: posts and components as the built-in page stores them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

from sirf.statuspage.rows import ComponentRow, PostRow

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def post(
    post_id: int,
    incident_id: int,
    *,
    minutes: float,
    state: str = "investigating",
    title: str = "Users cannot sign in",
    severity: int = 2,
    components: dict[str, str] | None = None,
    body: str = "We are looking into it.",
    html: str | None = None,
) -> PostRow:
    return PostRow(
        id=post_id,
        incident_id=incident_id,
        title=title,
        severity=severity,
        public_state=state,
        components=components or {},
        body_markdown=body,
        body_html=html if html is not None else f"<p>{body}</p>",
        published_at=at(minutes),
    )


def component(name: str, status: str, *, minutes: float) -> ComponentRow:
    return ComponentRow(name, status, at(minutes))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def parse_xml(data: bytes) -> ET.Element:
    """Parse a feed sirf itself wrote (trusted input; the point is to prove it is well-formed)."""
    return ET.fromstring(data)  # noqa: S314
