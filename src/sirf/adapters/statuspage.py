"""Atlassian Statuspage API v1 channel: public updates become Statuspage incidents.

The first public update creates the incident (``POST /pages/{page}/incidents``), later ones
``PATCH`` it with the new status, text and component statuses; resolving is a PATCH to
``resolved``. The Statuspage incident id is the ``external_ref``.

No idempotency key exists, so sirf tags what it creates twice: ``metadata.sirf.incident_id`` and
the name suffix `` (#<sirf incident id>)``. Before creating, the channel lists the unresolved
incidents (all recent ones for an update that already resolves) and reuses a tagged one.

Budget (reliability.md §3.2): at most 1 request per second per API token, which the process-wide
``SHARED_SPACING`` enforces for every instance; at most 3 calls per published update (create:
list + POST, or list + PATCH when an earlier attempt's answer was lost; update: one PATCH).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from sirf.adapters.http import (
    RequestSpacing,
    failure_for,
    incident_marker,
    register_secret,
    send,
    unreadable,
    vendor_incident_name,
)
from sirf.config import STATUSPAGE_URL, Secret
from sirf.domain.public_state import (
    STATUSPAGE_COMPONENT_STATUS,
    STATUSPAGE_IMPACT,
    STATUSPAGE_INCIDENT_STATUS,
    ComponentStatus,
    PublicState,
)
from sirf.domain.updates import Audience
from sirf.services.publishing import Delivered, Publication

log = logging.getLogger(__name__)

RATE_LIMITED = frozenset({420, 429})
# Statuspage counts requests per API token across the whole account; one table for the process.
SHARED_SPACING = RequestSpacing(1.0)


@dataclass(frozen=True)
class StatuspageConfig:
    api_key: Secret
    page_id: str
    base_url: str = STATUSPAGE_URL
    components: Mapping[str, str] = field(default_factory=dict)  # sirf name -> Statuspage component id
    deliver_notifications: bool = True


class StatuspageChannel:
    def __init__(
        self, config: StatuspageConfig, client: httpx.Client, *, spacing: RequestSpacing = SHARED_SPACING
    ) -> None:
        self._config = config
        self._client = client
        self._spacing = spacing
        register_secret(config.api_key.reveal())

    @property
    def name(self) -> str:
        return "statuspage"

    def wants(self, template: str, audience: Audience) -> bool:
        return audience is Audience.PUBLIC

    def deliver(self, publication: Publication) -> Delivered:
        detail = self._unmapped_note(publication.components)
        if publication.external_ref:
            self._patch(publication.external_ref, publication)
            return Delivered(publication.external_ref, detail=detail)
        existing = self._find_existing(publication)
        if existing is not None:
            incident_id = self._resume(existing, publication)
            return Delivered(incident_id, detail=_join(f"reused Statuspage incident {incident_id}", detail))
        incident_id = self._create(publication)
        log.info("Statuspage incident %s created for sirf incident %s", incident_id, publication.incident_id)
        return Delivered(incident_id, detail=detail)

    def _find_existing(self, publication: Publication) -> Mapping[str, Any] | None:
        # An update that resolves may already have resolved what a lost attempt created; the full
        # list (newest first) still shows it.
        resolving = publication.public_state is PublicState.RESOLVED
        path = "incidents" if resolving else "incidents/unresolved"
        found = self._call("GET", path, action=f"Statuspage list {path}")
        for incident in found if isinstance(found, list) else []:
            if (
                isinstance(incident, dict)
                and incident.get("id")
                and _belongs_to(incident, publication.incident_id)
            ):
                return incident
        return None

    def _resume(self, existing: Mapping[str, Any], publication: Publication) -> str:
        incident_id = str(existing["id"])
        updates = existing.get("incident_updates")
        posted = isinstance(updates, list) and any(
            isinstance(u, dict) and u.get("body") == publication.text for u in updates
        )
        wanted = (
            STATUSPAGE_INCIDENT_STATUS.get(publication.public_state) if publication.public_state else None
        )
        if not posted or (wanted is not None and existing.get("status") != wanted):
            self._patch(incident_id, publication)
        return incident_id

    def _create(self, publication: Publication) -> str:
        state = publication.public_state or PublicState.INVESTIGATING
        incident = {
            "name": vendor_incident_name(publication.incident_title, publication.incident_id),
            "status": STATUSPAGE_INCIDENT_STATUS[state],
            "impact_override": STATUSPAGE_IMPACT[publication.severity],
            "body": publication.text,
            "deliver_notifications": self._config.deliver_notifications,
            "metadata": {"sirf": {"incident_id": publication.incident_id}},
            **self._components(publication.components),
        }
        created = self._call(
            "POST", "incidents", action="Statuspage create incident", json={"incident": incident}
        )
        if not isinstance(created, dict) or not created.get("id"):
            raise unreadable("Statuspage create incident", status=201)
        return str(created["id"])

    def _patch(self, incident_id: str, publication: Publication) -> None:
        incident: dict[str, Any] = {
            "body": publication.text,
            "impact_override": STATUSPAGE_IMPACT[publication.severity],
            "deliver_notifications": self._config.deliver_notifications,
            **self._components(publication.components),
        }
        if publication.public_state is not None:  # none: the status stays as it is
            incident["status"] = STATUSPAGE_INCIDENT_STATUS[publication.public_state]
        action = "Statuspage update incident"
        self._call("PATCH", f"incidents/{incident_id}", action=action, json={"incident": incident})

    def _components(self, components: Mapping[str, ComponentStatus]) -> dict[str, Any]:
        known = {name.casefold(): ref for name, ref in self._config.components.items()}
        statuses = {
            known[name.casefold()]: STATUSPAGE_COMPONENT_STATUS[status]
            for name, status in components.items()
            if name.casefold() in known
        }
        return {"component_ids": list(statuses), "components": statuses}

    def _unmapped_note(self, components: Mapping[str, ComponentStatus]) -> str:
        known = {name.casefold() for name in self._config.components}
        unmapped = [name for name in components if name.casefold() not in known]
        return f"components not mapped to Statuspage: {', '.join(unmapped)}" if unmapped else ""

    def _call(self, method: str, path: str, *, action: str, json: object = None) -> object:
        token = self._config.api_key.reveal()
        url = f"{self._config.base_url}/pages/{self._config.page_id}/{path}"
        headers = {"Authorization": f"OAuth {token}", "Accept": "application/json"}
        with self._spacing.turn(token):
            response = send(self._client, method, url, action=action, headers=headers, json=json)
        if not response.is_success:
            failure = failure_for(response, action=action, reason=_error_text(response))
            if response.status_code in RATE_LIMITED and failure.retry_after:
                self._spacing.back_off(token, failure.retry_after)
            raise failure
        try:
            return response.json()
        except ValueError:
            raise unreadable(action, status=response.status_code) from None


def _belongs_to(incident: Mapping[str, Any], sirf_incident_id: int) -> bool:
    metadata = incident.get("metadata")
    sirf = metadata.get("sirf") if isinstance(metadata, dict) else None
    if isinstance(sirf, dict) and str(sirf.get("incident_id")) == str(sirf_incident_id):
        return True
    return str(incident.get("name", "")).endswith(incident_marker(sirf_incident_id))


def _error_text(response: httpx.Response) -> str:
    # Statuspage's error bodies are not documented; take a short "error" or "message" if present.
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    error = data.get("error", data.get("message", ""))
    return "; ".join(map(str, error)) if isinstance(error, list) else str(error)


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)
