"""declare, list, show, impact and the lifecycle commands, in JSON and for people."""

from __future__ import annotations

import json

from tests.cli.conftest import Run
from tests.cli.fake_api import FakeApi


def sent(fake: FakeApi) -> dict[str, object]:
    body = json.loads(fake.requests[-1].content)
    assert isinstance(body, dict)
    return body


# -- declare -------------------------------------------------------------------------------------------


def test_declare_prints_a_summary_and_sends_only_what_was_given(run: Run, fake: FakeApi) -> None:
    result = run(
        "declare",
        "Users cannot sign in",
        "--kind",
        "saas-outage",
        "--severity",
        "2",
        "--source",
        "infrastructure",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "#1  SEV2  detection  active  Users cannot sign in\n"
    assert sent(fake) == {
        "title": "Users cannot sign in",
        "kind": "saas-outage",
        "severity": 2,
        "source": "infrastructure",
    }
    assert fake.requests[-1].url.path == "/api/v1/incidents"


def test_declare_json_is_the_api_answer(run: Run, fake: FakeApi) -> None:
    result = run(
        "declare",
        "Checkout fails",
        "--kind",
        "product-issue",
        "--severity",
        "3",
        "--service",
        "checkout",
        "--service",
        "payments",
        "--summary",
        "EU only",
        "--json",
    )
    incident = json.loads(result.stdout)
    assert incident == fake.incidents[1]
    assert sent(fake)["affected_services"] == ["checkout", "payments"]
    assert sent(fake)["summary"] == "EU only"


def test_declare_reads_a_time_without_zone_as_local_time(run: Run, fake: FakeApi) -> None:
    run("declare", "x", "--kind", "saas-outage", "--severity", "2", "--detected-at", "2026-11-27T06:10")
    assert sent(fake)["detected_at"] == "2026-11-27T05:10:00Z"  # 06:10 CET
    run("declare", "x", "--kind", "saas-outage", "--severity", "2", "--detected-at", "2026-07-01 12:00+02:00")
    assert sent(fake)["detected_at"] == "2026-07-01T10:00:00Z"


def test_declare_refuses_a_time_it_cannot_read(run: Run, fake: FakeApi) -> None:
    result = run("declare", "x", "--kind", "saas-outage", "--severity", "2", "--detected-at", "yesterday")
    assert result.exit_code == 2
    assert "neither an ISO-8601 time nor a duration like 20m" in result.stderr
    assert fake.requests == []


def test_out_of_scope_shows_where_it_belongs_and_the_override(run: Run, fake: FakeApi) -> None:
    result = run("declare", "Add dark mode", "--kind", "feature-request", "--severity", "4")
    assert result.exit_code == 5
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: feature-request is out of scope; take it to the product team's issue tracker as a feature"
        " proposal.",
        "hint: this belongs in the product team's issue tracker as a feature proposal",
        "hint: someone on the SMOC roster or an admin may declare it anyway: --override-scope REASON",
    ]
    forced = run(
        "declare",
        "Add dark mode",
        "--kind",
        "feature-request",
        "--severity",
        "4",
        "--override-scope",
        "the CEO's demo breaks without it",
    )
    assert forced.exit_code == 0
    assert sent(fake)["override_scope_reason"] == "the CEO's demo breaks without it"


def test_declare_needs_kind_and_severity(run: Run) -> None:
    result = run("declare", "x")
    assert result.exit_code == 2
    assert "--kind" in result.stderr


# -- list ------------------------------------------------------------------------------------------------


def _two_incidents(fake: FakeApi) -> None:
    fake.declare("Users cannot sign in", severity=2)
    big = fake.declare("Checkout fails", severity=3)
    big["impact"]["customers_affected"] = 130
    big["roles"]["cmoc"] = {"holder": "alice", "assumed_at": "2026-11-27T05:40:00Z", "assigned_by": "bob"}
    big["roles"]["imoc"] = {"holder": "dave", "assumed_at": "2026-11-27T05:41:00Z", "assigned_by": "bob"}


