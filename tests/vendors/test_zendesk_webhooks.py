"""Zendesk webhooks in: signatures (tampering, replay window, malformed headers) and event parsing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sirf.adapters.zendesk_webhooks import WebhookRejected, parse_event, verify_signature
from sirf.api.errors import status_of
from sirf.domain.errors import ValidationFailed
from sirf.domain.tickets import TicketPriority, TicketStatus

SECRET = "dGhpc2lzYXNpZ25pbmdzZWNyZXQ="
STAMP = "2026-11-27T08:00:00Z"
SIGNED_AT = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def sign(body: bytes, timestamp: str = STAMP, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check(body: bytes, **changes: Any) -> None:
    arguments: dict[str, Any] = {
        "secret": SECRET,
        "timestamp": STAMP,
        "body": body,
        "signature": sign(body),
        "now": SIGNED_AT + timedelta(seconds=3),
    }
    verify_signature(**{**arguments, **changes})


BODY = b'{"id": "01HZX", "type": "zen:event-type:ticket.created"}'


def test_a_genuine_signature_passes() -> None:
    check(BODY)
    check(b"")  # Zendesk signs empty bodies too
    check(BODY, now=SIGNED_AT + timedelta(minutes=5))  # the window's edge still counts


def test_a_tampered_body_is_rejected_with_401() -> None:
    with pytest.raises(WebhookRejected, match="does not match") as rejected:
        check(BODY.replace(b"created", b"deleted"), signature=sign(BODY))
    assert rejected.value.code == "webhook_rejected"
    assert status_of(rejected.value) == 401
    assert SECRET not in rejected.value.message
    assert sign(BODY) not in rejected.value.message


def test_another_secret_or_another_timestamp_does_not_verify() -> None:
    with pytest.raises(WebhookRejected):
        check(BODY, signature=sign(BODY, secret="another-signing-secret"))
    with pytest.raises(WebhookRejected):
        check(BODY, timestamp="2026-11-27T08:00:01Z")  # signed for 08:00:00


@pytest.mark.parametrize("offset", [timedelta(minutes=6), -timedelta(minutes=6), timedelta(days=3)])
def test_stale_and_future_timestamps_are_rejected(offset: timedelta) -> None:
    with pytest.raises(WebhookRejected, match="outside"):
        check(BODY, now=SIGNED_AT + offset)


def test_a_narrower_window_can_be_asked_for() -> None:
    with pytest.raises(WebhookRejected):
        check(BODY, now=SIGNED_AT + timedelta(seconds=90), window=timedelta(seconds=60))


def test_bad_base64_is_rejected() -> None:
    with pytest.raises(WebhookRejected, match="not base64"):
        check(BODY, signature="not base64!!")


@pytest.mark.parametrize(
    ("changes", "header"),
    [
        ({"signature": None}, "X-Zendesk-Webhook-Signature "),
        ({"signature": ""}, "X-Zendesk-Webhook-Signature "),
        ({"timestamp": None}, "X-Zendesk-Webhook-Signature-Timestamp"),
    ],
)
def test_missing_headers_are_rejected(changes: dict[str, Any], header: str) -> None:
    with pytest.raises(WebhookRejected, match="missing") as rejected:
        check(BODY, **changes)
    assert header.strip() in rejected.value.message


def test_a_signed_but_unreadable_timestamp_is_rejected() -> None:
    with pytest.raises(WebhookRejected, match="ISO 8601"):
        check(BODY, timestamp="yesterday", signature=sign(BODY, timestamp="yesterday"))


def test_no_configured_secret_is_a_configuration_error_not_an_accept() -> None:
    with pytest.raises(ValueError, match="secret"):
        check(BODY, secret="")


# -- events ----------------------------------------------------------------------------------------

DETAIL = {
    "actor_id": "900",
    "assignee_id": None,
    "brand_id": "1",
    "created_at": "2026-11-27T07:58:00Z",
    "description": "All pipelines are pending since 07:50.",
    "external_id": None,
    "form_id": "360001",
    "group_id": "20",
    "id": "35436",
    "is_public": True,
    "organization_id": "10002",
    "priority": "LOW",
    "requester_id": "20978392",
    "status": "OPEN",
    "subject": "Pipelines stuck",
    "submitter_id": "20978392",
    "tags": ["segment_enterprise", "region_amer"],
    "type": "INCIDENT",
    "updated_at": "2026-11-27T08:00:00Z",
    "via": {"channel": "web_form"},
}


def event(kind: str, **fields: Any) -> bytes:
    payload = {
        "account_id": 12345,
        "id": "cbe4028c-7239-495d-b020-f22348516046",
        "time": "2026-11-27T08:00:05Z",
        "type": f"zen:event-type:{kind}",
        "subject": "zen:ticket:35436",
        "zendesk_event_version": "2022-11-06",
        "detail": DETAIL,
        "event": {},
        **fields,
    }
    return json.dumps(payload).encode()


def test_ticket_created_gives_the_ticket_and_the_delivery_id() -> None:
    parsed = parse_event(event("ticket.created"))
    assert parsed.delivery_id == "cbe4028c-7239-495d-b020-f22348516046"
    assert parsed.type == "ticket.created"
    assert parsed.occurred_at == datetime(2026, 11, 27, 8, 0, 5, tzinfo=UTC)
    assert parsed.ticket_ref == "35436"
    ticket = parsed.ticket
    assert ticket is not None
    assert ticket.ref == "35436"
    assert ticket.status is TicketStatus.OPEN
    assert ticket.priority is TicketPriority.LOW
    assert ticket.organization == "10002"
    assert ticket.requester == "20978392"
    assert ticket.form == "360001"
    assert ticket.tags == {"segment_enterprise", "region_amer"}
    assert ticket.created_at == datetime(2026, 11, 27, 7, 58, tzinfo=UTC)
    assert parsed.agent_public_reply_at is None


def comment(*, staff: bool, public: bool) -> dict[str, Any]:
    return {
        "comment": {
            "id": "10001",
            "body": "We are looking into it.",
            "is_public": public,
            "author": {"id": "900", "is_staff": staff, "name": "Sam Agent"},
        }
    }


def test_a_public_staff_comment_is_an_agent_reply() -> None:
    parsed = parse_event(event("ticket.comment_added", event=comment(staff=True, public=True)))
    assert parsed.type == "ticket.comment_added"
    assert parsed.agent_public_reply_at == datetime(2026, 11, 27, 8, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize(("staff", "public"), [(False, True), (True, False)])
def test_customer_comments_and_internal_notes_are_not_agent_replies(staff: bool, public: bool) -> None:
    parsed = parse_event(event("ticket.comment_added", event=comment(staff=staff, public=public)))
    assert parsed.agent_public_reply_at is None
    assert parsed.ticket is not None


def test_unknown_event_types_are_parsed_for_the_caller_to_ignore() -> None:
    body = json.dumps(
        {"id": "evt-1", "type": "zen:event-type:user.created", "subject": "zen:user:7", "detail": {"id": "7"}}
    ).encode()
    parsed = parse_event(body)
    assert parsed.type == "user.created"
    assert parsed.ticket is None
    assert parsed.ticket_ref is None
    odd = parse_event(event("ticket.brand_changed", detail={"id": "35436"}))
    assert odd.ticket is None
    assert odd.ticket_ref == "35436"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[]", "JSON object"),
        (json.dumps({"type": "zen:event-type:ticket.created", "detail": DETAIL}).encode(), "'id'"),
        (json.dumps({"id": "e1", "detail": DETAIL}).encode(), "'type'"),
        (event("ticket.created", detail=None), "detail"),
        (event("ticket.created", detail={**DETAIL, "created_at": None}), "created_at"),
        (event("ticket.status_changed", detail={**DETAIL, "status": "SHELVED"}), "unknown ticket status"),
        (event("ticket.comment_added", event={}), "event.comment"),
        (event("ticket.created", time="soon"), "time"),
    ],
)
def test_malformed_events_say_what_is_wrong(body: bytes, says: str) -> None:
    with pytest.raises(ValidationFailed, match=says):
        parse_event(body)
