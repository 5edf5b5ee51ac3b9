"""Who the page is: its name and where it is served. The name is a constant for now (there is no
setting yet); the URL comes from the request, so links point wherever the page was reached."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

PAGE_NAME = "sirf status"
HTML_PATH = "/status"


@dataclass(frozen=True)
class PageInfo:
    name: str
    base_url: str  # scheme://host[:port][root_path], no trailing slash

    @property
    def id(self) -> str:
        return hashlib.sha256(self.name.encode()).hexdigest()[:12]

    @property
    def url(self) -> str:
        return self.base_url + HTML_PATH

    def incident_url(self, incident_id: str) -> str:
        return f"{self.url}#incident-{incident_id}"

    def update_url(self, update_id: str) -> str:
        return f"{self.url}#update-{update_id}"


def iso(moment: datetime) -> str:
    """Statuspage's timestamp form: UTC with milliseconds, e.g. 2026-03-02T09:00:00.000Z."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def iso_or_none(moment: datetime | None) -> str | None:
    return iso(moment) if moment is not None else None
