"""Statuspage channel against a fake Statuspage that rate-limits per token like the real one."""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

import httpx
import pytest

from sirf.adapters import statuspage
from sirf.adapters.http import RequestSpacing
from sirf.adapters.statuspage import StatuspageChannel, StatuspageConfig
from sirf.config import Secret
from sirf.domain.public_state import (
    STATUSPAGE_COMPONENT_STATUS,
    STATUSPAGE_IMPACT,
    ComponentStatus,
    PublicState,
)
from sirf.domain.severity import Severity
from sirf.domain.updates import Audience
from sirf.services.publishing import DeliveryFailed
from tests.vendors.fakes import FakeStatuspage, Fault
from tests.vendors.support import STATUSPAGE_KEY, ManualClock, mock_client, publication

PAGE = "kctbh9vrtdwd"
API, WEB = "api0component", "web0component"


def make(
    clock: ManualClock | None = None, *, spacing: RequestSpacing | None = None, **fake_options: Any
) -> tuple[StatuspageChannel, FakeStatuspage]:
    clock = clock or ManualClock()
    fake = FakeStatuspage(
        api_key=STATUSPAGE_KEY, page_id=PAGE, components={API, WEB}, clock=clock, **fake_options
    )
    config = StatuspageConfig(
        api_key=Secret(STATUSPAGE_KEY),
        page_id=PAGE,
        base_url="https://api.statuspage.test/v1",
        components={"API": API, "Web": WEB},
    )
    return StatuspageChannel(config, mock_client(fake), spacing=spacing or clock.spacing()), fake


def bodies(fake: FakeStatuspage, method: str) -> list[dict[str, Any]]:
    return [json.loads(r.content)["incident"] for r in fake.calls(method)]


def test_create_then_update_then_resolve_use_one_vendor_incident_within_three_calls_each() -> None:
    channel, fake = make()
    first = channel.deliver(publication())
    assert len(fake.requests) == 2  # list unresolved + create
    second = channel.deliver(
        publication(public_state=PublicState.MONITORING, text="Monitoring.", external_ref=first.external_ref)
    )
    resolved = channel.deliver(
        publication(public_state=PublicState.RESOLVED, text="Resolved.", external_ref=first.external_ref)
    )
    assert len(fake.requests) == 4  # one PATCH per later update
    assert first.external_ref == second.external_ref == resolved.external_ref
    (incident,) = fake.incidents
    assert incident["status"] == "resolved"
    assert [u["body"] for u in incident["incident_updates"]] == ["Resolved.", "Monitoring.", BODY]
    assert fake.rate_limited == 0


BODY = "We are investigating errors on merge requests."


def test_create_sends_the_documented_incident() -> None:
    channel, fake = make()
    channel.deliver(
        publication(
            components={"API": ComponentStatus.SECURITY_EVENT, "Registry": ComponentStatus.OPERATIONAL}
        )
    )
    (body,) = bodies(fake, "POST")
    assert body == {
        "name": "Merge requests fail to load (#42)",
        "status": "investigating",
        "impact_override": "major",
        "body": BODY,
        "component_ids": [API],
        "components": {API: "partial_outage"},
        "deliver_notifications": True,
        "metadata": {"sirf": {"incident_id": 42}},
    }
    request = fake.calls("POST")[0]
    assert request.headers["authorization"] == f"OAuth {STATUSPAGE_KEY}"
    assert request.url.path == f"/v1/pages/{PAGE}/incidents"
    assert fake.calls("GET")[0].url.path == f"/v1/pages/{PAGE}/incidents/unresolved"


def test_updates_patch_status_body_and_components() -> None:
    channel, fake = make()
    ref = channel.deliver(publication()).external_ref
    channel.deliver(
        publication(
            public_state=PublicState.IDENTIFIED,
            severity=Severity.SEV1,
            components={"Web": ComponentStatus.DEGRADED_PERFORMANCE},
            text="Identified.",
            external_ref=ref,
        )
    )
    (patch,) = bodies(fake, "PATCH")
    assert patch == {
        "status": "identified",
        "body": "Identified.",
        "impact_override": "critical",
        "component_ids": [WEB],
        "components": {WEB: "degraded_performance"},
        "deliver_notifications": True,
    }
    assert fake.calls("PATCH")[0].url.path == f"/v1/pages/{PAGE}/incidents/{ref}"


