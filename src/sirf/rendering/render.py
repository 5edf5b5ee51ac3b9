"""The one entry point the service layer calls: a template name and a context in, every format out."""

from __future__ import annotations

from dataclasses import dataclass

from sirf.domain.updates import blanks_in
from sirf.rendering.formats import to_text_and_html
from sirf.rendering.overrides import TemplateOverrides
from sirf.templates.context import TemplateContext
from sirf.templates.registry import get_template


@dataclass(frozen=True)
class RenderedUpdate:
    markdown: str  # the draft's body as stored and reviewed
    text: str  # email, ticket replies
    html: str  # sanitised, for web pages and rich email
    blanks: tuple[str, ...]  # what a person still has to fill before publishing


def render_update(
    name: str, context: TemplateContext, overrides: TemplateOverrides | None = None
) -> RenderedUpdate:
    """Render template ``name``; an installation override, if there is one, replaces the built-in.

    Raises ``ValidationFailed`` for an unknown name and ``TemplateOverrideError`` when an override
    fails (the built-in rendering is never substituted silently: the service decides).
    """
    spec = get_template(name)
    markdown = spec.render(context)
    if overrides is not None and spec.name in overrides:
        markdown = overrides.render(spec.name, context, default=markdown)
    text, html = to_text_and_html(markdown)
    return RenderedUpdate(markdown=markdown, text=text, html=html, blanks=tuple(blanks_in(markdown)))
