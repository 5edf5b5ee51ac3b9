"""Vendor settings: complete or absent, never half there; and the channels they produce."""

from __future__ import annotations

import httpx
import pytest

from sirf.adapters.channels import build_channels
from sirf.adapters.slack import SlackWebhookChannel
from sirf.config import Secret, Settings
from sirf.domain.errors import ValidationFailed
from sirf.domain.updates import Audience

COMPLETE = {
    "SIRF_STATUSIO_API_ID": "statusio-id-5f1e9c7d",
    "SIRF_STATUSIO_API_KEY": "statusio-key-3b8a7e2c9d1f",
    "SIRF_STATUSIO_PAGE_ID": "5b36dc6502d06804c08349f7",
    "SIRF_STATUSIO_COMPONENTS": "GitLab.com=aaa111-bbb222, API = ccc333-bbb222",
    "SIRF_STATUSPAGE_URL": "https://statuspage.internal.test/v1/",
    "SIRF_STATUSPAGE_API_KEY": "statuspage-key-9c4f1a2b7e6d",
    "SIRF_STATUSPAGE_PAGE_ID": "kctbh9vrtdwd",
    "SIRF_STATUSPAGE_COMPONENTS": "GitLab.com=cmp1",
    "SIRF_SLACK_WEBHOOKS": "support-leads=https://hooks.slack.com/services/T1/B1/s1,exec=https://hooks.slack.com/services/T1/B2/s2",
    "SIRF_SLACK_EXECUTIVE_CHANNEL": "exec",
}


def test_a_complete_configuration_is_read() -> None:
    settings = Settings.from_env(COMPLETE)
    assert settings.statusio_url == "https://api.status.io/v2"
    assert settings.statusio_api_key == Secret("statusio-key-3b8a7e2c9d1f")
    assert settings.statusio_components == {"GitLab.com": "aaa111-bbb222", "API": "ccc333-bbb222"}
    assert settings.statuspage_url == "https://statuspage.internal.test/v1"
    assert settings.statuspage_components == {"GitLab.com": "cmp1"}
    assert sorted(settings.slack_webhooks) == ["exec", "support-leads"]
    assert settings.slack_executive_channel == "exec"


def test_nothing_configured_means_no_vendor_channels_and_no_client() -> None:
    built: list[httpx.Client] = []
    assert build_channels(Settings.from_env({}), lambda: built.append(httpx.Client()) or built[-1]) == []
    assert built == []


def test_build_channels_makes_one_channel_per_vendor_and_webhook_sharing_one_client() -> None:
    built: list[httpx.Client] = []

    def factory() -> httpx.Client:
        built.append(httpx.Client())
        return built[-1]

    channels = build_channels(Settings.from_env(COMPLETE), factory)
    assert [c.name for c in channels] == ["statusio", "statuspage", "slack:exec", "slack:support-leads"]
    assert len(built) == 1
    executive, stakeholders = channels[2], channels[3]
    assert isinstance(executive, SlackWebhookChannel)
    assert isinstance(stakeholders, SlackWebhookChannel)
    assert executive.wants("executive", Audience.INTERNAL)
    assert not executive.wants("status", Audience.PUBLIC)
    assert stakeholders.wants("status", Audience.PUBLIC)
    assert not stakeholders.wants("executive", Audience.INTERNAL)
    built[0].close()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"SIRF_STATUSIO_API_ID": "statusio-id-1"},
            r"status.io is partly configured \(SIRF_STATUSIO_API_ID set\): also set SIRF_STATUSIO_API_KEY, "
            "SIRF_STATUSIO_PAGE_ID",
        ),
        (
            {"SIRF_STATUSIO_API_ID": "statusio-id-1", "SIRF_STATUSIO_API_KEY": "k" * 20},
            "also set SIRF_STATUSIO_PAGE_ID",
        ),
        ({"SIRF_STATUSIO_COMPONENTS": "API=a-b"}, "also set SIRF_STATUSIO_API_ID, SIRF_STATUSIO_API_KEY"),
        (
            {"SIRF_STATUSPAGE_API_KEY": "k" * 20},
            "Statuspage is partly configured .*: also set SIRF_STATUSPAGE_PAGE_ID",
        ),
        ({"SIRF_STATUSPAGE_PAGE_ID": "page"}, "also set SIRF_STATUSPAGE_API_KEY"),
        (
            {"SIRF_STATUSPAGE_COMPONENTS": "API=x"},
            "also set SIRF_STATUSPAGE_API_KEY, SIRF_STATUSPAGE_PAGE_ID",
        ),
        ({"SIRF_SLACK_EXECUTIVE_CHANNEL": "exec"}, "SIRF_SLACK_EXECUTIVE_CHANNEL='exec' is not a channel"),
    ],
)
def test_a_partial_configuration_names_what_is_missing(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        Settings.from_env(environ)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SIRF_STATUSIO_COMPONENTS", "API", "is not a list of name=value pairs"),
        ("SIRF_STATUSIO_COMPONENTS", "API=onlyone", "API='onlyone' must be componentId-containerId"),
        ("SIRF_STATUSPAGE_COMPONENTS", "API=a,API=b", "a name appears twice"),
        ("SIRF_STATUSIO_URL", "api.status.io/v2", "must start with https://"),
        (
            "SIRF_SLACK_WEBHOOKS",
            "Ops Team=https://hooks.slack.com/x",
            "channel name 'Ops Team' must be lower-case",
        ),
    ],
)
def test_malformed_values_say_what_to_fix(name: str, value: str, message: str) -> None:
    environ = {k: v for k, v in COMPLETE.items() if not k.startswith(name.rsplit("_", 1)[0])} | {name: value}
    environ.pop("SIRF_SLACK_EXECUTIVE_CHANNEL", None)
    with pytest.raises(ValidationFailed, match=message):
        Settings.from_env(environ)


def test_a_bad_webhook_url_is_refused_without_repeating_it() -> None:
    secret = "hooks.slack.com/services/T1/B1/verysecretvalue"
    with pytest.raises(ValidationFailed) as refused:
        Settings.from_env({"SIRF_SLACK_WEBHOOKS": f"ops={secret}"})
    assert "the URL of 'ops' must start with https://" in refused.value.message
    assert "verysecretvalue" not in refused.value.message
    with pytest.raises(ValidationFailed) as malformed:
        Settings.from_env({"SIRF_SLACK_WEBHOOKS": f"{secret}"})
    assert "verysecretvalue" not in malformed.value.message


def test_production_refuses_plain_http_for_vendors() -> None:
    environ = {"SIRF_ENV": "production", "SIRF_SLACK_WEBHOOKS": "ops=http://hooks.internal.test/services/x"}
    with pytest.raises(ValidationFailed, match="the URL of 'ops' must use https:// in production"):
        Settings.from_env(environ)
    assert Settings.from_env(environ | {"SIRF_ENV": "development"}).slack_webhooks
