"""F7.3 release criteria: a support role (CMOC, SMOC) is released only when all six hold.

Each criterion is computed from data where sirf has the data (``ReleaseSignals``; a value of None
means "sirf cannot tell"), and otherwise attested by a person with a note. A computed "does not
hold" wins over an attestation: the data says the queue is not back to normal, so it is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sirf.domain.errors import ValidationFailed


class ReleaseCriterion(StrEnum):
    COMMUNICATION_STABLE = "communication-stable"
    QUEUE_NORMAL = "queue-normal"
    NO_NEW_IMPACT_PATTERNS = "no-new-impact-patterns"
    TICKET_FLOW_NORMAL = "ticket-flow-normal"
    FINAL_STATUS_DOCUMENTED = "final-status-documented"
    HANDED_BACK = "handed-back"

    @classmethod
    def parse(cls, value: str) -> ReleaseCriterion:
        try:
            return cls(value.strip().lower().replace("_", "-"))
        except ValueError:
            names = ", ".join(c.value for c in cls)
            raise ValidationFailed(
                f"unknown release criterion {value!r}: use one of {names}", field="criterion"
            ) from None


DESCRIPTIONS: dict[ReleaseCriterion, str] = {
    ReleaseCriterion.COMMUNICATION_STABLE: "customer communication is stable",
    ReleaseCriterion.QUEUE_NORMAL: "the support queue is back to normal",
    ReleaseCriterion.NO_NEW_IMPACT_PATTERNS: "no new impact patterns",
    ReleaseCriterion.TICKET_FLOW_NORMAL: "normal ticket flow has resumed",
    ReleaseCriterion.FINAL_STATUS_DOCUMENTED: "the final status is documented",
    ReleaseCriterion.HANDED_BACK: "work is handed back to the normal support flow",
}


@dataclass(frozen=True)
class Attestation:
    criterion: ReleaseCriterion
    by: str
    at: datetime
    note: str


@dataclass(frozen=True)
class CriterionStatus:
    criterion: ReleaseCriterion
    description: str
    holds: bool
    basis: str  # "computed", "attested" or "missing"
    detail: str


def evaluate_release(
    signals: Mapping[ReleaseCriterion, bool | None],
    attestations: Mapping[ReleaseCriterion, Attestation],
) -> list[CriterionStatus]:
    checklist = []
    for criterion in ReleaseCriterion:
        computed = signals.get(criterion)
        attestation = attestations.get(criterion)
        description = DESCRIPTIONS[criterion]
        if computed is False:
            status = CriterionStatus(
                criterion, description, False, "computed", "the data says it does not hold"
            )
        elif computed is True:
            status = CriterionStatus(criterion, description, True, "computed", "the data says it holds")
        elif attestation is not None:
            detail = f"attested by {attestation.by}: {attestation.note}"
            status = CriterionStatus(criterion, description, True, "attested", detail)
        else:
            status = CriterionStatus(
                criterion, description, False, "missing", "needs an attestation with a note"
            )
        checklist.append(status)
    return checklist
