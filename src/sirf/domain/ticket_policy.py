"""How a team runs tickets during incidents: the framework file's ``[tickets]`` section as one value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sirf.domain.impact import QueueThresholds
from sirf.domain.sla import SlaPolicy
from sirf.domain.surge import SurgePolicy
from sirf.domain.tickets import TagClassifier

DEFAULT_TAG_CONVENTION = "incident_{id}"


@dataclass(frozen=True)
class TicketPolicy:
    tag_convention: str = DEFAULT_TAG_CONVENTION
    classifier: TagClassifier = field(default_factory=TagClassifier)
    # Organisations that asked not to receive bulk replies (F5.1 exclusions).
    opted_out_organizations: frozenset[str] = frozenset()
    # Approved reply texts an admin put in the framework file: name -> text with merge fields.
    macros: Mapping[str, str] = field(default_factory=dict)
    queue_health: QueueThresholds = field(default_factory=QueueThresholds)
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    surge: SurgePolicy = field(default_factory=SurgePolicy)
    # CSAT of incident tickets is compared with all ratings over this many days (F9.4).
    csat_baseline_days: int = 30
