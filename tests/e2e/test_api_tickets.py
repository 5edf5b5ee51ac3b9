"""The ticket endpoints end to end over HTTP on the built-in ticket store: tags, rules, matching,
linking, bulk replies driven by the real worker, the figures, and what is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sirf.bootstrap import Container, build
from sirf.config import Settings
from sirf.domain.framework import Framework
from sirf.domain.ticket_policy import TicketPolicy
from tests.conftest import Api, FakeClock
from tests.e2e.helpers import API, assert_problem, assert_unchanged, count_rows, declare, snapshot, timeline
from tests.e2e.ticket_helpers import (
    assign,
    create_ticket,
    linked,
    linked_refs,
    publish_update,
    reply_run,
    run_replies_to_end,
    run_ticket_jobs,
)

MACRO = "Hello {{ requester }}, we are working on incident #{{ incident_id }} (your ticket {{ ticket_id }})."


@pytest.fixture
def framework() -> Framework:
    """The defaults plus one approved macro and one organisation that opted out of bulk replies."""
    return Framework(
        tickets=TicketPolicy(macros={"ack": MACRO}, opted_out_organizations=frozenset({"Globex"}))
    )


@pytest.fixture
def container(
    database_url: str, tmp_path: Path, clock: FakeClock, framework: Framework
) -> Iterator[Container]:
    """Wired by ``build`` as the server wires it: no Zendesk settings, so the built-in ticket store."""
    wired = build(Settings(data_dir=tmp_path, database_url=database_url), clock=clock, framework=framework)
    assert wired.tickets.name == "builtin"
    yield wired
    wired.close()


@pytest.fixture(autouse=True)
def _one_event_loop(api: Api) -> Iterator[None]:
    """Keep the TestClient open for the whole test: one event loop instead of one per request."""
    with api.client:
        yield


def post(api: Api, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return api.client.post(f"{API}{path}", json=body, headers=headers or api.admin)


def put(api: Api, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return api.client.put(f"{API}{path}", json=body, headers=headers or api.admin)


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def types_of(api: Api, incident_id: int) -> list[str]:
    return [entry["type"] for entry in timeline(api, incident_id)]


# ----- the tag, the rule, matching and linking -----------------------------------------------------


def test_a_ticket_with_the_tag_is_linked_at_once_and_the_rule_links_matching_ones(
    api: Api, clock: FakeClock
) -> None:
    iid = declare(api, api.admin)["id"]
    tag = f"incident_{iid}"
    empty = linked(api, iid)
    assert (empty["tag"], empty["tag_retired"], empty["rule"]) == (tag, False, None)
    assert (empty["total"], empty["items"], empty["next_offset"]) == (0, [], None)

    tagged = create_ticket(api, api.admin, "Login page is blank", tags=[tag, "region_emea"], priority="high")
    assert tagged["linked_incidents"] == [iid]
    assert tagged["status"] == "new"
    assert tagged["priority"] == "high"
    assert tagged["region"] == "emea"  # classified from its tags
    assert tag in tagged["tags"]
    unrelated = create_ticket(api, api.admin, "Printer is on fire")
    assert unrelated["linked_incidents"] == []

    rule = ok(put(api, f"/incidents/{iid}/tickets/rule", {"keywords": ["sign in"]}))
    assert rule["tag"] == tag
    assert rule["linked"] == []  # no mirrored ticket matched yet
    clock.advance(minutes=1)
    matching = create_ticket(api, api.admin, "Cannot  SIGN IN from the mobile app")
    assert matching["linked_incidents"] == [iid]
    other = create_ticket(api, api.admin, "Invoice has the wrong address")
    assert other["linked_incidents"] == []

    page = linked(api, iid)
    no_limits = {"form": None, "organization": None, "since": None, "until": None}
    assert page["rule"] == {"keywords": ["sign in"]} | no_limits
    assert page["total"] == 2
    assert [t["ref"] for t in page["items"]] == [matching["ref"], tagged["ref"]]  # newest first
    assert all(tag in t["tags"] for t in page["items"])  # the built-in store tags a rule's ticket in place
    entries = timeline(api, iid)
    links = [e["data"] for e in entries if e["type"] == "tickets.linked"]
    assert [(d["refs"], d["reason"], d["linked"]) for d in links] == [
        ([tagged["ref"]], "tag", 1),
        ([matching["ref"]], "rule", 2),
    ]
    assert "tickets.rule_set" in [e["type"] for e in entries]

    # A rule set later links the tickets already in the store that match it, at once.
    widened = ok(put(api, f"/incidents/{iid}/tickets/rule", {"keywords": ["invoice", "sign in"]}))
    assert widened["linked"] == [other["ref"]]
    assert widened["total"] == 3

    cleared = ok(api.client.delete(f"{API}/incidents/{iid}/tickets/rule", headers=api.admin))
    assert cleared["total"] == 3
    assert linked(api, iid)["rule"] is None
    assert create_ticket(api, api.admin, "Cannot sign in again")["linked_incidents"] == []
    assert linked(api, iid)["total"] == 3


def test_a_match_preview_changes_nothing_and_confirm_links_and_queues_the_tagging(
    api: Api, clock: FakeClock
) -> None:
    iid = declare(api, api.admin)["id"]
    tag = f"incident_{iid}"
    old = create_ticket(api, api.admin, "VPN drops every hour")
    clock.advance(hours=3)
    vpn = [create_ticket(api, api.admin, f"VPN drops for office {n}")["ref"] for n in range(3)]
    create_ticket(api, api.admin, "Password reset mail never arrives")
    before = snapshot(api, iid)
    links_before = count_rows(api, "ticket_links")

    preview = ok(post(api, f"/incidents/{iid}/tickets/match", {"query": "vpn drops", "since": "2h"}))
    assert preview["confirmed"] is False
    assert preview["count"] == 3  # the older one is outside the last two hours
    assert preview["already_linked"] == 0
    assert sorted(t["ref"] for t in preview["items"]) == sorted(vpn)
    assert all(t["linked"] is False for t in preview["items"])
    assert_unchanged(api, before)
    assert count_rows(api, "ticket_links") == links_before
    assert count_rows(api, "ticket_tag_ops") == 0

    search = {"query": "vpn drops", "since": "2h"}
    confirmed = ok(post(api, f"/incidents/{iid}/tickets/match", search | {"confirm": True}))
    assert confirmed["confirmed"] is True
    assert sorted(confirmed["linked"]) == sorted(vpn)
    assert confirmed["unchanged"] == []
    assert confirmed["total"] == 3
    assert confirmed["tag"] == tag
    assert confirmed["version"] > before.incident["version"]
    again = ok(post(api, f"/incidents/{iid}/tickets/match", {"query": "vpn"}))
    assert again["count"] == 4
    assert again["already_linked"] == 3
    assert {t["ref"]: t["linked"] for t in again["items"]}[old["ref"]] is False

    # Tagging is queued; the worker applies it and records it on the timeline.
    assert all(tag not in t["tags"] for t in linked(api, iid)["items"])
    assert run_ticket_jobs(api.container) >= 1
    assert all(tag in t["tags"] for t in linked(api, iid)["items"])
    [tagged] = [e["data"] for e in timeline(api, iid) if e["type"] == "tickets.tagged"]
    assert (tagged["action"], tagged["outcome"], sorted(tagged["refs"])) == ("add", "done", sorted(vpn))

    # An ISO time works as "since", and a tag narrows the search.
    by_tag = ok(post(api, f"/incidents/{iid}/tickets/match", {"tag": tag, "since": "2026-03-02T00:00:00Z"}))
    assert by_tag["count"] == 3


def test_link_and_unlink_by_number_and_page_through_the_linked_tickets(api: Api, clock: FakeClock) -> None:
    iid = declare(api, api.admin)["id"]
    refs = []
    for n in range(5):
        refs.append(create_ticket(api, api.admin, f"Slow dashboard {n}")["ref"])
        clock.advance(minutes=1)

    first = ok(post(api, f"/incidents/{iid}/tickets/link", {"tickets": [f"#{refs[0]}", refs[1], refs[2]]}))
    assert first["linked"] == refs[:3]
    assert (first["unchanged"], first["total"]) == ([], 3)
    second = ok(post(api, f"/incidents/{iid}/tickets/link", {"tickets": [refs[2], refs[3]]}))
    assert (second["linked"], second["unchanged"], second["total"]) == ([refs[3]], [refs[2]], 4)
    missing = post(api, f"/incidents/{iid}/tickets/link", {"tickets": [refs[4], "99999"]})
    body = assert_problem(missing, 404, "not_found", "#99999", "check the ticket numbers")
    assert body["tickets"] == ["99999"]
    assert linked(api, iid)["total"] == 4  # nothing of a refused request is linked

    gone = ok(post(api, f"/incidents/{iid}/tickets/unlink", {"tickets": [refs[1], refs[4]]}))
    assert (gone["linked"], gone["unchanged"], gone["total"]) == ([refs[1]], [refs[4]], 3)
    assert linked_refs(api, iid) == {refs[0], refs[2], refs[3]}
    kinds = types_of(api, iid)
    assert kinds.count("tickets.linked") == 2
    assert kinds.count("tickets.unlinked") == 1

    page1 = linked(api, iid, limit=2)
    assert [t["ref"] for t in page1["items"]] == [refs[3], refs[2]]  # newest first
    assert (page1["total"], page1["next_offset"]) == (3, 2)
    page2 = linked(api, iid, limit=2, offset=page1["next_offset"])
    assert [t["ref"] for t in page2["items"]] == [refs[0]]
    assert page2["next_offset"] is None
    assert linked(api, iid, offset=10)["items"] == []


# ----- bulk replies ---------------------------------------------------------------------------------


def test_a_published_update_goes_to_every_linked_ticket_once_through_the_worker(
    api: Api, clock: FakeClock
) -> None:
    carol, ivan = api.user("carol"), api.user("ivan")
    iid = declare(api, api.admin)["id"]
    assign(api, iid, "cmoc", "carol")
    assign(api, iid, "imoc", "ivan")
    tag = f"incident_{iid}"
    ann = create_ticket(api, carol, "Cannot sign in", tags=[tag], requester="Ann")
    bob = create_ticket(api, carol, "Login fails", tags=[tag], requester="Bob", organization="Initech")
    escalated = create_ticket(api, carol, "Sign-in broken for our whole team", tags=[tag, "escalated"])
    private = create_ticket(api, carol, "Security question about sign-in", tags=[tag], public=False)
    clock.advance(minutes=5)
    text = "Sign-in fails for most users. We are investigating."
    update_id = publish_update(api, iid, f"**{text}**", cmoc=carol, imoc=ivan)
    path = f"/incidents/{iid}/tickets/replies"

    before = snapshot(api, iid)
    preview = ok(post(api, path, {"update": update_id, "dry_run": True}, carol))
    assert (preview["dry_run"], preview["source"]) == (True, f"update {update_id}")
    assert (preview["targets"], preview["excluded"]) == (2, 2)
    assert preview["body"].strip() == text  # the approved text, as plain text for the ticket
    reasons = {item["ref"]: item["excluded"] for item in preview["items"]}
    assert reasons == {
        ann["ref"]: None,
        bob["ref"]: None,
        escalated["ref"]: "escalated",
        private["ref"]: "private ticket",
    }
    assert all(item["text"].strip() == text for item in preview["items"])
    assert_unchanged(api, before)  # a dry run changes nothing
    assert count_rows(api, "bulk_replies") == 0

    started = post(api, path, {"update": update_id, "status": "pending"}, carol)
    run = ok(started, 202)
    assert (run["incident_id"], run["source"], run["source_ref"], run["status_change"]) == (
        iid,
        "update",
        str(update_id),
        "pending",
    )
    assert (run["state"], run["created_by"], run["public"]) == ("running", "carol", True)
    assert (run["total"], run["done"], run["finished_at"]) == (4, 2, None)
    assert run["counts"] == dict.fromkeys(("sending", "submitted", "replied", "failed"), 0) | {
        "pending": 2,
        "skipped": 2,
    }
    # Asking again while it runs answers with the same run instead of starting a second one.
    assert ok(post(api, path, {"update": update_id, "status": "pending"}, carol), 202)["id"] == run["id"]

    finished = run_replies_to_end(api, iid, run["id"])
    assert finished["state"] == "completed"
    assert finished["finished_at"] is not None
    assert (finished["total"], finished["done"]) == (4, 4)
    assert {k: finished["counts"][k] for k in ("replied", "skipped", "failed")} == {
        "replied": 2,
        "skipped": 2,
        "failed": 0,
    }
    assert count_rows(api, "ticket_comments") == 2
    tickets = {t["ref"]: t for t in linked(api, iid)["items"]}
    for ref in (ann["ref"], bob["ref"]):
        assert tickets[ref]["status"] == "pending"
        assert tickets[ref]["first_response_at"] is not None
        assert f"sirf_reply_{run['id']}" in tickets[ref]["tags"]
    for ref in (escalated["ref"], private["ref"]):
        assert tickets[ref]["status"] == "new"
        assert tickets[ref]["first_response_at"] is None
    assert ok(api.client.get(f"{API}{path}", headers=api.admin))["items"] == [finished]

    entries = timeline(api, iid)
    kinds = [e["type"] for e in entries]
    assert kinds.index("tickets.bulk_reply_started") < kinds.index("tickets.replied")
    assert kinds.index("tickets.replied") < kinds.index("tickets.bulk_reply_finished")
    [started_event] = [e["data"] for e in entries if e["type"] == "tickets.bulk_reply_started"]
    assert (started_event["targets"], started_event["skipped"]) == (2, 2)
    replied_refs = [ref for e in entries if e["type"] == "tickets.replied" for ref in e["data"]["refs"]]
    assert sorted(replied_refs) == sorted([ann["ref"], bob["ref"]])
    [done_event] = [e["data"] for e in entries if e["type"] == "tickets.bulk_reply_finished"]
    assert (done_event["state"], done_event["replied"], done_event["skipped"]) == ("completed", 2, 2)

    # The same text again: everyone who could get it has it, so nothing starts, and why is said.
    refused = post(api, path, {"update": update_id, "status": "pending"}, carol)
    assert_problem(refused, 409, "conflict", "would get this reply", "4 left out")
    assert count_rows(api, "bulk_replies") == 1
    again = ok(post(api, path, {"update": update_id, "dry_run": True}, carol))
    assert again["targets"] == 0
    assert {item["excluded"] for item in again["items"]} >= {"already received this reply"}
    assert run_ticket_jobs(api.container) == 0  # nothing left for the worker
    assert count_rows(api, "ticket_comments") == 2


def test_a_macro_merges_each_ticket_and_a_started_reply_can_be_cancelled(api: Api) -> None:
    iid = declare(api, api.admin)["id"]
    tag = f"incident_{iid}"
    ann = create_ticket(api, api.admin, "Cannot sign in", tags=[tag], requester="Ann")
    globex = create_ticket(api, api.admin, "Login fails", tags=[tag], organization="Globex")
    path = f"/incidents/{iid}/tickets/replies"

    preview = ok(post(api, path, {"macro": "ack", "dry_run": True}))
    assert (preview["source"], preview["body"], preview["targets"]) == ("macro ack", MACRO, 1)
    items = {item["ref"]: item for item in preview["items"]}
    assert items[ann["ref"]]["text"] == (
        f"Hello Ann, we are working on incident #{iid} (your ticket {ann['ref']})."
    )
    assert items[globex["ref"]]["excluded"] == "organisation opted out"
    unknown = post(api, path, {"macro": "nope", "dry_run": True})
    assert_problem(unknown, 404, "not_found", "no macro 'nope'", "ack")

    run = ok(post(api, path, {"macro": "ack", "public": False}), 202)
    assert (run["source"], run["source_ref"], run["public"]) == ("macro", "ack", False)
    cancelled = ok(post(api, f"{path}/{run['id']}/cancel", {}))
    assert cancelled["state"] == "cancelled"
    assert (cancelled["counts"]["skipped"], cancelled["counts"]["replied"], cancelled["done"]) == (2, 0, 2)
    assert run_ticket_jobs(api.container) == 0  # a cancelled run sends nothing
    assert count_rows(api, "ticket_comments") == 0
    [finished] = [e["data"] for e in timeline(api, iid) if e["type"] == "tickets.bulk_reply_finished"]
    assert finished["state"] == "cancelled"
    assert reply_run(api, iid, run["id"]) == cancelled
    unknown_run = api.client.get(f"{API}{path}/999", headers=api.admin)
    assert_problem(unknown_run, 404, "not_found", "no bulk reply 999")


# ----- figures ------------------------------------------------------------------------------------


def test_impact_sla_and_status_show_what_the_linked_tickets_say(api: Api, clock: FakeClock) -> None:
    iid = declare(api, api.admin)["id"]
    tag = f"incident_{iid}"
    nothing = ok(api.client.get(f"{API}/incidents/{iid}/impact", headers=api.admin))
    assert (nothing["incident_id"], nothing["total_tickets"], nothing["customers"]) == (iid, 0, 0)
    assert ok(api.client.get(f"{API}/incidents/{iid}/sla", headers=api.admin)) == {
        "incident_id": iid,
        "compliance_percent": None,
        "counts": {},
        "at_risk": [],
        "breached": [],
    }

    tags = [tag, "segment_enterprise", "region_emea"]
    first = create_ticket(
        api, api.admin, "Cannot sign in with SSO", tags=tags, priority="urgent", organization="Initech"
    )
    clock.advance(minutes=15)
    tags = [tag, "segment_enterprise", "escalated"]
    second = create_ticket(
        api, api.admin, "SSO sign in fails", tags=tags, priority="urgent", organization="Initech"
    )
    answered = create_ticket(
        api, api.admin, "Sign in with SSO broken", tags=[tag, "segment_smb"], requester="Zed"
    )
    create_ticket(api, api.admin, "Cannot sign in with SSO today", tags=[tag], requester="Yan")
    create_ticket(api, api.admin, "Unrelated question", requester="Xia")  # not linked: not counted
    clock.advance(minutes=25)  # 09:40: the first urgent ticket is 10 min late, the second has 5 min left
    reply = {"body": "We are on it.", "public": True}
    assert post(api, f"/tickets/{answered['ref']}/comments", reply).status_code == 201  # a first response

    impact = ok(api.client.get(f"{API}/incidents/{iid}/impact", headers=api.admin))
    assert impact["incident_id"] == iid
    assert (impact["total_tickets"], impact["active_tickets"], impact["awaiting_first_response"]) == (4, 4, 3)
    # Customers: Initech (two tickets), Zed and Yan.
    assert (impact["escalated"], impact["organisations"], impact["customers"]) == (1, 1, 3)
    assert impact["segments"] == {"enterprise": 2, "smb": 1}
    assert impact["unclassified_segment"] == 1
    assert (impact["regions"], impact["unclassified_region"]) == ({"emea": 1}, 3)
    assert impact["hourly"] == [{"hour": "2026-03-02T09:00:00Z", "tickets": 4}]
    assert impact["peak_per_hour"] == 4
    assert impact["longest_wait_minutes"] == 40.0
    assert (impact["current_response_minutes"], impact["average_response_minutes"]) == (25.0, 25.0)
    assert impact["queue_health"] == "healthy"  # 3 waiting, none for an hour yet
    assert impact["computed_at"] == "2026-03-02T09:40:00Z"
    assert impact["top_issues"][0]["reports"] == 4
    assert "sso" in impact["top_issues"][0]["issue"]

    sla = ok(api.client.get(f"{API}/incidents/{iid}/sla", headers=api.admin))
    assert sla["counts"] == {"breached": 1, "at_risk": 1, "on_track": 1, "met": 1}
    assert sla["compliance_percent"] == 50.0  # decided: one met, one breached
    [late] = sla["breached"]
    assert (late["ref"], late["priority"], late["region"]) == (first["ref"], "urgent", "emea")
    assert (late["due_at"], late["remaining_minutes"]) == ("2026-03-02T09:30:00Z", -10.0)
    [close] = sla["at_risk"]
    assert (close["ref"], close["state"], close["remaining_minutes"]) == (second["ref"], "at_risk", 5.0)
    assert close["due_at"] == "2026-03-02T09:45:00Z"

    status = ok(api.client.get(f"{API}/incidents/{iid}/tickets/status", headers=api.admin))
    assert status == {
        "incident_id": iid,
        "system": "builtin",
        "tag": tag,
        "tag_retired": False,
        "rule": None,
        "linked": 4,
        "pending_tag_operations": 0,
        "customers": 3,
        "queue_health": "healthy",
        "sla_at_risk": 1,
        "sla_breached": 1,
        "replies": [],
    }


def test_surges_list_groups_of_similar_new_tickets_above_their_baseline(api: Api, clock: FakeClock) -> None:
    quiet = ok(api.client.get(f"{API}/tickets/surges", headers=api.admin))
    assert quiet == {"items": []}
    refs = []
    for n in range(6):
        created = create_ticket(api, api.admin, f"Cannot sign in with SSO ({n})", requester=f"User {n}")
        refs.append(created["ref"])
        clock.advance(minutes=2)
    create_ticket(api, api.admin, "Where is my invoice?")

    [surge] = ok(api.client.get(f"{API}/tickets/surges", headers=api.admin))["items"]
    assert surge["count"] == 6
    assert sorted(surge["refs"]) == sorted(refs)
    assert "sso" in surge["keywords"]
    assert surge["customers"] == 6
    assert surge["ratio"] >= 3
    assert surge["hourly"][-1] == {"hour": "2026-03-02T09:00:00Z", "tickets": 6}
    assert surge["first_seen_at"] == "2026-03-02T09:00:00Z"
    assert "6 tickets" in surge["reason"]
    assert len(surge["sample_subjects"]) >= 1


# ----- security and bad input -----------------------------------------------------------------------


Route = tuple[str, str, dict[str, Any] | None]


def ticket_routes(iid: int, run_id: int = 1, update_id: int = 1) -> list[Route]:
    """Every ticket route with a body that would be accepted."""
    i = f"/incidents/{iid}"
    return [
        ("POST", "/tickets", {"subject": "Cannot sign in", "requester": "Ann"}),
        ("GET", "/tickets/1", None),
        ("PATCH", "/tickets/1", {"status": "open"}),
        ("POST", "/tickets/1/comments", {"body": "We are on it."}),
        ("GET", f"{i}/tickets", None),
        ("POST", f"{i}/tickets/match", {"query": "sign in"}),
        ("POST", f"{i}/tickets/match", {"query": "sign in", "confirm": True}),
        ("POST", f"{i}/tickets/link", {"tickets": ["1"]}),
        ("POST", f"{i}/tickets/unlink", {"tickets": ["1"]}),
        ("PUT", f"{i}/tickets/rule", {"keywords": ["sign in"]}),
        ("DELETE", f"{i}/tickets/rule", None),
        ("POST", f"{i}/tickets/replies", {"update": update_id, "dry_run": True}),
        ("POST", f"{i}/tickets/replies", {"update": update_id}),
        ("GET", f"{i}/tickets/replies", None),
        ("GET", f"{i}/tickets/replies/{run_id}", None),
        ("POST", f"{i}/tickets/replies/{run_id}/cancel", {}),
        ("GET", f"{i}/impact", None),
        ("GET", f"{i}/sla", None),
        ("GET", f"{i}/tickets/status", None),
        ("GET", "/tickets/surges", None),
    ]


def call(api: Api, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]) -> Any:
    return api.client.request(method, f"{API}{path}", json=body, headers=headers)


def test_every_ticket_route_needs_a_token(api: Api) -> None:
    iid = declare(api, api.admin)["id"]
    create_ticket(api, api.admin, "Cannot sign in", tags=[f"incident_{iid}"])
    before = snapshot(api, iid)
    for method, path, body in ticket_routes(iid):
        for headers in ({}, {"Authorization": "Bearer sirf_000000000000_forged"}):
            response = call(api, method, path, body, headers)
            assert_problem(response, 401, "authentication_required")
            assert response.headers["www-authenticate"] == "Bearer"
    assert_unchanged(api, before)
    assert count_rows(api, "tickets") == 1


def test_a_viewer_reads_but_cannot_create_link_or_reply_and_nothing_changes(api: Api) -> None:
    carol, ivan, vera = api.user("carol"), api.user("ivan"), api.user("vera", "viewer")
    iid = declare(api, api.admin)["id"]
    assign(api, iid, "cmoc", "carol")
    assign(api, iid, "imoc", "ivan")
    create_ticket(api, carol, "Cannot sign in", tags=[f"incident_{iid}"])
    update_id = publish_update(api, iid, "Sign-in fails. We are investigating.", cmoc=carol, imoc=ivan)
    run_id = ok(post(api, f"/incidents/{iid}/tickets/replies", {"update": update_id}, carol), 202)["id"]
    before = snapshot(api, iid)
    tables = ("tickets", "ticket_links", "ticket_comments", "bulk_replies", "ticket_tag_ops")
    counts = {t: count_rows(api, t) for t in tables}
    ticket_before = ok(api.client.get(f"{API}/tickets/1", headers=api.admin))

    writes = {
        ("POST", "/tickets"),
        ("PATCH", "/tickets/1"),
        ("POST", "/tickets/1/comments"),
        ("POST", f"/incidents/{iid}/tickets/link"),
        ("POST", f"/incidents/{iid}/tickets/unlink"),
        ("PUT", f"/incidents/{iid}/tickets/rule"),
        ("DELETE", f"/incidents/{iid}/tickets/rule"),
        ("POST", f"/incidents/{iid}/tickets/replies/{run_id}/cancel"),
    }
    for method, path, body in ticket_routes(iid, run_id, update_id):
        response = call(api, method, path, body, vera)
        is_write = (
            (method, path) in writes
            or (body or {}).get("confirm")
            or (path.endswith("/replies") and body is not None and not body.get("dry_run"))
        )
        if is_write:
            assert_problem(response, 403, "permission_denied", "vera is a viewer")
        else:
            assert response.status_code == 200, (method, path, response.text)
    assert_unchanged(api, before)
    assert {t: count_rows(api, t) for t in counts} == counts
    assert ok(api.client.get(f"{API}/tickets/1", headers=api.admin)) == ticket_before
    assert reply_run(api, iid, run_id)["state"] == "running"

    # A responder who holds no role may not act on tickets while a CMOC holds the incident.
    dave = api.user("dave")
    refused = post(api, f"/incidents/{iid}/tickets/link", {"tickets": ["1"]}, dave)
    assert_problem(refused, 403, "permission_denied", "CMOC", "dave")
    refused = post(api, f"/incidents/{iid}/tickets/replies", {"macro": "ack"}, dave)
    assert_problem(refused, 403, "permission_denied", "CMOC", "dave")
    assert_unchanged(api, before)


def test_an_unknown_incident_is_404_on_every_ticket_route(api: Api) -> None:
    create_ticket(api, api.admin, "Cannot sign in")
    for method, path, body in ticket_routes(4242):
        if not path.startswith("/incidents/"):
            continue
        response = call(api, method, path, body, api.admin)
        assert_problem(response, 404, "not_found", "4242")
    assert count_rows(api, "ticket_links") == 0
    assert count_rows(api, "bulk_replies") == 0


def test_bad_bodies_are_refused_naming_the_field_and_nothing_is_stored(api: Api) -> None:
    carol, ivan = api.user("carol"), api.user("ivan")
    iid = declare(api, api.admin)["id"]
    assign(api, iid, "cmoc", "carol")
    assign(api, iid, "imoc", "ivan")
    create_ticket(api, carol, "Cannot sign in", tags=[f"incident_{iid}"])
    update_id = publish_update(api, iid, "Sign-in fails. We are investigating.", cmoc=carol, imoc=ivan)
    i = f"/incidents/{iid}"
    before = snapshot(api, iid)
    counts = {t: count_rows(api, t) for t in ("tickets", "ticket_links", "bulk_replies", "incident_tags")}

    t, r, m, rule = "/tickets", f"{i}/tickets/replies", f"{i}/tickets/match", f"{i}/tickets/rule"
    u = update_id
    cases: list[tuple[str, str, Any, tuple[str, ...]]] = [
        ("POST", t, {"subject": "x", "requester": "y", "colour": "red"}, ("colour", "Extra inputs")),
        ("POST", t, {"subject": "x"}, ("requester", "Field required")),
        ("POST", t, {"subject": "x", "requester": "y", "priority": "asap"}, ("'asap'", "urgent, high")),
        ("POST", t, {"subject": "x", "requester": "y", "tags": ["a b"]}, ("'a b'", "lower-case letters")),
        ("POST", t, {"subject": "   ", "requester": "y"}, ("subject", "1 to 500 characters")),
        ("POST", r, {"update": u, "macro": "ack"}, ("give exactly one of update", "or macro")),
        ("POST", r, {"dry_run": True}, ("give exactly one of update", "or macro")),
        ("POST", r, {"update": u, "status": "closed"}, ("open, pending or solved, not closed",)),
        ("POST", r, {"update": u, "status": "done"}, ("'done'", "use new, open")),
        ("POST", r, {"update": str(u)}, ("update", "valid integer")),
        ("POST", m, {"query": "sign", "since": "yesterday"}, ("'yesterday'", "like 2h", "2026-11-27T")),
        ("POST", m, {"query": "sign", "since": "2026-03-02T08:00:00"}, ("since=", "like 2h")),
        ("POST", m, {"query": "sign", "since": "0001-01-01T00:00:00+14:00"}, ("since=", "like 2h")),
        ("POST", m, {"query": "sign", "limit": 0}, ("limit", "greater than or equal to 1")),
        ("POST", m, {"query": "sign", "limit": 20_001}, ("limit", "less than or equal to 20000")),
        ("POST", m, {"tag": "has space", "confirm": True}, ("'has space'", "lower-case letters")),
        ("POST", m, {"query": " ", "confirm": True}, ("words to search for", "tag")),
        ("POST", f"{i}/tickets/link", {"tickets": [str(n) for n in range(20_001)]}, ("at most 20000",)),
        ("POST", f"{i}/tickets/link", {"tickets": []}, ("tickets", "at least 1")),
        ("POST", f"{i}/tickets/unlink", {"tickets": ["#"]}, ("give one or more ticket numbers",)),
        ("PUT", rule, {}, ("needs at least one of keywords, form or organization",)),
        (
            "PUT",
            rule,
            {"keywords": ["x"], "since": "2026-03-03T00:00:00Z", "until": "2026-03-02T00:00:00Z"},
            ("'until' must be after",),
        ),
        ("PUT", rule, {"keywords": ["x"], "since": "monday"}, ("since",)),
    ]
    for method, path, body, fragments in cases:
        response = call(api, method, path, body, carol)
        problem = assert_problem(response, 422, "invalid_input", *fragments)
        fields = {problem.get("field")} | {e["field"] for e in problem.get("errors", [])}
        assert fields - {None}, (path, body, problem)
    listing = api.client.get(f"{API}{i}/tickets", params={"limit": 0}, headers=carol)
    assert_problem(listing, 422, "invalid_input", "limit")
    assert_unchanged(api, before)
    assert {t: count_rows(api, t) for t in counts} == counts


def test_only_a_published_update_can_go_out_in_bulk(api: Api) -> None:
    carol = api.user("carol")
    iid = declare(api, api.admin)["id"]
    assign(api, iid, "cmoc", "carol")
    create_ticket(api, carol, "Cannot sign in", tags=[f"incident_{iid}"])
    drafted = post(api, f"/incidents/{iid}/updates", {"template": "initial", "body": "Looking."}, carol)
    draft_id = ok(drafted, 201)["id"]
    other = declare(api, api.admin, title="Another one")["id"]
    before = snapshot(api, iid)

    for dry_run in (True, False):
        ask = {"update": draft_id, "dry_run": dry_run}
        refused = post(api, f"/incidents/{iid}/tickets/replies", ask, carol)
        body = assert_problem(
            refused, 422, "invalid_input", "is draft: only a published update", "publish it"
        )
        assert body["field"] == "update"
        elsewhere = post(api, f"/incidents/{other}/tickets/replies", {"update": draft_id, "dry_run": dry_run})
        assert_problem(elsewhere, 404, "not_found", f"no update {draft_id}")
    assert_unchanged(api, before)
    assert count_rows(api, "bulk_replies") == 0
