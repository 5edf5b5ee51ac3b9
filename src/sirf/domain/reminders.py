"""F3.2 / F6.1 reminders: rows with a due time, claimed by workers, each fired exactly once.

- update-due: remind the CMOC shortly before the next public update falls due;
- update-overdue: tell the SMOC (and the CMOC) when it is overdue;
- sync-point: remind the CMOC and the IMOC of their regular sync, at an interval set by severity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReminderKind(StrEnum):
    UPDATE_DUE = "update-due"
    UPDATE_OVERDUE = "update-overdue"
    SYNC_POINT = "sync-point"


class ReminderState(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Reminder:
    id: int
    incident_id: int
    kind: ReminderKind
    due_at: datetime
    state: ReminderState
    created_at: datetime
    fired_at: datetime | None = None
    fired_by: str | None = None
