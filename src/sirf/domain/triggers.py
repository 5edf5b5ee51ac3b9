"""F7.1 / F7.2 engagement triggers: which support roles the facts say to engage, and why.

CMOC when several customers are affected, OR bulk communication is needed, OR support resources need
coordination. SMOC when customer impact is complex, OR resources conflict, OR an SLA is at risk, OR
SIRT is involved. The criteria are a fixed catalogue; which criteria engage which role (and what
"several" means) is framework configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sirf.domain.errors import ValidationFailed
from sirf.domain.roles import Role
from sirf.domain.scope import IncidentKind


@dataclass(frozen=True)
class ImpactFacts:
    """What responders know about customer impact; each fact feeds the trigger rules."""

    customers_affected: int | None = None
    bulk_communication_needed: bool = False
    support_coordination_needed: bool = False
    complex_impact: bool = False
    resource_conflict: bool = False
    sla_at_risk: bool = False
    sirt_involved: bool = False

    def __post_init__(self) -> None:
        if self.customers_affected is not None and self.customers_affected < 0:
            raise ValidationFailed("customers_affected cannot be negative", field="customers_affected")


@dataclass(frozen=True)
class TriggerContext:
    facts: ImpactFacts
    kind: IncidentKind
    from_security: bool
    several_customers: int


@dataclass(frozen=True)
class Criterion:
    name: str
    description: str
    test: Callable[[TriggerContext], bool]


def _several(ctx: TriggerContext) -> bool:
    return (ctx.facts.customers_affected or 0) >= ctx.several_customers


def _sirt(ctx: TriggerContext) -> bool:
    return ctx.facts.sirt_involved or ctx.kind is IncidentKind.SECURITY_INCIDENT or ctx.from_security


CRITERIA: dict[str, Criterion] = {
    c.name: c
    for c in (
        Criterion("several-customers-affected", "several customers are affected", _several),
        Criterion(
            "bulk-communication-needed",
            "bulk customer communication is needed",
            lambda ctx: ctx.facts.bulk_communication_needed,
        ),
        Criterion(
            "support-coordination-needed",
            "support resources need coordination",
            lambda ctx: ctx.facts.support_coordination_needed,
        ),
        Criterion("complex-impact", "customer impact is complex", lambda ctx: ctx.facts.complex_impact),
        Criterion("resource-conflict", "support resources conflict", lambda ctx: ctx.facts.resource_conflict),
        Criterion("sla-at-risk", "an SLA is at risk", lambda ctx: ctx.facts.sla_at_risk),
        Criterion("sirt-involved", "SIRT is involved (security incident)", _sirt),
    )
}

DEFAULT_TRIGGERS: dict[Role, tuple[str, ...]] = {
    Role.CMOC: ("several-customers-affected", "bulk-communication-needed", "support-coordination-needed"),
    Role.SMOC: ("complex-impact", "resource-conflict", "sla-at-risk", "sirt-involved"),
}


@dataclass(frozen=True)
class TriggerRules:
    by_role: Mapping[Role, Sequence[str]]
    several_customers: int = 2

    def __post_init__(self) -> None:
        for role, names in self.by_role.items():
            for name in names:
                if name not in CRITERIA:
                    known = ", ".join(CRITERIA)
                    raise ValidationFailed(
                        f"trigger for {role.label} names unknown criterion {name!r}; known: {known}",
                        field=f"triggers.{role.value}",
                    )
        if self.several_customers < 1:
            raise ValidationFailed("several_customers must be at least 1", field="triggers.several_customers")


@dataclass(frozen=True)
class MetCriterion:
    name: str
    description: str


@dataclass(frozen=True)
class Engagement:
    """The verdict for one role: engage it or not, the criteria met, who holds it, who is proposed."""

    role: Role
    engage: bool
    criteria_met: tuple[MetCriterion, ...]
    holder: str | None
    proposed: str | None

    @property
    def vacant_but_needed(self) -> bool:
        return self.engage and self.holder is None


def criteria_met(rules: TriggerRules, role: Role, ctx: TriggerContext) -> tuple[MetCriterion, ...]:
    met = []
    for name in rules.by_role.get(role, ()):
        criterion = CRITERIA[name]
        if criterion.test(ctx):
            met.append(MetCriterion(criterion.name, criterion.description))
    return tuple(met)
