"""The framework as data: everything an installation may tune, with the handbook's defaults.

``Framework`` is assembled from shipped defaults plus one validated configuration file (see
``sirf.framework.loader``); the domain only ever reads this object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sirf.domain.cadence import Cadence
from sirf.domain.raci import DEFAULT_MATRIX, RaciMatrix
from sirf.domain.regions import DEFAULT_REGION_HOURS, RegionHours, Roster
from sirf.domain.roles import Role
from sirf.domain.severity import Severity
from sirf.domain.ticket_policy import TicketPolicy
from sirf.domain.triggers import DEFAULT_TRIGGERS, TriggerRules

DEFAULT_SEVERITY_DESCRIPTIONS: dict[Severity, str] = {
    Severity.SEV1: "critical: the product is unusable for many customers, no workaround",
    Severity.SEV2: "major: a core feature is broken or badly degraded for many customers",
    Severity.SEV3: "moderate: limited impact or a workaround exists",
    Severity.SEV4: "minor: cosmetic or very limited impact",
}


@dataclass(frozen=True)
class Framework:
    raci: RaciMatrix = DEFAULT_MATRIX
    triggers: TriggerRules = field(default_factory=lambda: TriggerRules(DEFAULT_TRIGGERS))
    region_hours: tuple[RegionHours, ...] = DEFAULT_REGION_HOURS
    roster: Roster = field(default_factory=lambda: Roster({}))
    # Pairs of roles that must be held by two different people (room for F6.1's joint approval).
    distinct_roles: frozenset[frozenset[Role]] = frozenset()
    severity_descriptions: Mapping[Severity, str] = field(
        default_factory=lambda: dict(DEFAULT_SEVERITY_DESCRIPTIONS)
    )
    # F3.2 / F6.1: update cadence and CMOC-IMOC sync intervals.
    cadence: Cadence = field(default_factory=Cadence)
    # F5.3: people who review customer messages of security incidents for SIRT.
    sirt_reviewers: frozenset[str] = frozenset()
    max_title_length: int = 200
    max_note_length: int = 10_000
    # F8: installation overrides of communication templates (name -> Jinja2 source), checked at load.
    template_overrides: Mapping[str, str] = field(default_factory=dict)
    # F5.1, F8.5-F8.6, F9.5: tags, bulk-reply exclusions and macros, SLA, surges, queue health.
    tickets: TicketPolicy = field(default_factory=TicketPolicy)
