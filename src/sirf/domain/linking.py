"""Which tickets belong to an incident (F5.1): the incident's tag, or its configured linking rule.

A rule is a conjunction: every condition set must hold. Keywords match when ANY of the phrases
appears in the subject or description (case and spacing ignored), because customers describe one
outage in many words; form, organisation and time window narrow the match down.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sirf.domain.errors import ValidationFailed
from sirf.domain.tickets import Ticket

MAX_KEYWORDS = 20
_SPACES = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text.casefold()).strip()


@dataclass(frozen=True)
class LinkRule:
    keywords: tuple[str, ...] = ()
    form: str | None = None
    organization: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if len(self.keywords) > MAX_KEYWORDS:
            raise ValidationFailed(f"a linking rule takes at most {MAX_KEYWORDS} keywords", field="keywords")
        if any(not _normal(word) or len(word) > 200 for word in self.keywords):
            raise ValidationFailed("keywords must be 1 to 200 characters, not blank", field="keywords")
        if self.since and self.until and self.until <= self.since:
            raise ValidationFailed("the rule's 'until' must be after its 'since'", field="until")
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise ValidationFailed("rule times must carry a time zone", field="since")
        if self.empty:
            raise ValidationFailed(
                "a linking rule needs at least one of keywords, form or organization", field="keywords"
            )

    @property
    def empty(self) -> bool:
        return not (self.keywords or self.form or self.organization)

    def matches(self, ticket: Ticket) -> bool:
        if self.form is not None and ticket.form != self.form:
            return False
        if self.organization is not None and ticket.organization != self.organization:
            return False
        if self.since is not None and ticket.created_at < self.since:
            return False
        if self.until is not None and ticket.created_at >= self.until:
            return False
        if not self.keywords:
            return True
        text = _normal(f"{ticket.subject} {ticket.description}")
        return any(_normal(word) in text for word in self.keywords)

    def to_json(self) -> dict[str, Any]:
        return {
            "keywords": list(self.keywords),
            "form": self.form,
            "organization": self.organization,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinkRule:
        def when(value: Any) -> datetime | None:
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        keywords: Sequence[str] = data.get("keywords") or ()
        return cls(
            keywords=tuple(keywords),
            form=data.get("form"),
            organization=data.get("organization"),
            since=when(data.get("since")),
            until=when(data.get("until")),
        )


def links_by_tag(ticket: Ticket, tag_to_incident: Mapping[str, int]) -> set[int]:
    """Incidents whose (active) tag the ticket carries."""
    return {incident for tag, incident in tag_to_incident.items() if tag in ticket.tags}
