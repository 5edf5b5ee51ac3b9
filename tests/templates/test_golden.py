"""Every template, from a just-declared and from a resolved incident, pinned as Markdown.

Regenerate after an intended change with ``SIRF_REGEN_GOLDEN=1`` and review the diff:

    SIRF_REGEN_GOLDEN=1 .venv/bin/pytest tests/templates/test_golden.py -q -p no:cacheprovider
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sirf.templates.context import TemplateContext
from sirf.templates.registry import TEMPLATES

GOLDEN = Path(__file__).parent / "golden"
VARIANTS = ("minimal", "full")
REGENERATE = os.environ.get("SIRF_REGEN_GOLDEN") == "1"


def golden_path(name: str, variant: str) -> Path:
    return GOLDEN / f"{name}-{variant}.md"


def check_golden(path: Path, actual: str) -> None:
    if REGENERATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path.name} is missing; run with SIRF_REGEN_GOLDEN=1 to create it"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_matches_its_golden_file(
    name: str, variant: str, minimal: TemplateContext, full: TemplateContext
) -> None:
    context = minimal if variant == "minimal" else full
    check_golden(golden_path(name, variant), TEMPLATES[name].render(context))


def test_no_stale_golden_files() -> None:
    expected = {golden_path(name, variant).name for name in TEMPLATES for variant in VARIANTS}
    assert {path.name for path in GOLDEN.glob("*.md")} == expected


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_every_template_starts_with_the_handbook_heading(name: str, full: TemplateContext) -> None:
    first_line = TEMPLATES[name].render(full).splitlines()[0]
    assert first_line.startswith("## Incident #42 - Checkout fails for EU customers")
