"""Slack webhook channels against a fake Slack that checks Block Kit limits and answers like Slack."""

from __future__ import annotations

import pytest

from sirf.adapters.slack import SlackWebhookChannel, build_message, chunks, to_mrkdwn
from sirf.config import Secret
from sirf.domain.public_state import PublicState
from sirf.domain.severity import Severity
from sirf.domain.updates import Audience
from sirf.services.publishing import DeliveryFailed
from tests.vendors.fakes import FakeSlack, Fault, block_kit_problem
from tests.vendors.support import SLACK_PATH, SLACK_URL, ManualClock, mock_client, publication


def make(
    *, executive: bool = False, clock: ManualClock | None = None
) -> tuple[SlackWebhookChannel, FakeSlack]:
    fake = FakeSlack()
    fake.add_hook(SLACK_PATH)
    clock = clock or ManualClock()
    channel = SlackWebhookChannel(
        "support-leads", Secret(SLACK_URL), executive, mock_client(fake), spacing=clock.spacing()
    )
    return channel, fake


def test_an_update_is_posted_as_block_kit_with_a_fallback_text() -> None:
    channel, fake = make()
    delivered = channel.deliver(
        publication(severity=Severity.SEV1, links={"Incident": "https://sirf.test/i/42"})
    )
    assert delivered.external_ref is None
    (message,) = fake.messages[SLACK_PATH]
    assert (
        message["text"]
        == "Merge requests fail to load (SEV1): We are investigating errors on merge requests."
    )
    header, section, context = message["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Merge requests fail to load · status"},
    }
    assert section == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "We are *investigating* errors on merge requests."},
    }
    assert [e["text"] for e in context["elements"]] == [
        "*SEV1*",
        "State: Investigating",
        "<https://sirf.test/i/42|Incident>",
    ]


def test_channel_names_and_who_wants_what() -> None:
    stakeholder, _ = make()
    executive, _ = make(executive=True)
    assert stakeholder.name == executive.name == "slack:support-leads"
    assert executive.wants("executive", Audience.INTERNAL)
    assert not executive.wants("status", Audience.INTERNAL)
    assert not executive.wants("status", Audience.PUBLIC)
    assert stakeholder.wants("status", Audience.PUBLIC)
    assert stakeholder.wants("internal-update", Audience.INTERNAL)
    assert not stakeholder.wants("executive", Audience.INTERNAL)
    assert not stakeholder.wants("customer-reply", Audience.CUSTOMER)


@pytest.mark.parametrize(
    ("status", "answer", "retryable"),
    [
        (400, "invalid_payload", False),
        (400, "invalid_blocks", False),
        (403, "action_prohibited", False),
        (404, "channel_not_found", False),
        (410, "channel_is_archived", False),
        (500, "rollup_error", True),
        (503, "service_unavailable", True),
    ],
)
def test_documented_error_bodies(status: int, answer: str, retryable: bool) -> None:
    channel, fake = make()
    fake.add_hook(SLACK_PATH, status=status, answer=answer)
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication())
    assert failed.value.message == f"slack:support-leads webhook: HTTP {status} {answer}"
    assert (failed.value.retryable, failed.value.status) == (retryable, status)


def test_rate_limit_is_retryable_after_the_time_slack_names_and_holds_the_webhook_back() -> None:
    clock = ManualClock()
    channel, fake = make(clock=clock)
    fake.faults.append(Fault(status=429, headers={"Retry-After": "12"}, body="rate_limited"))
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication())
    assert (failed.value.retryable, failed.value.retry_after) == (True, 12.0)
    with pytest.raises(DeliveryFailed) as held:
        channel.deliver(publication())
    assert held.value.retry_after == pytest.approx(12.0)
    clock.now += 12
    channel.deliver(publication())
    assert len(fake.messages[SLACK_PATH]) == 1


def test_an_unexpected_success_answer_is_not_repeated() -> None:
    channel, fake = make()
    fake.faults.append(Fault(status=200, body="<html>proxy page</html>"))
    with pytest.raises(DeliveryFailed, match=r"unexpected answer \(23 characters\)") as failed:
        channel.deliver(publication())
    assert not failed.value.retryable


def test_posts_to_one_webhook_are_a_second_apart() -> None:
    clock = ManualClock()
    channel, fake = make(clock=clock)
    for _ in range(3):
        channel.deliver(publication())
    assert clock.sleeps == [1.0, 1.0]
    assert len(fake.messages[SLACK_PATH]) == 3


def test_a_long_update_stays_within_block_kit_limits() -> None:
    paragraph = "Customers on **GitLab.com** see [errors](https://status.test/x?a=1&b=2) & timeouts. " * 30
    long_markdown = "\n\n".join(f"## Part {n}\n{paragraph}" for n in range(60))
    message = build_message(publication(incident_title="T" * 400, markdown=long_markdown))
    blocks = message["blocks"]
    assert len(blocks) <= 50
    assert len(blocks[0]["text"]["text"]) == 150
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(0 < len(text) <= 3000 for text in sections)
    assert sum(map(len, sections)) <= 13_000
    assert sections[-1].startswith("_… the update is longer")
    assert block_kit_problem(message) is None
    channel, fake = make()
    channel.deliver(publication(markdown=long_markdown))
    assert len(fake.messages[SLACK_PATH]) == 1


def test_a_single_huge_line_is_split_into_sections() -> None:
    pieces = chunks("x" * 7000)
    assert [len(p) for p in pieces] == [3000, 3000, 1000]
    assert chunks("a\n\nb") == ["a\n\nb"]
    assert chunks("") == []


def test_many_short_paragraphs_stay_under_fifty_blocks() -> None:
    message = build_message(publication(markdown="\n\n".join("p" * 2999 for _ in range(80))))
    assert len(message["blocks"]) <= 50
    assert block_kit_problem(message) is None


@pytest.mark.parametrize(
    ("markdown", "mrkdwn"),
    [
        ("**bold** and __bold__", "*bold* and *bold*"),
        ("*italic* and _italic_", "_italic_ and _italic_"),
        ("~~gone~~", "~gone~"),
        ("# Impact", "*Impact*"),
        ("### Next **update**", "*Next update*"),
        ("see [the page](https://status.test/a?b=1)", "see <https://status.test/a?b=1|the page>"),
        ("<https://status.test>", "<https://status.test>"),
        ("- one\n* two", "• one\n• two"),
        ("> quoted **text**", "> quoted *text*"),
        ("a < b & c > d", "a &lt; b &amp; c &gt; d"),
        ("`**not bold**`", "`**not bold**`"),
        ("```sh\nx **y** <z>\n```", "```\nx **y** &lt;z&gt;\n```"),
        ("**bold with *inner* words**", "*bold with _inner_ words*"),
        ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),
    ],
)
def test_markdown_becomes_slack_mrkdwn(markdown: str, mrkdwn: str) -> None:
    assert to_mrkdwn(markdown) == mrkdwn


def test_state_is_shown_when_the_update_has_one() -> None:
    message = build_message(publication(public_state=None, audience=Audience.INTERNAL, template="executive"))
    assert message["blocks"][-1]["elements"][1]["text"] == "State: internal"
    message = build_message(publication(public_state=PublicState.MONITORING))
    assert message["blocks"][-1]["elements"][1]["text"] == "State: Monitoring"
