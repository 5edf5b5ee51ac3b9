"""The publishing port: what a channel (status page, chat) receives, and how it reports back.

The worker hands each channel one ``Publication`` per outbox row. A channel returns ``Delivered``
with the vendor's reference (the vendor incident id, the message id) so the next update of the same
incident updates that vendor object instead of creating a second one. A failure raises
``DeliveryFailed``, saying whether a retry may help and, when the vendor said so, after how long.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sirf.domain.public_state import ComponentStatus, PublicState
from sirf.domain.severity import Severity
from sirf.domain.updates import Audience

# Status codes worth retrying (DESIGN.md): timeouts, too early, rate limited (420 is Statuspage's
# rate-limit answer), server errors.
RETRYABLE_STATUS = frozenset({408, 420, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Publication:
    delivery_id: int
    idempotency_key: str  # stable per (update, channel): "sirf-<update id>-<channel>"
    incident_id: int
    incident_title: str
    severity: Severity
    update_id: int
    template: str
    audience: Audience
    public_state: PublicState | None
    components: Mapping[str, ComponentStatus]
    markdown: str
    text: str
    html: str
    external_ref: str | None = None  # this channel's reference from an earlier update of the incident
    links: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivered:
    external_ref: str | None = None
    detail: str = ""


class DeliveryFailed(Exception):
    def __init__(
        self, message: str, *, retryable: bool, retry_after: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


class Channel(Protocol):
    """One place updates go. ``name`` is stable and stored on outbox rows (e.g. "statusio",
    "statuspage", "slack:customer-success", "builtin")."""

    @property
    def name(self) -> str: ...

    def wants(self, template: str, audience: Audience) -> bool: ...

    def deliver(self, publication: Publication) -> Delivered: ...
