"""Signing in and out: passwords, the rate limit, session ids, timeouts and the cookie itself."""

from __future__ import annotations

from sqlalchemy import select

from sirf.adapters.db.web_tables import sessions as sessions_table
from sirf.services.sessions import FAILURE_WINDOW, IDLE_TIMEOUT, MAX_FAILURES
from tests.conftest import FakeClock
from tests.web.conftest import PASSWORD, Site, csrf_of


def test_signing_in_opens_the_dashboard_and_the_next_page(site: Site) -> None:
    site.user("carol")
    browser = site.browser()
    response = browser.sign_in("carol", next="/profile")
    assert response.status_code == 303
    assert response.headers["location"] == "/profile"
    page = browser.get("/")
    assert page.status_code == 200
    assert 'data-testid="whoami">carol (responder)' in page.text


def test_a_wrong_password_or_unknown_user_gets_one_message_and_no_session(site: Site) -> None:
    site.user("carol")
    browser = site.browser()
    for username, password in (("carol", "not the password"), ("nobody", PASSWORD)):
        response = browser.sign_in(username, password)
        assert response.status_code == 401
        assert "the username or password is wrong." in response.text
        assert 'id="login-problem"' in response.text
        assert 'role="alert"' in response.text
        assert browser.session_cookie() is None
    assert browser.get("/").status_code == 303


def test_next_never_leaves_the_site(site: Site) -> None:
    site.user("carol")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = site.browser().sign_in("carol", next=target)
        assert response.headers["location"] == "/"


def test_ten_failures_per_username_lock_it_for_fifteen_minutes(site: Site, clock: FakeClock) -> None:
    site.user("carol")
    browser = site.browser()
    for _ in range(MAX_FAILURES):
        assert browser.sign_in("carol", "guess guess guess").status_code == 401
    locked = browser.sign_in("carol")  # even the right password
    assert locked.status_code == 429
    assert "too many failed sign-ins" in locked.text.lower()
    assert "try again in 15 minutes" in locked.text
    assert int(locked.headers["Retry-After"]) == FAILURE_WINDOW.total_seconds()
    clock.advance(minutes=15, seconds=1)
    assert browser.sign_in("carol").status_code == 303


def test_ten_failures_from_one_address_lock_that_address(site: Site) -> None:
    site.user("carol")
    browser = site.browser()
    for number in range(MAX_FAILURES):
        assert browser.sign_in(f"someone{number}", "guess guess guess").status_code == 401
    assert browser.sign_in("carol").status_code == 429


def test_signing_in_again_issues_a_new_session_id_and_ends_the_old_one(site: Site) -> None:
    site.user("carol")
    browser = site.browser()
    browser.sign_in("carol")
    first = browser.session_cookie()
    browser.sign_in("carol")
    second = browser.session_cookie()
    assert first
    assert second
    assert first != second
    stale = site.browser()
    stale.plant_session(first)
    assert stale.get("/").status_code == 303
    assert browser.get("/").status_code == 200


def test_a_session_id_planted_before_sign_in_is_not_kept(site: Site) -> None:
    site.user("carol")
    browser = site.browser()
    browser.plant_session("chosen-by-an-attacker")
    browser.sign_in("carol")
    assert browser.session_cookie() not in (None, "chosen-by-an-attacker")


def test_the_database_holds_only_a_hash_of_the_session_id(site: Site) -> None:
    browser = site.signed_in("carol")
    session_id = browser.session_cookie()
    assert session_id
    with site.container.database.engine.connect() as connection:
        stored = [row.id_hash for row in connection.execute(select(sessions_table))]
    assert len(stored) == 1
    assert session_id not in stored[0]
    assert len(stored[0]) == 64


def test_the_idle_timeout_ends_a_session_that_activity_keeps_alive(site: Site, clock: FakeClock) -> None:
    browser = site.signed_in("carol")
    for _ in range(3):
        clock.advance(hours=11)
        assert browser.get("/").status_code == 200
    clock.advance(seconds=IDLE_TIMEOUT.total_seconds() + 60)
    response = browser.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/"


def test_the_absolute_timeout_ends_even_an_active_session(site: Site, clock: FakeClock) -> None:
    browser = site.signed_in("carol")
    for _ in range(15):  # 15 x 11 h = 6 days 21 hours, never idle for 12 hours
        clock.advance(hours=11)
        assert browser.get("/").status_code == 200
    clock.advance(hours=4)
    assert browser.get("/").status_code == 303


def test_signing_out_deletes_the_session_on_the_server(site: Site) -> None:
    browser = site.signed_in("carol")
    session_id = browser.session_cookie()
    response = browser.post("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?notice=signed-out"
    assert "sirf_session=" in response.headers["set-cookie"]
    replay = site.browser()
    replay.plant_session(session_id or "")
    assert replay.get("/").status_code == 303
    assert "You are signed out." in browser.get("/login?notice=signed-out").text


def test_the_cookie_is_httponly_lax_and_host_only_on_plain_http(site: Site) -> None:
    site.user("carol")
    browser = site.browser()
    cookie = browser.sign_in("carol").headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert cookie.startswith("sirf_session=")
    assert {"httponly", "path", "max-age"} <= attributes
    assert "samesite=lax" in cookie.lower()
    assert "path=/" in cookie.lower()
    assert "secure" not in attributes
    assert "domain" not in attributes


def test_over_https_the_cookie_is_secure_with_the_host_prefix(site: Site) -> None:
    site.user("carol")
    browser = site.browser(base_url="https://testserver")
    login = browser.get("/login")
    assert login.headers["Strict-Transport-Security"].startswith("max-age=")
    response = browser.client.post(
        "/login",
        data={"csrf_token": csrf_of(login.text), "username": "carol", "password": PASSWORD},
        headers={"Origin": "https://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-sirf_session=")
    assert "secure" in cookie.lower()
    assert "httponly" in cookie.lower()
    assert "path=/" in cookie.lower()
    assert "domain" not in cookie.lower()
    assert browser.get("/").status_code == 200
