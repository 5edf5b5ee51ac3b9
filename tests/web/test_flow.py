"""The whole story through the web forms: two people sign in, declare, take CMOC and IMOC, draft
the initial update, fill it in, approve it as each of them and publish it; and the dashboard,
tasks and release panel along the way."""

from __future__ import annotations

import re

import httpx

from tests.conftest import FakeClock
from tests.web.conftest import Browser, Site

FILLED = "Sign-in fails for most users. We are investigating. https://status.example.com/1"


def follow(browser: Browser, response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    return browser.get(response.headers["location"]).text


def update_id_in(page: str) -> int:
    found = re.search(r'id="update-(\d+)"', page)
    assert found, "no update on the page"
    return int(found.group(1))


def etag_in(page: str, update_id: int) -> str:
    found = re.search(rf'id="approve-{update_id}">.*?name="etag" value="([0-9a-f]+)"', page, re.DOTALL)
    assert found, "no approve form for this update"
    return found.group(1)


def test_two_people_take_an_update_from_draft_to_published(site: Site, clock: FakeClock) -> None:
    site.user("root", "admin")
    carol, ivan = site.signed_in("carol"), site.signed_in("ivan")
    declared = carol.post(
        "/incidents",
        {"kind": "saas-outage", "severity": "2", "title": "Users cannot sign in", "services": "web"},
    )
    room_url = declared.headers["location"].split("?")[0]
    incident_id = int(room_url.rsplit("/", 1)[1])
    assert "Incident declared." in follow(carol, declared)

    assert "Role assigned." in follow(carol, carol.post(f"{room_url}/roles/cmoc/assign", {"person": "carol"}))
    page = follow(carol, carol.post(f"{room_url}/roles/imoc/assign", {"person": "ivan"}))
    assert 'data-testid="holder-cmoc">carol' in page
    assert 'data-testid="holder-imoc">ivan' in page

    page = follow(carol, carol.post(f"{room_url}/updates", {"template": "initial"}))
    update_id = update_id_in(page)
    assert 'data-testid="blanks"' in page  # the template leaves what sirf cannot know

    clock.advance(minutes=2)
    page = follow(carol, carol.post(f"/updates/{update_id}/edit", {"body": FILLED}))
    assert 'data-testid="blanks"' not in page
    assert "Sign-in fails for most users." in page.split('data-testid="update-preview"')[1]
    page = follow(carol, carol.post(f"/updates/{update_id}/request-review"))
    assert 'data-testid="update-state">in-review' in page

    waiting = ivan.get("/").text
    assert f'data-testid="waiting-approval" data-update-id="{update_id}"' in waiting
    assert "(as IMOC)" in waiting

    for person in (ivan, carol):
        room = person.get(room_url).text
        page = follow(
            person, person.post(f"/updates/{update_id}/approve", {"etag": etag_in(room, update_id)})
        )
    assert 'data-testid="update-state">approved' in page
    approvals = page.split('data-testid="approvals">')[1].split("</dd>")[0]
    assert "ivan as IMOC" in approvals
    assert "carol as CMOC" in approvals

    page = follow(carol, carol.post(f"/updates/{update_id}/publish"))
    assert 'data-testid="update-state">published' in page
    assert "Update published." in page
    assert 'data-testid="incident-phase">' in page
    assert "investigating" in page.split("Public state</dt>")[1]

    timeline = carol.get(f"/incidents/{incident_id}/fragments/timeline").text
    for event in (
        "incident.declared",
        "role.assigned",
        "update.drafted",
        "update.approved",
        "update.published",
    ):
        assert f'data-type="{event}"' in timeline
    card = carol.get("/").text.split(f'data-incident-id="{incident_id}"')[1]
    assert 'data-overdue="false"' in card
    assert "due in" in card


def test_the_dashboard_counts_down_and_turns_red_when_overdue(site: Site, clock: FakeClock) -> None:
    carol = site.signed_in("carol")
    ivan = site.signed_in("ivan")
    room_url = (
        carol.post("/incidents", {"kind": "saas-outage", "severity": "1", "title": "Down"})
        .headers["location"]
        .split("?")[0]
    )
    carol.post(f"{room_url}/roles/cmoc/assign", {"person": "carol"})
    carol.post(f"{room_url}/roles/imoc/assign", {"person": "ivan"})
    update_id = update_id_in(follow(carol, carol.post(f"{room_url}/updates", {"template": "initial"})))
    carol.post(f"/updates/{update_id}/edit", {"body": FILLED})
    carol.post(f"/updates/{update_id}/request-review")
    for person in (carol, ivan):
        person.post(f"/updates/{update_id}/approve", {"etag": etag_in(person.get(room_url).text, update_id)})
    assert carol.post(f"/updates/{update_id}/publish").status_code == 303
    assert "due in" in carol.get("/fragments/dashboard").text
    clock.advance(hours=3)
    fragment = carol.get("/fragments/dashboard").text
    assert 'class="overdue" data-overdue="true">overdue by' in fragment


def test_tasks_release_and_triggers_from_the_room(site: Site) -> None:
    carol = site.signed_in("carol")
    room_url = (
        carol.post("/incidents", {"kind": "saas-outage", "severity": "2", "title": "Slow"})
        .headers["location"]
        .split("?")[0]
    )
    page = follow(carol, carol.post(f"{room_url}/tasks", {"title": "Check the queue", "owner": "carol"}))
    assert 'data-testid="task-1"' in page
    assert 'data-testid="waiting-task"' in carol.get("/").text
    page = follow(carol, carol.post(f"{room_url}/tasks/1", {"status": "done"}))
    assert '<option value="done" selected>' in page
    assert 'data-testid="waiting-task"' not in carol.get("/").text

    page = follow(
        carol, carol.post(f"{room_url}/impact", {"customers_affected": "12", "complex_impact": "on"})
    )
    assert 'data-testid="trigger-cmoc" data-engage="true"' in page
    assert "several customers are affected" in page
    card = carol.get("/").text
    assert "CMOC needed: several customers are affected" in card
    assert "SMOC needed" in card

    carol.post(f"{room_url}/roles/cmoc/assign", {"person": "carol"})
    blocked = carol.post(f"{room_url}/roles/cmoc/release")
    assert blocked.status_code == 409
    assert 'id="problem-roles"' in blocked.text
    assert "cannot be released yet (F7.3)" in blocked.text
    page = follow(
        carol, carol.post(f"{room_url}/attestations", {"criterion": "queue-normal", "note": "queue at 12"})
    )
    assert 'data-criterion="queue-normal" data-holds="true"' in page

    refused = carol.post(f"{room_url}/impact", {"customers_affected": "many"})
    assert refused.status_code == 422
    assert "whole number" in refused.text
    kept = carol.post(f"{room_url}/notes", {"text": "x" * 20_000})
    assert kept.status_code == 422
    assert 'id="problem-notes"' in kept.text
