"""render_update: the one entry point, Markdown plus text, HTML and blanks."""

from __future__ import annotations

import pytest

from sirf.domain.errors import ValidationFailed
from sirf.domain.updates import blanks_in
from sirf.rendering.errors import TemplateOverrideError
from sirf.rendering.formats import to_html, to_text
from sirf.rendering.overrides import TemplateOverrides
from sirf.rendering.render import render_update
from sirf.templates.context import TemplateContext
from sirf.templates.registry import TEMPLATES


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_template_renders_in_every_format(name: str, minimal: TemplateContext) -> None:
    rendered = render_update(name, minimal)
    assert rendered.markdown == TEMPLATES[name].render(minimal)
    assert rendered.text == to_text(rendered.markdown)
    assert rendered.html == to_html(rendered.markdown)
    assert rendered.blanks == tuple(blanks_in(rendered.markdown))
    assert rendered.blanks


def test_an_override_replaces_the_built_in(full: TemplateContext) -> None:
    overrides = TemplateOverrides.compile({"resolution": "{{ default }}\n**Thanks** for your patience.\n"})
    rendered = render_update("resolution", full, overrides)
    assert rendered.markdown == TEMPLATES["resolution"].render(full) + "\n**Thanks** for your patience.\n"
    assert rendered.text.endswith("Thanks for your patience.\n")
    assert render_update("initial", full, overrides).markdown == TEMPLATES["initial"].render(full)


def test_override_blanks_are_reported(minimal: TemplateContext) -> None:
    overrides = TemplateOverrides.compile({"initial": "Hello {{ blank('customer name') }}\n"})
    assert render_update("initial", minimal, overrides).blanks == ("customer name",)


def test_unknown_names_are_refused(minimal: TemplateContext) -> None:
    with pytest.raises(ValidationFailed, match="unknown template 'weekly'"):
        render_update("weekly", minimal)


def test_a_failing_override_is_reported_not_replaced(full: TemplateContext) -> None:
    overrides = TemplateOverrides.compile({"initial": "{{ 1 / 0 }}"}, check_with={})
    with pytest.raises(TemplateOverrideError, match="ZeroDivisionError"):
        render_update("initial", full, overrides)
