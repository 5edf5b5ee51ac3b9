"""HTTP behaviour: exit codes, problem JSON, connection settings, headers, idempotent retries."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from sirf import __version__
from sirf.cli.profiles import Profile, save_profile
from tests.cli.conftest import SERVER, Run
from tests.cli.fake_api import TOKEN, VIEWER_TOKEN, FakeApi


def problem(status: int, code: str, detail: str = "it went wrong", **extra: object) -> httpx.Response:
    body = {
        "type": f"https://sirf.dev/problems/{code}",
        "title": code,
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return httpx.Response(status, json=body, headers={"Content-Type": "application/problem+json"})


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [
        (404, "not_found", 3),
        (401, "authentication_required", 4),
        (403, "permission_denied", 4),
        (409, "invalid_transition", 5),
        (409, "release_blocked", 5),
        (409, "role_conflict", 5),
        (409, "conflict", 5),
        (422, "out_of_scope", 5),
        (422, "invalid_input", 7),
        (413, "payload_too_large", 7),
        (412, "precondition_failed", 8),
        (500, "internal_error", 6),
        (503, "unavailable", 6),
        (429, "rate_limited", 1),
        (418, "teapot", 1),
    ],
)
def test_each_answer_maps_to_its_exit_code(
    run: Run, fake: FakeApi, status: int, code: str, exit_code: int
) -> None:
    fake.next_answer = problem(status, code, detail=f"the {code} detail")
    result = run("show", "1")
    assert result.exit_code == exit_code
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == f"error: the {code} detail"


def test_problem_detail_is_one_line_even_when_the_server_wraps_it(run: Run, fake: FakeApi) -> None:
    fake.next_answer = problem(409, "conflict", detail="first line\n   second   line")
    assert run("show", "1").stderr == "error: first line second line\n"


def test_a_framework_style_validation_list_is_readable(run: Run, fake: FakeApi) -> None:
    body = {"detail": [{"loc": ["body", "severity"], "msg": "Input should be less than or equal to 4"}]}
    fake.next_answer = httpx.Response(422, json=body)
    result = run("show", "1")
    assert result.exit_code == 7
    assert result.stderr == "error: severity: Input should be less than or equal to 4\n"


def test_a_non_json_server_failure_is_still_one_line(run: Run, fake: FakeApi) -> None:
    fake.next_answer = httpx.Response(502, text="<html>bad gateway</html>")
    result = run("list")
    assert result.exit_code == 6
    assert result.stderr.splitlines()[0] == "error: Bad Gateway"


def test_rate_limiting_hints_at_retry_after(run: Run, fake: FakeApi) -> None:
    fake.next_answer = httpx.Response(429, json={"detail": "slow down"}, headers={"Retry-After": "7"})
    result = run("list")
    assert result.exit_code == 1
    assert result.stderr == "error: slow down\nhint: the server is busy; retry after 7 s\n"


def test_a_success_that_is_not_json_is_an_error(run: Run, fake: FakeApi) -> None:
    fake.next_answer = httpx.Response(200, text="hello")
    result = run("show", "1")
    assert result.exit_code == 1
    assert result.stderr == "error: the server answered 200 with something other than a JSON object\n"


def test_real_not_found_and_authentication_answers(run: Run, fake: FakeApi) -> None:
    missing = run("show", "99")
    assert (missing.exit_code, missing.stderr) == (3, "error: incident #99 does not exist\n")
    bad_token = run("list", SIRF_TOKEN="sirf_nope")
    assert bad_token.exit_code == 4
    assert bad_token.stderr.startswith("error: invalid, revoked or unknown API token\nhint: check the token")
    fake.declare()
    viewer = run("note", "1", "hello", SIRF_TOKEN=VIEWER_TOKEN)
    assert (viewer.exit_code, viewer.stderr) == (4, "error: viewers cannot change incidents\n")


def test_invalid_input_and_payload_too_large(run: Run, fake: FakeApi) -> None:
    assert run("declare", "x", "--kind", "saas-outage", "--severity", "9").exit_code == 7
    fake.declare()
    too_big = run("note", "1", "x" * 30_000)
    assert too_big.exit_code == 7
    assert "larger than" in too_big.stderr


def test_unreachable_server_exits_6_after_one_retry(run: Run, fake: FakeApi) -> None:
    fake.unreachable = 5
    result = run("list")
    assert result.exit_code == 6
    assert result.stderr.startswith(f"error: cannot reach the sirf server at {SERVER}")
    assert "hint: is it running?" in result.stderr
    assert len(fake.requests) == 2


def test_a_timeout_exits_6(run: Run, fake: FakeApi) -> None:
    fake.timeouts = 5
    result = run("whoami")
    assert result.exit_code == 6
    assert result.stderr == f"error: the sirf server at {SERVER} did not answer within 10 s\n"


def test_a_bad_server_url_is_explained(run: Run, fake: FakeApi) -> None:
    result = run("list", SIRF_SERVER="localhost:8000")
    assert result.exit_code == 1
    assert "is not usable" in result.stderr
    assert "http://127.0.0.1:8000" in result.stderr


def test_every_post_carries_a_fresh_idempotency_key(run: Run, fake: FakeApi) -> None:
    fake.declare()
    run("note", "1", "one")
    run("note", "1", "two")
    run("show", "1")
    run("assign", "1", "cmoc", "alice")
    keys = [r.headers.get("Idempotency-Key") for r in fake.requests]
    posted, others = keys[:2], keys[2:]
    assert all(uuid.UUID(key).version == 4 for key in posted if key)
    assert posted[0] != posted[1]
    assert None not in posted
    assert others == [None, None]


def test_a_post_that_got_no_answer_is_retried_once_with_the_same_key(run: Run, fake: FakeApi) -> None:
    fake.declare()
    fake.unreachable = 1
    result = run("note", "1", "Rollback started")
    assert result.exit_code == 0, result.stderr
    first, second = fake.requests
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.content == second.content


def test_a_post_whose_answer_was_lost_is_not_applied_twice(run: Run, fake: FakeApi) -> None:
    """The first attempt reaches the server but times out on the way back; the retry is replayed."""
    fake.declare()
    original = fake.handle

    def answer_lost_once(request: httpx.Request) -> httpx.Response:
        response = original(request)
        if len(fake.requests) == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return response

    fake.handle = answer_lost_once  # type: ignore[method-assign]
    result = run("note", "1", "Rollback started")
    assert result.exit_code == 0, result.stderr
    assert [e["type"] for e in fake.timelines[1]] == ["incident.declared", "note.added"]


def test_put_and_patch_are_not_retried(run: Run, fake: FakeApi) -> None:
    fake.declare()
    fake.unreachable = 1
    assert run("assign", "1", "cmoc", "alice").exit_code == 6
    assert len(fake.requests) == 1


def test_requests_identify_the_client_and_carry_the_token(run: Run, fake: FakeApi) -> None:
    run("whoami")
    (request,) = fake.requests
    assert request.headers["User-Agent"] == f"sirf-cli/{__version__}"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert str(request.url) == f"{SERVER}/api/v1/users/me"
    assert request.extensions["timeout"] == {"connect": 10.0, "read": 10.0, "write": 10.0, "pool": 10.0}


def test_if_version_sends_if_match_and_a_stale_version_exits_8(run: Run, fake: FakeApi) -> None:
    fake.declare()
    assert run("severity", "1", "1", "--reason", "worse", "--if-version", "1").exit_code == 0
    assert fake.requests[-1].headers["If-Match"] == '"1"'
    stale = run("severity", "1", "2", "--reason", "better", "--if-version", "1")
    assert stale.exit_code == 8
    assert stale.stderr.startswith("error: incident #1 is at version 2, not 1\nhint: the incident changed")


def test_path_parts_from_the_user_are_quoted(run: Run, fake: FakeApi) -> None:
    fake.declare()
    run("assign", "1", "../../users", "mallory")
    assert fake.requests[-1].url.raw_path == b"/api/v1/incidents/1/roles/..%2F..%2Fusers"


# -- where the server and token come from ----------------------------------------------------------


def test_no_server_configured_says_how_to_fix_it(run: Run, fake: FakeApi) -> None:
    result = run("list", SIRF_SERVER=None, SIRF_TOKEN=None)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no sirf server configured\n"
        "hint: run `sirf server` once to store a profile, or pass --server URL and --token TOKEN\n"
    )
    assert fake.requests == []


def _save(config: Path, name: str, server: str, token: str, *, default: bool) -> None:
    save_profile(
        Profile(name, server, token), make_default=default, environ={"SIRF_CONFIG_HOME": str(config)}
    )


def test_the_default_profile_is_used(run: Run, fake: FakeApi, env: dict[str, str | None]) -> None:
    config = Path(str(env["SIRF_CONFIG_HOME"]))
    _save(config, "local", SERVER, TOKEN, default=True)
    result = run("whoami", SIRF_SERVER=None, SIRF_TOKEN=None)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"alice (Alice Liddell), responder on {SERVER}\n"


def test_a_named_profile_and_an_unknown_one(run: Run, fake: FakeApi, env: dict[str, str | None]) -> None:
    config = Path(str(env["SIRF_CONFIG_HOME"]))
    _save(config, "local", "http://elsewhere.test", "sirf_other", default=True)
    _save(config, "viewer", SERVER, VIEWER_TOKEN, default=False)
    chosen = run("--profile", "viewer", "whoami", "--json", SIRF_SERVER=None, SIRF_TOKEN=None)
    assert '"username": "victor"' in chosen.stdout
    from_env = run("whoami", SIRF_SERVER=None, SIRF_TOKEN=None, SIRF_PROFILE="viewer")
    assert "victor" in from_env.stdout
    unknown = run("--profile", "nope", "list", SIRF_SERVER=None, SIRF_TOKEN=None)
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("error: no profile named 'nope'")


def test_a_profile_token_goes_only_to_its_own_server(
    run: Run, fake: FakeApi, env: dict[str, str | None]
) -> None:
    config = Path(str(env["SIRF_CONFIG_HOME"]))
    _save(config, "local", "http://elsewhere.test", TOKEN, default=True)
    result = run("--server", SERVER, "whoami", SIRF_SERVER=None, SIRF_TOKEN=None)
    assert result.exit_code == 4
    assert "Authorization" not in fake.requests[0].headers
    _save(config, "local", SERVER + "/", TOKEN, default=True)
    assert run("--server", SERVER, "whoami", SIRF_SERVER=None, SIRF_TOKEN=None).exit_code == 0


def test_an_unreadable_profiles_file_is_an_error(run: Run, env: dict[str, str | None]) -> None:
    config = Path(str(env["SIRF_CONFIG_HOME"]))
    config.mkdir(parents=True)
    (config / "profiles.json").write_text("[]", encoding="utf-8")
    result = run("list", SIRF_SERVER=None, SIRF_TOKEN=None)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot read the CLI profiles")


def test_flags_beat_the_environment(run: Run, fake: FakeApi) -> None:
    result = run("--server", SERVER, "--token", VIEWER_TOKEN, "whoami", SIRF_SERVER="http://wrong.test")
    assert "victor" in result.stdout
    assert fake.requests[0].url.host == "sirf.test"
