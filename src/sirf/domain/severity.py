"""F3.1 severities SEV1 (most severe) to SEV4 (minor)."""

from __future__ import annotations

from enum import IntEnum

from sirf.domain.errors import ValidationFailed


class Severity(IntEnum):
    SEV1 = 1
    SEV2 = 2
    SEV3 = 3
    SEV4 = 4

    @property
    def label(self) -> str:
        return self.name

    @classmethod
    def parse(cls, value: object) -> Severity:
        """Accept 1, "1", "sev1", "SEV1"; refuse anything else with a message naming the choices."""
        text = str(value).strip().upper().removeprefix("SEV")
        if len(text) == 1 and text in "1234":
            return cls(int(text))
        raise ValidationFailed(
            f"unknown severity {value!r}: use 1, 2, 3 or 4 (SEV1 is the most severe)",
            field="severity",
        )

    def is_more_severe_than(self, other: Severity) -> bool:
        return self.value < other.value
