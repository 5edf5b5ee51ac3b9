"""Web UI tests: the real app through FastAPI's TestClient, one cookie jar per person.

Passwords are hashed with a deliberately cheap Argon2 here (the production parameters take about
0.2 s per check); everything else is the production code path, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from sirf.api.app import create_app
from sirf.bootstrap import Container
from sirf.domain.raci import OrgRole
from sirf.services.accounts import create_user
from sirf.services.passwords import set_password

CHEAP_HASHER = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
PASSWORD = "correct horse battery staple"
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = TOKEN_FIELD.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


class Browser:
    """One person's view of the site: a TestClient with its own cookies, not following redirects."""

    def __init__(self, app: FastAPI, *, base_url: str = "http://testserver") -> None:
        self.client = TestClient(
            app, base_url=base_url, raise_server_exceptions=False, follow_redirects=False
        )
        self.client.__enter__()
        self.token = ""

    def close(self) -> None:
        self.client.__exit__(None, None, None)

    def get(self, path: str, **options: Any) -> httpx.Response:
        return self.client.get(path, **options)

    def post(self, path: str, data: dict[str, str] | None = None, **options: Any) -> httpx.Response:
        """A same-origin form post carrying this session's CSRF token."""
        form = {"csrf_token": self.token} | (data or {})
        headers = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"} | options.pop(
            "headers", {}
        )
        return self.client.post(path, data=form, headers=headers, **options)

    def sign_in(self, username: str, password: str = PASSWORD, *, next: str = "/") -> httpx.Response:
        page = self.get("/login")
        response = self.client.post(
            "/login",
            data={"csrf_token": csrf_of(page.text), "username": username, "password": password, "next": next},
        )
        if response.status_code == 303:
            self.token = csrf_of(self.get("/").text)
        return response

    def plant_session(self, value: str) -> None:
        """Put a session cookie in the jar as the server would have (same host-only domain)."""
        self.client.cookies.set("sirf_session", value, domain="testserver.local")

    def session_cookie(self) -> str | None:
        return self.client.cookies.get("sirf_session") or self.client.cookies.get("__Host-sirf_session")


class Site:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.app = create_app(container)
        self.app.state.web_hasher = CHEAP_HASHER
        self.browsers: list[Browser] = []

    def user(self, username: str, org_role: str = "responder", password: str = PASSWORD) -> None:
        c = self.container
        create_user(username, org_role=OrgRole(org_role), actor=None, uow=c.uow(), env=c.env)
        set_password(username, password, uow=c.uow(), env=c.env, hasher=CHEAP_HASHER)

    def browser(self, *, base_url: str = "http://testserver") -> Browser:
        browser = Browser(self.app, base_url=base_url)
        self.browsers.append(browser)
        return browser

    def signed_in(self, username: str, org_role: str = "responder") -> Browser:
        self.user(username, org_role)
        browser = self.browser()
        assert browser.sign_in(username).status_code == 303
        return browser

    def close(self) -> None:
        for browser in self.browsers:
            browser.close()


@pytest.fixture
def site(container: Container) -> Iterator[Site]:
    opened = Site(container)
    yield opened
    opened.close()
