"""F4.2 critical-path tasks: each has an owner for the whole lifecycle, a status and an optional due time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sirf.domain.errors import ValidationFailed


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @classmethod
    def parse(cls, value: str) -> TaskStatus:
        try:
            return cls(value.strip().lower().replace("_", "-"))
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValidationFailed(
                f"unknown task status {value!r}: use one of {names}", field="status"
            ) from None


@dataclass(frozen=True)
class Task:
    number: int
    title: str
    owner: str
    status: TaskStatus
    created_at: datetime
    created_by: str
    updated_at: datetime
    due_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
