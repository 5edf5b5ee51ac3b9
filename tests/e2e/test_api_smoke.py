"""A first walk through the API as a support engineer would use it."""

from __future__ import annotations

from tests.conftest import Api


def test_declare_assign_and_read_back(api: Api) -> None:
    alice = api.user("alice")
    created = api.client.post(
        "/api/v1/incidents",
        json={
            "title": "Users cannot sign in",
            "kind": "saas-outage",
            "severity": 2,
            "source": "infrastructure",
        },
        headers=api.admin,
    )
    assert created.status_code == 201, created.text
    incident = created.json()
    assert created.headers["etag"] == f'"{incident["version"]}"'
    assigned = api.client.put(
        f"/api/v1/incidents/{incident['id']}/roles/cmoc", json={"person": "alice"}, headers=api.admin
    )
    assert assigned.json()["roles"]["cmoc"]["holder"] == "alice"
    mine = api.client.get("/api/v1/notifications", headers=alice).json()["items"]
    assert any("you are now CMOC" in n["message"] for n in mine)
