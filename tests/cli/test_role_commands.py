"""assign, release (and its refusal), release-check, attest, triggers."""

from __future__ import annotations

import json

import httpx

from tests.cli.conftest import Run
from tests.cli.fake_api import CRITERIA, FakeApi


def test_assign_puts_the_person_and_shows_the_roles(run: Run, fake: FakeApi) -> None:
    fake.declare()
    result = run("assign", "1", "CMOC", "alice")
    assert result.exit_code == 0, result.stderr
    request = fake.requests[-1]
    assert (request.method, request.url.path) == ("PUT", "/api/v1/incidents/1/roles/cmoc")
    assert json.loads(request.content) == {"person": "alice"}
    assert result.stdout.splitlines()[1:3] == [
        "  ROLE  HOLDER  SINCE                 ASSIGNED BY",
        "  CMOC  alice   2026-11-27 06:31 CET  alice",
    ]


def test_assign_role_conflict_exits_5(run: Run, fake: FakeApi) -> None:
    fake.declare()
    run("assign", "1", "cmoc", "alice")
    result = run("assign", "1", "smoc", "alice")
    assert (result.exit_code, result.stderr) == (5, "error: alice already holds another support role\n")


def test_release_blocked_prints_what_is_missing_and_exits_5(run: Run, fake: FakeApi) -> None:
    fake.declare()
    run("assign", "1", "cmoc", "alice")
    run("attest", "1", "queue-normal", "--note", "queue back under 20 tickets/h")
    result = run("release", "1", "cmoc")
    assert result.exit_code == 5
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: CMOC cannot be released yet (F7.3)")
    assert lines[1] == "release criteria not met for CMOC:"
    assert lines[2].split() == ["OK", "CRITERION", "BASIS", "DETAIL"]
    missing = [line.split()[2] for line in lines[3:-1]]
    assert missing == [name for name in CRITERIA if name != "queue-normal"]
    assert all(line.startswith("  [ ]") for line in lines[3:-1])
    assert lines[-1] == 'hint: attest one that holds: sirf attest 1 CRITERION --note "how you know"'
    check = fake.requests[-1]
    assert (check.url.path, dict(check.url.params)) == ("/api/v1/incidents/1/release-check", {"role": "cmoc"})


def test_release_blocked_falls_back_to_the_problem_list(run: Run, fake: FakeApi) -> None:
    """When the checklist cannot be fetched, the names in the problem's ``missing`` still show."""
    fake.declare()
    original = fake.handle

    def failing_release_check(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/release-check"):
            return httpx.Response(503, json={"detail": "database unavailable"})
        return original(request)

    fake.handle = failing_release_check  # type: ignore[method-assign]
    result = run("release", "1", "smoc")
    assert result.exit_code == 5
    rows = result.stderr.splitlines()[3:-1]
    assert [row.split() for row in rows] == [["[", "]", name, "missing", "-"] for name in CRITERIA]


def test_release_when_allowed_shows_the_roles(run: Run, fake: FakeApi) -> None:
    fake.declare()
    run("assign", "1", "imoc", "dave")
    result = run("release", "1", "imoc")
    assert result.exit_code == 0
    assert "  IMOC  -" in result.stdout
    release = fake.posted()[-1]
    assert release.url.path == "/api/v1/incidents/1/roles/imoc/release"
    assert json.loads(release.content) == {}
    assert json.loads(run("release", "1", "imoc", "--json").stdout)["roles"]["imoc"] is None


def test_release_check_table_and_json(run: Run, fake: FakeApi) -> None:
    fake.declare()
    run("attest", "1", "handed-back", "--note", "tier 1 has it")
    result = run("release-check", "1", "smoc")
    lines = result.stdout.splitlines()
    assert lines[0] == "SMOC may not be released yet"
    assert lines[1].split() == ["OK", "CRITERION", "BASIS", "DETAIL"]
    assert lines[-1].split()[:3] == ["[x]", "handed-back", "attested"]
    assert lines[-1].endswith("  attested by alice: tier 1 has it")
    assert len(lines) == 8
    assert json.loads(run("release-check", "1", "smoc", "--json").stdout)["releasable"] is False


def test_attest_posts_the_criterion_and_note(run: Run, fake: FakeApi) -> None:
    fake.declare()
    result = run("attest", "1", "queue-normal", "--note", "queue back under 20 tickets/h")
    assert result.exit_code == 0
    assert json.loads(fake.requests[-1].content) == {
        "criterion": "queue-normal",
        "note": "queue back under 20 tickets/h",
    }
    assert result.stderr == "check the remaining criteria: sirf release-check 1 cmoc\n"
    assert run("attest", "1", "queue-normal").exit_code == 2  # --note is required
    unknown = run("attest", "1", "vibes", "--note", "fine")
    assert unknown.exit_code == 7


def test_triggers_explain_which_roles_to_engage(run: Run, fake: FakeApi) -> None:
    fake.declare()
    run("impact", "1", "--customers", "40", "--bulk-communication")
    result = run("triggers", "1")
    assert result.stdout.splitlines() == [
        "CMOC: engage (vacant, proposed: carol)",
        "  - several-customers-affected: several customers are affected",
        "  - bulk-communication-needed: bulk customer communication is needed",
        "SMOC: not needed",
    ]
    run("assign", "1", "cmoc", "alice")
    assert run("triggers", "1").stdout.startswith("CMOC: engage (held by alice)\n")
    assert json.loads(run("triggers", "1", "--json").stdout)["engagements"][0]["holder"] == "alice"
