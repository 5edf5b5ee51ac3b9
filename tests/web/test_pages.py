"""Every page for every organisation role, the headers and markup rules they keep, and what a
viewer, a refused declaration and hostile text look like."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from sirf.web.render import STATIC
from sirf.web.security import CONTENT_SECURITY_POLICY
from tests.web.conftest import Browser, Site

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
FORM = re.compile(r"<form\b[^>]*\bid=\"([^\"]+)\"", re.IGNORECASE)


@dataclass
class Scene:
    site: Site
    people: dict[str, Browser]
    incident_id: int


def incident_id_of(response: httpx.Response) -> int:
    assert response.status_code == 303, response.text
    return int(response.headers["location"].split("/")[2].split("?")[0])


@pytest.fixture
def scene(site: Site) -> Scene:
    people = {
        "admin": site.signed_in("root", "admin"),
        "responder": site.signed_in("carol"),
        "viewer": site.signed_in("vera", "viewer"),
    }
    carol = people["responder"]
    incident_id = incident_id_of(
        carol.post(
            "/incidents", {"kind": "saas-outage", "severity": "2", "title": "Login fails", "services": "web"}
        )
    )
    assert carol.post(f"/incidents/{incident_id}/roles/cmoc/assign", {"person": "carol"}).status_code == 303
    assert carol.post(f"/incidents/{incident_id}/updates", {"template": "initial"}).status_code == 303
    assert (
        carol.post(f"/incidents/{incident_id}/tasks", {"title": "Check LB", "owner": "carol"}).status_code
        == 303
    )
    assert carol.post(f"/incidents/{incident_id}/notes", {"text": "looking"}).status_code == 303
    return Scene(site, people, incident_id)


def assert_strict_html(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"
    assert not INLINE_SCRIPT.search(response.text), "inline <script> in the page"
    assert not EVENT_HANDLER.search(response.text), "inline event handler in the page"
    assert "style=" not in response.text
    assert "<style" not in response.text


def page_paths(incident_id: int) -> list[str]:
    return [
        "/",
        "/fragments/dashboard",
        "/incidents/new",
        f"/incidents/{incident_id}",
        f"/incidents/{incident_id}/fragments/timeline",
        "/profile",
    ]


@pytest.mark.parametrize("who", ["admin", "responder", "viewer"])
def test_every_page_renders_for_every_role_with_a_strict_policy(scene: Scene, who: str) -> None:
    browser = scene.people[who]
    for path in page_paths(scene.incident_id):
        response = browser.get(path)
        assert response.status_code == 200, (path, response.text)
        assert_strict_html(response)
    admin = browser.get("/admin")
    assert admin.status_code == (200 if who == "admin" else 403)
    assert_strict_html(admin)


def test_pages_before_sign_in_keep_the_same_rules(site: Site) -> None:
    browser = site.browser()
    for path in ("/login", "/first-password", "/set-password?token=not-a-real-link"):
        assert_strict_html(browser.get(path))


def test_a_viewer_sees_everything_but_no_action_forms(scene: Scene) -> None:
    viewer = scene.people["viewer"]
    for path in ("/", f"/incidents/{scene.incident_id}", "/incidents/new"):
        text = viewer.get(path).text
        assert FORM.findall(text) == ["sign-out-form"], path
        assert "<button" not in text.replace('<button type="submit" id="sign-out">', "")
    room = viewer.get(f"/incidents/{scene.incident_id}").text
    assert 'data-testid="holder-cmoc">carol' in room
    assert "Check LB" in room
    assert "looking" in room
    assert 'id="nav-declare"' not in room
    assert 'id="nav-admin"' not in room


def test_the_server_refuses_a_viewers_actions_with_an_inline_message(scene: Scene) -> None:
    viewer = scene.people["viewer"]
    incident_id = scene.incident_id
    note = viewer.post(f"/incidents/{incident_id}/notes", {"text": "sneaky"})
    assert note.status_code == 403
    assert 'id="problem-notes"' in note.text
    assert "Permission denied:</strong> vera is a viewer" in note.text
    declared = viewer.post("/incidents", {"kind": "saas-outage", "severity": "1", "title": "x"})
    assert declared.status_code == 403
    assert "vera is a viewer and cannot declare incidents" in declared.text
    assigned = viewer.post(f"/incidents/{incident_id}/roles/imoc/assign", {"person": "vera"})
    assert assigned.status_code == 403
    timeline = viewer.get(f"/incidents/{incident_id}/fragments/timeline").text
    assert "sneaky" not in timeline
    assert "vera" not in timeline


def test_an_out_of_scope_report_is_refused_inline_with_where_it_goes(scene: Scene) -> None:
    carol = scene.people["responder"]
    form = {"kind": "feature-request", "severity": "3", "title": "Dark mode please"}
    refused = carol.post("/incidents", form)
    assert refused.status_code == 422
    assert 'id="declare-refusal"' in refused.text
    assert "issue tracker as a feature proposal" in refused.text
    assert 'value="Dark mode please"' in refused.text  # what was typed is kept
    assert 'id="override_scope_reason"' not in refused.text
    admin = scene.people["admin"]
    assert 'id="override_scope_reason"' in admin.get("/incidents/new").text
    overridden = admin.post("/incidents", form | {"override_scope_reason": "Customer down, SMOC call"})
    assert overridden.status_code == 303


def test_hostile_text_is_shown_inert(scene: Scene) -> None:
    carol = scene.people["responder"]
    title = "<script>alert(1)</script>"
    incident_id = incident_id_of(
        carol.post("/incidents", {"kind": "saas-outage", "severity": "2", "title": title})
    )
    note = 'see [this](javascript:alert(1)) or <a href="javascript:alert(2)">here</a> javascript:alert(3)'
    assert carol.post(f"/incidents/{incident_id}/notes", {"text": note}).status_code == 303
    assert carol.post(f"/incidents/{incident_id}/updates", {"template": "initial"}).status_code == 303
    room = carol.get(f"/incidents/{incident_id}").text
    update_id = re.search(r'id="update-(\d+)"', room)
    assert update_id
    body = 'Hi [x](javascript:alert(4)) <img src=x onerror=alert(5)> <div hx-get="/admin">y</div>'
    assert carol.post(f"/updates/{update_id.group(1)}/edit", {"body": body}).status_code == 303
    for page in (carol.get(f"/incidents/{incident_id}").text, carol.get("/").text):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert not re.search(r"href=\"\s*javascript:", page, re.IGNORECASE)
        assert not EVENT_HANDLER.search(page)
    preview = carol.get(f"/incidents/{incident_id}").text.split('data-testid="update-preview" hx-disable>')[1]
    preview = preview.split("</div>")[0]
    assert "&lt;img src=x onerror=alert(5)&gt;" in preview  # shown as text
    assert not re.search(r"<(img|div)\b|<[^>]*(onerror|hx-get)", preview), preview


def test_signed_out_visitors_are_sent_to_sign_in(site: Site) -> None:
    browser = site.browser()
    response = browser.get("/incidents/7?done=note")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/incidents/7%3Fdone%3Dnote"
    poll = browser.get("/fragments/dashboard", headers={"HX-Request": "true"})
    assert poll.status_code == 401
    assert poll.headers["HX-Redirect"] == "/login"


def test_an_unknown_incident_is_a_page_not_a_stack_trace(scene: Scene) -> None:
    response = scene.people["responder"].get("/incidents/424242")
    assert response.status_code == 404
    assert_strict_html(response)
    assert "Not found:</strong> incident #424242 does not exist." in response.text
    assert "Traceback" not in response.text


def test_static_files_are_the_pinned_ones_and_cacheable(site: Site) -> None:
    browser = site.browser()
    recorded = (STATIC / "htmx.min.js.VERSION.txt").read_text(encoding="utf-8")
    htmx = browser.get("/static/htmx.min.js")
    assert htmx.status_code == 200
    assert hashlib.sha256(htmx.content).hexdigest() in recorded
    assert "htmx 2.0.11" in recorded
    assert 'version:"2.0.11"' in htmx.text.replace("'", '"').replace(" ", "")
    assert htmx.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert browser.get("/static/localtime.js").status_code == 200
    login = browser.get("/login").text
    for name in ("htmx.min.js", "localtime.js"):
        digest = hashlib.sha256(Path(STATIC / name).read_bytes()).hexdigest()[:12]
        assert f'<script src="/static/{name}?v={digest}" defer></script>' in login


def test_times_are_utc_in_the_markup_for_the_browser_to_localise(scene: Scene) -> None:
    room = scene.people["responder"].get(f"/incidents/{scene.incident_id}").text
    assert (
        '<time datetime="2026-03-02T09:00:00Z" title="2026-03-02 09:00 UTC">2026-03-02 09:00 UTC</time>'
        in room
    )
