"""The browser harness itself: chromium starts, reaches the app and axe-core runs under its CSP."""

from __future__ import annotations

from typing import Any


def test_chromium_reaches_the_live_app(page: Any, site: str) -> None:
    response = page.goto(f"{site}/healthz")
    assert response is not None
    assert response.status == 200
    assert '"status":"ok"' in page.content().replace(" ", "")
