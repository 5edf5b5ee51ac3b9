"""The README walkthrough, run with the real `sirf` executable against a live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sirf.adapters.builtin_tickets import BuiltinTickets
from sirf.bootstrap import Container
from sirf.domain.raci import OrgRole
from sirf.services.accounts import create_user, issue_token
from tests.e2e.live_server import live_server

SIRF = str(Path(sys.executable).parent / "sirf")


class Cli:
    def __init__(self, env: dict[str, str], tokens: dict[str, str] | None = None) -> None:
        self.env = env
        self.tokens = tokens or {}

    def as_user(self, name: str) -> Cli:
        return Cli(dict(self.env, SIRF_TOKEN=self.tokens[name]), self.tokens)

    def run(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [SIRF, *args], env=self.env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == expect, (
            f"sirf {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
        return done

    def json(self, *args: str) -> object:
        return json.loads(self.run(*args, "--json").stdout)


@pytest.fixture
def cli(container: Container, tmp_path: Path) -> Iterator[Cli]:
    tokens = {}
    for name, role in (("root", OrgRole.ADMIN), ("alice", OrgRole.RESPONDER), ("bob", OrgRole.RESPONDER)):
        create_user(name, org_role=role, actor=None, uow=container.uow(), env=container.env)
        _, tokens[name] = issue_token(name, name="e2e", actor=None, uow=container.uow(), env=container.env)
    token = tokens["root"]
    with live_server(container) as url:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "SIRF_CONFIG_HOME": str(tmp_path / "cfg"),
            "SIRF_SERVER": url,
            "SIRF_TOKEN": token,
            "TZ": "Asia/Tokyo",
        }
        yield Cli(env, tokens)


def test_readme_walkthrough(cli: Cli) -> None:
    declared = cli.json(
        "declare",
        "Users cannot sign in on the SaaS product",
        "--kind",
        "saas-outage",
        "--severity",
        "2",
        "--source",
        "infrastructure",
    )
    assert isinstance(declared, dict)
    number = str(declared["id"])
    listed = cli.json("list")
    assert isinstance(listed, dict)
    assert [i["id"] for i in listed["items"]] == [declared["id"]]
    cli.run("severity", number, "1", "--reason", "all regions affected")
    cli.run("assign", number, "imoc", "bob")
    cli.run("assign", number, "cmoc", "alice")
    cli.run("impact", number, "--customers", "40", "--sla-at-risk")
    triggers = cli.json("triggers", number)
    assert isinstance(triggers, dict)
    engaged = {e["role"]: e for e in triggers["engagements"]}
    assert engaged["cmoc"]["engage"]
    assert engaged["smoc"]["engage"]
    cli.run("task", "add", number, "Create Zendesk tag", "--owner", "alice")
    cli.run("note", number, "Rollback started")
    blocked = cli.run("release", number, "cmoc", expect=5)
    assert "queue-normal" in blocked.stdout + blocked.stderr
    cli.run("attest", number, "queue-normal", "--note", "queue back under 20 tickets/h")
    shown = cli.run("show", number).stdout
    assert "alice" in shown
    assert "SEV1" in shown
    assert "JST" in shown
    timeline = cli.json("timeline", number)
    assert isinstance(timeline, dict)
    types = [e["type"] for e in timeline["items"]]
    assert types[0] == "incident.declared"
    assert "note.added" in types
    assert "release.attested" in types
    cli.run("resolve", number)
    assert cli.json("list")["items"] == []  # type: ignore[index]


def test_refusals_have_stable_exit_codes_and_one_line_errors(cli: Cli) -> None:
    out_of_scope = cli.run(
        "declare", "Add dark mode", "--kind", "feature-request", "--severity", "3", expect=5
    )
    assert "out of scope" in out_of_scope.stderr
    assert out_of_scope.stdout == ""
    cli.run("show", "999", expect=3)
    cli.run("severity", expect=2)
    unreachable = dict(cli.env, SIRF_SERVER="http://127.0.0.1:9")
    done = subprocess.run(
        [SIRF, "list"], env=unreachable, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 6
    bad_token = dict(cli.env, SIRF_TOKEN="sirf_000000000000_nope")
    done = subprocess.run(
        [SIRF, "list"], env=bad_token, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 4


def test_a_status_update_from_draft_to_published(cli: Cli, tmp_path: Path) -> None:
    declared = cli.json("declare", "Checkout fails", "--kind", "saas-outage", "--severity", "1")
    assert isinstance(declared, dict)
    number = str(declared["id"])
    cli.run("assign", number, "cmoc", "alice")
    cli.run("assign", number, "imoc", "bob")
    alice, bob = cli.as_user("alice"), cli.as_user("bob")
    drafted = alice.json("update", "draft", number, "--template", "initial")
    assert isinstance(drafted, dict)
    update = str(drafted["id"])
    assert drafted["blanks"]
    blocked = alice.run("update", "publish", update, expect=5)
    assert "approv" in blocked.stderr
    body = tmp_path / "body.md"
    body.write_text("Checkout fails for all customers. Investigating. https://status.example.com/1\n")
    alice.run("update", "edit", update, "--body-file", str(body))
    alice.run("update", "request-review", update)
    bob.run("update", "approve", update)
    alice.run("update", "approve", update)
    published = alice.json("update", "publish", update)
    assert isinstance(published, dict)
    assert published["state"] == "published"
    shown = alice.run("update", "show", update).stdout
    assert "published" in shown
    timeline = cli.json("timeline", number)
    assert isinstance(timeline, dict)
    assert "update.published" in [e["type"] for e in timeline["items"]]


def test_tickets_create_and_list(cli: Cli, container: Container) -> None:
    container.ticket_port = BuiltinTickets(container.uow, container.env.clock)
    declared = cli.json("declare", "Users cannot sign in", "--kind", "saas-outage", "--severity", "2")
    assert isinstance(declared, dict)
    number = str(declared["id"])
    cli.run("tickets", "rule", number, "--keyword", "sign in")
    created = cli.json(
        "tickets", "create", "--subject", "Cannot sign in since 06:00", "--requester", "ann@example.com"
    )
    assert isinstance(created, dict)
    assert created["linked_incidents"] == [declared["id"]]
    listed = cli.json("tickets", "list", number, "--all")
    assert isinstance(listed, dict)
    assert [item["ref"] for item in listed["items"]] == [created["ref"]]
    shown = cli.run("tickets", "list", number).stdout
    assert "Cannot sign in since 06:00" in shown
    assert "JST" in shown
