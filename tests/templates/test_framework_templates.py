"""The framework file's [templates] section: overrides checked at start-up, errors naming the entry."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sirf.domain.framework import Framework
from sirf.framework.loader import FrameworkConfigError, framework_from_mapping
from sirf.rendering.overrides import TemplateOverrides
from sirf.rendering.render import render_update
from sirf.templates.context import TemplateContext

EXAMPLE = Path(__file__).parents[2] / "src" / "sirf" / "framework" / "example.toml"


def load(templates: object) -> Framework:
    return framework_from_mapping({"templates": templates}, source="sirf.toml")


def test_no_section_means_no_overrides() -> None:
    assert framework_from_mapping({}).template_overrides == {}
    assert Framework().template_overrides == {}


def test_overrides_are_kept_as_source() -> None:
    framework = load({"initial": "{{ default }}\nReply in the incident channel.\n"})
    assert framework.template_overrides == {"initial": "{{ default }}\nReply in the incident channel.\n"}


def test_an_unknown_template_name_lists_the_valid_ones() -> None:
    with pytest.raises(FrameworkConfigError) as caught:
        load({"weekly": "x"})
    assert caught.value.path == "templates.weekly"
    assert "valid names: initial, periodic, resolution, region-handoff" in str(caught.value)


def test_a_syntax_error_stops_start_up_with_template_and_line() -> None:
    with pytest.raises(FrameworkConfigError) as caught:
        load({"periodic": "## Update\n{% if %}\n"})
    assert caught.value.path == "templates.periodic"
    assert str(caught.value).startswith("sirf.toml: templates.periodic: line 2: ")


def test_a_template_failing_on_a_new_incident_stops_start_up() -> None:
    with pytest.raises(FrameworkConfigError, match=r"templates.executive: line 1: .*minimal sample incident"):
        load({"executive": "{{ tickets.total_tickets }}"})


@pytest.mark.parametrize("value", [3, "", "   ", ["x"]])
def test_the_value_must_be_template_text(value: object) -> None:
    with pytest.raises(FrameworkConfigError, match="expected the template text"):
        load({"initial": value})


def test_the_section_must_be_a_table() -> None:
    with pytest.raises(FrameworkConfigError, match="expected a table"):
        load("initial")


def test_the_commented_example_in_example_toml_works(full: TemplateContext) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    block = text[text.index("# [templates]") :]
    uncommented = "\n".join(
        line[2:] if line.startswith("# ") else line.lstrip("#") for line in block.splitlines()
    )
    framework = framework_from_mapping(tomllib.loads(uncommented), source=str(EXAMPLE))
    assert set(framework.template_overrides) == {"initial", "executive"}
    overrides = TemplateOverrides.compile(framework.template_overrides)
    rendered = render_update("executive", full, overrides)
    assert rendered.markdown.startswith("## Checkout fails for EU customers (SEV2, Resolved)\n")
