"""The Statuspage v2 documents, field by field, from stored rows (pure: no database, no clock)."""

from __future__ import annotations

import json
from typing import Any

from sirf.statuspage.documents import (
    ACTIVE,
    COMPONENTS,
    INCIDENTS,
    MAINTENANCES,
    STATUS,
    SUMMARY,
    UNRESOLVED,
    UPCOMING,
    json_documents,
)
from sirf.statuspage.page import PageInfo
from sirf.statuspage.snapshot import build_snapshot, component_id
from tests.statuspage.builders import component, post

PAGE = PageInfo("sirf status", "https://status.example.com")
PAGE_ID = PAGE.id
COMPONENT_KEYS = [
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "position",
    "description",
    "showcase",
    "start_date",
    "group_id",
    "page_id",
    "group",
    "only_show_if_degraded",
]
INCIDENT_KEYS = [
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "impact",
    "shortlink",
    "started_at",
    "page_id",
    "incident_updates",
    "components",
]
UPDATE_KEYS = [
    "id",
    "status",
    "body",
    "incident_id",
    "created_at",
    "updated_at",
    "display_at",
    "affected_components",
    "deliver_notifications",
]


def documents(posts: list[Any], components: list[Any] | None = None) -> dict[str, Any]:
    snapshot = build_snapshot(posts, components or [])
    return {path: json.loads(body) for path, body in json_documents(snapshot, PAGE).items()}


def test_an_empty_page_has_every_document_with_the_v2_shapes() -> None:
    docs = documents([])
    page = {
        "id": PAGE_ID,
        "name": "sirf status",
        "url": "https://status.example.com/status",
        "time_zone": "Etc/UTC",
        "updated_at": None,
    }
    status = {"indicator": "none", "description": "All Systems Operational"}
    assert docs[SUMMARY] == {
        "page": page,
        "components": [],
        "incidents": [],
        "scheduled_maintenances": [],
        "status": status,
    }
    assert list(docs[SUMMARY]) == ["page", "components", "incidents", "scheduled_maintenances", "status"]
    assert docs[STATUS] == {"page": page, "status": status}
    assert docs[COMPONENTS] == {"page": page, "components": []}
    assert docs[INCIDENTS] == {"page": page, "incidents": []}
    assert docs[UNRESOLVED] == {"page": page, "incidents": []}
    for path in (MAINTENANCES, UPCOMING, ACTIVE):
        assert docs[path] == {"page": page, "scheduled_maintenances": []}


def test_an_active_incident_with_two_updates_newest_first() -> None:
    posts = [
        post(1, 7, minutes=0, components={"web": "degraded-performance"}, body="Looking."),
        post(2, 7, minutes=10, state="identified", components={"web": "service-disruption"}, body="Found."),
    ]
    docs = documents(posts, [component("web", "service-disruption", minutes=10)])
    [incident] = docs[SUMMARY]["incidents"]
    assert list(incident) == INCIDENT_KEYS
    web = component_id("web")
    assert incident | {"incident_updates": None, "components": None} == {
        "id": "7",
        "name": "Users cannot sign in",
        "status": "identified",
        "created_at": "2026-03-02T09:00:00.000Z",
        "updated_at": "2026-03-02T09:10:00.000Z",
        "monitoring_at": None,
        "resolved_at": None,
        "impact": "major",
        "shortlink": "https://status.example.com/status#incident-7",
        "started_at": "2026-03-02T09:00:00.000Z",
        "page_id": PAGE_ID,
        "incident_updates": None,
        "components": None,
    }
    newest, oldest = incident["incident_updates"]
    assert list(newest) == UPDATE_KEYS
    assert newest == {
        "id": "2",
        "status": "identified",
        "body": "Found.",
        "incident_id": "7",
        "created_at": "2026-03-02T09:10:00.000Z",
        "updated_at": "2026-03-02T09:10:00.000Z",
        "display_at": "2026-03-02T09:10:00.000Z",
        "affected_components": [
            {"code": web, "name": "web", "old_status": "degraded_performance", "new_status": "major_outage"}
        ],
        "deliver_notifications": True,
    }
    assert oldest["id"] == "1"
    assert oldest["affected_components"] == [
        {"code": web, "name": "web", "old_status": "operational", "new_status": "degraded_performance"}
    ]
    assert [c["name"] for c in incident["components"]] == ["web"]
    assert docs[UNRESOLVED]["incidents"] == [incident]
    assert docs[INCIDENTS]["incidents"] == [incident]
    # The only component is in a major outage: the whole page is down.
    assert docs[STATUS]["status"] == {"indicator": "critical", "description": "Major System Outage"}


