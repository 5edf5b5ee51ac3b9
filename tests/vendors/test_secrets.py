"""Credentials (API keys, Slack webhook paths) never show in errors, reprs or log lines."""

from __future__ import annotations

import logging

import httpx
import pytest

from sirf.adapters.slack import SlackWebhookChannel
from sirf.adapters.statusio import StatusIoChannel, StatusIoConfig
from sirf.adapters.statuspage import StatuspageChannel, StatuspageConfig
from sirf.config import Secret, Settings
from sirf.services.publishing import Channel, DeliveryFailed
from tests.vendors.fakes import FakeSlack, FakeStatusIo, FakeStatuspage, Fault
from tests.vendors.support import (
    SECRETS,
    SLACK_PATH,
    SLACK_URL,
    STATUSIO_ID,
    STATUSIO_KEY,
    STATUSPAGE_KEY,
    ManualClock,
    mock_client,
    publication,
)


def channels() -> list[tuple[Channel, FakeStatusIo | FakeStatuspage | FakeSlack]]:
    statusio = FakeStatusIo(api_id=STATUSIO_ID, api_key=STATUSIO_KEY, page_id="page", infrastructure=set())
    clock = ManualClock()
    statuspage = FakeStatuspage(api_key=STATUSPAGE_KEY, page_id="page", components=set(), clock=clock)
    slack = FakeSlack()
    slack.add_hook(SLACK_PATH)
    io_config = StatusIoConfig(
        Secret(STATUSIO_ID), Secret(STATUSIO_KEY), "page", "https://api.status.test/v2"
    )
    sp_config = StatuspageConfig(Secret(STATUSPAGE_KEY), "page", "https://api.statuspage.test/v1")
    return [
        (StatusIoChannel(io_config, mock_client(statusio)), statusio),
        (StatuspageChannel(sp_config, mock_client(statuspage), spacing=clock.spacing()), statuspage),
        (
            SlackWebhookChannel("ops", Secret(SLACK_URL), False, mock_client(slack), spacing=clock.spacing()),
            slack,
        ),
    ]


FAULTS = [
    Fault(status=401, body=f"bad key {STATUSIO_KEY} {STATUSPAGE_KEY} {SLACK_URL}"),
    Fault(status=500, body=SLACK_PATH),
    Fault(status=429, headers={"Retry-After": "2"}),
    Fault(before=httpx.ConnectError),
    Fault(before=httpx.ReadTimeout),
    Fault(lose_answer=httpx.RemoteProtocolError),
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: str(f.status or f.before or f.lose_answer))
def test_no_secret_in_failures_or_logs(fault: Fault, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for channel, fake in channels():
        fake.faults.append(fault)
        with pytest.raises(DeliveryFailed) as failed:
            channel.deliver(publication())
        shown = f"{failed.value} {failed.value!r} {failed.value.message}"
        assert not any(secret in shown for secret in SECRETS), shown
        logging.getLogger("sirf.test").exception("delivery failed", exc_info=failed.value)
    assert caplog.records
    assert not any(secret in caplog.text for secret in SECRETS)


def test_httpx_request_log_lines_have_the_webhook_path_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    for channel, _ in channels():
        channel.deliver(publication())
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("https://hooks.slack.test[REDACTED]" in line for line in lines)
    assert not any(secret in caplog.text for secret in SECRETS)


def test_settings_and_secrets_do_not_print_their_values() -> None:
    settings = Settings.from_env(
        {
            "SIRF_STATUSIO_API_ID": STATUSIO_ID,
            "SIRF_STATUSIO_API_KEY": STATUSIO_KEY,
            "SIRF_STATUSIO_PAGE_ID": "page",
            "SIRF_STATUSPAGE_API_KEY": STATUSPAGE_KEY,
            "SIRF_STATUSPAGE_PAGE_ID": "page",
            "SIRF_SLACK_WEBHOOKS": f"ops={SLACK_URL}",
        }
    )
    shown = f"{settings!r} {settings} {settings.slack_webhooks}"
    assert not any(secret in shown for secret in SECRETS)
    assert str(Secret("hunter2-hunter2")) == repr(Secret("hunter2-hunter2")) == "Secret('********')"
    assert settings.statusio_api_key == Secret(STATUSIO_KEY)
    assert settings.slack_webhooks["ops"].reveal() == SLACK_URL
