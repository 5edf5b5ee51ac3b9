"""The whole journey of docs/api.md, as support engineers would walk it, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sirf.domain.framework import Framework
from sirf.domain.regions import Region, Roster
from sirf.domain.roles import Role
from tests.conftest import Api, FakeClock
from tests.e2e.helpers import (
    API,
    assert_problem,
    assert_unchanged,
    declare,
    event_types,
    snapshot,
    timeline,
)


@pytest.fixture(autouse=True)
def _one_event_loop(api: Api) -> Iterator[None]:
    """Keep the TestClient open for the whole test: one event loop instead of one per request."""
    with api.client:
        yield


CRITERIA = [
    "communication-stable",
    "queue-normal",
    "no-new-impact-patterns",
    "ticket-flow-normal",
    "final-status-documented",
    "handed-back",
]


@pytest.fixture
def framework() -> Framework:
    """The defaults plus an on-call roster, so engagement proposals name someone."""
    return Framework(
        roster=Roster({Role.CMOC: {Region.EMEA: ("carol",)}, Role.SMOC: {Region.EMEA: ("sam",)}})
    )


def iso(clock: FakeClock) -> str:
    return clock.now().isoformat().replace("+00:00", "Z")


def patch_impact(api: Api, incident_id: int, headers: dict[str, str], **facts: Any) -> dict[str, Any]:
    response = api.client.patch(f"{API}/incidents/{incident_id}/impact", json=facts, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def move(api: Api, incident_id: int, headers: dict[str, str], phase: str, reason: str = "") -> dict[str, Any]:
    response = api.client.post(
        f"{API}/incidents/{incident_id}/phase", json={"phase": phase, "reason": reason}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def engagement(api: Api, incident_id: int, role: str) -> dict[str, Any]:
    response = api.client.get(f"{API}/incidents/{incident_id}/triggers", headers=api.admin)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = next(e for e in response.json()["engagements"] if e["role"] == role)
    return found


# ----- declare and show ---------------------------------------------------------------------------


def test_declare_returns_the_incident_and_show_reads_it_back(api: Api, clock: FakeClock) -> None:
    alice = api.user("alice")
    declared_at = iso(clock)
    response = api.client.post(
        f"{API}/incidents",
        json={
            "title": "  Users cannot sign in  ",
            "kind": "saas-outage",
            "severity": 2,
            "source": "infrastructure",
            "summary": "Login page returns 502",
            "affected_services": ["auth", "web", "auth"],
            "detected_at": "2026-03-02T10:30:00+02:00",
        },
        headers=alice,
    )
    assert response.status_code == 201, response.text
    incident = response.json()
    assert response.headers["etag"] == '"2"'  # declared, then its ticket tag
    assert incident["version"] == 2
    expected = {
        "title": "Users cannot sign in",
        "kind": "saas-outage",
        "source": "infrastructure",
        "severity": 2,
        "severity_label": "SEV2",
        "highest_severity": 2,
        "phase": "detection",
        "active": True,
        "region": "emea",
        "declared_by": "alice",
        "declared_at": declared_at,
        "detected_at": "2026-03-02T08:30:00Z",
        "triaged_at": None,
        "first_response_at": None,
        "first_customer_communication_at": None,
        "resolved_at": None,
        "closed_at": None,
        "times_reopened": 0,
        "summary": "Login page returns 502",
        "affected_services": ["auth", "web"],
        "scope_override": None,
        "roles": {"cmoc": None, "smoc": None, "imoc": None},
        "role_history": [],
        "tasks": [],
        "teams": [],
        "attestations": [],
    }
    assert {k: incident[k] for k in expected} == expected
    assert incident["impact"] == {
        "customers_affected": None,
        "bulk_communication_needed": False,
        "support_coordination_needed": False,
        "complex_impact": False,
        "resource_conflict": False,
        "sla_at_risk": False,
        "sirt_involved": False,
    }

    shown = api.client.get(f"{API}/incidents/{incident['id']}", headers=alice)
    assert shown.status_code == 200
    assert shown.json() == incident
    assert shown.headers["etag"] == '"2"'

    entries = timeline(api, incident["id"])
    assert [(e["seq"], e["type"], e["actor"], e["at"]) for e in entries] == [
        (1, "incident.declared", "alice", declared_at),
        (2, "tickets.tag_created", "sirf", declared_at),
    ]
    assert entries[1]["data"] == {"tag": f"incident_{incident['id']}"}
    assert entries[0]["data"]["title"] == "Users cannot sign in"
    assert entries[0]["data"]["severity"] == 2
    assert entries[0]["data"]["kind"] == "saas-outage"


# ----- list: ordering, pagination, filters ---------------------------------------------------------


def test_list_orders_by_customers_then_severity_and_pages_with_a_cursor(api: Api) -> None:
    alice = api.user("alice")
    made: dict[str, int] = {}
    for name, severity, customers in [
        ("a", 3, 10),
        ("b", 1, None),
        ("c", 2, 10),
        ("d", 4, 50),
        ("e", 1, 0),
        ("f", 2, None),
    ]:
        incident = declare(api, alice, title=f"incident {name}", severity=severity)
        made[name] = incident["id"]
        if customers is not None:
            patch_impact(api, incident["id"], alice, customers_affected=customers)
    # Most customers first (F4.1), then SEV1 before SEV2, then the newest first.
    expected = [made[n] for n in ("d", "c", "a", "e", "b", "f")]

    everything = api.client.get(f"{API}/incidents", headers=alice).json()
    assert [i["id"] for i in everything["items"]] == expected
    assert everything["next_cursor"] is None
    for item in everything["items"]:
        assert not {"role_history", "tasks", "teams", "attestations"} & item.keys()
        assert {"id", "title", "severity_label", "impact", "roles", "version"} <= item.keys()
    assert everything["items"][0]["impact"]["customers_affected"] == 50

    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.client.get(f"{API}/incidents", params=params, headers=alice)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen.extend(i["id"] for i in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str)
    assert seen == expected
    assert pages == 3


def test_list_filters_by_status_severity_kind_and_phase(api: Api) -> None:
    alice = api.user("alice")
    outage = declare(api, alice, title="outage", severity=1)
    product = declare(api, alice, title="product bug", kind="product-issue", severity=3)
    resolved = declare(api, alice, title="resolved one", severity=2)
    closed = declare(api, alice, title="closed one", severity=2)
    move(api, product["id"], alice, "triage")
    for incident in (resolved, closed):
        assert api.client.post(f"{API}/incidents/{incident['id']}/resolve", json={}, headers=alice).is_success
    assert api.client.post(f"{API}/incidents/{closed['id']}/close", json={}, headers=alice).is_success

    def ids(**params: Any) -> set[int]:
        response = api.client.get(f"{API}/incidents", params=params, headers=alice)
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["items"]}

    assert ids() == {outage["id"], product["id"]}
    assert ids(status="active") == {outage["id"], product["id"]}
    assert ids(status="resolved") == {resolved["id"]}
    assert ids(status="closed") == {closed["id"]}
    assert ids(status="all") == {outage["id"], product["id"], resolved["id"], closed["id"]}
    assert ids(severity=1) == {outage["id"]}
    assert ids(severity=2, status="all") == {resolved["id"], closed["id"]}
    assert ids(kind="product-issue") == {product["id"]}
    assert ids(phase="triage") == {product["id"]}
    assert ids(phase="detection") == {outage["id"]}
    assert ids(status="all", phase="closure") == {closed["id"]}
    assert ids(severity=4) == set()


# ----- severity ----------------------------------------------------------------------------------


def test_severity_changes_are_recorded_with_who_and_why(api: Api, clock: FakeClock) -> None:
    alice, carol = api.user("alice"), api.user("carol")
    incident = declare(api, alice, severity=2)
    iid = incident["id"]
    api.client.put(f"{API}/incidents/{iid}/roles/cmoc", json={"person": "carol"}, headers=api.admin)

    clock.advance(minutes=5)
    raised = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 1, "reason": "all regions down"}, headers=alice
    )
    assert raised.status_code == 200, raised.text
    assert raised.json()["severity"] == 1
    assert raised.json()["severity_label"] == "SEV1"
    assert raised.json()["highest_severity"] == 1
    assert raised.headers["etag"] == f'"{raised.json()["version"]}"'

    clock.advance(minutes=30)
    lowered = api.client.post(
        f"{API}/incidents/{iid}/severity",
        json={"severity": "SEV3", "reason": "workaround published"},
        headers=alice,
    )
    # severity is an integer in the contract; "SEV3" is refused by the body schema
    assert_problem(lowered, 422, "invalid_input", "severity")
    lowered = api.client.post(
        f"{API}/incidents/{iid}/severity",
        json={"severity": 3, "reason": "workaround published"},
        headers=alice,
    )
    assert lowered.status_code == 200, lowered.text
    body = lowered.json()
    assert (body["severity"], body["severity_label"], body["highest_severity"]) == (3, "SEV3", 1)

    before = snapshot(api, iid)
    same = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 3, "reason": "again"}, headers=alice
    )
    assert_problem(same, 422, "invalid_input", "already SEV3")
    no_reason = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 2, "reason": " "}, headers=alice
    )
    assert_problem(no_reason, 422, "invalid_input", "reason")
    assert_unchanged(api, before)

    changes = [e for e in timeline(api, iid) if e["type"] == "incident.severity_changed"]
    assert [(e["actor"], e["data"]) for e in changes] == [
        ("alice", {"previous": 2, "severity": 1, "reason": "all regions down"}),
        ("alice", {"previous": 1, "severity": 3, "reason": "workaround published"}),
    ]
    assert changes[0]["at"] == "2026-03-02T09:05:00Z"
    assert changes[1]["at"] == "2026-03-02T09:35:00Z"
    # The CMOC is consulted on severity (RACI), so they hear about it.
    messages = [n["message"] for n in api.client.get(f"{API}/notifications", headers=carol).json()["items"]]
    assert any("SEV2 -> SEV1" in m and "(by alice)" in m for m in messages), messages


# ----- lifecycle ---------------------------------------------------------------------------------


def test_phases_move_in_order_and_stamp_each_step(api: Api, clock: FakeClock) -> None:
    alice = api.user("alice")
    iid = declare(api, alice)["id"]
    stamps = {
        "triage": "triaged_at",
        "response": "first_response_at",
        "communication": "first_customer_communication_at",
        "resolution": "resolved_at",
        "closure": "closed_at",
    }
    times: dict[str, str] = {}
    for phase, stamp in stamps.items():
        clock.advance(minutes=7)
        body = move(api, iid, alice, phase)
        times[stamp] = iso(clock)
        assert body["phase"] == phase
        assert body["active"] is (phase not in ("resolution", "closure"))
        for earlier, value in times.items():
            assert body[earlier] == value
        for later in set(stamps.values()) - times.keys():
            assert body[later] is None
    moves = [e for e in timeline(api, iid) if e["type"] == "incident.phase_changed"]
    assert [(e["data"]["previous"], e["data"]["phase"]) for e in moves] == [
        ("detection", "triage"),
        ("triage", "response"),
        ("response", "communication"),
        ("communication", "resolution"),
        ("resolution", "closure"),
    ]
    assert all(e["actor"] == "alice" for e in moves)


def test_an_illegal_move_is_409_and_lists_the_allowed_phases(api: Api) -> None:
    alice = api.user("alice")
    iid = declare(api, alice)["id"]
    before = snapshot(api, iid)
    refused = api.client.post(f"{API}/incidents/{iid}/phase", json={"phase": "closure"}, headers=alice)
    body = assert_problem(
        refused, 409, "invalid_transition", "cannot move from detection to closure", "triage, resolution"
    )
    assert body["allowed"] == ["triage", "resolution"]
    assert body["title"] == "Lifecycle transition not allowed"
    assert_problem(
        api.client.post(f"{API}/incidents/{iid}/phase", json={"phase": "communication"}, headers=alice),
        409,
        "invalid_transition",
    )
    assert_problem(
        api.client.post(f"{API}/incidents/{iid}/close", json={}, headers=alice), 409, "invalid_transition"
    )
    assert_unchanged(api, before)


def test_resolve_and_reopen_count_reopenings_and_need_a_reason(api: Api, clock: FakeClock) -> None:
    alice = api.user("alice")
    iid = declare(api, alice)["id"]
    move(api, iid, alice, "triage")
    clock.advance(minutes=10)
    resolved = api.client.post(f"{API}/incidents/{iid}/resolve", json={"reason": "fixed"}, headers=alice)
    assert resolved.status_code == 200, resolved.text
    first_resolution = iso(clock)
    assert resolved.json()["phase"] == "resolution"
    assert resolved.json()["active"] is False
    assert resolved.json()["resolved_at"] == first_resolution

    before = snapshot(api, iid)
    assert_problem(
        api.client.post(f"{API}/incidents/{iid}/reopen", json={}, headers=alice),
        422,
        "invalid_input",
        "reason",
    )
    assert_problem(
        api.client.post(f"{API}/incidents/{iid}/reopen", json={"reason": "   "}, headers=alice),
        422,
        "invalid_input",
        "reopen reason",
    )
    assert_problem(
        api.client.post(f"{API}/incidents/{iid}/phase", json={"phase": "response"}, headers=alice),
        422,
        "invalid_input",
        "reopen reason",
    )
    assert_unchanged(api, before)

    clock.advance(minutes=10)
    reopened = api.client.post(
        f"{API}/incidents/{iid}/reopen", json={"reason": "errors are back"}, headers=alice
    )
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert (body["phase"], body["active"], body["times_reopened"]) == ("response", True, 1)
    assert body["resolved_at"] is None  # active again; the timeline keeps the earlier resolution
    entry = [e for e in timeline(api, iid) if e["type"] == "incident.reopened"]
    assert [(e["actor"], e["data"]) for e in entry] == [
        ("alice", {"reason": "errors are back", "times_reopened": 1})
    ]

    clock.advance(minutes=10)
    again = api.client.post(f"{API}/incidents/{iid}/resolve", json={}, headers=alice).json()
    assert again["resolved_at"] == iso(clock) != first_resolution
    twice = api.client.post(
        f"{API}/incidents/{iid}/phase", json={"phase": "response", "reason": "still broken"}, headers=alice
    )
    assert twice.json()["times_reopened"] == 2
    api.client.post(f"{API}/incidents/{iid}/resolve", json={}, headers=alice)
    closed = api.client.post(f"{API}/incidents/{iid}/close", json={"reason": "done"}, headers=alice)
    assert closed.status_code == 200
    assert closed.json()["phase"] == "closure"
    assert closed.json()["closed_at"] == iso(clock)

    # A closed incident takes notes only.
    before = snapshot(api, iid)
    shut = api.client.post(f"{API}/incidents/{iid}/reopen", json={"reason": "x"}, headers=alice)
    assert assert_problem(shut, 409, "invalid_transition")["allowed"] == []
    shut = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 1, "reason": "x"}, headers=alice
    )
    assert_problem(shut, 409, "invalid_transition", "closed")
    assert_unchanged(api, before)
    assert api.client.post(
        f"{API}/incidents/{iid}/notes", json={"text": "retro booked"}, headers=alice
    ).is_success


# ----- roles -------------------------------------------------------------------------------------


def test_assign_then_hand_over_keeps_the_role_history(api: Api, clock: FakeClock) -> None:
    alice, bob = api.user("alice"), api.user("bob")
    iid = declare(api, alice)["id"]
    assigned = api.client.put(
        f"{API}/incidents/{iid}/roles/cmoc", json={"person": "Alice"}, headers=api.admin
    )
    assert assigned.status_code == 200, assigned.text
    first = iso(clock)
    assert assigned.json()["roles"]["cmoc"] == {"holder": "alice", "assumed_at": first, "assigned_by": "root"}
    assert assigned.headers["etag"] == f'"{assigned.json()["version"]}"'

    clock.advance(hours=8)
    handed = api.client.put(f"{API}/incidents/{iid}/roles/cmoc", json={"person": "bob"}, headers=alice)
    assert handed.status_code == 200, handed.text
    body = handed.json()
    second = iso(clock)
    assert body["roles"]["cmoc"] == {"holder": "bob", "assumed_at": second, "assigned_by": "alice"}
    assert body["role_history"] == [
        {
            "role": "cmoc",
            "ordinal": 1,
            "holder": "alice",
            "assumed_at": first,
            "assigned_by": "root",
            "released_at": second,
            "released_by": "alice",
        },
        {
            "role": "cmoc",
            "ordinal": 2,
            "holder": "bob",
            "assumed_at": second,
            "assigned_by": "alice",
            "released_at": None,
            "released_by": None,
        },
    ]
    assigned_events = [e for e in timeline(api, iid) if e["type"] == "role.assigned"]
    assert [(e["actor"], e["data"]) for e in assigned_events] == [
        ("root", {"role": "cmoc", "holder": "alice", "previous_holder": None}),
        ("alice", {"role": "cmoc", "holder": "bob", "previous_holder": "alice"}),
    ]
    bob_hears = [n["message"] for n in api.client.get(f"{API}/notifications", headers=bob).json()["items"]]
    assert any("you are now CMOC" in m for m in bob_hears)

    before = snapshot(api, iid)
    assert_problem(
        api.client.put(f"{API}/incidents/{iid}/roles/cmoc", json={"person": "bob"}, headers=api.admin),
        422,
        "invalid_input",
        "already holds CMOC",
    )
    assert_problem(
        api.client.put(f"{API}/incidents/{iid}/roles/smoc", json={"person": "nobody"}, headers=api.admin),
        404,
        "not_found",
        "nobody",
    )
    assert_unchanged(api, before)


# ----- triggers ----------------------------------------------------------------------------------


def test_several_customers_affected_engages_the_cmoc(api: Api) -> None:
    alice, carol = api.user("alice"), api.user("carol")
    iid = declare(api, alice)["id"]
    assert engagement(api, iid, "cmoc") == {
        "role": "cmoc",
        "engage": False,
        "criteria_met": [],
        "holder": None,
        "proposed": None,
    }
    patch_impact(api, iid, alice, customers_affected=1)
    assert engagement(api, iid, "cmoc")["engage"] is False
    body = patch_impact(api, iid, alice, customers_affected=2)
    assert body["impact"]["customers_affected"] == 2
    assert engagement(api, iid, "cmoc") == {
        "role": "cmoc",
        "engage": True,
        "criteria_met": [
            {"name": "several-customers-affected", "description": "several customers are affected"}
        ],
        "holder": None,
        "proposed": "carol",
    }
    entries = timeline(api, iid)
    assert event_types(entries)[-2:] == ["impact.updated", "engagement.proposed"]
    assert entries[-1]["data"] == {
        "role": "cmoc",
        "proposed": "carol",
        "criteria": ["several-customers-affected"],
    }
    carol_hears = api.client.get(f"{API}/notifications", headers=carol).json()["items"]
    assert [n["incident_id"] for n in carol_hears] == [iid]
    assert "CMOC should be engaged" in carol_hears[0]["message"]

    # Once held, the verdict names the holder and proposes nobody.
    api.client.put(f"{API}/incidents/{iid}/roles/cmoc", json={"person": "carol"}, headers=api.admin)
    held = engagement(api, iid, "cmoc")
    assert (held["engage"], held["holder"], held["proposed"]) == (True, "carol", None)


def test_a_security_incident_engages_the_smoc_because_sirt_is_involved(api: Api) -> None:
    alice = api.user("alice")
    incident = declare(api, alice, kind="security-incident", title="Leaked credentials", severity=1)
    smoc = engagement(api, incident["id"], "smoc")
    assert smoc["engage"] is True
    assert smoc["proposed"] == "sam"
    assert [c["name"] for c in smoc["criteria_met"]] == ["sirt-involved"]
    assert engagement(api, incident["id"], "cmoc")["engage"] is False
    entries = timeline(api, incident["id"])
    assert event_types(entries) == ["incident.declared", "tickets.tag_created", "engagement.proposed"]
    assert entries[2]["data"] == {"role": "smoc", "proposed": "sam", "criteria": ["sirt-involved"]}


# ----- release -----------------------------------------------------------------------------------


def test_a_support_role_is_released_only_when_all_six_criteria_hold(api: Api, clock: FakeClock) -> None:
    alice = api.user("alice")
    iid = declare(api, alice)["id"]
    api.client.put(f"{API}/incidents/{iid}/roles/cmoc", json={"person": "alice"}, headers=api.admin)

    check = api.client.get(
        f"{API}/incidents/{iid}/release-check", params={"role": "cmoc"}, headers=alice
    ).json()
    assert check["role"] == "cmoc"
    assert check["releasable"] is False
    assert [c["criterion"] for c in check["checklist"]] == CRITERIA
    assert {c["basis"] for c in check["checklist"]} == {"missing"}
    assert not any(c["holds"] for c in check["checklist"])
    assert all(c["description"] and c["detail"] for c in check["checklist"])

    missing = list(CRITERIA)
    for criterion in [*CRITERIA[:4], CRITERIA[5]]:
        before = snapshot(api, iid)
        blocked = api.client.post(f"{API}/incidents/{iid}/roles/cmoc/release", json={}, headers=alice)
        body = assert_problem(blocked, 409, "release_blocked", "CMOC cannot be released yet")
        assert body["missing"] == missing
        assert_unchanged(api, before)
        attested = api.client.post(
            f"{API}/incidents/{iid}/attestations",
            json={"criterion": criterion, "note": f"checked {criterion}"},
            headers=alice,
        )
        assert attested.status_code == 200, attested.text
        assert {"criterion": criterion, "by": "alice", "at": iso(clock), "note": f"checked {criterion}"} in (
            attested.json()["attestations"]
        )
        missing.remove(criterion)
    assert missing == ["final-status-documented"]
    blocked = api.client.post(f"{API}/incidents/{iid}/roles/cmoc/release", json={}, headers=alice)
    assert assert_problem(blocked, 409, "release_blocked")["missing"] == ["final-status-documented"]

    # The final status is documented once the incident is resolved (computed, not attested).
    api.client.post(f"{API}/incidents/{iid}/resolve", json={"reason": "fixed"}, headers=alice)
    check = api.client.get(f"{API}/incidents/{iid}/release-check", headers=alice).json()
    assert check["releasable"] is True
    bases = {c["criterion"]: c["basis"] for c in check["checklist"]}
    assert bases == dict.fromkeys(CRITERIA, "attested") | {"final-status-documented": "computed"}

    clock.advance(minutes=3)
    released = api.client.post(f"{API}/incidents/{iid}/roles/cmoc/release", json={}, headers=alice)
    assert released.status_code == 200, released.text
    body = released.json()
    assert body["roles"]["cmoc"] is None
    assert body["role_history"][0]["released_at"] == iso(clock)
    assert body["role_history"][0]["released_by"] == "alice"
    last = timeline(api, iid)[-1]
    assert last["type"] == "role.released"
    assert last["data"] == {"role": "cmoc", "holder": "alice", "criteria": CRITERIA}

    # Nothing left to release.
    before = snapshot(api, iid)
    again = api.client.post(f"{API}/incidents/{iid}/roles/cmoc/release", json={}, headers=alice)
    assert_problem(again, 422, "invalid_input", "not assigned")
    assert_unchanged(api, before)


def test_the_imoc_is_not_a_support_role_and_releases_without_the_checklist(api: Api) -> None:
    ian = api.user("ian")
    iid = declare(api, ian)["id"]
    api.client.put(f"{API}/incidents/{iid}/roles/imoc", json={"person": "ian"}, headers=api.admin)
    released = api.client.post(f"{API}/incidents/{iid}/roles/imoc/release", json={}, headers=ian)
    assert released.status_code == 200, released.text
    assert released.json()["roles"]["imoc"] is None
    assert timeline(api, iid)[-1]["data"] == {"role": "imoc", "holder": "ian", "criteria": []}


# ----- tasks, teams, notes -----------------------------------------------------------------------


def test_tasks_are_added_listed_and_updated(api: Api, clock: FakeClock) -> None:
    alice, bob = api.user("alice"), api.user("bob")
    iid = declare(api, alice)["id"]
    created_at = iso(clock)
    added = api.client.post(
        f"{API}/incidents/{iid}/tasks",
        json={"title": "Create Zendesk tag", "owner": "Bob", "due_at": "2026-03-02T12:00:00+01:00"},
        headers=alice,
    )
    assert added.status_code == 201, added.text
    assert added.json() == {
        "number": 1,
        "title": "Create Zendesk tag",
        "owner": "bob",
        "status": "open",
        "due_at": "2026-03-02T11:00:00Z",
        "created_at": created_at,
        "created_by": "alice",
        "updated_at": created_at,
    }
    second = api.client.post(
        f"{API}/incidents/{iid}/tasks", json={"title": "Draft macro", "owner": "alice"}, headers=alice
    )
    assert second.json()["number"] == 2
    assert second.json()["due_at"] is None

    listed = api.client.get(f"{API}/incidents/{iid}/tasks", headers=bob)
    assert listed.status_code == 200
    assert [(t["number"], t["title"], t["owner"]) for t in listed.json()["items"]] == [
        (1, "Create Zendesk tag", "bob"),
        (2, "Draft macro", "alice"),
    ]

    clock.advance(minutes=15)
    updated = api.client.patch(f"{API}/incidents/{iid}/tasks/1", json={"status": "in-progress"}, headers=bob)
    assert updated.status_code == 200, updated.text
    assert updated.json()["status"] == "in-progress"
    assert updated.json()["updated_at"] == iso(clock)
    assert updated.json()["created_at"] == created_at
    handed = api.client.patch(
        f"{API}/incidents/{iid}/tasks/1",
        json={"owner": "alice", "status": "done", "due_at": "2026-03-02T13:00:00Z"},
        headers=bob,
    )
    assert handed.status_code == 200, handed.text
    assert (handed.json()["owner"], handed.json()["status"], handed.json()["due_at"]) == (
        "alice",
        "done",
        "2026-03-02T13:00:00Z",
    )
    assert api.client.get(f"{API}/incidents/{iid}", headers=bob).json()["tasks"][0] == handed.json()

    before = snapshot(api, iid)
    assert_problem(
        api.client.patch(f"{API}/incidents/{iid}/tasks/1", json={"status": "done"}, headers=alice),
        422,
        "invalid_input",
        "already has these values",
    )
    assert_problem(
        api.client.patch(f"{API}/incidents/{iid}/tasks/9", json={"status": "done"}, headers=alice),
        404,
        "not_found",
        "no task 9",
    )
    assert_problem(
        api.client.patch(f"{API}/incidents/{iid}/tasks/2", json={"status": "finished"}, headers=alice),
        422,
        "invalid_input",
        "in-progress",
    )
    assert_unchanged(api, before)
    types = event_types(timeline(api, iid))
    assert types.count("task.added") == 2
    assert types.count("task.updated") == 2
    bob_hears = [n["message"] for n in api.client.get(f"{API}/notifications", headers=bob).json()["items"]]
    assert any("task 1 is yours" in m for m in bob_hears)


def test_teams_are_engaged_with_a_contact(api: Api, clock: FakeClock) -> None:
    alice = api.user("alice")
    iid = declare(api, alice)["id"]
    engaged = api.client.post(
        f"{API}/incidents/{iid}/teams",
        json={"team": "customer-success", "contact": "cs-oncall@example.com"},
        headers=alice,
    )
    assert engaged.status_code == 200, engaged.text
    api.client.post(f"{API}/incidents/{iid}/teams", json={"team": "sirt", "contact": "#sirt"}, headers=alice)
    teams = api.client.get(f"{API}/incidents/{iid}", headers=alice).json()["teams"]
    assert teams == [
        {
            "team": "customer-success",
            "contact": "cs-oncall@example.com",
            "engaged_at": iso(clock),
            "engaged_by": "alice",
        },
        {"team": "sirt", "contact": "#sirt", "engaged_at": iso(clock), "engaged_by": "alice"},
    ]
    assert [e["data"] for e in timeline(api, iid) if e["type"] == "team.engaged"] == [
        {"team": "customer-success", "contact": "cs-oncall@example.com"},
        {"team": "sirt", "contact": "#sirt"},
    ]


def test_notes_are_timeline_entries(api: Api, clock: FakeClock) -> None:
    alice = api.user("alice")
    iid = declare(api, alice)["id"]
    clock.advance(minutes=1)
    added = api.client.post(
        f"{API}/incidents/{iid}/notes", json={"text": "Line one\nline two"}, headers=alice
    )
    assert added.status_code == 201, added.text
    assert added.json() == {
        "seq": 3,  # after the declaration and its ticket tag
        "type": "note.added",
        "actor": "alice",
        "at": iso(clock),
        "data": {"text": "Line one\nline two"},
    }
    assert timeline(api, iid)[-1] == added.json()


def test_the_timeline_pages_with_after_and_next_cursor(api: Api) -> None:
    alice = api.user("alice")
    iid = declare(api, alice)["id"]  # two entries: declared, ticket tag created
    for n in range(10):
        assert api.client.post(
            f"{API}/incidents/{iid}/notes", json={"text": f"note {n}"}, headers=alice
        ).is_success
    first = api.client.get(f"{API}/incidents/{iid}/timeline", params={"limit": 5}, headers=alice).json()
    assert [e["seq"] for e in first["items"]] == [1, 2, 3, 4, 5]
    assert first["next_cursor"] == "5"
    second = api.client.get(
        f"{API}/incidents/{iid}/timeline", params={"limit": 5, "after": first["next_cursor"]}, headers=alice
    ).json()
    assert [e["seq"] for e in second["items"]] == [6, 7, 8, 9, 10]
    third = api.client.get(
        f"{API}/incidents/{iid}/timeline", params={"limit": 5, "after": second["next_cursor"]}, headers=alice
    ).json()
    assert [e["seq"] for e in third["items"]] == [11, 12]
    assert third["next_cursor"] is None
    exact = api.client.get(f"{API}/incidents/{iid}/timeline", params={"limit": 12}, headers=alice).json()
    assert len(exact["items"]) == 12
    assert exact["next_cursor"] is None
    default = api.client.get(f"{API}/incidents/{iid}/timeline", headers=alice).json()
    assert [e["seq"] for e in default["items"]] == list(range(1, 13))
    assert [e["data"]["text"] for e in default["items"][2:]] == [f"note {n}" for n in range(10)]
    past_end = api.client.get(f"{API}/incidents/{iid}/timeline", params={"after": 12}, headers=alice).json()
    assert past_end == {"items": [], "next_cursor": None}


# ----- people, notifications, framework, health ----------------------------------------------------


def test_users_me_and_the_user_list(api: Api) -> None:
    alice = api.user("alice")
    api.user("vera", "viewer")
    me = api.client.get(f"{API}/users/me", headers=alice)
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    assert me.json()["display_name"] == "alice"
    assert me.json()["org_role"] == "responder"
    created = api.client.post(
        f"{API}/users",
        json={"username": "Dave", "display_name": "Dave D.", "org_role": "viewer"},
        headers=api.admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["username"] == "dave"
    assert created.json()["display_name"] == "Dave D."
    assert created.json()["org_role"] == "viewer"
    everyone = api.client.get(f"{API}/users", headers=alice).json()["items"]
    assert [(u["username"], u["org_role"]) for u in everyone] == [
        ("alice", "responder"),
        ("dave", "viewer"),
        ("root", "admin"),
        ("vera", "viewer"),
    ]


def test_notifications_are_the_callers_own_newest_first(api: Api) -> None:
    alice, bob = api.user("alice"), api.user("bob")
    first = declare(api, alice)["id"]
    second = declare(api, alice, title="second")["id"]
    api.client.put(f"{API}/incidents/{first}/roles/cmoc", json={"person": "bob"}, headers=api.admin)
    api.client.put(f"{API}/incidents/{second}/roles/smoc", json={"person": "bob"}, headers=api.admin)
    mine = api.client.get(f"{API}/notifications", headers=bob).json()["items"]
    assert {n["recipient"] for n in mine} == {"bob"}
    ids = [n["id"] for n in mine]
    assert ids == sorted(ids, reverse=True)
    personal = [(n["incident_id"], n["message"]) for n in mine if "you are now" in n["message"]]
    assert personal == [
        (second, f"#{second} second: you are now SMOC"),
        (first, f"#{first} Users cannot sign in: you are now CMOC"),
    ]
    assert (
        api.client.get(f"{API}/notifications", params={"limit": 1}, headers=bob).json()["items"] == mine[:1]
    )
    assert api.client.get(f"{API}/notifications", headers=alice).json()["items"] == []


def test_framework_shows_the_effective_configuration(api: Api) -> None:
    alice = api.user("alice")
    response = api.client.get(f"{API}/framework", headers=alice)
    assert response.status_code == 200
    body = response.json()
    assert set(body["severities"]) == {"SEV1", "SEV2", "SEV3", "SEV4"}
    assert body["raci"]["set-severity"] == {"imoc": "A", "smoc": "R", "cmoc": "C"}
    assert body["triggers"]["several_customers"] == 2
    assert body["triggers"]["smoc"] == ["complex-impact", "resource-conflict", "sla-at-risk", "sirt-involved"]
    assert body["roster"] == {"cmoc": {"emea": ["carol"]}, "smoc": {"emea": ["sam"]}}
    assert set(body["regions"]) == {"emea", "amer", "apac"}


def test_health_readiness_and_openapi(api: Api, database_url: str) -> None:
    health = api.client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.headers["x-content-type-options"] == "nosniff"
    ready = api.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": database_url.split(":")[0].split("+")[0]}

    spec = api.client.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    expected = {
        "/api/v1/incidents": {"get", "post"},
        "/api/v1/incidents/{incident_id}": {"get"},
        "/api/v1/incidents/{incident_id}/severity": {"post"},
        "/api/v1/incidents/{incident_id}/phase": {"post"},
        "/api/v1/incidents/{incident_id}/resolve": {"post"},
        "/api/v1/incidents/{incident_id}/reopen": {"post"},
        "/api/v1/incidents/{incident_id}/close": {"post"},
        "/api/v1/incidents/{incident_id}/roles/{role}": {"put"},
        "/api/v1/incidents/{incident_id}/roles/{role}/release": {"post"},
        "/api/v1/incidents/{incident_id}/triggers": {"get"},
        "/api/v1/incidents/{incident_id}/release-check": {"get"},
        "/api/v1/incidents/{incident_id}/attestations": {"post"},
        "/api/v1/incidents/{incident_id}/impact": {"patch"},
        "/api/v1/incidents/{incident_id}/tasks": {"get", "post"},
        "/api/v1/incidents/{incident_id}/tasks/{number}": {"patch"},
        "/api/v1/incidents/{incident_id}/teams": {"post"},
        "/api/v1/incidents/{incident_id}/notes": {"post"},
        "/api/v1/incidents/{incident_id}/timeline": {"get"},
        "/api/v1/users/me": {"get"},
        "/api/v1/users": {"get", "post"},
        "/api/v1/tokens": {"get", "post"},
        "/api/v1/tokens/{token_id}": {"delete"},
        "/api/v1/notifications": {"get"},
        "/api/v1/framework": {"get"},
        "/healthz": {"get"},
        "/readyz": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
