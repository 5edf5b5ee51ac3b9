"""Inbound webhooks. Authenticated by the sender's signature, not by a sirf token: verified, stored
durably and acknowledged at once; the worker processes what was stored (``ticket_inbox``)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sirf.adapters.zendesk_webhooks import WebhookRejected, parse_event, verify_signature
from sirf.api.context import container_of
from sirf.domain.errors import NotFound, ValidationFailed
from sirf.services.ticket_inbox import accept_delivery

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
log = logging.getLogger(__name__)


@router.post(
    "/zendesk",
    status_code=202,
    summary="Zendesk ticket events (signed with the webhook's secret)",
    responses={200: {"description": "a delivery seen before (nothing done twice)"}, 401: {}},
)
async def zendesk(request: Request) -> JSONResponse:
    container = container_of(request)
    secret = container.settings.zendesk_webhook_secret
    if secret is None:
        raise NotFound("the Zendesk webhook is not configured here: set SIRF_ZENDESK_WEBHOOK_SECRET")
    body = await request.body()
    try:
        verify_signature(
            secret=secret.reveal(),
            timestamp=request.headers.get("x-zendesk-webhook-signature-timestamp"),
            body=body,
            signature=request.headers.get("x-zendesk-webhook-signature"),
            now=container.env.clock.now(),
        )
    except WebhookRejected as rejected:
        # Never log the body or the signature: only who called and why it was refused.
        client = request.client.host if request.client else "unknown"
        log.warning("zendesk webhook from %s rejected: %s", client, rejected.message)
        raise
    try:
        body.decode("utf-8")  # stored as text; JSON in UTF-16 or UTF-32 would parse, then fail to store
    except UnicodeDecodeError:
        raise ValidationFailed("the webhook body is not UTF-8 encoded JSON", field="body") from None
    event = parse_event(body)
    new = await run_in_threadpool(
        accept_delivery,
        source="zendesk",
        delivery_id=event.delivery_id,
        event_type=event.type,
        body=body,
        uow=container.uow(),
        env=container.env,
    )
    answer = {"accepted": True, "duplicate": not new, "delivery_id": event.delivery_id}
    return JSONResponse(answer, status_code=202 if new else 200)
