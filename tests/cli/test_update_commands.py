"""sirf update draft|list|show|edit|preview|request-review|approve|publish|withdraw and sirf deliveries,
in JSON and for people, against the fake API's status update routes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest

from sirf.cli import updates
from sirf.cli.client import exit_code_for
from sirf.cli.errors import ExitCode
from tests.cli.conftest import Run
from tests.cli.fake_api import BOB_TOKEN, SAM_TOKEN, FakeApi

FILLED = "## Incident #1 - Users cannot sign in\n\nSign-in fails for some EU customers; a fix is rolling out."
LONG = "Sign-in is failing for customers in every region. " * 6 + "https://status.example.com/1"


def sent(fake: FakeApi, index: int = -1) -> dict[str, Any]:
    body = json.loads(fake.requests[index].content)
    assert isinstance(body, dict)
    return body


def staffed(fake: FakeApi, **fields: Any) -> None:
    """Incident 1 with web affected, CMOC alice and IMOC bob."""
    roles = {
        "cmoc": {"holder": "alice", "assumed_at": "2026-11-27T05:30:00Z", "assigned_by": "alice"},
        "smoc": None,
        "imoc": {"holder": "bob", "assumed_at": "2026-11-27T05:30:00Z", "assigned_by": "alice"},
    }
    fake.declare(affected_services=["web"], roles=roles, **fields)


def drafted(run: Run, *args: str, stdin: str | None = None) -> dict[str, Any]:
    result = run("update", "draft", "1", "--template", "initial", *args, "--json", stdin=stdin)
    assert result.exit_code == 0, result.stderr
    update = json.loads(result.stdout)
    assert isinstance(update, dict)
    return update


def approved(run: Run, fake: FakeApi, body: str = FILLED) -> None:
    """Update 1: a public update with ``body``, approved by the CMOC (alice) and the IMOC (bob)."""
    staffed(fake)
    drafted(run, "--body-file", "-", stdin=body)
    assert run("update", "request-review", "1").exit_code == 0
    assert run("update", "approve", "1").exit_code == 0
    assert run("update", "approve", "1", SIRF_TOKEN=BOB_TOKEN).exit_code == 0
    assert fake.updates[1]["state"] == "approved"


def path_of(fake: FakeApi, index: int = -1) -> tuple[str, str]:
    request = fake.requests[index]
    return request.method, request.url.path


# -- draft ----------------------------------------------------------------------------------------------


def test_draft_prints_the_text_and_lists_blanks_on_stderr(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    result = run("update", "draft", "1", "--template", "initial")
    assert result.exit_code == 0, result.stderr
    assert sent(fake) == {"template": "initial"}
    assert path_of(fake) == ("POST", "/api/v1/incidents/1/updates")
    assert result.stdout.startswith(
        "update 1  #1  initial  public  draft\n\n## Incident #1 - Users cannot sign in - UPDATE #1\n"
    )
    assert result.stderr.splitlines() == [
        "blank: Brief description of the issue - 1-2 sentences",
        "next: fill the blanks (sirf update edit 1 --editor), then sirf update request-review 1",
    ]


def test_draft_json_sends_every_option(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    update = drafted(
        run,
        "--state",
        "Identified",
        "--component",
        "web=degraded-performance",
        "--component",
        "api = Operational",
        "--next-update",
        "2026-11-27T08:00:00+01:00",
        "--audience",
        "public",
    )
    assert sent(fake) == {
        "template": "initial",
        "public_state": "identified",
        "components": {"web": "degraded-performance", "api": "operational"},
        "next_update_at": "2026-11-27T07:00:00Z",
        "audience": "public",
    }
    assert update == json.loads(run("update", "show", "1", "--json").stdout)
    assert update["etag"]
    assert update["channels"] == ["statusio", "slack:customer-success"]


def test_draft_takes_the_text_from_stdin_or_a_file(run: Run, fake: FakeApi, tmp_path: Path) -> None:
    staffed(fake)
    assert drafted(run, "--body-file", "-", stdin=FILLED)["body"] == FILLED
    assert sent(fake)["body"] == FILLED
    human = run("update", "draft", "1", "--template", "periodic", "--body-file", "-", stdin=FILLED)
    assert human.stderr == "next: sirf update request-review 2\n"
    source = tmp_path / "update.md"
    source.write_text("From a file, with ünïcode.\n", encoding="utf-8")
    assert drafted(run, "--body-file", str(source))["body"] == "From a file, with ünïcode.\n"


def test_draft_refuses_bad_input_locally_and_from_the_server(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    bad_component = run("update", "draft", "1", "--template", "initial", "--component", "web")
    assert bad_component.exit_code == 2
    assert "is not NAME=STATUS" in bad_component.stderr
    bad_status = run("update", "draft", "1", "--template", "initial", "--component", "web=sad")
    assert bad_status.exit_code == 2
    empty = run("update", "draft", "1", "--template", "initial", "--body-file", "-", stdin="  \n")
    assert empty.exit_code == 2
    assert "the text from stdin is empty" in empty.stderr
    assert fake.requests == []
    assert run("update", "draft", "1", "--template", "haiku").exit_code == 7
    correction = run("update", "draft", "1", "--template", "periodic", "--corrects", "9")
    assert correction.exit_code == 7
    assert run("update", "draft", "9", "--template", "initial").exit_code == 3


# -- list and show --------------------------------------------------------------------------------------


def test_list_in_a_table_and_as_json(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    assert run("update", "list", "1").stderr == "incident 1 has no status updates\n"
    drafted(run)
    drafted(run, "--audience", "internal", "--body-file", "-", stdin="All clear soon.")
    run("update", "request-review", "2")
    assert run("update", "list", "1").stdout.splitlines() == [
        "ID  #  TEMPLATE  AUDIENCE  STATE     APPROVAL            BLANKS  UPDATED",
        "1   1  initial   public    draft     missing CMOC, IMOC  1       2026-11-27 06:32 CET",
        "2   2  initial   internal  approved  none needed         0       2026-11-27 06:34 CET",
    ]
    listed = json.loads(run("update", "list", "1", "--json").stdout)
    assert [item["id"] for item in listed["items"]] == [1, 2]
    assert run("update", "list", "7").exit_code == 3


def test_show_lists_approvals_what_is_missing_warnings_blanks_and_channels(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run, "--body-file", "-", "--component", "web=degraded-performance", stdin=LONG)
    run("update", "request-review", "1")
    run("update", "approve", "1", "--as", "imoc", SIRF_TOKEN=BOB_TOKEN)
    result = run("update", "show", "1")
    assert result.exit_code == 0, result.stderr
    page = result.stdout
    assert page.startswith(
        "update 1  #1  initial  public  in-review\n\nsequence      1\nauthor        alice\n"
    )
    assert "created       2026-11-27 06:31:00 CET\n" in page
    assert "components    web: degraded-performance\n" in page
    assert "next update   2026-11-27 07:01 CET\n" in page
    assert "channels      statusio, slack:customer-success\n" in page
    assert (
        "Approvals (required: CMOC, IMOC)\n"
        "  BY   AS    AT                    CURRENT\n"
        "  bob  IMOC  2026-11-27 06:34 CET  yes\n"
        "  missing approval: CMOC\n"
    ) in page
    assert "Warnings\n  - the status-page text is 299 characters before its final link" in page
    assert "Blanks\n  (none)\n" in page
    assert page.endswith(f"Text\n{LONG}\n")
    shown = json.loads(run("update", "show", "1", "--json").stdout)
    assert shown["approvals"][0] | {"at": None} == {
        "by": "bob",
        "as": "imoc",
        "etag": shown["etag"],
        "at": None,
        "current": True,
    }
    assert run("update", "show", "99").exit_code == 3


# -- edit -----------------------------------------------------------------------------------------------


def test_edit_sends_if_match_with_the_etag_it_read_and_voids_approvals(run: Run, fake: FakeApi) -> None:
    approved(run, fake)
    before = json.loads(run("update", "show", "1", "--json").stdout)
    result = run("update", "edit", "1", "--body-file", "-", "--state", "monitoring", stdin="Fixed, watching.")
    assert result.exit_code == 0, result.stderr
    assert path_of(fake, -2) == ("GET", "/api/v1/updates/1")
    assert path_of(fake) == ("PATCH", "/api/v1/updates/1")
    assert fake.requests[-1].headers["If-Match"] == f'"{before["etag"]}"'
    assert sent(fake) == {"body": "Fixed, watching.", "public_state": "monitoring"}
    assert result.stdout == "update 1  #1  initial  public  in-review\n\nFixed, watching.\n"
    assert result.stderr == "the edit voided earlier approvals: the reviewers must approve the new text\n"
    after = json.loads(run("update", "show", "1", "--json").stdout)
    assert after["etag"] != before["etag"]
    assert [a["current"] for a in after["approvals"]] == [False, False]
    assert after["approval"]["missing"] == ["cmoc", "imoc"]


def test_edit_json_and_components_change_only_those_named(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run, "--component", "web=degraded-performance", "--component", "api=operational")
    result = run("update", "edit", "1", "--component", "web=operational", "--next-update", "1h", "--json")
    assert result.exit_code == 0, result.stderr
    body = sent(fake)
    assert body["components"] == {"web": "operational", "api": "operational"}
    assert set(body) == {"components", "next_update_at"}
    assert json.loads(result.stdout) == json.loads(run("update", "show", "1", "--json").stdout)


def test_edit_with_a_stale_etag_exits_8_and_writes_nothing(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run)
    result = run("update", "edit", "1", "--state", "identified", "--if-etag", "0123abc")
    assert result.exit_code == 8
    assert fake.requests[-1].headers["If-Match"] == '"0123abc"'
    assert result.stderr == (
        "error: update 1 changed since you read it; reload it\n"
        "hint: read the current text with `sirf update show 1`, then edit again\n"
    )
    assert fake.updates[1]["public_state"] == "investigating"


def test_edit_usage_errors_send_nothing(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run)
    count = len(fake.requests)
    nothing = run("update", "edit", "1")
    assert nothing.exit_code == 2
    assert "nothing to change" in nothing.stderr
    both = run("update", "edit", "1", "--editor", "--body-file", "-", stdin="x")
    assert both.exit_code == 2
    assert "use one of them" in both.stderr
    assert len(fake.requests) == count


def test_editor_is_refused_without_a_terminal(
    run: Run, fake: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    staffed(fake)
    drafted(run)
    count = len(fake.requests)

    def never(*_args: Any, **_kwargs: Any) -> str:
        raise AssertionError("the editor must not open without a terminal")

    monkeypatch.setattr(click, "edit", never)
    result = run("update", "edit", "1", "--editor")
    assert result.exit_code == 2
    assert "--editor needs a terminal; pass the text with --body-file FILE or - (stdin)" in result.stderr
    assert len(fake.requests) == count


def test_editor_on_a_terminal_edits_the_current_text(
    run: Run, fake: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    staffed(fake)
    drafted(run, "--body-file", "-", stdin=FILLED)
    seen: list[str] = []

    def editor(text: str, **_kwargs: Any) -> str:
        seen.append(text)
        return text.replace("a fix is rolling out", "the fix is live") + "\n"

    monkeypatch.setattr(updates, "interactive", lambda: True)
    monkeypatch.setattr(click, "edit", editor)
    result = run("update", "edit", "1", "--editor")
    assert result.exit_code == 0, result.stderr
    assert seen == [FILLED]
    assert sent(fake) == {"body": FILLED.replace("a fix is rolling out", "the fix is live") + "\n"}
    assert "If-Match" in fake.requests[-1].headers

    monkeypatch.setattr(click, "edit", lambda text, **_kwargs: None)  # closed without saving
    count = len(fake.requests)
    unchanged = run("update", "edit", "1", "--editor")
    assert unchanged.exit_code == 0
    assert unchanged.stderr == "the text is unchanged; nothing was sent (update 1)\n"
    assert len(fake.requests) == count + 1  # the read, no PATCH


def test_edit_of_a_published_update_is_refused(run: Run, fake: FakeApi) -> None:
    approved(run, fake)
    run("update", "publish", "1")
    result = run("update", "edit", "1", "--state", "resolved")
    assert result.exit_code == 5
    assert "published and its text is immutable" in result.stderr


# -- preview --------------------------------------------------------------------------------------------


def test_preview_all_formats_one_format_and_json(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run)
    everything = run("update", "preview", "1")
    assert everything.exit_code == 0, everything.stderr
    out = everything.stdout
    for heading in ("--- markdown ---\n## Incident #1", "--- text ---\nIncident #1", "--- html ---\n<p>"):
        assert heading in out
    assert out.endswith("--- channels ---\nstatusio\nslack:customer-success\n")
    assert everything.stderr == "blank: Brief description of the issue - 1-2 sentences\n"
    text = run("update", "preview", "1", "--format", "text").stdout
    assert text.startswith("Incident #1 - Users cannot sign in - UPDATE #1\n\ninitial: [[TODO:")
    assert "---" not in text
    html = run("update", "preview", "1", "--format", "HTML").stdout
    assert html.startswith("<p>Incident #1")
    rendered = json.loads(run("update", "preview", "1", "--json").stdout)
    assert set(rendered) == {"id", "markdown", "text", "html", "channels", "warnings", "blanks"}
    assert run("update", "preview", "1", "--format", "pdf").exit_code == 2


def test_preview_warns_about_long_status_page_text(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run, "--body-file", "-", stdin=LONG)
    result = run("update", "preview", "1", "--format", "markdown")
    assert result.stdout == LONG + "\n"
    assert result.stderr.startswith("warning: the status-page text is 299 characters before its final link")


# -- review and approval -------------------------------------------------------------------------------


def test_request_review_says_whose_approval_is_needed(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run)
    result = run("update", "request-review", "1")
    assert result.exit_code == 0, result.stderr
    assert path_of(fake) == ("POST", "/api/v1/updates/1/request-review")
    assert sent(fake) == {}
    assert result.stdout == "update 1  #1  initial  public  in-review\napproval: missing CMOC, IMOC\n"
    assert result.stderr == "missing approval: CMOC\nmissing approval: IMOC\n"
    again = run("update", "request-review", "1")
    assert again.exit_code == 5
    assert "only a draft can be" in again.stderr


def test_request_review_of_an_internal_update_approves_it_at_once(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run, "--audience", "internal")
    reviewed = json.loads(run("update", "request-review", "1", "--json").stdout)
    assert reviewed["state"] == "approved"
    assert reviewed["approval"] == {
        "required": [],
        "satisfied": [],
        "missing": [],
        "problems": [],
        "complete": True,
    }


def test_approve_reads_the_update_and_sends_its_current_etag(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run, "--body-file", "-", stdin=FILLED)
    run("update", "request-review", "1")
    run("update", "edit", "1", "--state", "identified")  # the etag changes after the draft
    current = fake.updates[1]
    result = run("update", "approve", "1", "--as", "cmoc")
    assert result.exit_code == 0, result.stderr
    assert path_of(fake, -2) == ("GET", "/api/v1/updates/1")
    assert path_of(fake) == ("POST", "/api/v1/updates/1/approve")
    shown = json.loads(run("update", "show", "1", "--json").stdout)
    assert sent(fake, -2) == {"etag": shown["etag"], "as": "cmoc"}
    assert current["state"] == "in-review"
    assert result.stdout == (
        "update 1  #1  initial  public  in-review\napproved as CMOC by alice\napproval: missing IMOC\n"
    )
    assert result.stderr == ""
    second = run("update", "approve", "1", "--json", SIRF_TOKEN=BOB_TOKEN)
    assert json.loads(second.stdout)["state"] == "approved"
    assert sent(fake)["etag"] == shown["etag"]
    assert "as" not in sent(fake)
    done = run("update", "approve", "1", "--as", "imoc", SIRF_TOKEN=BOB_TOKEN)
    assert done.stderr == "ready: sirf update publish 1 --dry-run\n"


def test_approving_text_that_changed_is_refused(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run)
    run("update", "request-review", "1")
    result = run("update", "approve", "1", "--etag", "what-i-read-earlier")
    assert result.exit_code == 5
    assert sent(fake) == {"etag": "what-i-read-earlier"}
    assert result.stderr == (
        "error: update 1 changed since you read it\n"
        "hint: read the current text with `sirf update show 1` and approve again\n"
    )


def test_approve_by_someone_who_is_no_reviewer_exits_4(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run)
    run("update", "request-review", "1")
    assert run("update", "approve", "1", SIRF_TOKEN=SAM_TOKEN).exit_code == 4
    assert run("update", "approve", "1", "--as", "imoc").exit_code == 4
    assert run("update", "approve", "1", "--as", "boss").exit_code == 2


# -- publish --------------------------------------------------------------------------------------------


def test_publish_dry_run_lists_channels_and_changes_nothing(run: Run, fake: FakeApi) -> None:
    approved(run, fake, body=LONG)
    result = run("update", "publish", "1", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert sent(fake) == {"dry_run": True}
    assert result.stdout == (
        "update 1 would be published to 2 channels (dry run: nothing was sent):\n"
        "  statusio\n"
        "  slack:customer-success\n"
    )
    assert result.stderr.startswith("warning: the status-page text is 299 characters")
    assert fake.updates[1]["state"] == "approved"
    assert fake.deliveries == {}
    as_json = json.loads(run("update", "publish", "1", "--dry-run", "--json").stdout)
    assert as_json["dry_run"] is True
    assert as_json["state"] == "published"
    assert fake.updates[1]["state"] == "approved"


def test_publish_sends_to_every_channel(run: Run, fake: FakeApi) -> None:
    approved(run, fake)
    result = run("update", "publish", "1")
    assert result.exit_code == 0, result.stderr
    assert sent(fake) == {"dry_run": False}
    assert result.stdout == "update 1 published to 2 channels:\n  statusio\n  slack:customer-success\n"
    assert result.stderr == "follow the deliveries: sirf deliveries 1 --update 1\n"
    assert fake.updates[1]["published_by"] == "alice"
    assert [d["channel"] for d in fake.deliveries.values()] == ["statusio", "slack:customer-success"]
    again = run("update", "publish", "1", "--json")
    assert again.exit_code == 5
    assert again.stdout == ""
    assert again.stderr == "error: update 1 is already published\n"


def test_publish_json_is_the_api_answer(run: Run, fake: FakeApi) -> None:
    approved(run, fake)
    published = json.loads(run("update", "publish", "1", "--json").stdout)
    assert published["dry_run"] is False
    assert published["state"] == "published"
    assert published["published_at"]


def test_publish_with_blanks_exits_7_and_lists_them_one_per_line(run: Run, fake: FakeApi) -> None:
    body = "We are looking into [[TODO: what fails]] for [[TODO: which customers]]."
    approved(run, fake, body=body)
    result = run("update", "publish", "1")
    assert result.exit_code == 7
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: update 1 still has 2 blank(s) to fill: what fails; which customers",
        "blank: what fails",
        "blank: which customers",
        "hint: fill them in: sirf update edit 1 --editor (or --body-file FILE)",
    ]
    assert run("update", "publish", "1", "--dry-run").exit_code == 7


def test_publish_without_approvals_exits_5_with_what_is_missing(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run, "--body-file", "-", stdin=FILLED)
    draft = run("update", "publish", "1")
    assert draft.exit_code == 5
    assert draft.stderr.splitlines() == [
        "error: update 1 is draft; it needs its approvals before publishing",
        "missing approval: CMOC",
        "missing approval: IMOC",
        "hint: ask for review first: sirf update request-review 1",
    ]
    run("update", "request-review", "1")
    run("update", "approve", "1")
    in_review = run("update", "publish", "1", "--dry-run")
    assert in_review.exit_code == 5
    assert in_review.stderr.splitlines()[1:] == [
        "missing approval: IMOC",
        "hint: the reviewers approve the current text with: sirf update approve 1",
    ]


def test_publish_after_approvals_lapsed_exits_5_with_what_is_missing(run: Run, fake: FakeApi) -> None:
    approved(run, fake)
    fake.incidents[1]["roles"]["imoc"] = {"holder": "carol", "assumed_at": None, "assigned_by": "alice"}
    result = run("update", "publish", "1")
    assert result.exit_code == 5
    assert result.stderr.splitlines() == [
        "error: update 1 no longer has the approvals it needs (missing: IMOC); ask again",
        "missing approval: IMOC",
        "hint: the reviewers approve the current text with: sirf update approve 1",
    ]


def test_an_approval_rule_in_422_maps_to_exit_5_and_plain_invalid_input_to_7() -> None:
    assert exit_code_for(422, "invalid_input", missing=["cmoc"]) == ExitCode.REFUSED
    assert exit_code_for(422, "invalid_input", missing=[]) == ExitCode.INVALID_INPUT
    assert exit_code_for(422, "invalid_input") == ExitCode.INVALID_INPUT


# -- withdraw -------------------------------------------------------------------------------------------


def test_withdraw(run: Run, fake: FakeApi) -> None:
    staffed(fake)
    drafted(run)
    drafted(run)
    result = run("update", "withdraw", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "update 1  #1  initial  public  withdrawn\n"
    assert path_of(fake) == ("POST", "/api/v1/updates/1/withdraw")
    assert json.loads(run("update", "withdraw", "2", "--json").stdout)["state"] == "withdrawn"
    assert (
        "1   1  initial   public    withdrawn  -         1       2026-11-27 06:33 CET"
        in run("update", "list", "1").stdout
    )
    assert run("update", "edit", "1", "--state", "identified").exit_code == 5


def test_withdrawing_a_published_update_is_refused(run: Run, fake: FakeApi) -> None:
    approved(run, fake)
    run("update", "publish", "1")
    result = run("update", "withdraw", "1")
    assert result.exit_code == 5
    assert result.stderr == "error: update 1 is published; issue a correction instead\n"


# -- deliveries -----------------------------------------------------------------------------------------


def delivered_three(fake: FakeApi) -> None:
    staffed(fake)
    update = {"id": 1, "incident_id": 1}
    fake.add_delivery(update, "statusio", state="delivered", attempts=1, delivered_at="2026-11-27T05:40:00Z")
    fake.add_delivery(
        update,
        "slack:customer-success",
        state="failed",
        attempts=5,
        last_error="503 from slack.com",
        next_attempt_at="2026-11-27T06:00:00Z",
    )
    fake.add_delivery(
        {"id": 2, "incident_id": 1}, "zendesk", attempts=1, next_attempt_at="2026-11-27T07:15:00Z"
    )


def test_deliveries_table_with_local_times(run: Run, fake: FakeApi) -> None:
    delivered_three(fake)
    result = run("deliveries", "1")
    assert result.exit_code == 0, result.stderr
    assert path_of(fake) == ("GET", "/api/v1/incidents/1/deliveries")
    assert result.stdout.splitlines() == [
        "ID  UPDATE  CHANNEL                 STATE      ATTEMPTS  NEXT ATTEMPT          LAST ERROR",
        "1   1       statusio                delivered  1         -                     -",
        "2   1       slack:customer-success  failed     5         -                     503 from slack.com",
        "3   2       zendesk                 pending    1         2026-11-27 08:15 CET  -",
    ]
    assert result.stderr == "retry a failed delivery: sirf deliveries retry 2\n"


def test_deliveries_for_one_update_json_and_the_list_spelling(run: Run, fake: FakeApi) -> None:
    delivered_three(fake)
    only = run("deliveries", "list", "1", "--update", "2")
    assert fake.requests[-1].url.params["update"] == "2"
    assert [line.split()[0] for line in only.stdout.splitlines()] == ["ID", "3"]
    for args in (["1", "--json"], ["--json", "1"], ["list", "1", "--json"]):
        page = json.loads(run("deliveries", *args).stdout)
        assert [item["id"] for item in page["items"]] == [1, 2, 3]
    none = run("deliveries", "1", "--update", "9")
    assert none.stdout == ""
    assert none.stderr == "no deliveries for incident 1 update 9\n"
    assert run("deliveries", "5").exit_code == 3
    assert run("deliveries", "list").exit_code == 2


def test_deliveries_retry(run: Run, fake: FakeApi) -> None:
    delivered_three(fake)
    result = run("deliveries", "retry", "2")
    assert result.exit_code == 0, result.stderr
    assert path_of(fake) == ("POST", "/api/v1/deliveries/2/retry")
    assert sent(fake) == {}
    assert fake.requests[-1].headers["Idempotency-Key"]
    assert result.stdout == (
        "delivery 2 (slack:customer-success, update 1) is pending; next attempt 2026-11-27 06:31 CET\n"
    )
    assert fake.deliveries[2]["attempts"] == 0
    refused = run("deliveries", "retry", "2", "--json")
    assert refused.exit_code == 5
    assert refused.stderr == "error: delivery 2 is pending; only failed deliveries are retried\n"
    fake.deliveries[2]["state"] = "failed"
    assert json.loads(run("deliveries", "retry", "2", "--json").stdout)["state"] == "pending"
    assert run("deliveries", "retry", "77").exit_code == 3
