"""Idempotency-Key, ETag/If-Match, and many clients writing at once to a real server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn

from sirf.api.app import create_app
from sirf.bootstrap import Container
from tests.conftest import Api
from tests.e2e.helpers import (
    API,
    assert_problem,
    assert_unchanged,
    count_rows,
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


T = TypeVar("T")
CLIENTS = 8
NOTES_EACH = 25
BODY = {"title": "Checkout fails", "kind": "saas-outage", "severity": 2}


@pytest.fixture
def server(container: Container) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port, sharing the test's container."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(container),
        log_level="warning",
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert thread.is_alive(), "uvicorn stopped during start-up"
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        sock.close()


def all_at_once(count: int, work: Callable[[int, threading.Barrier], T]) -> list[T]:
    """Run ``work(n, barrier)`` in ``count`` threads; each waits on the barrier before its first request."""
    barrier = threading.Barrier(count, timeout=30)
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda n: work(n, barrier), range(count)))


# ----- Idempotency-Key ---------------------------------------------------------------------------


def test_a_replayed_post_returns_the_first_answer_and_declares_once(api: Api) -> None:
    alice = api.user("alice")
    headers = alice | {"Idempotency-Key": "declare-42"}
    first = api.client.post(f"{API}/incidents", json=BODY, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    second = api.client.post(f"{API}/incidents", json=BODY, headers=headers)
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert second.headers["etag"] == first.headers["etag"]
    listed = api.client.get(f"{API}/incidents", params={"status": "all"}, headers=alice).json()["items"]
    assert [i["id"] for i in listed] == [first.json()["id"]]
    assert count_rows(api, "incidents") == 1
    assert len(timeline(api, first.json()["id"])) == 2  # declared, its ticket tag


def test_replays_of_changes_and_notes_do_not_repeat_them(api: Api) -> None:
    alice = api.user("alice")
    iid = declare(api, alice)["id"]
    raise_it = alice | {"Idempotency-Key": "sev-1"}
    first = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 1, "reason": "x"}, headers=raise_it
    )
    assert first.status_code == 200, first.text
    # Without the key the same request would now be refused ("already SEV1"); with it, it is replayed.
    again = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 1, "reason": "x"}, headers=raise_it
    )
    assert (again.status_code, again.json(), again.headers["idempotent-replayed"]) == (
        200,
        first.json(),
        "true",
    )

    note = alice | {"Idempotency-Key": "note-1"}
    one = api.client.post(f"{API}/incidents/{iid}/notes", json={"text": "customer called"}, headers=note)
    two = api.client.post(f"{API}/incidents/{iid}/notes", json={"text": "customer called"}, headers=note)
    assert (one.status_code, two.status_code) == (201, 201)
    assert two.json() == one.json()
    assert two.headers["idempotent-replayed"] == "true"
    assert event_types(timeline(api, iid)) == [
        "incident.declared",
        "tickets.tag_created",
        "incident.severity_changed",
        "note.added",
    ]

    # A replay is the stored answer, even after the incident moved on.
    api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 3, "reason": "better"}, headers=alice
    )
    late = api.client.post(
        f"{API}/incidents/{iid}/severity", json={"severity": 1, "reason": "x"}, headers=raise_it
    )
    assert late.json() == first.json()
    assert api.client.get(f"{API}/incidents/{iid}", headers=alice).json()["severity"] == 3


def test_the_same_key_with_a_different_request_is_409_and_changes_nothing(api: Api) -> None:
    alice = api.user("alice")
    headers = alice | {"Idempotency-Key": "k-1"}
    created = api.client.post(f"{API}/incidents", json=BODY, headers=headers).json()
    before = snapshot(api, created["id"])
    for path, body in (
        ("/incidents", BODY | {"severity": 1}),
        ("/incidents", BODY | {"title": "Something else"}),
        (f"/incidents/{created['id']}/notes", {"text": "same key, other route"}),
    ):
        response = api.client.post(f"{API}{path}", json=body, headers=headers)
        assert_problem(response, 409, "conflict", "Idempotency-Key was used for a different request")
    assert_unchanged(api, before)
    assert count_rows(api, "incidents") == 1
    assert count_rows(api, "idempotency_keys") == 1


def test_keys_belong_to_their_user_and_a_refused_request_does_not_use_one_up(api: Api) -> None:
    alice, bob = api.user("alice"), api.user("bob")
    refused = api.client.post(
        f"{API}/incidents", json=BODY | {"kind": "bug-report"}, headers=alice | {"Idempotency-Key": "shared"}
    )
    assert_problem(refused, 422, "out_of_scope")
    assert count_rows(api, "idempotency_keys") == 0
    mine = api.client.post(f"{API}/incidents", json=BODY, headers=alice | {"Idempotency-Key": "shared"})
    assert mine.status_code == 201
    assert "idempotent-replayed" not in mine.headers
    theirs = api.client.post(f"{API}/incidents", json=BODY, headers=bob | {"Idempotency-Key": "shared"})
    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["declared_by"] == "bob"
    assert count_rows(api, "incidents") == 2


# ----- ETag / If-Match ---------------------------------------------------------------------------

CHANGES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/severity", {"severity": 1, "reason": "worse"}),
    ("POST", "/phase", {"phase": "triage"}),
    ("POST", "/resolve", {}),
    ("PUT", "/roles/cmoc", {"person": "alice"}),
    ("POST", "/roles/imoc/release", {}),
    ("POST", "/attestations", {"criterion": "queue-normal", "note": "calm"}),
    ("PATCH", "/impact", {"customers_affected": 12}),
    ("POST", "/tasks", {"title": "macro", "owner": "alice"}),
    ("PATCH", "/tasks/1", {"status": "done"}),
    ("POST", "/teams", {"team": "product", "contact": "#product"}),
]


def _incident_with_history(api: Api) -> int:
    api.user("alice")
    iid = declare(api, api.admin)["id"]
    api.client.put(f"{API}/incidents/{iid}/roles/imoc", json={"person": "root"}, headers=api.admin)
    api.client.post(f"{API}/incidents/{iid}/tasks", json={"title": "tag", "owner": "root"}, headers=api.admin)
    return iid


def test_a_stale_if_match_is_412_and_nothing_is_written(api: Api) -> None:
    iid = _incident_with_history(api)
    before = snapshot(api, iid)
    assert before.etag == '"4"'  # declared with its ticket tag (2), IMOC assigned, task added
    for stale in ('"1"', '"3"', 'W/"3"', '"5"'):
        for method, path, body in CHANGES:
            response = api.client.request(
                method, f"{API}/incidents/{iid}{path}", json=body, headers=api.admin | {"If-Match": stale}
            )
            problem = assert_problem(response, 412, "precondition_failed", "is at version 4", "reload")
            assert problem["current_version"] == 4
    assert_unchanged(api, before)


def test_the_current_if_match_is_accepted_and_each_change_returns_the_new_etag(api: Api) -> None:
    iid = _incident_with_history(api)
    for method, path, body in CHANGES:
        current = api.client.get(f"{API}/incidents/{iid}", headers=api.admin)
        version = current.json()["version"]
        assert current.headers["etag"] == f'"{version}"'
        response = api.client.request(
            method,
            f"{API}/incidents/{iid}{path}",
            json=body,
            headers=api.admin | {"If-Match": current.headers["etag"]},
        )
        assert response.is_success, (path, response.text)
        after = api.client.get(f"{API}/incidents/{iid}", headers=api.admin)
        assert after.json()["version"] == version + 1, path
        if "version" in response.json():
            assert response.headers["etag"] == f'"{version + 1}"'
    # A weak tag and "*" are accepted too.
    current = api.client.get(f"{API}/incidents/{iid}", headers=api.admin).json()["version"]
    weak = api.client.post(
        f"{API}/incidents/{iid}/severity",
        json={"severity": 4, "reason": "x"},
        headers=api.admin | {"If-Match": f'W/"{current}"'},
    )
    assert weak.status_code == 200, weak.text
    star = api.client.post(
        f"{API}/incidents/{iid}/severity",
        json={"severity": 3, "reason": "y"},
        headers=api.admin | {"If-Match": "*"},
    )
    assert star.status_code == 200, star.text


def test_a_stale_if_match_on_a_note_is_412(api: Api) -> None:
    iid = _incident_with_history(api)
    before = snapshot(api, iid)
    response = api.client.post(
        f"{API}/incidents/{iid}/notes", json={"text": "late"}, headers=api.admin | {"If-Match": '"1"'}
    )
    assert_problem(response, 412, "precondition_failed")
    assert_unchanged(api, before)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/tasks", {"title": "macro", "owner": "alice"}),
        ("PATCH", "/tasks/1", {"status": "done"}),
        ("POST", "/notes", {"text": "hello"}),
    ],
    ids=["add-task", "update-task", "add-note"],
)
def test_task_and_note_changes_return_the_new_etag(
    api: Api, method: str, path: str, body: dict[str, Any]
) -> None:
    iid = _incident_with_history(api)
    response = api.client.request(method, f"{API}/incidents/{iid}{path}", json=body, headers=api.admin)
    assert response.is_success, response.text
    version = api.client.get(f"{API}/incidents/{iid}", headers=api.admin).json()["version"]
    assert response.headers.get("etag") == f'"{version}"'


# ----- many clients at once, through a real server -------------------------------------------------


def test_concurrent_notes_are_all_kept_in_a_gapless_order(api: Api, server: str) -> None:
    iid = declare(api, api.admin)["id"]
    writers = [api.user(f"writer{n}") for n in range(CLIENTS)]

    def write(n: int, barrier: threading.Barrier) -> list[tuple[int, dict[str, Any]]]:
        answers = []
        with httpx.Client(base_url=server, headers=writers[n], timeout=60) as client:
            barrier.wait()
            for k in range(NOTES_EACH):
                response = client.post(
                    f"{API}/incidents/{iid}/notes", json={"text": f"writer{n} note {k:02d}"}
                )
                answers.append((response.status_code, response.json()))
        return answers

    answers = all_at_once(CLIENTS, write)
    assert all(status == 201 for per in answers for status, _ in per), answers

    entries = timeline(api, iid)
    assert [e["seq"] for e in entries] == list(range(1, CLIENTS * NOTES_EACH + 3))  # + declared, ticket tag
    notes = [e for e in entries if e["type"] == "note.added"]
    assert len(notes) == CLIENTS * NOTES_EACH
    texts = [e["data"]["text"] for e in notes]
    assert len(set(texts)) == len(texts)
    by_seq = {e["seq"]: e for e in entries}
    for n, per in enumerate(answers):
        seqs = [entry["seq"] for _, entry in per]
        assert seqs == sorted(seqs), f"writer{n}'s notes are out of order"
        for k, (_, entry) in enumerate(per):
            assert entry == by_seq[entry["seq"]]
            assert (entry["actor"], entry["data"]["text"]) == (f"writer{n}", f"writer{n} note {k:02d}")
    assert (
        api.client.get(f"{API}/incidents/{iid}", headers=api.admin).json()["version"]
        == 2 + CLIENTS * NOTES_EACH
    )


def test_the_same_idempotency_key_sent_at_once_declares_exactly_one_incident(api: Api, server: str) -> None:
    alice = api.user("alice")

    def send(_n: int, barrier: threading.Barrier) -> tuple[int, dict[str, Any], str | None]:
        with httpx.Client(
            base_url=server, headers=alice | {"Idempotency-Key": "the-one"}, timeout=60
        ) as client:
            barrier.wait()
            response = client.post(f"{API}/incidents", json=BODY)
            return response.status_code, response.json(), response.headers.get("idempotent-replayed")

    answers = all_at_once(CLIENTS, send)
    assert {status for status, _, _ in answers} == {201}, answers
    assert all(body == answers[0][1] for _, body, _ in answers)
    assert sorted(str(replayed) for _, _, replayed in answers) == ["None"] + ["true"] * (CLIENTS - 1)
    assert count_rows(api, "incidents") == 1
    assert count_rows(api, "idempotency_keys") == 1
    assert event_types(timeline(api, answers[0][1]["id"])) == ["incident.declared", "tickets.tag_created"]


def test_concurrent_changes_with_the_same_if_match_let_exactly_one_through(api: Api, server: str) -> None:
    iid = declare(api, api.admin)["id"]
    responders = [api.user(f"responder{n}") for n in range(CLIENTS)]

    def change(n: int, barrier: threading.Barrier) -> int:
        with httpx.Client(base_url=server, headers=responders[n] | {"If-Match": '"2"'}, timeout=60) as client:
            barrier.wait()
            response = client.patch(
                f"{API}/incidents/{iid}/impact", json={"summary": f"seen by responder{n}"}
            )
            return response.status_code

    statuses = all_at_once(CLIENTS, change)
    assert sorted(statuses) == [200] + [412] * (CLIENTS - 1)
    incident = api.client.get(f"{API}/incidents/{iid}", headers=api.admin).json()
    assert incident["version"] == 3
    assert incident["summary"] == f"seen by responder{statuses.index(200)}"
    assert event_types(timeline(api, iid)) == ["incident.declared", "tickets.tag_created", "impact.updated"]