def test_an_update_without_components_has_null_affected_components() -> None:
    docs = documents([post(1, 7, minutes=0)])
    assert docs[INCIDENTS]["incidents"][0]["incident_updates"][0]["affected_components"] is None


def test_a_resolved_incident_is_history_with_monitoring_and_resolved_times() -> None:
    posts = [
        post(1, 7, minutes=0, severity=1),
        post(2, 7, minutes=5, state="monitoring", severity=3),
        post(3, 7, minutes=20, state="resolved", severity=3, components={"web": "operational"}),
    ]
    docs = documents(posts, [component("web", "operational", minutes=20)])
    assert docs[SUMMARY]["incidents"] == []
    assert docs[UNRESOLVED]["incidents"] == []
    [incident] = docs[INCIDENTS]["incidents"]
    assert incident["status"] == "resolved"
    assert incident["monitoring_at"] == "2026-03-02T09:05:00.000Z"
    assert incident["resolved_at"] == "2026-03-02T09:20:00.000Z"
    assert incident["impact"] == "critical"  # the worst severity published (SEV1), not the last
    assert [u["status"] for u in incident["incident_updates"]] == ["resolved", "monitoring", "investigating"]
    assert docs[STATUS]["status"] == {"indicator": "none", "description": "All Systems Operational"}


def test_reopened_incident_has_no_resolved_time() -> None:
    posts = [post(1, 7, minutes=0), post(2, 7, minutes=5, state="resolved"), post(3, 7, minutes=9)]
    [incident] = documents(posts)[UNRESOLVED]["incidents"]
    assert incident["status"] == "investigating"
    assert incident["resolved_at"] is None


def test_components_map_to_statuspage_statuses_in_name_order() -> None:
    rows = [
        component("web", "operational", minutes=1),
        component("api", "degraded-performance", minutes=2),
        component("db", "partial-service-disruption", minutes=3),
        component("sso", "security-event", minutes=4),
        component("mail", "service-disruption", minutes=5),
    ]
    docs = documents([], rows)
    listed = docs[COMPONENTS]["components"]
    assert [(c["name"], c["status"], c["position"]) for c in listed] == [
        ("api", "degraded_performance", 1),
        ("db", "partial_outage", 2),
        ("mail", "major_outage", 3),
        ("sso", "partial_outage", 4),
        ("web", "operational", 5),
    ]
    api = listed[0]
    assert list(api) == COMPONENT_KEYS
    assert api == {
        "id": component_id("api"),
        "name": "api",
        "status": "degraded_performance",
        "created_at": "2026-03-02T09:02:00.000Z",
        "updated_at": "2026-03-02T09:02:00.000Z",
        "position": 1,
        "description": None,
        "showcase": True,
        "start_date": None,
        "group_id": None,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }
    assert docs[SUMMARY]["components"] == listed
    assert docs[STATUS]["status"]["indicator"] == "major"
    assert docs[STATUS]["page"]["updated_at"] == "2026-03-02T09:05:00.000Z"


def test_every_component_in_major_outage_is_critical() -> None:
    rows = [
        component("web", "service-disruption", minutes=1),
        component("api", "service-disruption", minutes=1),
    ]
    assert documents([], rows)[STATUS]["status"] == {
        "indicator": "critical",
        "description": "Major System Outage",
    }


def test_incidents_json_keeps_the_50_newest_and_every_unresolved_one_newest_first() -> None:
    old_open = [post(1, 1, minutes=0)]
    resolved = [post(100 + n, 10 + n, minutes=10 + n, state="resolved") for n in range(60)]
    docs = documents(old_open + resolved)
    ids = [i["id"] for i in docs[INCIDENTS]["incidents"]]
    assert len(ids) == 51
    assert ids[0] == "69"  # the newest
    assert ids[-1] == "1"  # older than the 50 newest, but unresolved
    assert "19" not in ids  # the 51st newest resolved incident is dropped


def test_the_title_is_the_latest_published_one() -> None:
    posts = [post(1, 7, minutes=0, title="Old words"), post(2, 7, minutes=1, title="New words")]
    assert documents(posts)[INCIDENTS]["incidents"][0]["name"] == "New words"


def test_hostile_text_is_escaped_in_the_bytes_and_intact_when_parsed() -> None:
    title = '</script><script>alert("x")</script> & more'
    snapshot = build_snapshot([post(1, 7, minutes=0, title=title, body="<b>hi</b>")], [])
    raw = json_documents(snapshot, PAGE)[SUMMARY]
    assert b"<" not in raw
    assert b">" not in raw
    assert json.loads(raw)["incidents"][0]["name"] == title
