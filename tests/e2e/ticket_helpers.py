"""Helpers for the ticket and webhook API tests: containers wired like ``sirf serve`` wires them,
ticket and update calls over HTTP, signed Zendesk deliveries, and driving the worker's ticket jobs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from sirf.bootstrap import Container, make_worker
from tests.conftest import Api
from tests.e2e.helpers import API

WEBHOOK = f"{API}/webhooks/zendesk"
WEBHOOK_SECRET = "whsec-7Qm2cVx9LpRt4NzK8bYd"  # the signing secret Zendesk shows for the webhook


# ----- tickets and incidents over HTTP -------------------------------------------------------------


def create_ticket(api: Api, headers: dict[str, str], subject: str, **fields: Any) -> dict[str, Any]:
    body = {"subject": subject, "requester": "Dana Customer"} | fields
    response = api.client.post(f"{API}/tickets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def linked(api: Api, incident_id: int, **params: Any) -> dict[str, Any]:
    response = api.client.get(f"{API}/incidents/{incident_id}/tickets", params=params, headers=api.admin)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def linked_refs(api: Api, incident_id: int) -> set[str]:
    return {t["ref"] for t in linked(api, incident_id, limit=1000)["items"]}


def assign(api: Api, incident_id: int, role: str, person: str) -> None:
    response = api.client.put(
        f"{API}/incidents/{incident_id}/roles/{role}", json={"person": person}, headers=api.admin
    )
    assert response.status_code == 200, response.text


def publish_update(
    api: Api, incident_id: int, body: str, *, cmoc: dict[str, str], imoc: dict[str, str]
) -> int:
    """Draft an update from the ``initial`` template with ``body``, have the IMOC and the CMOC approve
    it and publish it: the only way an update becomes a bulk reply's text."""
    drafted = api.client.post(
        f"{API}/incidents/{incident_id}/updates", json={"template": "initial", "body": body}, headers=cmoc
    )
    assert drafted.status_code == 201, drafted.text
    update_id: int = drafted.json()["id"]
    reviewed = api.client.post(f"{API}/updates/{update_id}/request-review", json={}, headers=cmoc)
    assert reviewed.status_code == 200, reviewed.text
    etag = reviewed.json()["etag"]
    for person in (imoc, cmoc):
        approved = api.client.post(f"{API}/updates/{update_id}/approve", json={"etag": etag}, headers=person)
        assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved", approved.text
    published = api.client.post(f"{API}/updates/{update_id}/publish", json={}, headers=cmoc)
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published", published.text
    return update_id


def reply_run(api: Api, incident_id: int, run_id: int) -> dict[str, Any]:
    response = api.client.get(f"{API}/incidents/{incident_id}/tickets/replies/{run_id}", headers=api.admin)
    assert response.status_code == 200, response.text
    run: dict[str, Any] = response.json()
    return run


def run_replies_to_end(api: Api, incident_id: int, run_id: int, *, passes: int = 20) -> dict[str, Any]:
    """Run the worker's ticket jobs (as ``sirf worker`` does) until the bulk reply is no longer running."""
    jobs = make_worker(api.container, name="test-worker").tickets
    jobs.reply_budget = 2.0
    for _ in range(passes):
        jobs.run_once()
        run = reply_run(api, incident_id, run_id)
        if run["state"] != "running":
            return run
    raise AssertionError(f"bulk reply {run_id} did not finish: {reply_run(api, incident_id, run_id)}")


def run_ticket_jobs(container: Container, *, passes: int = 5) -> int:
    """Worker passes over the webhook inbox and tag operations until nothing is left to do."""
    jobs = make_worker(container, name="test-worker").tickets
    handled = 0
    for _ in range(passes):
        done = jobs.run_once()
        if not done:
            return handled
        handled += done
    return handled


# ----- signed Zendesk deliveries --------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign(body: bytes, timestamp: str, secret: str = WEBHOOK_SECRET) -> str:
    """Zendesk's signature: base64(HMAC-SHA256(secret, timestamp + body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_headers(body: bytes, at: datetime, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    timestamp = stamp(at)
    return {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        "X-Zendesk-Webhook-Signature": sign(body, timestamp, secret),
    }


def ticket_event(
    delivery_id: str,
    ticket_id: int,
    *,
    at: datetime,
    kind: str = "ticket.created",
    subject: str = "Cannot sign in",
    tags: list[str] | None = None,
    status: str = "NEW",
    **detail: Any,
) -> bytes:
    """A Zendesk event-subscription body (top-level id/type/time/subject/detail) for one ticket."""
    ticket = {
        "id": str(ticket_id),
        "subject": subject,
        "description": subject,
        "status": status,
        "priority": "NORMAL",
        "requester_id": str(1000 + ticket_id),
        "organization_id": None,
        "form_id": None,
        "tags": tags or [],
        "is_public": True,
        "created_at": stamp(at),
        "updated_at": stamp(at),
    } | detail
    payload = {
        "account_id": 12345,
        "id": delivery_id,
        "time": stamp(at),
        "type": f"zen:event-type:{kind}",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": ticket,
        "event": {},
    }
    return json.dumps(payload).encode()
