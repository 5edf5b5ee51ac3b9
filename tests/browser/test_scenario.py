"""Issue 5's browser scenario in Debian's chromium: two people sign in, declare, take CMOC and
IMOC, draft the initial update, approve it each, publish it, and see it on the public page and in
summary.json. Plus: a cross-site POST is refused, a viewer cannot act, hostile text stays inert.
Every page passes axe-core without serious or critical violations."""

from __future__ import annotations

import json
from typing import Any

from sirf.bootstrap import Container
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.roles import Source
from sirf.domain.severity import Severity
from sirf.services import incidents, work
from tests.browser.conftest import assert_accessible, person, screenshot, sign_in

BODY = "Sign-in fails for most customers in all regions. We are rolling back. https://status.example.com/1"


def room(page: Any, site: str, incident_id: int) -> None:
    page.goto(f"{site}/incidents/{incident_id}")


def test_two_people_take_an_update_from_draft_to_the_public_page(
    browser: Any, site: str, container: Container
) -> None:
    person(container, "carol")
    person(container, "ivan")
    carol = browser.new_context(timezone_id="Europe/Berlin").new_page()
    ivan = browser.new_context(timezone_id="Asia/Tokyo").new_page()
    sign_in(carol, site, "carol")
    sign_in(ivan, site, "ivan")

    carol.goto(f"{site}/incidents/new")
    assert_accessible(carol)
    carol.select_option("#kind", "saas-outage")
    carol.select_option("#severity", "2")
    carol.fill("#title", "Users cannot sign in")
    carol.click("#declare-submit")
    carol.wait_for_selector("#incident-title")
    incident_id = int(carol.url.rstrip("/").split("/")[-1].split("?")[0])

    carol.select_option("#assign-cmoc-person", "carol")
    carol.click("#assign-cmoc-submit")
    carol.wait_for_selector("[data-testid=holder-cmoc]:has-text('carol')")
    carol.select_option("#assign-imoc-person", "ivan")
    carol.click("#assign-imoc-submit")
    carol.wait_for_selector("[data-testid=holder-imoc]:has-text('ivan')")

    carol.select_option("#draft-template", "initial")
    carol.click("#draft-submit")
    carol.wait_for_selector("[data-testid=update]")
    update = carol.get_attribute("[data-testid=update]", "id")
    assert update is not None
    number = update.removeprefix("update-")
    carol.fill(f"#edit-{number}-body", BODY)
    carol.click(f"#edit-{number}-submit")
    carol.click(f"#request-review-{number}-submit")
    carol.wait_for_selector(f"#update-{number}[data-state=in-review]")

    room(ivan, site, incident_id)
    ivan.click(f"#approve-{number}-submit")
    ivan.wait_for_selector(f"#update-{number} [data-testid=approvals]:has-text('ivan')")
    room(carol, site, incident_id)
    carol.click(f"#approve-{number}-submit")
    carol.wait_for_selector(f"#update-{number}[data-state=approved]")
    assert_accessible(carol)
    screenshot(carol, "incident-room")
    carol.click(f"#publish-{number}-submit")
    carol.wait_for_selector(f"#update-{number}[data-state=published]")

    carol.goto(f"{site}/")
    carol.wait_for_selector(f"[data-testid=incident-card][data-incident-id='{incident_id}']")
    assert_accessible(carol)
    screenshot(carol, "dashboard")

    public = browser.new_context().new_page()  # nobody signed in
    public.goto(f"{site}/status")
    assert "Users cannot sign in" in public.content()
    assert "rolling back" in public.content()
    assert_accessible(public)
    screenshot(public, "status-page")
    summary = public.goto(f"{site}/api/v2/summary.json")
    assert summary is not None
    data = json.loads(summary.text())
    assert [i["name"] for i in data["incidents"]] == ["Users cannot sign in"]
    assert data["incidents"][0]["status"] == "investigating"


def test_a_cross_site_post_without_a_token_is_refused(browser: Any, site: str, container: Container) -> None:
    person(container, "carol")
    page = browser.new_context().new_page()
    sign_in(page, site, "carol")
    forged = page.request.post(
        f"{site}/incidents",
        form={"kind": "saas-outage", "severity": "2", "title": "Forged", "source": "support"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        max_redirects=0,
    )
    assert forged.status == 403
    page.goto(f"{site}/")
    assert "Forged" not in page.content()


def test_a_viewer_sees_no_controls_and_cannot_act(browser: Any, site: str, container: Container) -> None:
    person(container, "vic", "viewer")
    declared = incidents.declare_incident(
        incidents.Declaration(
            title="Checkout fails", kind="saas-outage", severity=Severity.SEV2, source=Source.SUPPORT
        ),
        actor=Actor("root", OrgRole.ADMIN),
        uow=container.uow(),
        env=container.env,
    )
    page = browser.new_context().new_page()
    sign_in(page, site, "vic")
    room(page, site, declared.id)
    assert page.query_selector("#note-submit") is None
    assert page.query_selector("#assign-cmoc-submit") is None
    assert page.query_selector("#nav-declare") is None or not page.is_visible("#nav-declare")
    assert_accessible(page)


def test_hostile_text_is_shown_inert(browser: Any, site: str, container: Container) -> None:
    person(container, "carol")
    admin = Actor("root", OrgRole.ADMIN)
    declared = incidents.declare_incident(
        incidents.Declaration(
            title="<script>alert('title')</script> <img src=x onerror=alert(2)>",
            kind="saas-outage",
            severity=Severity.SEV2,
            source=Source.SUPPORT,
        ),
        actor=admin,
        uow=container.uow(),
        env=container.env,
    )
    work.add_note(
        declared.id, "see [details](javascript:alert(3)) <b onmouseover=alert(4)>x</b>",
        actor=admin, uow=container.uow(), env=container.env,
    )  # fmt: skip
    page = browser.new_context().new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, site, "carol")
    room(page, site, declared.id)
    page.wait_for_selector("#incident-title")
    assert "<script>" in page.inner_text("#incident-title")
    assert page.query_selector("a[href^='javascript:']") is None
    page.goto(f"{site}/")
    page.wait_for_timeout(300)
    assert dialogs == []
