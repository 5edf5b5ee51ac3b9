"""F1 scope triage: which reports this framework handles, and where the others go.

An incident is declared as one of five in-scope kinds (F1.1-F1.5). The out-of-scope kinds
(F1.6-F1.10) are refused with the reason and the place the report belongs instead. The SMOC has
the final call on what is an emergency (F5.2) and may override the refusal; the override is
recorded on the timeline by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sirf.domain.errors import OutOfScope, ValidationFailed


class IncidentKind(StrEnum):
    CUSTOMER_EMERGENCY = "customer-emergency"  # F1.1
    SAAS_OUTAGE = "saas-outage"  # F1.2
    SECURITY_INCIDENT = "security-incident"  # F1.3
    PRODUCT_ISSUE = "product-issue"  # F1.4
    RELEASE_IMPACT = "release-impact"  # F1.5


class OutOfScopeKind(StrEnum):
    INFRASTRUCTURE_ONLY = "infrastructure-only"  # F1.6
    INTERNAL_OUTAGE = "internal-outage"  # F1.7
    SERVICE_REQUEST = "service-request"  # F1.8
    FEATURE_REQUEST = "feature-request"  # F1.9
    BUG_REPORT = "bug-report"  # F1.9
    SUPPORT_QUESTION = "support-question"  # F1.10


@dataclass(frozen=True)
class Redirect:
    requirement: str
    why: str
    where: str


REDIRECTS: dict[OutOfScopeKind, Redirect] = {
    OutOfScopeKind.INFRASTRUCTURE_ONLY: Redirect(
        "F1.6",
        "a pure infrastructure incident with no customer impact",
        "the infrastructure incident process (the organisation's incident response guidance)",
    ),
    OutOfScopeKind.INTERNAL_OUTAGE: Redirect(
        "F1.7", "an internal system outage", "the internal IT or owning team's incident process"
    ),
    OutOfScopeKind.SERVICE_REQUEST: Redirect(
        "F1.8", "an individual customer's service request", "the normal support queue as a ticket"
    ),
    OutOfScopeKind.FEATURE_REQUEST: Redirect(
        "F1.9", "a feature request", "the product team's issue tracker as a feature proposal"
    ),
    OutOfScopeKind.BUG_REPORT: Redirect(
        "F1.9", "a bug report", "the product team's issue tracker as a bug (link the customer tickets)"
    ),
    OutOfScopeKind.SUPPORT_QUESTION: Redirect(
        "F1.10", "a non-urgent support question", "the normal support queue as a ticket"
    ),
}


def all_kind_names() -> list[str]:
    return [k.value for k in IncidentKind] + [k.value for k in OutOfScopeKind]


def classify(kind: str) -> IncidentKind | OutOfScopeKind:
    text = kind.strip().lower().replace("_", "-")
    for enum in (IncidentKind, OutOfScopeKind):
        if text in enum._value2member_map_:
            return enum(text)
    in_scope = ", ".join(k.value for k in IncidentKind)
    raise ValidationFailed(f"unknown incident kind {kind!r}: use one of {in_scope}", field="kind")


def refusal(kind: OutOfScopeKind) -> OutOfScope:
    redirect = REDIRECTS[kind]
    return OutOfScope(
        f"{kind.value} is out of scope ({redirect.requirement}: {redirect.why}); "
        f"take it to {redirect.where}. An SMOC may override this if it is an emergency (F5.2).",
        kind=kind.value,
        requirement=redirect.requirement,
        redirect_to=redirect.where,
    )
