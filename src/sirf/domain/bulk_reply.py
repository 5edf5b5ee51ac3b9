"""F5.1 bulk replies: who gets the approved text, who is left out and why, and the per-ticket text.

The text comes only from an approved source (a published CMOC-approved update, or a configured
macro, which an admin approved by putting it in the framework file). Merge fields are
``{{ name }}`` placeholders from a fixed list, checked before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sirf.domain.errors import ValidationFailed
from sirf.domain.tickets import Ticket, TicketStatus

MERGE_FIELDS = ("requester", "ticket_id", "subject", "organization", "incident_id", "incident_title")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MAX_BODY = 60_000  # Zendesk comments are capped at 64 KB; leave room for merged values


class ReplySource(StrEnum):
    UPDATE = "update"
    MACRO = "macro"


class ItemState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed for a request whose answer is not recorded yet
    SUBMITTED = "submitted"  # the ticket system accepted the request (job id recorded)
    REPLIED = "replied"
    SKIPPED = "skipped"
    FAILED = "failed"

    @property
    def final(self) -> bool:
        return self in (ItemState.REPLIED, ItemState.SKIPPED, ItemState.FAILED)


class RunState(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# Status changes the handbook's emergency bulk flow uses; anything else stays a manual decision.
ALLOWED_STATUS_CHANGES = (TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED)


def check_status_change(value: str | None) -> TicketStatus | None:
    if value is None or value == "":
        return None
    status = TicketStatus.parse(value)
    if status not in ALLOWED_STATUS_CHANGES:
        raise ValidationFailed(
            f"a bulk reply can set the status to open, pending or solved, not {status.value}", field="status"
        )
    return status


def check_template(body: str) -> str:
    """Refuse unknown merge fields and empty or oversized text before anything is sent."""
    if not body.strip():
        raise ValidationFailed("the reply text is empty", field="body")
    if len(body) > MAX_BODY:
        raise ValidationFailed(f"the reply text is longer than {MAX_BODY} characters", field="body")
    unknown = sorted({name for name in _PLACEHOLDER.findall(body) if name not in MERGE_FIELDS})
    if unknown:
        raise ValidationFailed(
            f"unknown merge field(s) {', '.join(unknown)}: use {', '.join(MERGE_FIELDS)}", field="body"
        )
    return body


def merge(body: str, ticket: Ticket, *, incident_id: int, incident_title: str) -> str:
    values: Mapping[str, str] = {
        "requester": ticket.requester or "there",
        "ticket_id": ticket.ref,
        "subject": ticket.subject,
        "organization": ticket.organization or "",
        "incident_id": str(incident_id),
        "incident_title": incident_title,
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


@dataclass(frozen=True)
class Exclusions:
    """Why a linked ticket gets no bulk reply. ``answered_since`` is the last update's time: a
    ticket an agent answered after it already has the news."""

    answered_since: datetime | None = None
    opted_out_organizations: frozenset[str] = frozenset()
    already_replied: frozenset[str] = frozenset()  # refs that had this same text before

    def reason(self, ticket: Ticket) -> str | None:
        if ticket.ref in self.already_replied:
            return "already received this reply"
        if ticket.status is TicketStatus.CLOSED:
            return "closed"
        if not ticket.public:
            return "private ticket"
        if ticket.escalated:
            return "escalated"
        if ticket.organization and ticket.organization in self.opted_out_organizations:
            return "organisation opted out"
        if (
            self.answered_since is not None
            and ticket.last_public_reply_at is not None
            and ticket.last_public_reply_at >= self.answered_since
        ):
            return "answered since the last update"
        return None


def marker_tag(run_id: int) -> str:
    """The tag a reply carries in the ticket system: its proof of delivery after a crash."""
    return f"sirf_reply_{run_id}"
