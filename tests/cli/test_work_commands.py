"""task, team, note, timeline, whoami, notifications."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from tests.cli.conftest import Run
from tests.cli.fake_api import FakeApi


def sent(fake: FakeApi) -> dict[str, object]:
    body = json.loads(fake.requests[-1].content)
    assert isinstance(body, dict)
    return body


def test_task_add_with_a_relative_due_time(run: Run, fake: FakeApi) -> None:
    fake.declare()
    before = datetime.now(UTC).replace(microsecond=0)
    result = run("task", "add", "1", "Create Zendesk tag", "--owner", "alice", "--due", "30m")
    after = datetime.now(UTC)
    assert result.exit_code == 0, result.stderr
    body = sent(fake)
    due = datetime.fromisoformat(str(body.pop("due_at")))
    assert before + timedelta(minutes=30) <= due <= after + timedelta(minutes=30)
    assert body == {"title": "Create Zendesk tag", "owner": "alice"}
    assert result.stdout.startswith("task 1 [open] Create Zendesk tag (owner alice, due ")
    assert fake.requests[-1].headers["Idempotency-Key"]


def test_task_add_json_is_the_created_task(run: Run, fake: FakeApi) -> None:
    fake.declare()
    task = json.loads(run("task", "add", "1", "Draft update", "--owner", "bob", "--json").stdout)
    assert task == fake.incidents[1]["tasks"][0]
    assert "due_at" not in sent(fake)


def test_task_list_and_update(run: Run, fake: FakeApi) -> None:
    fake.declare()
    assert run("task", "list", "1").stderr == "incident 1 has no tasks\n"
    run("task", "add", "1", "Create Zendesk tag", "--owner", "alice", "--due", "2026-11-27T07:00:00Z")
    run("task", "add", "1", "Draft the status update", "--owner", "bob")
    assert run("task", "list", "1").stdout.splitlines() == [
        "#  STATUS  OWNER  DUE                   TITLE",
        "1  open    alice  2026-11-27 08:00 CET  Create Zendesk tag",
        "2  open    bob    -                     Draft the status update",
    ]
    assert json.loads(run("task", "list", "1", "--json").stdout) == {"items": fake.incidents[1]["tasks"]}
    updated = run("task", "update", "1", "2", "--status", "done", "--owner", "carol", "--due", "2h")
    assert updated.stdout.startswith("task 2 [done] Draft the status update (owner carol, due ")
    request = fake.requests[-1]
    assert (request.method, request.url.path) == ("PATCH", "/api/v1/incidents/1/tasks/2")
    assert set(sent(fake)) == {"status", "owner", "due_at"}
    assert run("task", "update", "1", "2").exit_code == 2
    assert run("task", "update", "1", "9", "--status", "done").exit_code == 3


def test_team_engage(run: Run, fake: FakeApi) -> None:
    fake.declare()
    result = run("team", "engage", "1", "customer-success", "--contact", "cs@example.com")
    assert result.stdout == (
        "#1 teams engaged:\n  customer-success  cs@example.com  since 2026-11-27 06:31 CET\n"
    )
    assert sent(fake) == {"team": "customer-success", "contact": "cs@example.com"}
    assert run("team", "engage", "1", "sirt").exit_code == 2  # --contact is required


def test_note_and_timeline(run: Run, fake: FakeApi) -> None:
    fake.declare()
    assert run("note", "1", "Rollback started").stdout == "#1 note added as entry 2\n"
    assert sent(fake) == {"text": "Rollback started"}
    run("severity", "1", "1", "--reason", "all regions affected")
    run("impact", "1", "--customers", "130", "--sla-at-risk")
    run("assign", "1", "cmoc", "alice")
    lines = run("timeline", "1").stdout.splitlines()
    assert lines[0] == "SEQ  AT                       ACTOR  EVENT                      WHAT"
    assert [re.split(r"\s{2,}", line) for line in lines[1:]] == [
        [
            "1",
            "2026-11-27 06:30:00 CET",
            "alice",
            "incident.declared",
            "declared SEV2 saas-outage: Users cannot sign in",
        ],
        ["2", "2026-11-27 06:31:00 CET", "alice", "note.added", "Rollback started"],
        [
            "3",
            "2026-11-27 06:32:00 CET",
            "alice",
            "incident.severity_changed",
            "SEV2 -> SEV1: all regions affected",
        ],
        [
            "4",
            "2026-11-27 06:33:00 CET",
            "alice",
            "impact.updated",
            "customers_affected=130, sla_at_risk=yes",
        ],
        ["5", "2026-11-27 06:34:00 CET", "alice", "role.assigned", "CMOC -> alice"],
    ]


def test_timeline_paging_and_json(run: Run, fake: FakeApi) -> None:
    fake.declare()
    for number in range(3):
        run("note", "1", f"note {number}")
    page = run("timeline", "1", "--after", "1", "--limit", "2")
    assert dict(fake.requests[-1].url.params) == {"after": "1", "limit": "2"}
    assert [line.split()[0] for line in page.stdout.splitlines()[1:]] == ["2", "3"]
    assert page.stderr == "more: sirf timeline 1 --after 3\n"
    data = json.loads(run("timeline", "1", "--json").stdout)
    assert set(data) == {"items", "next_cursor"}
    assert [entry["seq"] for entry in data["items"]] == [1, 2, 3, 4]


def test_unknown_event_types_still_read(run: Run, fake: FakeApi) -> None:
    incident = fake.declare()
    fake.record(incident, "update.published", "bob", channel="status page", details={"id": 7, "ok": True})
    last = run("timeline", "1").stdout.splitlines()[-1]
    assert last.endswith("update.published   channel=status page, details={id=7, ok=yes}")


def test_whoami(run: Run) -> None:
    assert run("whoami").stdout == "alice (Alice Liddell), responder on http://sirf.test\n"
    assert json.loads(run("whoami", "--json").stdout)["org_role"] == "responder"


def test_notifications(run: Run, fake: FakeApi) -> None:
    assert run("notifications").stderr == "no notifications\n"
    fake.notifications.append(
        {
            "id": 1,
            "incident_id": 42,
            "recipient": "alice",
            "message": "You are proposed as CMOC",
            "created_at": "2026-11-27T05:45:00Z",
        }
    )
    assert run("notifications").stdout.splitlines() == [
        "AT                    INCIDENT  MESSAGE",
        "2026-11-27 06:45 CET  #42       You are proposed as CMOC",
    ]
    assert json.loads(run("notifications", "--json", "--limit", "5").stdout)["items"][0]["id"] == 1
    assert fake.requests[-1].url.params["limit"] == "5"
