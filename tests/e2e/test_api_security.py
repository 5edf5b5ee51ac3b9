"""Authentication, tokens, organisation roles and the RACI matrix, seen from the HTTP edge."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import Api
from tests.e2e.helpers import API, assert_problem, assert_unchanged, count_rows, declare, snapshot, timeline


@pytest.fixture(autouse=True)
def _one_event_loop(api: Api) -> Iterator[None]:
    """Keep the TestClient open for the whole test: one event loop instead of one per request."""
    with api.client:
        yield


def new_token(api: Api, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = api.client.post(f"{API}/tokens", json={"name": "laptop"} | body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ----- authentication ----------------------------------------------------------------------------


UNAUTHENTICATED = [
    ("GET", "/incidents"),
    ("POST", "/incidents"),
    ("GET", "/incidents/1"),
    ("POST", "/incidents/1/notes"),
    ("PUT", "/incidents/1/roles/cmoc"),
    ("GET", "/users/me"),
    ("POST", "/tokens"),
    ("DELETE", "/tokens/abc"),
    ("GET", "/framework"),
]


def test_a_request_without_a_token_is_401_with_www_authenticate(api: Api) -> None:
    iid = declare(api, api.admin)["id"]
    before = snapshot(api, iid)
    for method, path in UNAUTHENTICATED:
        body = {"title": "t", "kind": "saas-outage", "severity": 1} if path == "/incidents" else {"text": "x"}
        kwargs: dict[str, Any] = {"json": body} if method in ("POST", "PUT") else {}
        response = api.client.request(method, f"{API}{path}", **kwargs)
        assert_problem(response, 401, "authentication_required", "Authorization: Bearer")
        assert response.headers["www-authenticate"] == "Bearer"
    assert_unchanged(api, before)
    assert count_rows(api, "incidents") == 1


MALFORMED = [
    "Bearer",
    "Bearer ",
    "Basic cm9vdDpyb290",
    "Token sirf_abc_def",
    "Bearer sirf_",
    "Bearer sirf_abc",
    "Bearer sirf_abc_def",
    "Bearer not-a-sirf-token",
    "Bearer sirf_" + "a" * 5000,
    "bearer\tsirf_x_y",
]


def test_a_malformed_or_unknown_token_is_401(api: Api) -> None:
    for authorization in MALFORMED:
        response = api.client.get(f"{API}/users/me", headers={"Authorization": authorization})
        assert_problem(response, 401, "authentication_required")
        assert response.headers["www-authenticate"] == "Bearer"
        refused = api.client.post(
            f"{API}/incidents",
            json={"title": "t", "kind": "saas-outage", "severity": 1},
            headers={"Authorization": authorization},
        )
        assert_problem(refused, 401, "authentication_required")
    assert count_rows(api, "incidents") == 0


def test_a_token_with_the_right_id_but_a_wrong_secret_is_401(api: Api) -> None:
    alice = api.user("alice")
    token = new_token(api, alice)["token"]
    assert api.client.get(f"{API}/users/me", headers=bearer(token)).status_code == 200
    token_id, secret = token.removeprefix("sirf_").split("_", 1)
    flipped = ("y" if secret[0] == "x" else "x") + secret[1:]
    for forged in (
        f"sirf_{token_id}_{flipped}",
        f"sirf_{token_id}_{secret}x",
        f"sirf_{token_id}_",
        token.upper(),
    ):
        response = api.client.get(f"{API}/users/me", headers=bearer(forged))
        body = assert_problem(response, 401, "authentication_required")
        assert body["detail"] == "invalid, revoked or unknown API token; create one with `sirf token create`"
    # The scheme is case-insensitive and surrounding blanks are ignored.
    assert (
        api.client.get(f"{API}/users/me", headers={"Authorization": f"bearer   {token}  "}).status_code == 200
    )


def test_a_revoked_token_is_refused(api: Api) -> None:
    alice, bob = api.user("alice"), api.user("bob")
    created = new_token(api, alice, name="ci job")
    assert created["username"] == "alice"
    assert created["prefix"] == f"sirf_{created['id']}_"
    assert created["token"].startswith(created["prefix"])
    assert api.client.get(f"{API}/users/me", headers=bearer(created["token"])).json()["username"] == "alice"

    # Someone else cannot revoke it; unknown ids are 404.
    assert_problem(api.client.delete(f"{API}/tokens/{created['id']}", headers=bob), 403, "permission_denied")
    assert_problem(api.client.delete(f"{API}/tokens/ffffffffffff", headers=alice), 404, "not_found")
    assert api.client.get(f"{API}/users/me", headers=bearer(created["token"])).status_code == 200

    revoked = api.client.delete(f"{API}/tokens/{created['id']}", headers=alice)
    assert revoked.status_code == 204
    assert revoked.content == b""
    refused = api.client.get(f"{API}/users/me", headers=bearer(created["token"]))
    assert_problem(refused, 401, "authentication_required", "revoked")
    assert refused.headers["www-authenticate"] == "Bearer"
    listed = {t["id"]: t for t in api.client.get(f"{API}/tokens", headers=alice).json()["items"]}
    assert listed[created["id"]]["revoked_at"] is not None
    assert_problem(api.client.delete(f"{API}/tokens/{created['id']}", headers=alice), 422, "invalid_input")
    # The caller's other token still works.
    assert api.client.get(f"{API}/users/me", headers=alice).status_code == 200

    # An admin may revoke anyone's token.
    other = new_token(api, bob)
    assert api.client.delete(f"{API}/tokens/{other['id']}", headers=api.admin).status_code == 204
    assert_problem(
        api.client.get(f"{API}/users/me", headers=bearer(other["token"])), 401, "authentication_required"
    )


# ----- viewers -----------------------------------------------------------------------------------


def _prepared_incident(api: Api) -> int:
    api.user("alice")
    iid = declare(api, api.admin)["id"]
    api.client.put(f"{API}/incidents/{iid}/roles/cmoc", json={"person": "alice"}, headers=api.admin)
    api.client.post(
        f"{API}/incidents/{iid}/tasks", json={"title": "tag tickets", "owner": "alice"}, headers=api.admin
    )
    return iid


MUTATIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/severity", {"severity": 1, "reason": "worse"}),
    ("POST", "/phase", {"phase": "triage"}),
    ("POST", "/resolve", {"reason": "fixed"}),
    ("POST", "/reopen", {"reason": "again"}),
    ("POST", "/close", {}),
    ("PUT", "/roles/smoc", {"person": "alice"}),
    ("PUT", "/roles/cmoc", {"person": "root"}),
    ("POST", "/roles/cmoc/release", {}),
    ("POST", "/attestations", {"criterion": "queue-normal", "note": "fine"}),
    ("PATCH", "/impact", {"customers_affected": 5}),
    ("POST", "/tasks", {"title": "another", "owner": "alice"}),
    ("PATCH", "/tasks/1", {"status": "done"}),
    ("POST", "/teams", {"team": "product", "contact": "#product"}),
    ("POST", "/notes", {"text": "I was here"}),
]


def test_a_viewer_can_read_everything_but_change_nothing(api: Api) -> None:
    iid = _prepared_incident(api)
    vera = api.user("vera", "viewer")
    before = snapshot(api, iid)
    for path in (
        "/incidents",
        f"/incidents/{iid}",
        f"/incidents/{iid}/timeline",
        f"/incidents/{iid}/tasks",
        f"/incidents/{iid}/triggers",
        f"/incidents/{iid}/release-check",
        "/users/me",
        "/users",
        "/tokens",
        "/notifications",
        "/framework",
    ):
        assert api.client.get(f"{API}{path}", headers=vera).status_code == 200, path

    for method, path, body in MUTATIONS:
        response = api.client.request(method, f"{API}/incidents/{iid}{path}", json=body, headers=vera)
        assert_problem(response, 403, "permission_denied", "vera is a viewer")
    declared = api.client.post(
        f"{API}/incidents", json={"title": "t", "kind": "saas-outage", "severity": 1}, headers=vera
    )
    assert_problem(declared, 403, "permission_denied", "viewer")
    users = api.client.post(f"{API}/users", json={"username": "mallory", "org_role": "admin"}, headers=vera)
    assert_problem(users, 403, "permission_denied", "only admins")
    token = api.client.post(f"{API}/tokens", json={"name": "x", "username": "alice"}, headers=vera)
    assert_problem(token, 403, "permission_denied")

    assert_unchanged(api, before)
    assert count_rows(api, "incidents") == 1
    assert count_rows(api, "users") == 3
    assert count_rows(api, "api_tokens") == 3


def test_a_viewer_who_owns_a_task_still_cannot_change_it(api: Api) -> None:
    iid = declare(api, api.admin)["id"]
    vera = api.user("vera", "viewer")
    api.client.post(
        f"{API}/incidents/{iid}/tasks", json={"title": "watch", "owner": "vera"}, headers=api.admin
    )
    before = snapshot(api, iid)
    response = api.client.patch(f"{API}/incidents/{iid}/tasks/1", json={"status": "done"}, headers=vera)
    assert_problem(response, 403, "permission_denied", "viewer")
    assert_unchanged(api, before)


def test_a_viewer_cannot_be_given_an_incident_role(api: Api) -> None:
    iid = declare(api, api.admin)["id"]
    api.user("vera", "viewer")
    before = snapshot(api, iid)
    response = api.client.put(f"{API}/incidents/{iid}/roles/cmoc", json={"person": "vera"}, headers=api.admin)
    assert_problem(response, 422, "invalid_input", "vera is a viewer", "cannot hold an incident role")
    assert_unchanged(api, before)


# ----- RACI --------------------------------------------------------------------------------------


def test_once_an_imoc_is_assigned_only_they_may_change_severity(api: Api) -> None:
    bob, ian = api.user("bob"), api.user("ian")
    iid = declare(api, bob)["id"]
    # While no acting role is held, any responder may act (work never stalls on a vacant role).
    early = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 1, "reason": "bad"}, headers=bob
    )
    assert early.status_code == 200, early.text
    api.client.put(f"{API}/incidents/{iid}/roles/imoc", json={"person": "ian"}, headers=api.admin)

    before = snapshot(api, iid)
    refused = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 2, "reason": "less"}, headers=bob
    )
    body = assert_problem(refused, 403, "permission_denied", "IMOC", "set-severity", "bob holds none")
    assert body["required_roles"] == ["imoc"]
    assert body["activity"] == "set-severity"
    # Also for the lifecycle: the IMOC is accountable for resolving.
    resolve = api.client.post(f"{API}/incidents/{iid}/resolve", json={}, headers=bob)
    assert_problem(resolve, 403, "permission_denied", "IMOC")
    assert_unchanged(api, before)

    allowed = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 2, "reason": "less"}, headers=ian
    )
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["severity"] == 2
    # An admin is a recorded break-glass.
    admin = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 3, "reason": "ok"}, headers=api.admin
    )
    assert admin.status_code == 200
    # The SMOC judges severity with the IMOC (F6.3), so an SMOC holder may change it too.
    sam = api.user("sam")
    api.client.put(f"{API}/incidents/{iid}/roles/smoc", json={"person": "sam"}, headers=api.admin)
    by_smoc = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 1, "reason": "sla"}, headers=sam
    )
    assert by_smoc.status_code == 200, by_smoc.text
    changes = [e for e in timeline(api, iid) if e["type"] == "incident.severity_changed"]
    assert [(e["actor"], e["data"]["severity"]) for e in changes] == [
        ("bob", 1),
        ("ian", 2),
        ("root", 3),
        ("sam", 1),
    ]


def test_a_holder_may_hand_over_their_own_role_but_others_may_not(api: Api) -> None:
    carol, eve = api.user("carol"), api.user("eve")
    api.user("ian")
    api.user("dave")
    iid = declare(api, carol)["id"]
    api.client.put(f"{API}/incidents/{iid}/roles/imoc", json={"person": "ian"}, headers=api.admin)
    api.client.put(f"{API}/incidents/{iid}/roles/cmoc", json={"person": "carol"}, headers=api.admin)

    before = snapshot(api, iid)
    stolen = api.client.put(f"{API}/incidents/{iid}/roles/cmoc", json={"person": "eve"}, headers=eve)
    assert_problem(stolen, 403, "permission_denied", "assign-role")
    # The CMOC holds only CMOC; assigning another role needs the IMOC (or SMOC).
    other = api.client.put(f"{API}/incidents/{iid}/roles/smoc", json={"person": "dave"}, headers=carol)
    assert_problem(other, 403, "permission_denied", "IMOC")
    assert_unchanged(api, before)

    handed = api.client.put(f"{API}/incidents/{iid}/roles/cmoc", json={"person": "dave"}, headers=carol)
    assert handed.status_code == 200, handed.text
    assert handed.json()["roles"]["cmoc"]["holder"] == "dave"
    assert handed.json()["roles"]["cmoc"]["assigned_by"] == "carol"
    # Carol no longer holds it, so she cannot take it back.
    before = snapshot(api, iid)
    back = api.client.put(f"{API}/incidents/{iid}/roles/cmoc", json={"person": "carol"}, headers=carol)
    assert_problem(back, 403, "permission_denied")
    assert_unchanged(api, before)


# ----- users and tokens --------------------------------------------------------------------------


def test_only_admins_create_users(api: Api) -> None:
    alice = api.user("alice")
    before = api.client.get(f"{API}/users", headers=api.admin).json()
    refused = api.client.post(
        f"{API}/users", json={"username": "mallory", "org_role": "admin"}, headers=alice
    )
    assert_problem(refused, 403, "permission_denied", "only admins create users", "alice is responder")
    assert api.client.get(f"{API}/users", headers=api.admin).json() == before

    created = api.client.post(f"{API}/users", json={"username": "dave"}, headers=api.admin)
    assert created.status_code == 201, created.text
    assert created.json()["org_role"] == "responder"
    duplicate = api.client.post(f"{API}/users", json={"username": "DAVE"}, headers=api.admin)
    assert_problem(duplicate, 409, "conflict", "already exists")
    bad = api.client.post(f"{API}/users", json={"username": "no spaces"}, headers=api.admin)
    assert_problem(bad, 422, "invalid_input", "invalid username")
    role = api.client.post(f"{API}/users", json={"username": "erin", "org_role": "owner"}, headers=api.admin)
    assert_problem(role, 422, "invalid_input", "admin, responder or viewer")
    assert count_rows(api, "users") == 3


def test_a_non_admin_cannot_create_a_token_for_someone_else(api: Api) -> None:
    alice = api.user("alice")
    api.user("bob")
    tokens_before = count_rows(api, "api_tokens")
    refused = api.client.post(f"{API}/tokens", json={"name": "sneaky", "username": "bob"}, headers=alice)
    assert_problem(refused, 403, "permission_denied", "only admins create tokens for other people")
    assert count_rows(api, "api_tokens") == tokens_before

    own = new_token(api, alice, username="alice")
    assert own["username"] == "alice"
    for_bob = new_token(api, api.admin, username="bob", name="bob's laptop")
    assert for_bob["username"] == "bob"
    assert api.client.get(f"{API}/users/me", headers=bearer(for_bob["token"])).json()["username"] == "bob"
    missing = api.client.post(f"{API}/tokens", json={"name": "x", "username": "ghost"}, headers=api.admin)
    assert_problem(missing, 404, "not_found", "ghost")


def test_token_plaintext_is_never_listed(api: Api) -> None:
    alice, bob = api.user("alice"), api.user("bob")
    mine = new_token(api, alice, name="mine")
    theirs = new_token(api, bob, name="theirs")
    for headers in (alice, bob, api.admin):
        response = api.client.get(f"{API}/tokens", headers=headers)
        assert response.status_code == 200
        for secret in (mine["token"], theirs["token"]):
            assert secret not in response.text
            assert secret.split("_", 2)[2] not in response.text
        for item in response.json()["items"]:
            assert set(item) == {
                "id",
                "name",
                "prefix",
                "username",
                "created_at",
                "last_used_at",
                "revoked_at",
            }
    alice_sees = {t["username"] for t in api.client.get(f"{API}/tokens", headers=alice).json()["items"]}
    assert alice_sees == {"alice"}
    admin_sees = {t["id"] for t in api.client.get(f"{API}/tokens", headers=api.admin).json()["items"]}
    assert {mine["id"], theirs["id"]} <= admin_sees
    assert len(admin_sees) == count_rows(api, "api_tokens")


def test_only_a_hash_of_the_token_is_stored(api: Api) -> None:
    alice = api.user("alice")
    created = new_token(api, alice)
    # A token created with an Idempotency-Key is not replayable, so its plaintext is not kept either.
    keyed = api.client.post(
        f"{API}/tokens", json={"name": "keyed"}, headers=alice | {"Idempotency-Key": "t-1"}
    )
    assert keyed.status_code == 201
    plaintexts = [created["token"], keyed.json()["token"]]
    with api.container.database.engine.connect() as connection:
        rows = {row.id: row for row in connection.execute(text("SELECT * FROM api_tokens"))}
        stored_answers = [
            row.response_body for row in connection.execute(text("SELECT * FROM idempotency_keys"))
        ]
    for plaintext, token_id in zip(plaintexts, [created["id"], keyed.json()["id"]], strict=True):
        row = rows[token_id]
        assert row.token_hash != plaintext
        assert row.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
        secret = plaintext.split("_", 2)[2]
        for stored in (*(str(value) for value in row), *stored_answers):
            assert secret not in stored
