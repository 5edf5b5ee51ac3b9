"""Public state of an incident and status of its components, as customers see them (F8, F6.1).

The vocabularies follow the handbook's status page (status.io): a state per incident and a status
per component. The vendor mappings below are exactly the codes and enums their APIs define
(status.io API v2 numeric codes; Atlassian Statuspage API v1 strings).
"""

from __future__ import annotations

from enum import StrEnum

from sirf.domain.errors import ValidationFailed
from sirf.domain.severity import Severity


class PublicState(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @classmethod
    def parse(cls, value: str) -> PublicState:
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValidationFailed(
                f"unknown public state {value!r}: use one of {names}", field="state"
            ) from None


class ComponentStatus(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded-performance"
    PARTIAL_SERVICE_DISRUPTION = "partial-service-disruption"
    SERVICE_DISRUPTION = "service-disruption"
    SECURITY_EVENT = "security-event"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()

    @classmethod
    def parse(cls, value: str) -> ComponentStatus:
        try:
            return cls(value.strip().lower().replace("_", "-").replace(" ", "-"))
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValidationFailed(
                f"unknown component status {value!r}: use one of {names}", field="components"
            ) from None


# status.io API v2: "status" codes per component and "state" codes per incident. Resolving has its
# own endpoint (incident/resolve), so RESOLVED has no state code.
STATUSIO_STATUS: dict[ComponentStatus, int] = {
    ComponentStatus.OPERATIONAL: 100,
    ComponentStatus.DEGRADED_PERFORMANCE: 300,
    ComponentStatus.PARTIAL_SERVICE_DISRUPTION: 400,
    ComponentStatus.SERVICE_DISRUPTION: 500,
    ComponentStatus.SECURITY_EVENT: 600,
}
STATUSIO_STATE: dict[PublicState, int] = {
    PublicState.INVESTIGATING: 100,
    PublicState.IDENTIFIED: 200,
    PublicState.MONITORING: 300,
}

# Atlassian Statuspage API v1. Incident status names are the same words; component statuses differ.
# Statuspage has no "security event": such components are shown as a partial outage (the incident's
# text says why), which tells readers something is wrong without claiming the service is down.
STATUSPAGE_INCIDENT_STATUS: dict[PublicState, str] = {state: state.value for state in PublicState}
STATUSPAGE_COMPONENT_STATUS: dict[ComponentStatus, str] = {
    ComponentStatus.OPERATIONAL: "operational",
    ComponentStatus.DEGRADED_PERFORMANCE: "degraded_performance",
    ComponentStatus.PARTIAL_SERVICE_DISRUPTION: "partial_outage",
    ComponentStatus.SERVICE_DISRUPTION: "major_outage",
    ComponentStatus.SECURITY_EVENT: "partial_outage",
}
# Statuspage's impact (none | minor | major | critical) from our severity.
STATUSPAGE_IMPACT: dict[Severity, str] = {
    Severity.SEV1: "critical",
    Severity.SEV2: "major",
    Severity.SEV3: "minor",
    Severity.SEV4: "none",
}
