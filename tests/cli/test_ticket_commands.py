"""sirf tickets match|link|unlink|list|rule|create|reply|status|surges, sirf impact (the figures) and
sirf sla, in JSON and for people, against the fake API's ticket routes."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from sirf.cli import tickets
from sirf.cli.errors import ExitCode
from tests.cli.conftest import Run
from tests.cli.fake_api import FakeApi

MACRO = "outage-resolved"


def sent(fake: FakeApi, index: int = -1) -> dict[str, Any]:
    body = json.loads(fake.requests[index].content)
    assert isinstance(body, dict)
    return body


def calls(fake: FakeApi) -> list[tuple[str, str]]:
    return [
        (r.method, r.url.path + (f"?{r.url.query.decode()}" if r.url.query else "")) for r in fake.requests
    ]


def seeded(fake: FakeApi) -> None:
    """Incident 1 and six tickets, 101 (oldest) to 106, created a minute apart from 06:31 CET."""
    fake.declare()
    fake.add_ticket("Cannot sign in", organization="Acme")
    fake.add_ticket("Sign in loops", organization="Initech", status="open")
    fake.add_ticket("Billing question")
    fake.add_ticket("sign in broken", status="closed")
    fake.add_ticket("sign in fails", escalated=True, requester="bob@example.com")
    fake.add_ticket("sign in fails again", requester="carol@example.com")


def all_linked(fake: FakeApi) -> None:
    seeded(fake)
    fake.links[1] = ["101", "102", "103", "104", "105", "106"]


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tickets, "POLL_SECONDS", 0)


# -- match -------------------------------------------------------------------------------------------


def test_match_without_a_terminal_previews_and_links_nothing(run: Run, fake: FakeApi) -> None:
    seeded(fake)
    fake.links[1] = ["101"]
    result = run("tickets", "match", "1", "--query", "sign in", "--since", "2026-11-27T06:33", "--unsolved")
    assert result.exit_code == 0, result.stderr
    assert sent(fake) == {
        "query": "sign in",
        "since": "2026-11-27T05:33:00Z",
        "unsolved_only": True,
        "confirm": False,
    }
    assert result.stdout.splitlines() == [
        "REF  PRIORITY  STATUS  ORGANISATION  CREATED               LINKED  SUBJECT",
        "106  normal    new     -             2026-11-27 06:36 CET          sign in fails again",
        "105  normal    new     -             2026-11-27 06:35 CET          sign in fails",
        "2 tickets match for #1",
    ]
    assert "nothing was linked" in result.stderr
    assert "--yes" in result.stderr
    assert len(fake.requests) == 1
    assert fake.links[1] == ["101"]


def test_match_shows_which_tickets_are_linked_already(run: Run, fake: FakeApi) -> None:
    seeded(fake)
    fake.links[1] = ["101"]
    result = run("tickets", "match", "1", "--query", "CANNOT")
    assert (
        "101  normal    new     Acme          2026-11-27 06:31 CET  linked  Cannot sign in" in result.stdout
    )
    assert "1 ticket match for #1 (1 already linked)" in result.stdout


def test_match_yes_links_without_asking(run: Run, fake: FakeApi) -> None:
    seeded(fake)
    fake.links[1] = ["101"]
    result = run("tickets", "match", "1", "--query", "sign in", "--tag", "x", "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "0 tickets match for #1\n"
    assert [sent(fake, i)["confirm"] for i in range(len(fake.requests))] == [False]  # nothing to link
    fake.requests.clear()

    result = run("tickets", "match", "1", "--query", "sign in", "--yes")
    assert result.exit_code == 0, result.stderr
    assert [sent(fake, 0), sent(fake, 1)] == [
        {"query": "sign in", "confirm": False},
        {"query": "sign in", "confirm": True},
    ]
    assert result.stdout.endswith(
        "5 tickets match for #1 (1 already linked)\n"
        "linked 4 tickets: 106, 105, 104, 102\n"
        "already linked: 101\n"
        "#1 now has 5 linked tickets (tag incident_1)\n"
    )
    assert sorted(fake.links[1]) == ["101", "102", "104", "105", "106"]


def test_match_at_a_terminal_asks_first(run: Run, fake: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded(fake)
    monkeypatch.setattr(tickets, "_interactive", lambda: True)
    declined = run("tickets", "match", "1", "--query", "fails", stdin="n\n")
    assert "Tag and link these 2 tickets to #1? [y/N]" in declined.stdout
    assert "nothing was linked" in declined.stderr
    assert fake.links.get(1, []) == []
    accepted = run("tickets", "match", "1", "--query", "fails", stdin="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert "linked 2 tickets: 106, 105" in accepted.stdout
    assert fake.links[1] == ["106", "105"]


def test_match_json_is_the_preview_or_with_yes_the_link_result(run: Run, fake: FakeApi) -> None:
    seeded(fake)
    preview = run("tickets", "match", "1", "--query", "fails", "--limit", "1", "--json")
    data = json.loads(preview.stdout)
    assert data["confirmed"] is False
    assert data["count"] == 1
    assert data["items"][0]["ref"] == "106"
    assert data["items"][0]["linked"] is False
    assert sent(fake)["limit"] == 1
    linked = run("tickets", "match", "1", "--query", "fails", "--yes", "--json")
    assert json.loads(linked.stdout) == {
        "tag": "incident_1",
        "linked": ["106", "105"],
        "unchanged": [],
        "total": 2,
        "version": fake.incidents[1]["version"],
        "confirmed": True,
    }
    assert [sent(fake, i)["confirm"] for i in range(len(fake.requests))] == [False, True]


def test_match_limit_is_checked_before_asking_the_server(run: Run, fake: FakeApi) -> None:
    seeded(fake)
    result = run("tickets", "match", "1", "--limit", "20001")
    assert result.exit_code == ExitCode.USAGE
    assert fake.requests == []


# -- link, unlink ------------------------------------------------------------------------------------


def test_link_and_unlink_say_what_changed(run: Run, fake: FakeApi) -> None:
    seeded(fake)
    fake.links[1] = ["103"]
    linked = run("tickets", "link", "1", "101", "#102", "103")
    assert linked.exit_code == 0, linked.stderr
    assert sent(fake) == {"tickets": ["101", "102", "103"]}
    assert fake.requests[-1].url.path == "/api/v1/incidents/1/tickets/link"
    assert linked.stdout == (
        "linked 2 tickets: 101, 102\nalready linked: 103\n#1 now has 3 linked tickets (tag incident_1)\n"
    )
    unlinked = run("tickets", "unlink", "1", "102", "106")
    assert unlinked.exit_code == 0, unlinked.stderr
    assert fake.requests[-1].url.path == "/api/v1/incidents/1/tickets/unlink"
    assert unlinked.stdout == (
        "unlinked 1 ticket: 102\nwere not linked: 106\n#1 now has 2 linked tickets (tag incident_1)\n"
    )
    assert fake.links[1] == ["103", "101"]


def test_link_json_and_errors(run: Run, fake: FakeApi) -> None:
    seeded(fake)
    data = json.loads(run("tickets", "link", "1", "101", "--json").stdout)
    assert data == {
        "tag": "incident_1",
        "linked": ["101"],
        "unchanged": [],
        "total": 1,
        "version": fake.incidents[1]["version"],
    }
    unknown = run("tickets", "link", "1", "101", "999")
    assert unknown.exit_code == ExitCode.NOT_FOUND
    assert unknown.stderr.startswith("error: no ticket #999 in builtin")
    assert run("tickets", "link", "7", "101").exit_code == ExitCode.NOT_FOUND
    assert run("tickets", "link", "1").exit_code == ExitCode.USAGE
    assert run("tickets", "link", "1", "#").exit_code == ExitCode.USAGE
    assert json.loads(run("tickets", "unlink", "1", "101", "--json").stdout)["linked"] == ["101"]


# -- list ----------------------------------------------------------------------------------------------


def test_list_shows_tag_and_rule_then_newest_first_with_more_hint(run: Run, fake: FakeApi) -> None:
    all_linked(fake)
    fake.rules[1] = {
        "keywords": ["sign in"],
        "form": "Login",
        "organization": None,
        "since": None,
        "until": None,
    }
    fake.retired_tags.add(1)
    result = run("tickets", "list", "1", "--limit", "2")
    assert result.exit_code == 0, result.stderr
    assert calls(fake) == [("GET", "/api/v1/incidents/1/tickets?limit=2&offset=0")]
    assert result.stdout.splitlines() == [
        "incident  #1",
        "tag       incident_1 (retired)",
        'rule      keywords "sign in"; form Login',
        "linked    6",
        "",
        "REF  PRIORITY  STATUS  ORGANISATION  CREATED               SUBJECT",
        "106  normal    new     -             2026-11-27 06:36 CET  sign in fails again",
        "105  normal    new     -             2026-11-27 06:35 CET  sign in fails",
    ]
    assert result.stderr == "showing 1-2 of 6; more: --offset 2 (or --all)\n"


def test_list_all_follows_the_pages(run: Run, fake: FakeApi) -> None:
    all_linked(fake)
    result = run("tickets", "list", "1", "--limit", "4", "--all")
    assert result.exit_code == 0, result.stderr
    assert calls(fake) == [
        ("GET", "/api/v1/incidents/1/tickets?limit=4&offset=0"),
        ("GET", "/api/v1/incidents/1/tickets?limit=4&offset=4"),
    ]
    refs = [line.split()[0] for line in result.stdout.splitlines()[6:]]
    assert refs == ["106", "105", "104", "103", "102", "101"]
    assert result.stderr == ""
    fake.requests.clear()
    data = json.loads(run("tickets", "list", "1", "--limit", "2", "--all", "--json").stdout)
    assert len(fake.requests) == 3
    assert [item["ref"] for item in data["items"]] == ["106", "105", "104", "103", "102", "101"]
    assert data["next_offset"] is None
    assert data["total"] == 6
    assert data["tag"] == "incident_1"


def test_list_json_is_one_page_and_an_empty_list_says_so(run: Run, fake: FakeApi) -> None:
    all_linked(fake)
    page = json.loads(run("tickets", "list", "1", "--limit", "5", "--offset", "1", "--json").stdout)
    assert [item["ref"] for item in page["items"]] == ["105", "104", "103", "102", "101"]
    assert page["next_offset"] is None
    fake.declare("Second")
    empty = run("tickets", "list", "2")
    assert empty.exit_code == 0
    assert empty.stderr == "no tickets linked to #2\n"


# -- rule ------------------------------------------------------------------------------------------------


def test_rule_set_and_clear(run: Run, fake: FakeApi) -> None:
    seeded(fake)
    result = run(
        "tickets",
        "rule",
        "1",
        "--keyword",
        "sign in",
        "--keyword",
        "login",
        "--org",
        "Acme",
        "--since",
        "2026-11-27T06:00",
    )
    assert result.exit_code == 0, result.stderr
    assert fake.requests[-1].method == "PUT"
    assert fake.requests[-1].url.path == "/api/v1/incidents/1/tickets/rule"
    assert sent(fake) == {
        "keywords": ["sign in", "login"],
        "organization": "Acme",
        "since": "2026-11-27T05:00:00Z",
    }
    assert result.stdout == (
        'rule for #1: keywords "sign in", "login"; organisation Acme; from 2026-11-27 06:00 CET\n'
        "linked 1 ticket: 101\n"
        "#1 now has 1 linked ticket (tag incident_1)\n"
    )
    cleared = run("tickets", "rule", "1", "--clear")
    assert cleared.exit_code == 0, cleared.stderr
    assert (fake.requests[-1].method, fake.requests[-1].content) == ("DELETE", b"")
    assert cleared.stdout == "rule for #1 cleared; 1 ticket stays linked\n"
    assert 1 not in fake.rules
    data = json.loads(run("tickets", "rule", "1", "--form", "Login", "--json").stdout)
    assert data["tag"] == "incident_1"
    assert fake.rules[1]["form"] == "Login"


def test_rule_refuses_nothing_or_clear_with_conditions(run: Run, fake: FakeApi) -> None:
    seeded(fake)
    nothing = run("tickets", "rule", "1")
    assert nothing.exit_code == ExitCode.USAGE
    assert "--keyword, --form or --org" in nothing.stderr
    both = run("tickets", "rule", "1", "--clear", "--keyword", "x")
    assert both.exit_code == ExitCode.USAGE
    assert "--clear" in both.stderr
    bad_time = run("tickets", "rule", "1", "--keyword", "x", "--since", "yesterday")
    assert bad_time.exit_code == ExitCode.USAGE
    assert fake.requests == []


# -- create ----------------------------------------------------------------------------------------------


def test_create_sends_the_ticket_and_shows_the_rule_links(run: Run, fake: FakeApi) -> None:
    fake.declare()
    fake.rules[1] = {"keywords": ["login"], "form": None, "organization": None, "since": None, "until": None}
    result = run(
        "tickets",
        "create",
        "--subject",
        "Login fails",
        "--requester",
        "dan@example.com",
        "--priority",
        "URGENT",
        "--org",
        "Acme",
        "--tag",
        "sso",
        "--tag",
        "eu",
        "--private",
    )
    assert result.exit_code == 0, result.stderr
    assert fake.requests[-1].url.path == "/api/v1/tickets"
    assert sent(fake) == {
        "subject": "Login fails",
        "requester": "dan@example.com",
        "priority": "urgent",
        "organization": "Acme",
        "tags": ["sso", "eu"],
        "public": False,
    }
    lines = result.stdout.splitlines()
    assert lines[0] == "ticket 101 created: Login fails"
    assert "  priority      urgent" in lines
    assert "  tags          eu, sso" in lines
    assert "  visibility    private" in lines
    assert lines[-1] == "linked (by its tag or a rule) to #1"
    assert fake.links[1] == ["101"]


def test_create_json_and_refusal_when_tickets_come_from_zendesk(run: Run, fake: FakeApi) -> None:
    created = json.loads(run("tickets", "create", "--subject", "Hi", "--requester", "a@b.c", "--json").stdout)
    assert created["ref"] == "101"
    assert created["public"] is True
    assert created["linked_incidents"] == []
    assert sent(fake) == {"subject": "Hi", "requester": "a@b.c"}
    fake.ticket_system = "zendesk"
    refused = run("tickets", "create", "--subject", "Hi", "--requester", "a@b.c")
    assert refused.exit_code == ExitCode.INVALID_INPUT
    assert refused.stderr.startswith("error: tickets come from zendesk here; create them there")
    missing = run("tickets", "create", "--subject", "Hi")
    assert missing.exit_code == ExitCode.USAGE
    assert run("tickets", "create", "--subject", "Hi", "--requester", "x", "--priority", "meh").exit_code == 2


# -- reply -----------------------------------------------------------------------------------------------


def test_reply_dry_run_lists_targets_and_exclusions_and_sends_nothing(run: Run, fake: FakeApi) -> None:
    all_linked(fake)
    result = run("tickets", "reply", "1", "--macro", MACRO, "--status", "Solved", "--internal", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert sent(fake) == {"macro": MACRO, "status": "solved", "public": False, "dry_run": True}
    assert result.stdout.splitlines() == [
        "dry run: macro outage-resolved would go to 3 tickets, 3 left out; nothing was sent",
        "",
        "Gets the reply (3)",
        "  REF  SUBJECT              FIRST LINE",
        "  101  Cannot sign in       Hi ann@example.com, the sign-in problem is fixed.",
        "  103  Billing question     Hi ann@example.com, the sign-in problem is fixed.",
        "  106  sign in fails again  Hi carol@example.com, the sign-in problem is fixed.",
        "Left out (3)",
        "  REF  SUBJECT         REASON",
        "  102  Sign in loops   organisation opted out",
        "  104  sign in broken  closed",
        "  105  sign in fails   escalated",
    ]
    assert fake.runs == {}
    plan = json.loads(run("tickets", "reply", "1", "--macro", MACRO, "--dry-run", "--json").stdout)
    assert plan["dry_run"] is True
    assert (plan["targets"], plan["excluded"]) == (3, 3)
    assert plan["items"][1] == {
        "ref": "102",
        "subject": "Sign in loops",
        "excluded": "organisation opted out",
        "text": "Hi ann@example.com, the sign-in problem is fixed.\nThanks for waiting.",
    }


def test_reply_without_a_terminal_prints_a_json_line_per_poll(
    run: Run, fake: FakeApi, no_pause: None
) -> None:
    all_linked(fake)
    result = run("tickets", "reply", "1", "--macro", MACRO, "--status", "pending")
    assert result.exit_code == 0, result.stderr
    assert sent(fake, 0) == {"macro": MACRO, "status": "pending"}
    assert calls(fake) == [
        ("POST", "/api/v1/incidents/1/tickets/replies"),
        ("GET", "/api/v1/incidents/1/tickets/replies/1"),
        ("GET", "/api/v1/incidents/1/tickets/replies/1"),
    ]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["run"], line["state"], line["done"], line["total"]) for line in lines] == [
        (1, "running", 3, 6),
        (1, "running", 5, 6),
        (1, "completed", 6, 6),
    ]
    assert lines[-1]["counts"] == {
        "pending": 0,
        "sending": 0,
        "submitted": 0,
        "replied": 3,
        "skipped": 3,
        "failed": 0,
    }
    assert result.stderr == (
        "bulk reply 1 (macro outage-resolved) completed: 3 replied, 3 skipped, 0 failed of 6 tickets; "
        "status set to pending\n"
    )


def test_reply_with_failed_tickets_exits_9(run: Run, fake: FakeApi, no_pause: None) -> None:
    all_linked(fake)
    fake.failing_refs = {"106"}
    fake.reply_step = 1
    result = run("tickets", "reply", "1", "--macro", MACRO)
    assert result.exit_code == 9
    assert ExitCode.PARTIAL.value == 9
    counts = [json.loads(line)["counts"] for line in result.stdout.splitlines()]
    assert [(c["replied"], c["failed"]) for c in counts] == [(0, 0), (1, 0), (2, 0), (2, 1)]
    assert result.stderr.splitlines() == [
        "bulk reply 1 (macro outage-resolved) completed: 2 replied, 3 skipped, 1 failed of 6 tickets",
        "error: 1 ticket of bulk reply 1 failed",
        "hint: run the same command again: tickets that got the reply are left out",
        "hint: sirf tickets status 1 shows the bulk replies",
    ]
    again = run("tickets", "reply", "1", "--macro", MACRO, "--dry-run", "--json")
    reasons = {item["ref"]: item["excluded"] for item in json.loads(again.stdout)["items"]}
    assert reasons["101"] == "already received this reply"
    assert reasons["106"] is None


def test_reply_at_a_terminal_shows_an_in_place_line_and_a_summary(
    run: Run, fake: FakeApi, no_pause: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    all_linked(fake)
    monkeypatch.setattr(tickets, "_terminal", lambda: True)
    result = run("tickets", "reply", "1", "--macro", MACRO)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "\rbulk reply 1: replied 0/6, failed 0, skipped 3"
        "\rbulk reply 1: replied 2/6, failed 0, skipped 3"
        "\rbulk reply 1: replied 3/6, failed 0, skipped 3\n"
        "bulk reply 1 (macro outage-resolved) completed: 3 replied, 3 skipped, 0 failed of 6 tickets\n"
    )
    assert result.stderr == ""


def test_reply_json_waits_for_the_finished_run(run: Run, fake: FakeApi, no_pause: None) -> None:
    all_linked(fake)
    result = run("tickets", "reply", "1", "--macro", MACRO, "--json")
    assert result.exit_code == 0, result.stderr
    finished = json.loads(result.stdout)
    assert finished["state"] == "completed"
    assert finished["finished_at"] is not None
    assert (finished["done"], finished["total"], finished["counts"]["replied"]) == (6, 6, 3)
    assert finished == json.loads(run("tickets", "status", "1", "--json").stdout)["replies"][0]


def test_reply_no_wait_returns_at_once(run: Run, fake: FakeApi) -> None:
    all_linked(fake)
    result = run("tickets", "reply", "1", "--macro", MACRO, "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert len(fake.requests) == 1
    assert result.stdout == (
        "bulk reply 1 started: 3 tickets to reply to, 3 left out\nfollow it: sirf tickets status 1\n"
    )
    started = json.loads(
        run("tickets", "reply", "1", "--macro", "outage-resolved", "--no-wait", "--json").stdout
    )
    assert (started["id"], started["state"], started["counts"]["pending"]) == (2, "running", 3)


def test_reply_from_a_published_update(run: Run, fake: FakeApi, no_pause: None) -> None:
    all_linked(fake)
    assert (
        run("update", "draft", "1", "--template", "initial", "--body-file", "-", stdin="Fixed.").exit_code
        == 0
    )
    draft = run("tickets", "reply", "1", "--update", "1", "--dry-run")
    assert draft.exit_code == ExitCode.INVALID_INPUT
    assert "only a published update" in draft.stderr
    fake.updates[1]["state"] = "published"
    result = run("tickets", "reply", "1", "--update", "1")
    assert result.exit_code == 0, result.stderr
    assert sent(fake, -3) == {"update": 1}
    assert "bulk reply 1 (update 1) completed" in result.stderr


def test_ctrl_c_stops_waiting_but_not_the_run(
    run: Run, fake: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    all_linked(fake)

    def interrupted(_seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(time, "sleep", interrupted)
    result = run("tickets", "reply", "1", "--macro", MACRO)
    assert result.exit_code == 130
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr == (
        "stopped waiting; bulk reply 1 goes on in the worker. Follow it: sirf tickets status 1\n"
    )
    assert fake.runs[1]["state"] == "running"


def test_reply_needs_exactly_one_source_and_a_known_status(run: Run, fake: FakeApi) -> None:
    all_linked(fake)
    both = run("tickets", "reply", "1", "--update", "7", "--macro", MACRO)
    assert both.exit_code == ExitCode.USAGE
    assert "exactly one of --update UPDATE_ID or --macro NAME" in both.stderr
    assert run("tickets", "reply", "1").exit_code == ExitCode.USAGE
    assert run("tickets", "reply", "1", "--macro", MACRO, "--status", "closed").exit_code == ExitCode.USAGE
    assert run("tickets", "reply", "1", "--update", "0").exit_code == ExitCode.USAGE
    assert fake.requests == []
    unknown = run("tickets", "reply", "1", "--macro", "nope", "--dry-run")
    assert unknown.exit_code == ExitCode.NOT_FOUND
    assert "known macros: outage-resolved" in unknown.stderr


def test_reply_with_no_ticket_to_reach_is_refused(run: Run, fake: FakeApi) -> None:
    seeded(fake)
    fake.links[1] = ["104"]
    refused = run("tickets", "reply", "1", "--macro", MACRO)
    assert refused.exit_code == ExitCode.REFUSED
    assert "no linked ticket of incident #1 would get this reply" in refused.stderr


# -- status, surges ------------------------------------------------------------------------------------


def test_status_summarises_tag_rule_queue_sla_and_replies(run: Run, fake: FakeApi, no_pause: None) -> None:
    all_linked(fake)
    fake.pending_tag_ops[1] = 4
    fake.rules[1] = {
        "keywords": ["sign in"],
        "form": None,
        "organization": None,
        "since": None,
        "until": None,
    }
    fake.impact_figures[1] = {"customers": 12, "queue_health": "strained"}
    fake.sla_figures[1] = {"at_risk": [{"ref": "101"}, {"ref": "102"}], "breached": [{"ref": "103"}]}
    fake.failing_refs = {"103"}
    assert run("tickets", "reply", "1", "--macro", MACRO).exit_code == ExitCode.PARTIAL
    result = run("tickets", "status", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:11] == [
        "#1 tickets",
        "ticket system           builtin",
        "tag                     incident_1",
        'rule                    keywords "sign in"',
        "linked                  6",
        "pending tag operations  4",
        "customers               12",
        "queue health            strained",
        "SLA                     2 at risk, 1 breached",
        "",
        "Bulk replies",
    ]
    header, row = result.stdout.splitlines()[11:]
    assert header.split() == [
        "RUN",
        "SOURCE",
        "STATE",
        "DONE",
        "REPLIED",
        "SKIPPED",
        "FAILED",
        "WAITING",
        "STARTED",
        "BY",
    ]
    assert row.split() == [
        "1",
        "macro",
        "outage-resolved",
        "completed",
        "6/6",
        "2",
        "3",
        "1",
        "0",
        "2026-11-27",
        "06:37",
        "CET",
        "alice",
    ]
    data = json.loads(run("tickets", "status", "1", "--json").stdout)
    assert (data["linked"], data["sla_at_risk"], data["sla_breached"]) == (6, 2, 1)


def test_status_of_an_incident_without_replies(run: Run, fake: FakeApi) -> None:
    fake.declare()
    fake.retired_tags.add(1)
    result = run("tickets", "status", "1")
    assert "tag                     incident_1 (retired)" in result.stdout
    assert "rule                    none" in result.stdout
    assert result.stdout.endswith("Bulk replies\n  (none)\n")
    assert run("tickets", "status", "9").exit_code == ExitCode.NOT_FOUND


SURGE = {
    "label": "sign in / login",
    "keywords": ["sign", "login"],
    "count": 14,
    "baseline_per_window": 2.0,
    "ratio": 7.0,
    "hourly": [
        {"hour": "2026-11-27T05:00:00Z", "tickets": 2},
        {"hour": "2026-11-27T06:00:00Z", "tickets": 12},
    ],
    "sample_subjects": ["Cannot sign in", "Login page blank"],
    "organisations": ["Acme", "Globex"],
    "customers": 9,
    "refs": ["101", "102"],
    "first_seen_at": "2026-11-27T05:10:00Z",
    "reason": "14 tickets in 2 h against 2 usually at this time of day",
}


def test_surges_some_and_none(run: Run, fake: FakeApi) -> None:
    none = run("tickets", "surges")
    assert none.exit_code == 0
    assert none.stdout == ""
    assert none.stderr == "no surges: ticket volume is at its usual level\n"
    assert json.loads(run("tickets", "surges", "--json").stdout) == {"items": []}
    fake.surges = [SURGE]
    result = run("tickets", "surges")
    assert result.exit_code == 0, result.stderr
    assert fake.requests[-1].url.path == "/api/v1/tickets/surges"
    assert result.stdout.splitlines() == [
        "Surge 1: sign in / login  (14 tickets vs 2 usual, x7)",
        "  reason         14 tickets in 2 h against 2 usually at this time of day",
        "  keywords       sign, login",
        "  first seen     2026-11-27 06:10 CET",
        "  per hour       06:00 2, 07:00 12",
        "  customers      9",
        "  organisations  Acme, Globex",
        "  tickets        101, 102",
        "  sample subjects",
        "    - Cannot sign in",
        "    - Login page blank",
    ]
    assert json.loads(run("tickets", "surges", "--json").stdout) == {"items": [SURGE]}


# -- impact, sla -----------------------------------------------------------------------------------------

FIGURES = {
    "total_tickets": 320,
    "active_tickets": 120,
    "awaiting_first_response": 30,
    "escalated": 4,
    "organisations": 38,
    "customers": 45,
    "segments": {"smb": 30, "enterprise": 12},
    "unclassified_segment": 3,
    "regions": {"emea": 20, "amer": 10},
    "unclassified_region": 0,
    "tickets_per_hour": 12,
    "peak_per_hour": 40,
    "peak_hour": "2026-11-27T06:00:00Z",
    "current_response_minutes": 35.0,
    "average_response_minutes": 92.4,
    "longest_wait_minutes": 0.5,
    "queue_health": "strained",
    "csat_percent": 78.25,
    "csat_ratings": 120,
    "csat_baseline_percent": 85.0,
    "csat_trend": "declining",
    "top_issues": [{"issue": "sign in fails", "reports": 40}, {"issue": "sso loop", "reports": 7}],
}


def test_impact_without_options_shows_the_ticket_figures(run: Run, fake: FakeApi) -> None:
    fake.declare()
    fake.impact_figures[1] = FIGURES
    result = run("impact", "1")
    assert result.exit_code == 0, result.stderr
    assert calls(fake) == [("GET", "/api/v1/incidents/1/impact")]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("#1 ticket impact, computed 2026-11-27 ")
    assert lines[0].endswith(" CET")
    assert lines[1:] == [
        "customers         45",
        "organisations     38",
        "tickets           320 (120 active, 30 awaiting a first response, 4 escalated)",
        "segments          smb 30, enterprise 12; 3 unclassified",
        "regions           EMEA 20, AMER 10",
        "tickets per hour  12 in the last hour; peak 40 in the hour from 2026-11-27 07:00 CET",
        "first response    current 35 min, average 1 h 32 min, longest wait 0.5 min",
        "queue health      strained",
        "CSAT              78.2% of 120 ratings, baseline 85%, declining",
        "",
        "Top issues",
        "  sign in fails  x 40",
        "  sso loop       x 7",
    ]
    data = json.loads(run("impact", "1", "--json").stdout)
    assert data["incident_id"] == 1
    assert data["top_issues"] == FIGURES["top_issues"]
    assert fake.incidents[1]["version"] == 1


def test_impact_with_options_still_records_facts(run: Run, fake: FakeApi) -> None:
    fake.declare()
    result = run("impact", "1", "--customers", "130")
    assert result.exit_code == 0, result.stderr
    assert calls(fake) == [("PATCH", "/api/v1/incidents/1/impact")]
    assert sent(fake) == {"customers_affected": 130}
    assert fake.incidents[1]["impact"]["customers_affected"] == 130
    assert "customers affected           130" in result.stdout
    lone_version = run("impact", "1", "--if-version", "2")
    assert lone_version.exit_code == ExitCode.USAGE
    assert len(fake.requests) == 1


def test_impact_figures_of_an_incident_without_tickets(run: Run, fake: FakeApi) -> None:
    fake.declare()
    result = run("impact", "1")
    assert "CSAT              - (no ratings yet)" in result.stdout
    assert "first response    current -, average -, longest wait -" in result.stdout
    assert result.stdout.endswith("Top issues\n  (none)\n")
    assert run("impact", "5").exit_code == ExitCode.NOT_FOUND


def assessment(ref: str, remaining: float, due: str, priority: str = "high") -> dict[str, Any]:
    state = "breached" if remaining < 0 else "at_risk"
    return {
        "ref": ref,
        "priority": priority,
        "region": "emea",
        "due_at": due,
        "state": state,
        "remaining_minutes": remaining,
    }


def test_sla_lists_breached_longest_overdue_first_then_at_risk(run: Run, fake: FakeApi) -> None:
    fake.declare()
    fake.sla_figures[1] = {
        "compliance_percent": 200 / 3,
        "counts": {"met": 2, "missed": 1, "on_track": 4, "at_risk": 2, "breached": 2},
        "breached": [
            assessment("103", -5.0, "2026-11-27T06:25:00Z", "urgent"),
            assessment("104", -75.0, "2026-11-27T05:15:00Z"),
        ],
        "at_risk": [
            assessment("105", 12.0, "2026-11-27T06:42:00Z"),
            assessment("106", 3.0, "2026-11-27T06:33:00Z"),
        ],
    }
    result = run("sla", "1")
    assert result.exit_code == 0, result.stderr
    assert fake.requests[-1].url.path == "/api/v1/incidents/1/sla"
    assert result.stdout.splitlines() == [
        "#1 first-response SLA",
        "compliance  66.7%",
        "tickets     met 2, missed 1, on track 4, at risk 2, breached 2",
        "",
        "Breached (2)",
        "  REF  PRIORITY  REGION  DUE                   REMAINING",
        "  104  high      EMEA    2026-11-27 06:15 CET  overdue 1 h 15 min",
        "  103  urgent    EMEA    2026-11-27 07:25 CET  overdue 5 min",
        "At risk (2)",
        "  REF  PRIORITY  REGION  DUE                   REMAINING",
        "  106  high      EMEA    2026-11-27 07:33 CET  3 min left",
        "  105  high      EMEA    2026-11-27 07:42 CET  12 min left",
    ]
    data = json.loads(run("sla", "1", "--json").stdout)
    assert data == {"incident_id": 1, **fake.sla_figures[1]}


def test_sla_without_decided_tickets(run: Run, fake: FakeApi) -> None:
    fake.declare()
    result = run("sla", "1")
    assert "compliance  - (no ticket decided yet)" in result.stdout
    assert "Breached (0)\n  (none)\nAt risk (0)\n  (none)\n" in result.stdout
    assert run("sla", "2").exit_code == ExitCode.NOT_FOUND


# -- errors every command shares ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["tickets", "match", "1", "--query", "x"],
        ["tickets", "list", "1"],
        ["tickets", "status", "1"],
        ["tickets", "surges"],
        ["sla", "1"],
        ["impact", "1"],
    ],
    ids=" ".join,
)
def test_server_trouble_keeps_its_exit_codes(run: Run, fake: FakeApi, args: list[str]) -> None:
    fake.declare()
    fake.unreachable = 2
    unreachable = run(*args)
    assert unreachable.exit_code == ExitCode.UNAVAILABLE
    assert unreachable.stderr.startswith("error: cannot reach the sirf server")
    assert run(*args, SIRF_TOKEN="sirf_000000000000_nope").exit_code == ExitCode.AUTH
