"""Small helpers shared by the end-to-end API tests: declare, read back, compare, check problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text

from tests.conftest import Api

API = "/api/v1"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def assert_problem(response: httpx.Response, status: int, code: str, *contains: str) -> dict[str, Any]:
    """The response is RFC 9457 problem JSON with this status and code; ``contains`` are in detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"https://sirf.dev/problems/{code}"
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    for fragment in contains:
        assert fragment in body["detail"], (fragment, body["detail"])
    return body


def declare(api: Api, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"title": "Users cannot sign in", "kind": "saas-outage", "severity": 2} | fields
    response = api.client.post(f"{API}/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    incident: dict[str, Any] = response.json()
    return incident


def timeline(api: Api, incident_id: int) -> list[dict[str, Any]]:
    """Every timeline entry, following ``next_cursor`` to the end."""
    entries: list[dict[str, Any]] = []
    after = 0
    while True:
        response = api.client.get(
            f"{API}/incidents/{incident_id}/timeline",
            params={"after": after, "limit": 500},
            headers=api.admin,
        )
        assert response.status_code == 200, response.text
        page = response.json()
        entries.extend(page["items"])
        if page["next_cursor"] is None:
            return entries
        after = int(page["next_cursor"])


@dataclass(frozen=True)
class Snapshot:
    incident: dict[str, Any]
    etag: str
    timeline: list[dict[str, Any]]


def snapshot(api: Api, incident_id: int) -> Snapshot:
    response = api.client.get(f"{API}/incidents/{incident_id}", headers=api.admin)
    assert response.status_code == 200, response.text
    return Snapshot(response.json(), response.headers["etag"], timeline(api, incident_id))


def assert_unchanged(api: Api, before: Snapshot) -> None:
    after = snapshot(api, before.incident["id"])
    assert after.incident == before.incident
    assert after.etag == before.etag
    assert after.timeline == before.timeline


def count_rows(api: Api, table: str) -> int:
    assert table.isidentifier()
    with api.container.database.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())  # noqa: S608


def event_types(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["type"] for entry in entries]
