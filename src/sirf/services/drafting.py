"""The drafting port: templates in, text out, and which channels an update would go to.

The service layer asks four things of it; ``sirf.adapters.drafting.TemplateDrafting`` answers
them with the F8 templates, installation overrides and the configured channels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sirf.domain.incident import Incident
from sirf.domain.public_state import PublicState
from sirf.domain.updates import Audience
from sirf.templates.context import TicketFigures


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    title: str
    audience: Audience


@dataclass(frozen=True)
class RenderedText:
    markdown: str
    text: str
    html: str


class Drafting(Protocol):
    def template(self, name: str) -> TemplateInfo: ...

    def draft(
        self,
        template: str,
        incident: Incident,
        *,
        now: datetime,
        update_number: int,
        next_update_at: datetime | None,
        requested_by: str,
        public_state: PublicState | None,
        tickets: TicketFigures | None = None,
    ) -> str: ...

    def formats(self, markdown: str) -> RenderedText: ...

    def channels_for(self, template: str, audience: Audience) -> list[str]: ...
