"""Browser tests: Debian's chromium driven by Playwright against the real app on loopback.

They run once (on SQLite): they test pages, not storage. Without chromium, Playwright or axe-core
they are skipped, unless ``SIRF_REQUIRE_BROWSER=1`` (set by .ci/run), which makes that a failure.
Screenshots go to ``test-artifacts/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sirf.bootstrap import Container
from tests.e2e.live_server import live_server

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
REQUIRED = os.environ.get("SIRF_REQUIRE_BROWSER") == "1"
# Chromium as root on a closed network: no sandbox, and none of its background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "chromium is not installed (apt-get install chromium)"
    if not AXE.exists():
        return "axe-core is not installed (npm ci --prefix tests/browser)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (make install)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = _missing()
    if missing:
        if REQUIRED:
            pytest.fail(f"browser tests are required (SIRF_REQUIRE_BROWSER=1) but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """Pages, not storage: one backend is enough here."""
    path = tmp_path / "sirf.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


CHEAP_HASHER_ARGS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


@pytest.fixture
def site(container: Container) -> Iterator[str]:
    """The real app on loopback; passwords hashed cheaply (production Argon2 takes ~0.2 s a check)."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    hasher = PasswordHash((Argon2Hasher(**CHEAP_HASHER_ARGS),))

    def prepare(app: Any) -> None:
        app.state.web_hasher = hasher

    with live_server(container, prepare=prepare) as url:
        yield url


PASSWORD = "correct horse battery staple"


def person(container: Container, name: str, role: str = "responder") -> str:
    """Create a user who can sign in with ``PASSWORD``; returns the username."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from sirf.domain.raci import OrgRole
    from sirf.services.accounts import create_user
    from sirf.services.passwords import set_password

    hasher = PasswordHash((Argon2Hasher(**CHEAP_HASHER_ARGS),))
    create_user(name, org_role=OrgRole(role), actor=None, uow=container.uow(), env=container.env)
    set_password(name, PASSWORD, uow=container.uow(), env=container.env, hasher=hasher)
    return name


def sign_in(page: Any, site: str, name: str) -> None:
    page.goto(f"{site}/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url(f"{site}/")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="Asia/Tokyo")
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page: Any) -> None:
    """axe-core on the current page: no serious or critical violations (WCAG 2.1 A/AA rules)."""
    # Evaluated through the DevTools protocol, which the page's strict CSP does not block (a
    # <script> tag would be, and loosening the CSP for tests would test something else).
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', "
        "values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    serious = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:3]],
        }
        for v in serious
    ]
    assert not serious, json.dumps(details, indent=2)
