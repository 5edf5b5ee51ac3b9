"""The drafting port implemented with the F8 templates, installation overrides and the channels.

Overrides are compiled once, at start-up (a broken one stops the service with its name and line),
and shared by every request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sirf.domain.framework import Framework
from sirf.domain.incident import Incident
from sirf.domain.public_state import PublicState
from sirf.domain.updates import MAX_BODY, Audience
from sirf.rendering.formats import to_text_and_html
from sirf.rendering.limits import RenderLimits
from sirf.rendering.overrides import TemplateOverrides
from sirf.rendering.render import render_update
from sirf.services.drafting import RenderedText, TemplateInfo
from sirf.services.publishing import Channel
from sirf.templates.build import build_context
from sirf.templates.context import TicketFigures
from sirf.templates.registry import get_template


class TemplateDrafting:
    def __init__(self, framework: Framework, channels: Sequence[Channel]) -> None:
        self.framework = framework
        self.channels = list(channels)
        sources = dict(framework.template_overrides)
        limits = RenderLimits(max_output_bytes=MAX_BODY)  # an override may not outgrow an update
        self.overrides = TemplateOverrides.compile(sources, limits=limits) if sources else None

    def template(self, name: str) -> TemplateInfo:
        spec = get_template(name)
        return TemplateInfo(spec.name, spec.title, spec.audience)

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
    ) -> str:
        context = build_context(
            incident,
            now=now,
            framework=self.framework,
            update_number=update_number,
            last_public_update_at=incident.last_public_update_at,
            next_update_at=next_update_at,
            requested_by=requested_by,
            public_state=public_state,
            tickets=tickets,
        )
        return render_update(template, context, self.overrides).markdown

    def formats(self, markdown: str) -> RenderedText:
        text, html = to_text_and_html(markdown)
        return RenderedText(markdown, text, html)

    def channels_for(self, template: str, audience: Audience) -> list[str]:
        return [channel.name for channel in self.channels if channel.wants(template, audience)]
