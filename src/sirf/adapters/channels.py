"""The vendor channels the settings configure (status.io, Statuspage, Slack webhooks).

The built-in status page is not among them: it needs no configuration and is added by the caller.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from sirf.adapters.http import build_client
from sirf.adapters.slack import SlackWebhookChannel
from sirf.adapters.statusio import StatusIoChannel, StatusIoConfig
from sirf.adapters.statuspage import StatuspageChannel, StatuspageConfig
from sirf.config import Settings
from sirf.services.publishing import Channel

ClientFactory = Callable[[], httpx.Client]


def build_channels(settings: Settings, client_factory: ClientFactory = build_client) -> list[Channel]:
    """``client_factory`` is called at most once, and only when a vendor is configured; every
    channel shares that client (one connection pool), and the caller owns and closes it."""
    client: httpx.Client | None = None

    def shared_client() -> httpx.Client:
        nonlocal client
        client = client or client_factory()
        return client

    channels: list[Channel] = []
    statusio = statusio_config(settings)
    if statusio is not None:
        channels.append(StatusIoChannel(statusio, shared_client()))
    statuspage = statuspage_config(settings)
    if statuspage is not None:
        channels.append(StatuspageChannel(statuspage, shared_client()))
    for name, url in sorted(settings.slack_webhooks.items()):
        executive = name == settings.slack_executive_channel
        channels.append(SlackWebhookChannel(name, url, executive, shared_client()))
    return channels


def statusio_config(settings: Settings) -> StatusIoConfig | None:
    api_id, api_key, page_id = settings.statusio_api_id, settings.statusio_api_key, settings.statusio_page_id
    if api_id is None or api_key is None or page_id is None:
        return None
    return StatusIoConfig(
        api_id=api_id,
        api_key=api_key,
        statuspage_id=page_id,
        base_url=settings.statusio_url,
        components=dict(settings.statusio_components),
    )


def statuspage_config(settings: Settings) -> StatuspageConfig | None:
    if settings.statuspage_api_key is None or settings.statuspage_page_id is None:
        return None
    return StatuspageConfig(
        api_key=settings.statuspage_api_key,
        page_id=settings.statuspage_page_id,
        base_url=settings.statuspage_url,
        components=dict(settings.statuspage_components),
    )