def test_list_is_an_aligned_table_in_local_time(run: Run, fake: FakeApi) -> None:
    _two_incidents(fake)
    result = run("list")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ID  SEV   PHASE      CUSTOMERS  DECLARED              ROLES                  TITLE",
        "2   SEV3  detection  130        2026-11-27 06:31 CET  CMOC alice, IMOC dave  Checkout fails",
        "1   SEV2  detection  -          2026-11-27 06:30 CET  -                      Users cannot sign in",
    ]
    assert result.stderr == ""
    assert "\x1b[" not in result.stdout


def test_list_json_is_the_whole_page(run: Run, fake: FakeApi) -> None:
    _two_incidents(fake)
    page = json.loads(run("list", "--json").stdout)
    assert set(page) == {"items", "next_cursor"}
    assert [item["id"] for item in page["items"]] == [2, 1]
    assert page["next_cursor"] is None


def test_list_passes_filters_through(run: Run, fake: FakeApi) -> None:
    run(
        "list",
        "--all",
        "--severity",
        "1",
        "--kind",
        "saas-outage",
        "--phase",
        "response",
        "--limit",
        "5",
        "--cursor",
        "abc",
    )
    params = dict(fake.requests[-1].url.params)
    assert params == {
        "status": "all",
        "severity": "1",
        "kind": "saas-outage",
        "phase": "response",
        "limit": "5",
        "cursor": "abc",
    }
    run("list")
    assert dict(fake.requests[-1].url.params) == {}
    run("list", "--status", "resolved")
    assert fake.requests[-1].url.params["status"] == "resolved"


def test_list_all_and_status_contradict(run: Run, fake: FakeApi) -> None:
    result = run("list", "--all", "--status", "closed")
    assert result.exit_code == 2
    assert fake.requests == []


def test_list_pages_say_how_to_continue_on_stderr(run: Run, fake: FakeApi) -> None:
    _two_incidents(fake)
    result = run("list", "--limit", "1")
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr == "more: add --cursor 1\n"
    rest = run("list", "--limit", "1", "--cursor", "1")
    assert "Users cannot sign in" in rest.stdout
    assert rest.stderr == ""


def test_an_empty_list_prints_nothing_on_stdout(run: Run) -> None:
    result = run("list")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "no incidents match\n")
    assert json.loads(run("list", "--json").stdout) == {"items": [], "next_cursor": None}


# -- show ------------------------------------------------------------------------------------------------


def test_show_renders_everything_in_local_time(run: Run, fake: FakeApi) -> None:
    fake.declare()
    run("assign", "1", "cmoc", "alice")
    run("task", "add", "1", "Create Zendesk tag", "--owner", "alice", "--due", "2026-11-27T08:00:00Z")
    run("team", "engage", "1", "customer-success", "--contact", "cs@example.com")
    run("attest", "1", "queue-normal", "--note", "queue back under 20 tickets/h")
    result = run("show", "1")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("#1  SEV2  detection  active  Users cannot sign in\n\nkind ")
    assert "  declared               2026-11-27 06:30:00 CET\n" in out
    assert "  triaged                -\n" in out
    assert "  CMOC  alice   2026-11-27 06:31 CET  alice\n" in out
    assert "  SMOC  -       -                     -\n" in out
    assert "  1  open    alice  2026-11-27 09:00 CET  Create Zendesk tag\n" in out
    assert "  customer-success  cs@example.com  2026-11-27 06:33 CET  alice\n" in out
    assert "  queue-normal  alice  2026-11-27 06:34 CET  queue back under 20 tickets/h" in out
    for section in ("Times", "Impact", "Roles", "Role history", "Tasks", "Teams", "Attestations"):
        assert f"\n\n{section}\n" in out
    assert "  customers affected           -\n" in out
    assert "version      5" in out


def test_show_uses_summer_time_when_it_applies(run: Run, fake: FakeApi) -> None:
    fake.declare(declared_at="2026-07-01T10:00:00Z")
    assert "  declared               2026-07-01 12:00:00 CEST\n" in run("show", "1").stdout


