"""Accounts from the web: invitations with one-time set-password links, organisation roles, the
first password proved with an API token, and API tokens on the profile page."""

from __future__ import annotations

import re

from sqlalchemy import text

from sirf.domain.raci import OrgRole
from sirf.logs import redact
from sirf.services.accounts import create_user, issue_token
from sirf.services.passwords import LINK_LIFETIME
from tests.conftest import FakeClock
from tests.web.conftest import PASSWORD, Site, csrf_of

NEW_PASSWORD = "a long and new passphrase"


def link_in(page: str) -> str:
    found = re.search(r'id="set-password-link" value="([^"]+)"', page)
    assert found, "no set-password link on the page"
    return found.group(1).removeprefix("http://testserver")


def use_link(site: Site, path: str, password: str = NEW_PASSWORD, again: str | None = None) -> int:
    browser = site.browser()
    form = browser.get(path)
    if form.status_code != 200:
        return form.status_code
    data = {
        "csrf_token": csrf_of(form.text),
        "token": path.split("token=")[1],
        "password": password,
        "password_again": again or password,
    }
    return browser.client.post("/set-password", data=data).status_code


def test_an_admin_invites_someone_who_sets_a_password_and_signs_in(site: Site, clock: FakeClock) -> None:
    root = site.signed_in("root", "admin")
    page = root.post("/admin/invitations", {"username": "Nina", "org_role": "responder"})
    assert page.status_code == 200
    assert 'data-testid="link-user">nina' in page.text
    path = link_in(page.text)
    assert 'data-testid="user-nina"' in page.text
    assert "not set yet" in page.text
    assert "nina" in site.browser().get(path).text

    assert use_link(site, path, "short") == 422
    assert use_link(site, path, NEW_PASSWORD, again="something else entirely") == 422
    assert use_link(site, path) == 303
    assert use_link(site, path) in (404, 422)  # used: it works once
    nina = site.browser()
    assert nina.sign_in("nina", NEW_PASSWORD).status_code == 303
    assert 'data-testid="whoami">nina (responder)' in nina.get("/").text


def test_the_link_is_stored_hashed_and_expires_after_48_hours(site: Site, clock: FakeClock) -> None:
    root = site.signed_in("root", "admin")
    path = link_in(root.post("/admin/invitations", {"username": "nina", "org_role": "viewer"}).text)
    token = path.split("token=")[1]
    assert path == f"/set-password?token={token}"
    assert token not in redact(f'127.0.0.1:1 - "GET {path} HTTP/1.1" 200')  # the JSON logs hide it
    with site.container.database.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM invitations")).scalars().all()
    assert stored
    assert token not in stored[0]
    clock.advance(seconds=LINK_LIFETIME.total_seconds() + 1)
    expired = site.browser().get(path)
    assert expired.status_code == 422
    assert "expired or was used" in expired.text


def test_a_new_link_replaces_the_old_one_and_ends_sessions(site: Site) -> None:
    root = site.signed_in("root", "admin")
    carol = site.signed_in("carol")
    first = link_in(root.post("/admin/users/carol/password-link").text)
    second = link_in(root.post("/admin/users/carol/password-link").text)
    assert use_link(site, first) == 422
    assert use_link(site, second) == 303
    assert carol.get("/").status_code == 303  # a new password ends the old sessions
    assert site.browser().sign_in("carol", PASSWORD).status_code == 401


def test_only_admins_manage_people(site: Site) -> None:
    carol = site.signed_in("carol")
    assert carol.get("/admin").status_code == 403
    refused = carol.post("/admin/invitations", {"username": "mallory", "org_role": "admin"})
    assert refused.status_code == 403
    assert "only admins" in refused.text
    assert carol.post("/admin/users/carol/role", {"org_role": "admin"}).status_code == 403


def test_an_admin_changes_roles_but_never_removes_the_last_admin(site: Site) -> None:
    root = site.signed_in("root", "admin")
    carol = site.signed_in("carol")
    changed = root.post("/admin/users/carol/role", {"org_role": "viewer"})
    assert changed.status_code == 303
    assert changed.headers["location"] == "/admin?done=role"
    assert 'data-testid="whoami">carol (viewer)' in carol.get("/").text  # takes effect at once
    last = root.post("/admin/users/root/role", {"org_role": "responder"})
    assert last.status_code == 409
    assert "last admin" in last.text
    invalid = root.post("/admin/invitations", {"username": "Bad Name!", "org_role": "responder"})
    assert invalid.status_code == 422
    assert "invalid username" in invalid.text


def test_the_first_password_is_set_with_an_api_token(site: Site) -> None:
    site.user("root", "admin")
    c = site.container
    create_user("ops", org_role=OrgRole.ADMIN, actor=None, uow=c.uow(), env=c.env)
    _, token = issue_token("ops", name="cli", actor=None, uow=c.uow(), env=c.env)
    browser = site.browser()
    form = {"csrf_token": csrf_of(browser.get("/first-password").text), "password": NEW_PASSWORD}
    wrong = browser.client.post(
        "/first-password", data=form | {"api_token": "sirf_x_y", "password_again": NEW_PASSWORD}
    )
    assert wrong.status_code == 401
    done = browser.client.post(
        "/first-password", data=form | {"api_token": token, "password_again": NEW_PASSWORD}
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/login?notice=password-set"
    again = browser.client.post(
        "/first-password", data=form | {"api_token": token, "password_again": NEW_PASSWORD}
    )
    assert again.status_code == 401
    assert "already has a password" in again.text
    assert site.browser().sign_in("ops", NEW_PASSWORD).status_code == 303


def test_api_tokens_are_created_once_listed_and_revoked_on_the_profile(site: Site) -> None:
    carol = site.signed_in("carol")
    created = carol.post("/profile/tokens", {"name": "laptop"})
    assert created.status_code == 200
    token = re.search(r'id="new-token" value="(sirf_[^"]+)"', created.text)
    assert token
    assert created.headers["cache-control"] == "no-store"
    listed = carol.get("/profile").text
    assert token.group(1) not in listed
    assert "laptop" in listed
    token_id = token.group(1).split("_")[1]
    api = site.browser()
    headers = {"Authorization": f"Bearer {token.group(1)}"}
    assert api.get("/api/v1/users/me", headers=headers).status_code == 200
    revoked = carol.post(f"/profile/tokens/{token_id}/revoke")
    assert revoked.status_code == 303
    assert "revoked" in carol.get("/profile?done=revoked").text
    assert api.get("/api/v1/users/me", headers=headers).status_code == 401
    ivan = site.signed_in("ivan")
    assert ivan.post(f"/profile/tokens/{token_id}/revoke").status_code == 403
