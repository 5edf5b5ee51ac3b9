"""Fixtures for the F8 templates: the two sample incidents on a fixed clock."""

from __future__ import annotations

import pytest

from sirf.domain.framework import Framework
from sirf.templates.context import TemplateContext
from sirf.templates.samples import full_context, minimal_context


@pytest.fixture(scope="session")
def minimal() -> TemplateContext:
    return minimal_context(Framework())


@pytest.fixture(scope="session")
def full() -> TemplateContext:
    return full_context(Framework())
