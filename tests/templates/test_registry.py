"""The template names, audiences and F-numbers used by the CLI, the API and the framework file."""

from __future__ import annotations

import pytest

from sirf.domain.errors import ValidationFailed
from sirf.domain.updates import Audience
from sirf.templates.registry import TEMPLATES, get_template, template_names

PUBLIC = {"initial", "periodic", "resolution"}


def test_the_ten_templates_in_handbook_order() -> None:
    assert template_names() == [
        "initial",
        "periodic",
        "resolution",
        "region-handoff",
        "resource-allocation",
        "customer-impact",
        "cmoc-activation",
        "support-summary",
        "technical-handoff",
        "executive",
    ]
    assert [spec.requirement for spec in TEMPLATES.values()] == [f"F8.{n}" for n in range(1, 11)]


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_default_audience(name: str) -> None:
    expected = Audience.PUBLIC if name in PUBLIC else Audience.INTERNAL
    assert get_template(name).audience is expected


def test_names_are_matched_loosely_but_unknown_names_list_the_valid_ones() -> None:
    assert get_template(" Periodic ").name == "periodic"
    with pytest.raises(ValidationFailed) as caught:
        get_template("weekly")
    assert "initial, periodic, resolution" in caught.value.message
    assert caught.value.details["valid"] == template_names()
