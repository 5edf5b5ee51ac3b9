"""The timeline: an append-only, gapless sequence of typed events per incident (seq 1, 2, 3, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TimelineEntry:
    incident_id: int
    seq: int
    type: str
    actor: str
    at: datetime
    data: dict[str, Any]
