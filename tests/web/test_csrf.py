"""CSRF: every unsafe request needs the session's token AND must not come from another site."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD, Site, csrf_of

NOTE = {"text": "checked the load balancer"}


@pytest.fixture
def carol(site: Site) -> tuple[Site, int]:
    browser = site.signed_in("carol")
    declared = browser.post("/incidents", {"kind": "saas-outage", "severity": "2", "title": "Login fails"})
    assert declared.status_code == 303
    return site, int(declared.headers["location"].split("/")[2].split("?")[0])


def notes_in(site: Site, incident_id: int) -> int:
    page = site.browsers[0].get(f"/incidents/{incident_id}/fragments/timeline")
    return page.text.count('data-type="note.added"')


def test_a_post_without_the_token_is_refused(carol: tuple[Site, int]) -> None:
    site, incident_id = carol
    browser = site.browsers[0]
    response = browser.client.post(f"/incidents/{incident_id}/notes", data=NOTE)
    assert response.status_code == 403
    assert "security token is missing or out of date" in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert notes_in(site, incident_id) == 0


def test_a_wrong_token_is_refused(carol: tuple[Site, int]) -> None:
    site, incident_id = carol
    response = site.browsers[0].post(f"/incidents/{incident_id}/notes", NOTE | {"csrf_token": "forged"})
    assert response.status_code == 403
    assert notes_in(site, incident_id) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    ],
)
def test_a_cross_site_post_is_refused_even_with_the_token(
    carol: tuple[Site, int], headers: dict[str, str]
) -> None:
    site, incident_id = carol
    browser = site.browsers[0]
    sent = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"} | headers
    response = browser.client.post(
        f"/incidents/{incident_id}/notes", data=NOTE | {"csrf_token": browser.token}, headers=sent
    )
    assert response.status_code == 403
    assert "another" in response.text
    assert notes_in(site, incident_id) == 0


def test_the_right_token_from_this_site_is_accepted(carol: tuple[Site, int]) -> None:
    site, incident_id = carol
    response = site.browsers[0].post(f"/incidents/{incident_id}/notes", NOTE)
    assert response.status_code == 303
    assert notes_in(site, incident_id) == 1


def test_htmx_requests_carry_the_token_as_a_header(carol: tuple[Site, int]) -> None:
    site, incident_id = carol
    browser = site.browsers[0]
    page = browser.get("/")
    assert f"""<body hx-headers='{{"X-CSRF-Token": "{browser.token}"}}'>""" in page.text
    assert f'<meta name="csrf-token" content="{browser.token}">' in page.text
    response = browser.client.post(
        f"/incidents/{incident_id}/notes",
        data=NOTE,
        headers={"X-CSRF-Token": browser.token, "HX-Request": "true", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 303
    assert notes_in(site, incident_id) == 1


def test_a_token_from_another_session_does_not_work(carol: tuple[Site, int]) -> None:
    site, incident_id = carol
    ivan = site.signed_in("ivan")
    response = site.browsers[0].post(f"/incidents/{incident_id}/notes", NOTE | {"csrf_token": ivan.token})
    assert response.status_code == 403


def test_sign_in_needs_the_form_token_and_the_same_site(site: Site) -> None:
    site.user("carol")
    browser = site.browser()
    form = {"username": "carol", "password": PASSWORD}
    assert browser.client.post("/login", data=form).status_code == 403
    token = csrf_of(browser.get("/login").text)
    assert browser.client.post("/login", data=form | {"csrf_token": "x" + token}).status_code == 403
    cross = browser.client.post(
        "/login", data=form | {"csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross.status_code == 403
    assert browser.session_cookie() is None
    assert browser.client.post("/login", data=form | {"csrf_token": token}).status_code == 303


def test_a_json_body_is_not_a_form_and_is_refused(carol: tuple[Site, int]) -> None:
    site, incident_id = carol
    browser = site.browsers[0]
    response = browser.client.post(
        f"/incidents/{incident_id}/notes", json=NOTE | {"csrf_token": browser.token}
    )
    assert response.status_code == 403
