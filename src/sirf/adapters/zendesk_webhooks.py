"""Zendesk webhooks in: signature check and event parsing, as pure functions the HTTP edge calls.

Signature (shared/research/vendor-apis.md §4.8): ``X-Zendesk-Webhook-Signature`` is
``base64(HMAC-SHA256(key=signing secret, msg=timestamp + raw body))``, where the timestamp is the
``X-Zendesk-Webhook-Signature-Timestamp`` header (ISO 8601, ``2026-11-27T08:00:00Z``). The raw
bytes are checked before any parsing, in constant time. Zendesk signs no freshness itself, so sirf
refuses a timestamp more than ``window`` (5 min, reliability.md G7) from its own clock: a captured
request replayed later fails even though its signature is genuine.

A refused webhook raises ``WebhookRejected``. It subclasses ``AuthenticationRequired`` so the one
error mapping (api/errors.py) answers 401 without a new entry, while its own ``code``
(``webhook_rejected``) tells a sender's failure log what went wrong.

Events are Zendesk's event subscriptions (``zen:event-type:ticket.created`` ...): the top-level
``id`` is the delivery id to deduplicate on (Zendesk retries), ``detail`` is the ticket as it is
now, ``event`` what changed. Types sirf does not know are still parsed, so the caller can accept
and ignore them (202) instead of making Zendesk retry them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sirf.adapters.zendesk import parse_time, ticket_from_json
from sirf.domain.errors import AuthenticationRequired, ValidationFailed
from sirf.domain.tickets import Ticket

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
WINDOW = timedelta(minutes=5)
EVENT_PREFIX = "zen:event-type:"
TICKET_SUBJECT = "zen:ticket:"
# Ticket events whose ``detail`` must be a whole ticket: a broken one is refused (422) so the
# problem shows in Zendesk's delivery log. Other ticket.* events get a ticket when ``detail`` makes
# one, else none.
TICKET_EVENTS = frozenset(
    {
        "ticket.created",
        "ticket.status_changed",
        "ticket.comment_added",
        "ticket.tags_changed",
        "ticket.priority_changed",
        "ticket.subject_changed",
        "ticket.organization_changed",
        "ticket.requester_changed",
        "ticket.form_changed",
    }
)


class WebhookRejected(AuthenticationRequired):
    code = "webhook_rejected"
    title = "Webhook rejected"


@dataclass(frozen=True)
class ZendeskEvent:
    delivery_id: str  # the event's id: the same on every retry of one event
    type: str  # short form: "ticket.created", "ticket.comment_added", ...
    occurred_at: datetime | None
    ticket_ref: str | None  # from "subject" (zen:ticket:<id>) or detail.id
    ticket: Ticket | None  # the ticket as the event shows it, for ticket events
    agent_public_reply_at: datetime | None = None  # a staff member's public comment (first response)


def verify_signature(
    *,
    secret: str,
    timestamp: str | None,
    body: bytes,
    signature: str | None,
    now: datetime,
    window: timedelta = WINDOW,
) -> None:
    """Raise ``WebhookRejected`` unless ``signature`` signs ``timestamp + body`` with ``secret`` and
    the timestamp is within ``window`` of ``now``. The messages never echo the secret or the
    expected signature."""
    if not secret:
        raise ValueError("no Zendesk webhook signing secret is configured")
    if not timestamp:
        raise WebhookRejected(f"the {TIMESTAMP_HEADER} header is missing")
    if not signature:
        raise WebhookRejected(f"the {SIGNATURE_HEADER} header is missing")
    try:
        given = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookRejected(f"the {SIGNATURE_HEADER} header is not base64") from None
    expected = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise WebhookRejected("the webhook signature does not match the body and signing secret")
    # Only a genuine timestamp is judged for freshness: a forged one has failed above already.
    try:
        signed_at = parse_time(timestamp, field="timestamp")
    except ValidationFailed:
        raise WebhookRejected(f"the {TIMESTAMP_HEADER} header is not an ISO 8601 time") from None
    current = now if now.tzinfo else now.replace(tzinfo=UTC)
    skew = abs(current - signed_at)
    if skew > window:
        raise WebhookRejected(
            f"the webhook timestamp is {skew.total_seconds():.0f} s from now, outside the "
            f"±{window.total_seconds():.0f} s window (a replay, or a clock that is wrong)"
        )


def parse_event(body: bytes) -> ZendeskEvent:
    """The event in a verified body; ``ValidationFailed`` says what is missing or malformed."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed("the webhook body is not valid JSON", field="body") from None
    if not isinstance(data, dict):
        raise ValidationFailed("the webhook body must be a JSON object", field="body")
    delivery_id = _required_text(data, "id")
    kind = _required_text(data, "type").removeprefix(EVENT_PREFIX)
    occurred_at = parse_time(data["time"], field="time") if data.get("time") else None
    detail = data.get("detail")
    if kind in TICKET_EVENTS and not isinstance(detail, dict):
        raise ValidationFailed(f"a {kind} event needs a 'detail' object", field="detail")
    ticket = None
    if isinstance(detail, dict) and kind.startswith("ticket."):
        ticket = _ticket(detail, strict=kind in TICKET_EVENTS)
    ticket_ref = _subject_ref(data.get("subject"))
    if ticket_ref is None and kind.startswith("ticket.") and isinstance(detail, dict) and detail.get("id"):
        ticket_ref = str(detail["id"])
    reply_at = None
    if kind == "ticket.comment_added":
        reply_at = _agent_public_reply_at(data.get("event"), occurred_at, ticket)
    return ZendeskEvent(
        delivery_id=delivery_id,
        type=kind,
        occurred_at=occurred_at,
        ticket_ref=ticket_ref,
        ticket=ticket,
        agent_public_reply_at=reply_at,
    )


def _required_text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise ValidationFailed(f"the webhook event has no '{key}'", field=key)
    return str(value)


def _ticket(detail: dict[str, Any], *, strict: bool) -> Ticket | None:
    try:
        return ticket_from_json(detail, form_key="form_id")
    except ValidationFailed as problem:
        if strict:
            raise ValidationFailed(
                f"the event's ticket detail: {problem.message}", **problem.details
            ) from None
        return None


def _subject_ref(subject: object) -> str | None:
    if isinstance(subject, str) and subject.startswith(TICKET_SUBJECT):
        return subject[len(TICKET_SUBJECT) :] or None
    return None


def _agent_public_reply_at(
    event: object, occurred_at: datetime | None, ticket: Ticket | None
) -> datetime | None:
    """When a staff member's public comment was added: the event time (the comment carries none)."""
    if not isinstance(event, dict):
        raise ValidationFailed("a ticket.comment_added event needs an 'event' object", field="event")
    comment = event.get("comment")
    if not isinstance(comment, dict):
        raise ValidationFailed("a ticket.comment_added event needs 'event.comment'", field="event.comment")
    author = comment.get("author")
    is_staff = isinstance(author, dict) and author.get("is_staff") is True
    if not is_staff or comment.get("is_public") is not True:
        return None
    return occurred_at or (ticket.updated_at if ticket else None)
