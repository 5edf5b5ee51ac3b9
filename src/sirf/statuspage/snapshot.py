"""The status page as data: a pure function of the published rows (no I/O, no clock).

Everything comes from ``status_page_posts`` and ``status_page_components``; each post carries the
incident's title, severity and public state *as published*, so a later internal rename or a draft
never reaches the page. Vocabularies are mapped to Statuspage's with ``sirf.domain.public_state``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sirf.domain.public_state import (
    STATUSPAGE_COMPONENT_STATUS,
    STATUSPAGE_IMPACT,
    STATUSPAGE_INCIDENT_STATUS,
    ComponentStatus,
    PublicState,
)
from sirf.domain.severity import Severity
from sirf.statuspage.rows import ComponentRow, PostRow, index_of
from sirf.statuspage.sanitise import clean_html
from sirf.statuspage.selection import choose

OPERATIONAL = "operational"
RESOLVED = STATUSPAGE_INCIDENT_STATUS[PublicState.RESOLVED]
MONITORING = STATUSPAGE_INCIDENT_STATUS[PublicState.MONITORING]
COMPONENT_LABELS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
# The page-wide indicator: the worst of the components and of the unresolved incidents' impact.
SEVERITY_ORDER = ("none", "minor", "major", "critical")
COMPONENT_INDICATOR = {
    "operational": "none",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "major",
}
VALID_SEVERITIES = frozenset(s.value for s in Severity)
DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Partially Degraded Service",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}


@dataclass(frozen=True)
class AffectedComponent:
    code: str
    name: str
    old_status: str
    new_status: str


@dataclass(frozen=True)
class PageUpdate:
    id: str
    incident_id: str
    title: str  # the incident's title when this update was published
    status: str  # Statuspage incident status
    body: str  # Markdown as written
    body_html: str  # sanitised
    at: datetime
    affected: tuple[AffectedComponent, ...]

    @property
    def label(self) -> str:
        return self.status.capitalize()


@dataclass(frozen=True)
class PageIncident:
    id: str
    name: str
    status: str
    impact: str
    created_at: datetime
    updated_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    updates: tuple[PageUpdate, ...]  # newest first
    component_names: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.status.capitalize()

    @property
    def resolved(self) -> bool:
        return self.status == RESOLVED


@dataclass(frozen=True)
class PageComponent:
    id: str
    name: str
    status: str
    created_at: datetime
    updated_at: datetime
    position: int

    @property
    def label(self) -> str:
        return COMPONENT_LABELS[self.status]


@dataclass(frozen=True)
class Snapshot:
    components: tuple[PageComponent, ...]
    incidents: tuple[PageIncident, ...]  # incidents.json: newest first
    feed: tuple[PageUpdate, ...]  # newest first
    indicator: str
    updated_at: datetime | None  # None only for a page nothing was ever published on

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self.indicator]

    @property
    def unresolved(self) -> tuple[PageIncident, ...]:
        return tuple(i for i in self.incidents if not i.resolved)

    @property
    def history(self) -> tuple[PageIncident, ...]:
        return tuple(i for i in self.incidents if i.resolved)


def component_id(name: str) -> str:
    """A stable opaque id (Statuspage ids are short strings); the name may have any characters."""
    return hashlib.sha256(name.encode()).hexdigest()[:12]


def component_status(value: str) -> str:
    try:
        return STATUSPAGE_COMPONENT_STATUS[ComponentStatus(value)]
    except ValueError:
        # Unknown stored value: say something is wrong rather than claim "operational".
        return "partial_outage"


def incident_status(value: str) -> str:
    try:
        return STATUSPAGE_INCIDENT_STATUS[PublicState(value)]
    except ValueError:
        return STATUSPAGE_INCIDENT_STATUS[PublicState.INVESTIGATING]


def build_snapshot(posts: Iterable[PostRow], components: Iterable[ComponentRow]) -> Snapshot:
    chronological = sorted(posts, key=lambda p: (p.published_at, p.id))
    selection = choose(index_of(p) for p in chronological)
    updates = _updates(chronological)
    grouped: dict[int, list[tuple[PostRow, PageUpdate]]] = {}
    for post in chronological:
        grouped.setdefault(post.incident_id, []).append((post, updates[post.id]))
    incidents = [_incident(incident_id, grouped[incident_id]) for incident_id in selection.listed]
    incidents.sort(key=lambda i: (i.created_at, int(i.id)), reverse=True)
    page_components = _components(components, chronological)
    moments = [p.published_at for p in chronological] + [c.updated_at for c in page_components]
    return Snapshot(
        components=page_components,
        incidents=tuple(incidents),
        feed=tuple(updates[post_id] for post_id in selection.feed),
        indicator=_indicator(page_components, [i for i in incidents if not i.resolved]),
        updated_at=max(moments, default=None),
    )


def _updates(chronological: Sequence[PostRow]) -> dict[int, PageUpdate]:
    """Each post as an update; ``old_status`` is what the previous post (of any incident) said."""
    last: dict[str, str] = {}
    result: dict[int, PageUpdate] = {}
    for post in chronological:
        affected = []
        for name, value in sorted(post.components.items()):
            new = component_status(value)
            affected.append(AffectedComponent(component_id(name), name, last.get(name, OPERATIONAL), new))
            last[name] = new
        result[post.id] = PageUpdate(
            id=str(post.id),
            incident_id=str(post.incident_id),
            title=post.title,
            status=incident_status(post.public_state),
            body=post.body_markdown,
            body_html=clean_html(post.body_html),
            at=post.published_at,
            affected=tuple(affected),
        )
    return result


def _incident(incident_id: int, history: Sequence[tuple[PostRow, PageUpdate]]) -> PageIncident:
    """``history`` is chronological and never empty (an incident is listed because it has posts)."""
    latest_post, latest = history[-1]
    names = sorted({name for post, _ in history for name in post.components})
    return PageIncident(
        id=str(incident_id),
        name=latest_post.title,
        status=latest.status,
        impact=_impact(post.severity for post, _ in history),
        created_at=history[0][1].at,
        updated_at=latest.at,
        monitoring_at=_entered(MONITORING, [u for _, u in history]),
        resolved_at=_entered(RESOLVED, [u for _, u in history]) if latest.status == RESOLVED else None,
        updates=tuple(u for _, u in reversed(history)),
        component_names=tuple(names),
    )


def _impact(severities: Iterable[int]) -> str:
    # Statuspage's impact reflects the worst point of the incident, so the highest severity published.
    known = [Severity(s) for s in severities if s in VALID_SEVERITIES]
    return STATUSPAGE_IMPACT[min(known)] if known else "none"


def _entered(status: str, updates: Sequence[PageUpdate]) -> datetime | None:
    """When the incident last moved into ``status`` (None if it never did)."""
    moment = None
    previous = None
    for update in updates:
        if update.status == status and previous != status:
            moment = update.at
        previous = update.status
    return moment


def _components(rows: Iterable[ComponentRow], posts: Sequence[PostRow]) -> tuple[PageComponent, ...]:
    first_seen: dict[str, datetime] = {}
    for post in posts:
        for name in post.components:
            first_seen.setdefault(name, post.published_at)
    return tuple(
        PageComponent(
            id=component_id(row.name),
            name=row.name,
            status=component_status(row.status),
            created_at=min(first_seen.get(row.name, row.updated_at), row.updated_at),
            updated_at=row.updated_at,
            position=position,
        )
        for position, row in enumerate(sorted(rows, key=lambda r: r.name), start=1)
    )


def _indicator(components: Sequence[PageComponent], unresolved: Sequence[PageIncident]) -> str:
    levels = [COMPONENT_INDICATOR[c.status] for c in components]
    if components and all(c.status == "major_outage" for c in components):
        levels.append("critical")
    levels += [i.impact for i in unresolved]
    return max(levels, key=SEVERITY_ORDER.index, default="none")