@pytest.mark.parametrize("status", list(ComponentStatus))
def test_component_statuses_are_exactly_statuspages(status: ComponentStatus) -> None:
    channel, fake = make()
    channel.deliver(publication(components={"API": status}))
    expected = {
        "operational": "operational",
        "degraded-performance": "degraded_performance",
        "partial-service-disruption": "partial_outage",
        "service-disruption": "major_outage",
        "security-event": "partial_outage",
    }[status.value]
    assert (
        bodies(fake, "POST")[0]["components"] == {API: expected} == {API: STATUSPAGE_COMPONENT_STATUS[status]}
    )


@pytest.mark.parametrize(
    ("severity", "impact"),
    [
        (Severity.SEV1, "critical"),
        (Severity.SEV2, "major"),
        (Severity.SEV3, "minor"),
        (Severity.SEV4, "none"),
    ],
)
def test_impact_follows_severity(severity: Severity, impact: str) -> None:
    channel, fake = make()
    channel.deliver(publication(severity=severity))
    assert bodies(fake, "POST")[0]["impact_override"] == impact == STATUSPAGE_IMPACT[severity]


@pytest.mark.parametrize("state", list(PublicState))
def test_incident_status_is_the_same_word(state: PublicState) -> None:
    channel, fake = make()
    channel.deliver(publication(public_state=state))
    assert bodies(fake, "POST")[0]["status"] == state.value


def test_calls_with_one_token_are_spaced_a_second_apart_across_instances() -> None:
    clock = ManualClock()
    spacing = clock.spacing()
    first, fake = make(clock, spacing=spacing)
    second = StatuspageChannel(
        StatuspageConfig(Secret(STATUSPAGE_KEY), PAGE, "https://api.statuspage.test/v1"),
        mock_client(fake),
        spacing=spacing,
    )
    for channel in (first, second, first):
        channel.deliver(publication(incident_id=len(fake.incidents) + 1))
    gaps = [b - a for a, b in zip(fake.accepted_at, fake.accepted_at[1:], strict=False)]
    assert len(gaps) == 5
    assert all(gap >= 1.0 for gap in gaps)
    assert fake.rate_limited == 0
    assert clock.sleeps == [1.0] * 5


def test_different_tokens_do_not_wait_for_each_other() -> None:
    clock = ManualClock()
    spacing = clock.spacing()
    for key in ("token-a-123456", "token-b-123456", "token-a-123456"):
        with spacing.turn(key):
            pass
    assert clock.sleeps == [1.0]


def test_every_instance_shares_the_process_wide_limiter_by_default() -> None:
    config = StatuspageConfig(Secret(STATUSPAGE_KEY), PAGE)
    with httpx.Client() as client:
        one, two = StatuspageChannel(config, client), StatuspageChannel(config, client)
    assert one._spacing is two._spacing is statuspage.SHARED_SPACING
    assert statuspage.SHARED_SPACING.interval == 1.0


def test_the_limiter_is_thread_safe_and_spaces_from_the_end_of_each_call() -> None:
    clock = ManualClock()
    spacing = clock.spacing()
    calls: list[tuple[float, float]] = []

    def call() -> None:
        with spacing.turn("shared-token-1"):
            started = clock.now
            clock.now += 0.25  # the request itself takes a while
            calls.append((started, clock.now))

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 20
    assert all(later[0] - earlier[1] >= 1.0 for earlier, later in itertools.pairwise(calls))


