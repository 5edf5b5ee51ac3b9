"""status.io API v2 channel: public updates become status.io incidents and their messages.

The first public update of a sirf incident creates a status.io incident; later ones post
``incident/update``, and the resolving one ``incident/resolve``. The vendor incident id is the
``external_ref`` the worker hands back with every later update.

status.io has no idempotency key, and a create whose answer was lost (timeout, reset) may well
have happened. So every status.io incident sirf creates is named ``"<title> (#<sirf incident id>)"``
(``vendor_incident_name``) and, before creating, the channel lists the page's incidents and reuses
the one whose name ends with that marker. If that incident already shows this update's text, the
lost create is simply adopted; otherwise the update is posted to it.

Calls per update: create 2 (list + create; 3 when the first update already resolves), update 1.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from sirf.adapters.http import (
    failure_for,
    incident_marker,
    register_secret,
    scrub,
    send,
    unreadable,
    vendor_incident_name,
)
from sirf.config import STATUSIO_URL, Secret
from sirf.domain.public_state import STATUSIO_STATE, STATUSIO_STATUS, ComponentStatus, PublicState
from sirf.domain.updates import Audience
from sirf.services.publishing import Delivered, DeliveryFailed, Publication

log = logging.getLogger(__name__)

DEGRADED = STATUSIO_STATUS[ComponentStatus.DEGRADED_PERFORMANCE]  # when an update names no component
OPERATIONAL = STATUSIO_STATUS[ComponentStatus.OPERATIONAL]


@dataclass(frozen=True)
class StatusIoConfig:
    api_id: Secret
    api_key: Secret
    statuspage_id: str
    base_url: str = STATUSIO_URL
    components: Mapping[str, str] = field(default_factory=dict)  # sirf name -> componentId-containerId
    notify_email: bool = True
    notify_sms: bool = True
    notify_webhook: bool = True


def worst_status(components: Mapping[str, ComponentStatus], *, default: int) -> int:
    # The status.io codes grow with the harm (100 operational ... 600 security event).
    return max((STATUSIO_STATUS[status] for status in components.values()), default=default)


class StatusIoChannel:
    def __init__(self, config: StatusIoConfig, client: httpx.Client) -> None:
        self._config = config
        self._client = client
        register_secret(config.api_id.reveal())
        register_secret(config.api_key.reveal())

    @property
    def name(self) -> str:
        return "statusio"

    def wants(self, template: str, audience: Audience) -> bool:
        return audience is Audience.PUBLIC

    def deliver(self, publication: Publication) -> Delivered:
        if publication.external_ref:
            self._follow_up(publication.external_ref, publication)
            return Delivered(publication.external_ref)
        return self._open(publication)

    # -- creating, without ever creating twice ---------------------------------------------------

    def _open(self, publication: Publication) -> Delivered:
        found = self._find_existing(publication)
        if found is not None:
            return self._resume(*found, publication)
        affected, unmapped = self._affected(publication.components)
        incident_id = self._create(publication, affected)
        if publication.public_state is PublicState.RESOLVED:
            self._follow_up(incident_id, publication)
        log.info("status.io incident %s created for sirf incident %s", incident_id, publication.incident_id)
        detail = f"components not mapped to status.io: {', '.join(unmapped)}" if unmapped else ""
        return Delivered(incident_id, detail=detail)

    def _resume(self, existing: Mapping[str, Any], resolved: bool, publication: Publication) -> Delivered:
        """An earlier attempt created (or resolved) the incident but its answer never reached us."""
        incident_id = str(existing["_id"])
        posted = any(message.get("details") == publication.text for message in _messages(existing))
        if not resolved and (not posted or publication.public_state is PublicState.RESOLVED):
            self._follow_up(incident_id, publication)
        return Delivered(incident_id, detail=f"reused status.io incident {incident_id} created earlier")

    def _find_existing(self, publication: Publication) -> tuple[Mapping[str, Any], bool] | None:
        """The incident an earlier attempt made for this sirf incident, and whether it is resolved."""
        page = self._config.statuspage_id
        result = self._call("GET", f"incident/list/{page}", action="status.io incident/list")
        lists = result if isinstance(result, dict) else {}
        # A resolved match only counts for a resolving update (its earlier answer was lost); a
        # later non-resolving update with no reference means a new vendor incident.
        searched = ["active_incidents"]
        if publication.public_state is PublicState.RESOLVED:
            searched.append("resolved_incidents")
        marker = incident_marker(publication.incident_id)
        for key in searched:
            for incident in lists.get(key) or []:
                if not isinstance(incident, dict) or not incident.get("_id"):
                    continue
                if str(incident.get("name", "")).endswith(marker):
                    return incident, key == "resolved_incidents"
        return None

    def _create(self, publication: Publication, affected: list[str]) -> str:
        state = publication.public_state
        if state is None or state is PublicState.RESOLVED:
            # A new incident starts investigating; one reported already resolved is opened as
            # monitoring and resolved straight after, so it still appears in the history.
            state = PublicState.INVESTIGATING if state is None else PublicState.MONITORING
        body = {
            "statuspage_id": self._config.statuspage_id,
            "incident_name": vendor_incident_name(publication.incident_title, publication.incident_id),
            "incident_details": publication.text,
            "infrastructure_affected": affected,
            "current_status": worst_status(publication.components, default=DEGRADED),
            "current_state": STATUSIO_STATE[state],
            "message_subject": f"{state.label}: {publication.incident_title}",
            **self._notify(),
        }
        result = self._call("POST", "incident/create", action="status.io incident/create", json=body)
        if not isinstance(result, str) or not result:
            raise unreadable("status.io incident/create", status=200)
        return result

    # -- later updates ---------------------------------------------------------------------------

    def _follow_up(self, incident_id: str, publication: Publication) -> None:
        state = publication.public_state
        body: dict[str, Any] = {
            "statuspage_id": self._config.statuspage_id,
            "incident_id": incident_id,
            "incident_details": publication.text,
            **self._notify(),
        }
        if state is PublicState.RESOLVED:
            # Resolving is its own endpoint; it takes no state code (none exists for "resolved").
            body["current_status"] = worst_status(publication.components, default=OPERATIONAL)
            body["message_subject"] = f"Resolved: {publication.incident_title}"
            self._call("POST", "incident/resolve", action="status.io incident/resolve", json=body)
            return
        if state is None:
            raise DeliveryFailed(
                "status.io incident/update needs the incident's public state; the publication has none",
                retryable=False,
            )
        body["current_status"] = worst_status(publication.components, default=DEGRADED)
        body["current_state"] = STATUSIO_STATE[state]
        body["message_subject"] = f"{state.label}: {publication.incident_title}"
        self._call("POST", "incident/update", action="status.io incident/update", json=body)

    # -- plumbing --------------------------------------------------------------------------------

    def _affected(self, components: Mapping[str, ComponentStatus]) -> tuple[list[str], list[str]]:
        known = {name.casefold(): ref for name, ref in self._config.components.items()}
        affected = [known[name.casefold()] for name in components if name.casefold() in known]
        unmapped = [name for name in components if name.casefold() not in known]
        return list(dict.fromkeys(affected)), unmapped

    def _notify(self) -> dict[str, str]:
        flag = {True: "1", False: "0"}
        return {
            "notify_email": flag[self._config.notify_email],
            "notify_sms": flag[self._config.notify_sms],
            "notify_webhook": flag[self._config.notify_webhook],
        }

    def _call(self, method: str, path: str, *, action: str, json: object = None) -> object:
        """One API call; returns the envelope's ``result`` or raises ``DeliveryFailed``."""
        headers = {
            "x-api-id": self._config.api_id.reveal(),
            "x-api-key": self._config.api_key.reveal(),
            "Accept": "application/json",
        }
        url = f"{self._config.base_url}/{path}"
        response = send(self._client, method, url, action=action, headers=headers, json=json)
        envelope = _envelope(response)
        if not response.is_success:
            raise failure_for(response, action=action, reason=_message(envelope))
        if envelope is None:
            raise unreadable(action, status=response.status_code)
        if envelope["status"].get("error") != "no":
            raise DeliveryFailed(scrub(f"{action}: refused: {_message(envelope)}"), retryable=False)
        return envelope.get("result")


def _envelope(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("status"), dict):
        return data
    return None


def _message(envelope: Mapping[str, Any] | None) -> str:
    if envelope is None:
        return ""
    return str(envelope["status"].get("message", ""))[:200]


def _messages(incident: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    messages = incident.get("messages")
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
