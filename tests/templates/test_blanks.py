"""Blanks: what sirf cannot know is left as [[TODO: ...]], which the publishing rule refuses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sirf.domain.updates import blanks_in
from sirf.templates.blanks import FALLBACK_DESCRIPTION, blank, blank_description
from sirf.templates.context import TemplateContext
from sirf.templates.registry import TEMPLATES


def test_a_blank_is_found_by_the_domain_rule() -> None:
    text = f"Impact: {blank('number/percentage if known')}"
    assert text == "Impact: [[TODO: number/percentage if known]]"
    assert blanks_in(text) == ["number/percentage if known"]


@given(st.text())
def test_any_description_round_trips_through_blanks_in(description: str) -> None:
    assert blanks_in(blank(description)) == [blank_description(description)]


def test_brackets_and_line_breaks_cannot_break_a_blank() -> None:
    assert blank("a [b]\n c") == "[[TODO: a (b) c]]"
    assert blank("  ") == f"[[TODO: {FALLBACK_DESCRIPTION}]]"


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_a_just_declared_incident_leaves_blanks(name: str, minimal: TemplateContext) -> None:
    assert blanks_in(TEMPLATES[name].render(minimal))


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_a_worked_incident_leaves_fewer_blanks(
    name: str, minimal: TemplateContext, full: TemplateContext
) -> None:
    assert len(blanks_in(TEMPLATES[name].render(full))) < len(blanks_in(TEMPLATES[name].render(minimal)))


def test_blanks_name_what_is_missing_in_the_handbooks_words(minimal: TemplateContext) -> None:
    assert blanks_in(TEMPLATES["initial"].render(minimal)) == [
        "Brief description of the issue - 1-2 sentences",
        "list affected services",
        "complete outage/degraded performance/feature unavailability",
        "number/percentage if known",
        "Bullet points of what the team is currently doing",
        "time",
    ]


def test_known_facts_replace_their_blanks(full: TemplateContext) -> None:
    blanks = blanks_in(TEMPLATES["initial"].render(full))
    assert blanks == ["complete outage/degraded performance/feature unavailability"]
