"""The built-in ticket store over HTTP: show, change and comment; the first public reply is the
first response, a new tag links the ticket, a rating counts, and closed tickets do not change."""

from __future__ import annotations

import pytest

from sirf.adapters.builtin_tickets import BuiltinTickets
from tests.conftest import Api
from tests.e2e.helpers import API, assert_problem, declare

pytestmark = pytest.mark.storage


@pytest.fixture
def desk(api: Api) -> Api:
    api.container.ticket_port = BuiltinTickets(api.container.uow, api.container.env.clock)
    return api


def create(api: Api, headers: dict[str, str], **fields: object) -> dict[str, object]:
    body = {"subject": "Cannot sign in", "requester": "Dana"} | fields
    response = api.client.post(f"{API}/tickets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    ticket: dict[str, object] = response.json()
    return ticket


def test_an_agent_reply_is_the_first_response_and_comments_are_listed(desk: Api) -> None:
    ticket = create(desk, desk.admin)
    ref = ticket["ref"]
    note = desk.client.post(
        f"{API}/tickets/{ref}/comments", json={"body": "checking logs", "public": False}, headers=desk.admin
    )
    assert note.status_code == 201
    assert note.json()["first_response_at"] is None  # an internal note is not a response
    reply = desk.client.post(
        f"{API}/tickets/{ref}/comments", json={"body": "We are on it"}, headers=desk.admin
    )
    assert reply.json()["first_response_at"] is not None
    assert reply.json()["status"] == "open"
    shown = desk.client.get(f"{API}/tickets/{ref}", headers=desk.admin).json()
    assert [(c["body"], c["public"], c["author"]) for c in shown["comments"]] == [
        ("checking logs", False, "root"),
        ("We are on it", True, "root"),
    ]


def test_adding_the_incident_tag_links_the_ticket(desk: Api) -> None:
    incident = declare(desk, desk.admin)
    ticket = create(desk, desk.admin, subject="Billing question")
    assert ticket["linked_incidents"] == []
    changed = desk.client.patch(
        f"{API}/tickets/{ticket['ref']}",
        json={"add_tags": [f"incident_{incident['id']}", "segment_enterprise"], "priority": "urgent"},
        headers=desk.admin,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["linked_incidents"] == [incident["id"]]
    assert changed.json()["segment"] == "enterprise"
    assert changed.json()["priority"] == "urgent"
    listed = desk.client.get(f"{API}/incidents/{incident['id']}/tickets", headers=desk.admin).json()
    assert [t["ref"] for t in listed["items"]] == [ticket["ref"]]


def test_a_rating_feeds_csat_and_closed_tickets_do_not_change(desk: Api) -> None:
    incident = declare(desk, desk.admin)
    tag = f"incident_{incident['id']}"
    good = create(desk, desk.admin, tags=[tag])
    bad = create(desk, desk.admin, tags=[tag])
    for ticket, score in ((good, "good"), (bad, "bad")):
        answer = desk.client.patch(
            f"{API}/tickets/{ticket['ref']}",
            json={"satisfaction": score, "status": "closed"},
            headers=desk.admin,
        )
        assert answer.json()["satisfaction"] == score
    impact = desk.client.get(f"{API}/incidents/{incident['id']}/impact", headers=desk.admin).json()
    assert impact["csat_percent"] == 50.0
    assert impact["csat_ratings"] == 2
    refused = desk.client.patch(f"{API}/tickets/{good['ref']}", json={"status": "open"}, headers=desk.admin)
    assert_problem(refused, 422, "invalid_input", "closed")


def test_bad_changes_are_refused_with_what_to_write(desk: Api) -> None:
    ticket = create(desk, desk.admin)
    ref = ticket["ref"]
    assert_problem(
        desk.client.patch(f"{API}/tickets/{ref}", json={"satisfaction": "meh"}, headers=desk.admin),
        422,
        "invalid_input",
        "use good or bad",
    )
    assert_problem(
        desk.client.patch(f"{API}/tickets/{ref}", json={"status": "done"}, headers=desk.admin),
        422,
        "invalid_input",
        "use new, open",
    )
    assert_problem(
        desk.client.patch(f"{API}/tickets/{ref}", json={"add_tags": ["two words"]}, headers=desk.admin),
        422,
        "invalid_input",
        "not a valid ticket tag",
    )
    assert_problem(desk.client.get(f"{API}/tickets/999", headers=desk.admin), 404, "not_found", "#999")
    viewer = desk.user("vera", "viewer")
    assert_problem(
        desk.client.post(f"{API}/tickets/{ref}/comments", json={"body": "hi"}, headers=viewer),
        403,
        "permission_denied",
    )
    assert desk.client.get(f"{API}/tickets/{ref}").status_code == 401
    shown = desk.client.get(f"{API}/tickets/{ref}", headers=desk.admin).json()
    assert shown["comments"] == []
    assert shown["status"] == "new"
