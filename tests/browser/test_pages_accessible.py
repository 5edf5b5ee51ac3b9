"""Every signed-in page and the sign-in page pass axe-core (no serious or critical violations),
on a laptop-sized and on a phone-sized screen."""

from __future__ import annotations

from typing import Any

import pytest

from sirf.bootstrap import Container
from tests.browser.conftest import assert_accessible, person, sign_in

PAGES = ["/", "/incidents/new", "/profile", "/admin"]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def test_pages_pass_axe(browser: Any, site: str, container: Container, viewport: dict[str, int]) -> None:
    person(container, "ada", "admin")
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{site}/login")
    assert_accessible(page)
    sign_in(page, site, "ada")
    for path in PAGES:
        response = page.goto(f"{site}{path}")
        assert response is not None
        assert response.status == 200, path
        assert_accessible(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} is wider than the screen"