def test_show_marks_empty_sections_and_scope_override(run: Run, fake: FakeApi) -> None:
    fake.declare(scope_override={"reported_kind": "feature-request", "reason": "demo"}, highest_severity=1)
    out = run("show", "1").stdout
    assert "Tasks\n  (none)" in out
    assert "Attestations\n  (none)" in out
    assert "scope override  reported_kind: feature-request, reason: demo" in out
    assert "\nseverity        SEV2 (highest SEV1)\n" in out


def test_show_json_is_the_incident(run: Run, fake: FakeApi) -> None:
    incident = fake.declare()
    assert json.loads(run("show", "1", "--json").stdout) == incident


# -- impact ------------------------------------------------------------------------------------------------


def test_impact_sends_only_the_facts_given(run: Run, fake: FakeApi) -> None:
    fake.declare()
    result = run(
        "impact",
        "1",
        "--customers",
        "130",
        "--bulk-communication",
        "--no-sla-at-risk",
        "--service",
        "login",
        "--summary",
        "EU only",
    )
    assert result.exit_code == 0, result.stderr
    assert sent(fake) == {
        "customers_affected": 130,
        "bulk_communication_needed": True,
        "sla_at_risk": False,
        "affected_services": ["login"],
        "summary": "EU only",
    }
    assert fake.requests[-1].method == "PATCH"
    assert "  customers affected           130\n  bulk communication needed    yes\n" in result.stdout
    assert result.stderr == "see which roles to engage: sirf triggers 1\n"


def test_impact_without_facts_reads_the_figures_and_changes_nothing(run: Run, fake: FakeApi) -> None:
    fake.declare()
    result = run("impact", "1")
    assert result.exit_code == 0, result.stderr
    assert [(r.method, r.url.path) for r in fake.requests] == [("GET", "/api/v1/incidents/1/impact")]
    assert fake.incidents[1]["version"] == 1
    lone_version = run("impact", "1", "--if-version", "1")
    assert lone_version.exit_code == 2
    assert "--if-version applies to recording facts" in lone_version.stderr
    assert len(fake.requests) == 1


def test_impact_json(run: Run, fake: FakeApi) -> None:
    fake.declare()
    result = run("impact", "1", "--sirt", "--json")
    assert json.loads(result.stdout)["impact"]["sirt_involved"] is True
    assert result.stderr == ""


# -- lifecycle -----------------------------------------------------------------------------------------------


def test_severity_change(run: Run, fake: FakeApi) -> None:
    fake.declare()
    result = run("severity", "1", "1", "--reason", "all regions affected")
    assert result.stdout == "#1  SEV1  detection  active  Users cannot sign in\n"
    assert sent(fake) == {"severity": 1, "reason": "all regions affected"}
    assert fake.requests[-1].url.path == "/api/v1/incidents/1/severity"


def test_severity_needs_a_reason(run: Run, fake: FakeApi) -> None:
    fake.declare()
    assert run("severity", "1", "1").exit_code == 2


def test_phase_moves_and_a_refusal_names_the_allowed_phases(run: Run, fake: FakeApi) -> None:
    fake.declare()
    assert run("phase", "1", "triage").stdout == "#1  SEV2  triage  active  Users cannot sign in\n"
    assert sent(fake) == {"phase": "triage"}
    refused = run("phase", "1", "closure", "--reason", "done")
    assert refused.exit_code == 5
    assert refused.stderr.splitlines() == [
        "error: cannot move from triage to closure; allowed from triage: response, resolution",
        "hint: allowed from here: response, resolution",
    ]


def test_resolve_reopen_close(run: Run, fake: FakeApi) -> None:
    fake.declare()
    assert run("resolve", "1", "--reason", "rolled back").stdout.startswith("#1  SEV2  resolution  resolved")
    assert run("reopen", "1").exit_code == 2  # --reason is required
    assert run("reopen", "1", "--reason", "errors are back").stdout.startswith("#1  SEV2  response  active")
    run("resolve", "1")
    assert sent(fake) == {}
    closed = run("close", "1", "--json")
    assert json.loads(closed.stdout)["phase"] == "closure"
    assert run("close", "1").exit_code == 5
    paths = [r.url.path.rsplit("/", 1)[1] for r in fake.posted()]
    assert paths == ["resolve", "reopen", "resolve", "close", "close"]
