"""The Atlassian Statuspage v2 public JSON documents, field for field (research/ecosystem.md 3.3).

sirf has no scheduled maintenances, so those lists are empty. JSON is written with ``<``, ``>``,
``&`` and the JavaScript line separators escaped: the parsed values are unchanged, but a title such
as ``</script><script>`` stays inert even if someone embeds the document in a page.
"""

from __future__ import annotations

import json
from typing import Any

from sirf.statuspage.page import PageInfo, iso, iso_or_none
from sirf.statuspage.snapshot import PageComponent, PageIncident, PageUpdate, Snapshot

API = "/api/v2"
SUMMARY = f"{API}/summary.json"
STATUS = f"{API}/status.json"
COMPONENTS = f"{API}/components.json"
INCIDENTS = f"{API}/incidents.json"
UNRESOLVED = f"{API}/incidents/unresolved.json"
MAINTENANCES = f"{API}/scheduled-maintenances.json"
UPCOMING = f"{API}/scheduled-maintenances/upcoming.json"
ACTIVE = f"{API}/scheduled-maintenances/active.json"
PATHS = (SUMMARY, STATUS, COMPONENTS, INCIDENTS, UNRESOLVED, MAINTENANCES, UPCOMING, ACTIVE)
_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
_ESCAPES |= {0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_documents(snapshot: Snapshot, page: PageInfo) -> dict[str, bytes]:
    head = {"page": page_object(snapshot, page)}
    status = {"indicator": snapshot.indicator, "description": snapshot.description}
    components = [component_object(c, page) for c in snapshot.components]
    by_name = {c.name: c for c in snapshot.components}
    incidents = [incident_object(i, by_name, page) for i in snapshot.incidents]
    unresolved = [incident_object(i, by_name, page) for i in snapshot.unresolved]
    documents: dict[str, dict[str, Any]] = {
        SUMMARY: head
        | {"components": components, "incidents": unresolved, "scheduled_maintenances": [], "status": status},
        STATUS: head | {"status": status},
        COMPONENTS: head | {"components": components},
        INCIDENTS: head | {"incidents": incidents},
        UNRESOLVED: head | {"incidents": unresolved},
        MAINTENANCES: head | {"scheduled_maintenances": []},
        UPCOMING: head | {"scheduled_maintenances": []},
        ACTIVE: head | {"scheduled_maintenances": []},
    }
    return {path: encode(document) for path, document in documents.items()}


def encode(document: object) -> bytes:
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_ESCAPES).encode()


def page_object(snapshot: Snapshot, page: PageInfo) -> dict[str, Any]:
    return {
        "id": page.id,
        "name": page.name,
        "url": page.url,
        "time_zone": "Etc/UTC",
        "updated_at": iso_or_none(snapshot.updated_at),
    }


def component_object(component: PageComponent, page: PageInfo) -> dict[str, Any]:
    return {
        "id": component.id,
        "name": component.name,
        "status": component.status,
        "created_at": iso(component.created_at),
        "updated_at": iso(component.updated_at),
        "position": component.position,
        "description": None,
        "showcase": True,
        "start_date": None,
        "group_id": None,
        "page_id": page.id,
        "group": False,
        "only_show_if_degraded": False,
    }


def incident_object(
    incident: PageIncident, components: dict[str, PageComponent], page: PageInfo
) -> dict[str, Any]:
    return {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status,
        "created_at": iso(incident.created_at),
        "updated_at": iso(incident.updated_at),
        "monitoring_at": iso_or_none(incident.monitoring_at),
        "resolved_at": iso_or_none(incident.resolved_at),
        "impact": incident.impact,
        "shortlink": page.incident_url(incident.id),
        "started_at": iso(incident.created_at),
        "page_id": page.id,
        "incident_updates": [update_object(u) for u in incident.updates],
        "components": [
            component_object(components[name], page)
            for name in incident.component_names
            if name in components
        ],
    }


def update_object(update: PageUpdate) -> dict[str, Any]:
    affected = [
        {"code": a.code, "name": a.name, "old_status": a.old_status, "new_status": a.new_status}
        for a in update.affected
    ]
    return {
        "id": update.id,
        "status": update.status,
        "body": update.body,
        "incident_id": update.incident_id,
        "created_at": iso(update.at),
        "updated_at": iso(update.at),
        "display_at": iso(update.at),
        # Statuspage sends null, not [], when an update names no components.
        "affected_components": affected or None,
        "deliver_notifications": True,
    }
