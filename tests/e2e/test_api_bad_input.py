"""Bad input at the HTTP edge: every refusal is problem JSON with a stable code, and nothing is stored."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from sirf.domain.framework import Framework
from sirf.domain.regions import Region, Roster
from sirf.domain.roles import Role
from tests.conftest import Api
from tests.e2e.helpers import (
    API,
    Snapshot,
    assert_problem,
    assert_unchanged,
    count_rows,
    declare,
    snapshot,
    timeline,
)


@pytest.fixture(autouse=True)
def _one_event_loop(api: Api) -> Iterator[None]:
    """Keep the TestClient open for the whole test: one event loop instead of one per request."""
    with api.client:
        yield


MIB = 1_048_576
JSON = {"content-type": "application/json"}
VALID = {"title": "Users cannot sign in", "kind": "saas-outage", "severity": 2}


@pytest.fixture
def framework() -> Framework:
    """The defaults plus Sam on the SMOC roster (the SMOC may override the scope check, F5.2)."""
    return Framework(roster=Roster({Role.SMOC: {Region.EMEA: ("sam",)}}))


@pytest.fixture
def existing(api: Api) -> Snapshot:
    """One incident (with a task) that every refused request must leave exactly as it was."""
    incident = declare(api, api.admin)
    api.client.post(
        f"{API}/incidents/{incident['id']}/tasks", json={"title": "tag", "owner": "root"}, headers=api.admin
    )
    return snapshot(api, incident["id"])


def assert_nothing_stored(api: Api, existing: Snapshot) -> None:
    assert_unchanged(api, existing)
    assert count_rows(api, "incidents") == 1
    assert count_rows(api, "idempotency_keys") == 0


def post_raw(api: Api, path: str, content: bytes | Iterator[bytes], headers: dict[str, str]) -> Any:
    return api.client.post(f"{API}{path}", content=content, headers=api.admin | headers)


# ----- not found ---------------------------------------------------------------------------------


def test_an_unknown_incident_is_404_on_every_route(api: Api, existing: Snapshot) -> None:
    routes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "", None),
        ("GET", "/timeline", None),
        ("GET", "/tasks", None),
        ("GET", "/triggers", None),
        ("GET", "/release-check", None),
        ("POST", "/severity", {"severity": 1, "reason": "x"}),
        ("POST", "/phase", {"phase": "triage"}),
        ("POST", "/resolve", {}),
        ("POST", "/reopen", {"reason": "x"}),
        ("POST", "/close", {}),
        ("PUT", "/roles/cmoc", {"person": "root"}),
        ("POST", "/roles/cmoc/release", {}),
        ("POST", "/attestations", {"criterion": "queue-normal", "note": "x"}),
        ("PATCH", "/impact", {"customers_affected": 3}),
        ("POST", "/tasks", {"title": "t", "owner": "root"}),
        ("PATCH", "/tasks/1", {"status": "done"}),
        ("POST", "/teams", {"team": "sirt", "contact": "x"}),
        ("POST", "/notes", {"text": "x"}),
    ]
    for method, path, body in routes:
        response = api.client.request(method, f"{API}/incidents/424242{path}", json=body, headers=api.admin)
        problem = assert_problem(response, 404, "not_found", "incident #424242 does not exist")
        assert problem["incident"] == 424242
    assert_nothing_stored(api, existing)


def test_unknown_routes_and_methods_are_problem_json(api: Api) -> None:
    assert_problem(api.client.get(f"{API}/nothing-here", headers=api.admin), 404, "not_found")
    assert_problem(api.client.delete(f"{API}/incidents/1", headers=api.admin), 405, "method_not_allowed")
    assert_problem(
        api.client.get(f"{API}/incidents/abc", headers=api.admin), 422, "invalid_input", "incident_id"
    )
    assert_problem(api.client.get(f"{API}/incidents/-1", headers=api.admin), 404, "not_found")


@pytest.mark.parametrize("big", [2**31, 2**63])
def test_an_id_beyond_the_database_integer_range_is_404_not_500(
    api: Api, existing: Snapshot, big: int
) -> None:
    # SQLite integers are 64-bit; PostgreSQL's INTEGER column is 32-bit: neither may reach the driver.
    for path in (f"/incidents/{big}", f"/incidents/{big}/timeline"):
        assert_problem(api.client.get(f"{API}{path}", headers=api.admin), 404, "not_found")
    refused = api.client.post(f"{API}/incidents/{big}/notes", json={"text": "x"}, headers=api.admin)
    assert_problem(refused, 404, "not_found")
    assert_nothing_stored(api, existing)


def test_a_timeline_position_or_cursor_beyond_64_bits_is_refused_not_500(
    api: Api, existing: Snapshot
) -> None:
    iid = existing.incident["id"]
    after = api.client.get(f"{API}/incidents/{iid}/timeline", params={"after": 2**63}, headers=api.admin)
    assert after.status_code in (200, 422), after.text
    cursor = base64.urlsafe_b64encode(f"{2**63}:1:1".encode()).decode().rstrip("=")
    listed = api.client.get(f"{API}/incidents", params={"cursor": cursor}, headers=api.admin)
    assert_problem(listed, 422, "invalid_input", "cursor")


# ----- scope (F1) --------------------------------------------------------------------------------

OUT_OF_SCOPE = {
    "infrastructure-only": ("F1.6", "infrastructure incident process"),
    "internal-outage": ("F1.7", "internal IT"),
    "service-request": ("F1.8", "normal support queue"),
    "feature-request": ("F1.9", "issue tracker as a feature proposal"),
    "bug-report": ("F1.9", "issue tracker as a bug"),
    "support-question": ("F1.10", "normal support queue"),
}


def test_each_out_of_scope_kind_is_refused_with_where_it_goes_instead(api: Api, existing: Snapshot) -> None:
    alice = api.user("alice")
    for kind, (requirement, where) in OUT_OF_SCOPE.items():
        for spelled in (kind, kind.upper().replace("-", "_")):
            response = api.client.post(f"{API}/incidents", json=VALID | {"kind": spelled}, headers=alice)
            body = assert_problem(
                response, 422, "out_of_scope", f"{kind} is out of scope", requirement, "SMOC"
            )
            assert body["kind"] == kind
            assert body["requirement"] == requirement
            assert where in body["redirect_to"]
            assert body["title"] == "Out of scope for the support incident framework"
    assert_nothing_stored(api, existing)


def test_only_an_smoc_on_the_roster_or_an_admin_may_override_the_scope(api: Api, existing: Snapshot) -> None:
    alice, sam = api.user("alice"), api.user("sam")
    override = VALID | {"kind": "bug-report", "override_scope_reason": "enterprise customer is down"}
    refused = api.client.post(f"{API}/incidents", json=override, headers=alice)
    body = assert_problem(refused, 403, "permission_denied", "only an SMOC", "alice is neither")
    assert body["activity"] == "declare-emergency"
    assert_nothing_stored(api, existing)

    by_admin = api.client.post(f"{API}/incidents", json=override, headers=api.admin)
    assert by_admin.status_code == 201, by_admin.text
    incident = by_admin.json()
    assert incident["scope_override"] == "bug-report"
    assert incident["kind"] == "customer-emergency"
    entries = timeline(api, incident["id"])
    assert [e["type"] for e in entries] == [
        "incident.declared",
        "incident.scope_overridden",
        "tickets.tag_created",
    ]
    assert entries[1]["actor"] == "root"
    assert entries[1]["data"] == {"reported_kind": "bug-report", "reason": "enterprise customer is down"}

    by_smoc = api.client.post(f"{API}/incidents", json=override | {"kind": "support-question"}, headers=sam)
    assert by_smoc.status_code == 201, by_smoc.text
    assert by_smoc.json()["scope_override"] == "support-question"
    assert by_smoc.json()["declared_by"] == "sam"

    # An override on an in-scope kind, or with a blank reason, is refused.
    count = count_rows(api, "incidents")
    in_scope = api.client.post(f"{API}/incidents", json=override | {"kind": "saas-outage"}, headers=api.admin)
    assert_problem(in_scope, 422, "invalid_input", "saas-outage is in scope")
    blank = api.client.post(
        f"{API}/incidents", json=override | {"override_scope_reason": "  "}, headers=api.admin
    )
    assert_problem(blank, 422, "invalid_input", "override reason must not be empty")
    assert count_rows(api, "incidents") == count


# ----- unknown names -----------------------------------------------------------------------------


def test_unknown_names_are_422_and_say_what_is_allowed(api: Api, existing: Snapshot) -> None:
    iid = existing.incident["id"]
    cases: list[tuple[str, str, dict[str, Any], list[str]]] = [
        ("POST", "/incidents", VALID | {"kind": "outage"}, ["unknown incident kind 'outage'", "saas-outage"]),
        ("POST", "/incidents", VALID | {"severity": 5}, ["severity", "less than or equal to 4"]),
        ("POST", "/incidents", VALID | {"severity": 0}, ["severity", "greater than or equal to 1"]),
        ("POST", "/incidents", VALID | {"severity": "sev1"}, ["severity", "valid integer"]),
        ("POST", "/incidents", VALID | {"source": "twitter"}, ["unknown source 'twitter'", "security"]),
        (
            "PUT",
            f"/incidents/{iid}/roles/boss",
            {"person": "root"},
            ["unknown role 'boss'", "cmoc, smoc or imoc"],
        ),
        ("POST", f"/incidents/{iid}/roles/boss/release", {}, ["unknown role 'boss'"]),
        ("POST", f"/incidents/{iid}/phase", {"phase": "fixing"}, ["unknown phase 'fixing'", "triage"]),
        (
            "POST",
            f"/incidents/{iid}/attestations",
            {"criterion": "all-good", "note": "x"},
            ["unknown release criterion 'all-good'", "queue-normal"],
        ),
        (
            "POST",
            f"/incidents/{iid}/teams",
            {"team": "legal", "contact": "x"},
            ["unknown team 'legal'", "sirt"],
        ),
        ("POST", f"/incidents/{iid}/severity", {"severity": 9, "reason": "x"}, ["severity"]),
        (
            "PATCH",
            f"/incidents/{iid}/tasks/1",
            {"status": "blocked"},
            ["unknown task status 'blocked'", "done"],
        ),
        ("POST", "/users", {"username": "zed", "org_role": "owner"}, ["unknown organisation role 'owner'"]),
    ]
    for method, path, body, fragments in cases:
        response = api.client.request(method, f"{API}{path}", json=body, headers=api.admin)
        assert_problem(response, 422, "invalid_input", *fragments)
    for params, fragment in [
        ({"phase": "fixing"}, "unknown phase"),
        ({"status": "open"}, "status"),
        ({"severity": 5}, "severity"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor is not one this API returned"),
    ]:
        response = api.client.get(f"{API}/incidents", params=params, headers=api.admin)
        assert_problem(response, 422, "invalid_input", fragment)
    check = api.client.get(f"{API}/incidents/{iid}/release-check", params={"role": "boss"}, headers=api.admin)
    assert_problem(check, 422, "invalid_input", "unknown role 'boss'")
    for params in ({"after": -1}, {"limit": 0}, {"limit": 501}):
        response = api.client.get(f"{API}/incidents/{iid}/timeline", params=params, headers=api.admin)
        assert_problem(response, 422, "invalid_input")
    assert_nothing_stored(api, existing)
    assert count_rows(api, "users") == 1


def test_the_kind_filter_is_validated_like_the_phase_filter(api: Api, existing: Snapshot) -> None:
    spelled = api.client.get(f"{API}/incidents", params={"kind": "SAAS_OUTAGE"}, headers=api.admin)
    assert [i["id"] for i in spelled.json()["items"]] == [existing.incident["id"]]
    unknown = api.client.get(f"{API}/incidents", params={"kind": "outage"}, headers=api.admin)
    assert_problem(unknown, 422, "invalid_input", "unknown incident kind")


def test_a_boolean_severity_is_refused(api: Api, existing: Snapshot) -> None:
    response = api.client.post(f"{API}/incidents", json=VALID | {"severity": True}, headers=api.admin)
    assert_problem(response, 422, "invalid_input", "severity")
    assert_nothing_stored(api, existing)


# ----- malformed bodies --------------------------------------------------------------------------


def test_bad_json_is_422(api: Api, existing: Snapshot) -> None:
    iid = existing.incident["id"]
    for content in (
        b'{"title": "x", "kind": "saas-outage", "severity": 2',
        b'{"title": "x"} trailing',
        b"{'title': 'x'}",
        b'{"title": "x",}',
    ):
        for path in ("/incidents", f"/incidents/{iid}/notes", f"/incidents/{iid}/severity"):
            response = post_raw(api, path, content, JSON)
            body = assert_problem(response, 422, "invalid_input", "not valid JSON")
            assert body["errors"][0]["message"] == "JSON decode error"
    for content, fragment in (
        (b"", "Field required"),
        (b"null", "valid dictionary"),
        (b"[]", "valid dictionary"),
        (b'"text"', "valid dictionary"),
        (b'{"title": "x", "kind": "saas-outage", "severity": NaN}', "valid integer"),
    ):
        assert_problem(post_raw(api, "/incidents", content, JSON), 422, "invalid_input", fragment)
    assert_nothing_stored(api, existing)


INVALID_UTF8 = b'{"title": "caf\xe9 \xff\xfe", "kind": "saas-outage", "severity": 2}'
DEEPLY_NESTED = b"[" * 100_000 + b"]" * 100_000
NESTED_IN_A_FIELD = b'{"title": "x", "kind": "saas-outage", "severity": 2, "summary": ' + DEEPLY_NESTED + b"}"


def test_undecodable_bodies_are_refused_as_client_errors(api: Api, existing: Snapshot) -> None:
    for content in (INVALID_UTF8, DEEPLY_NESTED, NESTED_IN_A_FIELD):
        for path in ("/incidents", f"/incidents/{existing.incident['id']}/notes"):
            response = post_raw(api, path, content, JSON)
            assert 400 <= response.status_code < 500, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json().keys() >= {"type", "title", "status", "detail", "code"}
    assert_nothing_stored(api, existing)


@pytest.mark.parametrize("content", [INVALID_UTF8, DEEPLY_NESTED], ids=["invalid-utf8", "nested"])
def test_undecodable_bodies_are_422_invalid_input(api: Api, existing: Snapshot, content: bytes) -> None:
    assert_problem(post_raw(api, "/incidents", content, JSON), 422, "invalid_input")
    assert_nothing_stored(api, existing)


def test_a_body_without_a_json_content_type_is_refused_with_a_hint(api: Api, existing: Snapshot) -> None:
    content = b'{"title": "x", "kind": "saas-outage", "severity": 2}'
    for headers in (
        {},
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded"},
    ):
        response = post_raw(api, "/incidents", content, headers)
        assert_problem(response, 422, "invalid_input", "Content-Type: application/json")
    form = api.client.post(f"{API}/incidents", data={"title": "x"}, headers=api.admin)
    assert_problem(form, 422, "invalid_input", "Content-Type: application/json")
    assert_nothing_stored(api, existing)


def test_unknown_fields_are_refused(api: Api, existing: Snapshot) -> None:
    iid = existing.incident["id"]
    # (method, path, a valid body, the unknown field added to it)
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("POST", "/incidents", VALID, "priority"),
        ("POST", "/incidents", VALID, "Title"),
        ("POST", f"/incidents/{iid}/severity", {"severity": 1, "reason": "x"}, "why"),
        ("POST", f"/incidents/{iid}/phase", {"phase": "triage"}, "force"),
        ("POST", f"/incidents/{iid}/resolve", {"reason": "x"}, "priority"),
        ("POST", f"/incidents/{iid}/reopen", {"reason": "x"}, "priority"),
        ("POST", f"/incidents/{iid}/close", {}, "priority"),
        ("PUT", f"/incidents/{iid}/roles/cmoc", {"person": "root"}, "role"),
        ("POST", f"/incidents/{iid}/roles/cmoc/release", {}, "force"),
        ("POST", f"/incidents/{iid}/attestations", {"criterion": "queue-normal", "note": "x"}, "by"),
        ("PATCH", f"/incidents/{iid}/impact", {}, "customers"),
        ("POST", f"/incidents/{iid}/tasks", {"title": "t", "owner": "root"}, "priority"),
        ("PATCH", f"/incidents/{iid}/tasks/1", {}, "state"),
        ("POST", f"/incidents/{iid}/teams", {"team": "sirt", "contact": "x"}, "urgent"),
        ("POST", f"/incidents/{iid}/notes", {"text": "x"}, "pinned"),
        ("POST", "/users", {"username": "zed"}, "admin"),
        ("POST", "/tokens", {"name": "x"}, "scopes"),
    ]
    for method, path, body, unknown in cases:
        response = api.client.request(method, f"{API}{path}", json=body | {unknown: 1}, headers=api.admin)
        problem = assert_problem(response, 422, "invalid_input", "Extra inputs are not permitted", unknown)
        assert problem["errors"] == [{"field": unknown, "message": "Extra inputs are not permitted"}], path
    assert_nothing_stored(api, existing)
    assert count_rows(api, "users") == 1
    assert count_rows(api, "api_tokens") == 1


# ----- size limits -------------------------------------------------------------------------------


def oversized_note() -> bytes:
    return b'{"text": "' + b"a" * (MIB + 1) + b'"}'


def test_a_body_over_the_limit_with_content_length_is_413(api: Api, existing: Snapshot) -> None:
    assert api.container.settings.max_body_bytes == MIB
    iid = existing.incident["id"]
    for path in ("/incidents", f"/incidents/{iid}/notes"):
        response = post_raw(api, path, oversized_note(), JSON)
        assert_problem(response, 413, "payload_too_large", f"larger than {MIB} bytes")
    assert_nothing_stored(api, existing)


def test_a_chunked_body_over_the_limit_is_refused_and_not_stored(api: Api, existing: Snapshot) -> None:
    content = oversized_note()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(content), 64 * 1024):
            yield content[start : start + 64 * 1024]

    response = post_raw(api, f"/incidents/{existing.incident['id']}/notes", chunks(), JSON)
    assert "content-length" not in response.request.headers
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert_nothing_stored(api, existing)


def test_a_chunked_body_over_the_limit_is_413(api: Api, existing: Snapshot) -> None:
    content = oversized_note()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(content), 64 * 1024):
            yield content[start : start + 64 * 1024]

    response = post_raw(api, f"/incidents/{existing.incident['id']}/notes", chunks(), JSON)
    assert_problem(response, 413, "payload_too_large")
    assert_nothing_stored(api, existing)


def test_a_body_just_under_the_limit_reaches_validation(api: Api, existing: Snapshot) -> None:
    content = b'{"text": "' + b"a" * (MIB - 100) + b'"}'
    response = post_raw(api, f"/incidents/{existing.incident['id']}/notes", content, JSON)
    assert_problem(response, 422, "invalid_input", "text")
    assert_nothing_stored(api, existing)


# ----- text fields -------------------------------------------------------------------------------


def test_control_characters_in_a_title_are_refused(api: Api, existing: Snapshot) -> None:
    for char in ("\x00", "\x07", "\x1b", "\x7f", "\x85", "\n", "\r", "\t"):
        response = api.client.post(
            f"{API}/incidents", json=VALID | {"title": f"bad{char}title"}, headers=api.admin
        )
        assert_problem(
            response, 422, "invalid_input", "title contains a control character", f"U+{ord(char):04X}"
        )
    surrogate = post_raw(
        api, "/incidents", b'{"title": "a\\ud800b", "kind": "saas-outage", "severity": 2}', JSON
    )
    assert_problem(surrogate, 422, "invalid_input", "title")
    iid = existing.incident["id"]
    for path, body in (
        (f"/incidents/{iid}/notes", {"text": "nul\x00byte"}),
        (f"/incidents/{iid}/tasks", {"title": "esc\x1b[31m", "owner": "root"}),
        (f"/incidents/{iid}/teams", {"team": "sirt", "contact": "bell\x07"}),
        (f"/incidents/{iid}/severity", {"severity": 1, "reason": "nul\x00"}),
    ):
        response = api.client.post(f"{API}{path}", json=body, headers=api.admin)
        assert_problem(response, 422, "invalid_input", "control character")
    assert_nothing_stored(api, existing)


def test_titles_are_limited_in_length(api: Api, existing: Snapshot) -> None:
    huge = api.client.post(f"{API}/incidents", json=VALID | {"title": "x" * 10_000}, headers=api.admin)
    assert_problem(huge, 422, "invalid_input", "title")
    over = api.client.post(f"{API}/incidents", json=VALID | {"title": "x" * 201}, headers=api.admin)
    assert_problem(over, 422, "invalid_input", "title is 201 characters; the limit is 200")
    for blank in ("", "   "):
        empty = api.client.post(f"{API}/incidents", json=VALID | {"title": blank}, headers=api.admin)
        assert_problem(empty, 422, "invalid_input", "title")
    assert_nothing_stored(api, existing)
    at_limit = api.client.post(f"{API}/incidents", json=VALID | {"title": "x" * 200}, headers=api.admin)
    assert at_limit.status_code == 201, at_limit.text


def test_detected_at_must_be_an_aware_time_not_in_the_future(api: Api, existing: Snapshot) -> None:
    for value, fragment in (
        ("2026-03-02T08:00:00", "timezone"),
        ("2026-03-02 08:00", "timezone"),
        ("2026-03-02T09:00:01Z", "detected_at cannot be in the future"),
        ("2027-01-01T00:00:00+00:00", "detected_at cannot be in the future"),
        ("2026-03-02T10:30:00+01:00", "detected_at cannot be in the future"),
        ("yesterday", "detected_at"),
        ("2026-02-30T08:00:00Z", "detected_at"),
    ):
        response = api.client.post(f"{API}/incidents", json=VALID | {"detected_at": value}, headers=api.admin)
        assert_problem(response, 422, "invalid_input", fragment)
    assert_nothing_stored(api, existing)
    now = api.client.post(
        f"{API}/incidents", json=VALID | {"detected_at": "2026-03-02T09:00:00Z"}, headers=api.admin
    )
    assert now.status_code == 201, now.text


def test_malformed_headers_are_422(api: Api, existing: Snapshot) -> None:
    iid = existing.incident["id"]
    body = {"severity": 1, "reason": "x"}
    for headers, fragment in (
        ({"If-Match": "yesterday"}, "If-Match must be an ETag"),
        ({"If-Match": '"v1"'}, "If-Match must be an ETag"),
        ({"Idempotency-Key": "k" * 201}, "Idempotency-Key must be 1 to 200 characters"),
        ({"Idempotency-Key": ""}, "Idempotency-Key must be 1 to 200 characters"),
    ):
        response = api.client.post(f"{API}/incidents/{iid}/severity", json=body, headers=api.admin | headers)
        assert_problem(response, 422, "invalid_input", fragment)
    assert_nothing_stored(api, existing)