@pytest.mark.parametrize("limit_status", [429, 420])
def test_without_spacing_statuspage_refuses_and_that_is_retryable(limit_status: int) -> None:
    clock = ManualClock()
    channel, fake = make(clock, spacing=clock.spacing(0.0), limit_status=limit_status)
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication())
    assert (failed.value.retryable, failed.value.retry_after, failed.value.status) == (
        True,
        1.0,
        limit_status,
    )
    assert fake.rate_limited == 1
    assert fake.incidents == []


def test_retry_after_holds_back_every_caller_with_that_token_without_stalling_the_worker() -> None:
    clock = ManualClock()
    channel, fake = make(clock)
    fake.faults.append(Fault(status=429, headers={"Retry-After": "30"}))
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication())
    assert failed.value.retry_after == 30.0
    with pytest.raises(DeliveryFailed, match="held back by the vendor's rate limit") as held:
        channel.deliver(publication())
    assert held.value.retryable
    assert held.value.retry_after == pytest.approx(30.0)
    assert len(fake.requests) == 1  # nothing was sent while held back
    assert clock.sleeps == []
    clock.now += 30
    channel.deliver(publication())
    assert len(fake.incidents) == 1


def test_a_lost_create_answer_is_adopted_on_retry_not_created_again() -> None:
    channel, fake = make()
    fake.faults.append(Fault(path="/incidents", lose_answer=httpx.RemoteProtocolError))
    fake.faults.insert(0, Fault(path="/unresolved"))  # the search itself goes through untouched
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication())
    assert failed.value.retryable
    again = channel.deliver(publication())
    assert len(fake.incidents) == 1
    assert again.external_ref == fake.incidents[0]["id"]
    assert len(fake.incidents[0]["incident_updates"]) == 1
    assert "reused" in again.detail


def test_the_name_marker_finds_the_incident_when_metadata_is_not_listed() -> None:
    channel, fake = make(echo_metadata=False)
    fake.faults.append(Fault(path="/unresolved"))
    fake.faults.append(Fault(path="/incidents", lose_answer=httpx.ReadTimeout))
    with pytest.raises(DeliveryFailed):
        channel.deliver(publication())
    channel.deliver(publication(public_state=PublicState.IDENTIFIED, text="Identified."))
    assert len(fake.incidents) == 1
    assert fake.incidents[0]["status"] == "identified"
    assert len(fake.requests) == 4  # list+create, then list+patch: still within 3 calls per update


def test_a_resolving_first_update_whose_answer_was_lost_is_not_created_again() -> None:
    channel, fake = make()
    resolving = publication(public_state=PublicState.RESOLVED, text="Was down 10 minutes; fixed.")
    fake.faults.append(Fault(path="/unresolved"))
    fake.faults.append(Fault(path="/incidents", lose_answer=httpx.ReadTimeout))
    with pytest.raises(DeliveryFailed):
        channel.deliver(resolving)
    assert channel.deliver(resolving).external_ref == fake.incidents[0]["id"]
    assert len(fake.incidents) == 1
    assert len(fake.incidents[0]["incident_updates"]) == 1


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (422, False), (401, False), (404, False)]
)
def test_status_codes_decide_whether_to_retry(status: int, retryable: bool) -> None:
    channel, fake = make()
    fake.faults.append(Fault(path="/incidents", status=status, body='{"error": "nope"}'))
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication())
    assert (failed.value.retryable, failed.value.status) == (retryable, status)


def test_an_unknown_incident_reference_is_a_permanent_failure() -> None:
    channel, _ = make()
    with pytest.raises(DeliveryFailed, match="HTTP 404 Incident not found") as failed:
        channel.deliver(publication(external_ref="pmissing"))
    assert not failed.value.retryable


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.ConnectError, httpx.RemoteProtocolError])
def test_network_failures_are_retryable(error: type[httpx.TransportError]) -> None:
    channel, fake = make()
    fake.faults.append(Fault(before=error))
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication())
    assert failed.value.retryable


def test_only_public_updates_go_to_statuspage() -> None:
    channel, _ = make()
    assert channel.name == "statuspage"
    assert channel.wants("status", Audience.PUBLIC)
    assert not channel.wants("status", Audience.INTERNAL)
