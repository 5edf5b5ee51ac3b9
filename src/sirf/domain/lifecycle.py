"""F3 lifecycle: detection -> triage -> response -> communication -> resolution -> closure.

The lifecycle is data: ``TRANSITIONS`` says which moves are legal and ``PHASE_STAMPS`` which
timestamp a phase sets when it is first entered (the times drive the F9 metrics). Resolving is
allowed from any active phase because incidents are sometimes fixed before every step happened;
a resolved incident can be reopened back into response.
"""

from __future__ import annotations

from enum import StrEnum

from sirf.domain.errors import InvalidTransition, ValidationFailed


class Phase(StrEnum):
    DETECTION = "detection"
    TRIAGE = "triage"
    RESPONSE = "response"
    COMMUNICATION = "communication"
    RESOLUTION = "resolution"
    CLOSURE = "closure"

    @classmethod
    def parse(cls, value: str) -> Phase:
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(p.value for p in cls)
            raise ValidationFailed(f"unknown phase {value!r}: use one of {names}", field="phase") from None


TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    Phase.DETECTION: frozenset({Phase.TRIAGE, Phase.RESOLUTION}),
    Phase.TRIAGE: frozenset({Phase.RESPONSE, Phase.RESOLUTION}),
    Phase.RESPONSE: frozenset({Phase.COMMUNICATION, Phase.RESOLUTION}),
    Phase.COMMUNICATION: frozenset({Phase.RESOLUTION}),
    Phase.RESOLUTION: frozenset({Phase.CLOSURE, Phase.RESPONSE}),
    Phase.CLOSURE: frozenset(),
}

# The timestamp field each phase sets the first time it is entered.
PHASE_STAMPS: dict[Phase, str] = {
    Phase.TRIAGE: "triaged_at",
    Phase.RESPONSE: "first_response_at",
    Phase.COMMUNICATION: "first_customer_communication_at",
    Phase.RESOLUTION: "resolved_at",
    Phase.CLOSURE: "closed_at",
}

ACTIVE_PHASES = frozenset({Phase.DETECTION, Phase.TRIAGE, Phase.RESPONSE, Phase.COMMUNICATION})


def allowed_from(phase: Phase) -> list[Phase]:
    return sorted(TRANSITIONS[phase], key=list(Phase).index)


def check_transition(current: Phase, target: Phase) -> None:
    if target not in TRANSITIONS[current]:
        allowed = [p.value for p in allowed_from(current)]
        hint = ", ".join(allowed) if allowed else "none (the incident is closed)"
        raise InvalidTransition(
            f"cannot move from {current.value} to {target.value}; allowed from {current.value}: {hint}",
            current=current.value,
            target=target.value,
            allowed=allowed,
        )


def is_reopen(current: Phase, target: Phase) -> bool:
    return current is Phase.RESOLUTION and target is Phase.RESPONSE
