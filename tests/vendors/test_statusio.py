"""status.io channel against a fake status.io that keeps incidents and checks every field."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from sirf.adapters.statusio import StatusIoChannel, StatusIoConfig
from sirf.config import Secret
from sirf.domain.public_state import STATUSIO_STATE, STATUSIO_STATUS, ComponentStatus, PublicState
from sirf.domain.updates import Audience
from sirf.services.publishing import DeliveryFailed
from tests.vendors.fakes import FakeStatusIo, Fault
from tests.vendors.support import STATUSIO_ID, STATUSIO_KEY, mock_client, publication

PAGE = "5b36dc6502d06804c08349f7"
API = "5b36dc6502d06804c08349f8-5b36dc6502d06804c08349f9"
WEB = "5b36dc6502d06804c0834a00-5b36dc6502d06804c08349f9"


def make(**config: Any) -> tuple[StatusIoChannel, FakeStatusIo]:
    fake = FakeStatusIo(api_id=STATUSIO_ID, api_key=STATUSIO_KEY, page_id=PAGE, infrastructure={API, WEB})
    settings = StatusIoConfig(
        api_id=Secret(STATUSIO_ID),
        api_key=Secret(STATUSIO_KEY),
        statuspage_id=PAGE,
        base_url="https://api.status.test/v2",
        components={"API": API, "Web": WEB},
        **config,
    )
    return StatusIoChannel(settings, mock_client(fake)), fake


def sent(fake: FakeStatusIo, path: str) -> list[dict[str, Any]]:
    return [json.loads(r.content) for r in fake.requests if r.url.path.endswith(path)]


def test_create_then_update_then_resolve_use_one_vendor_incident() -> None:
    channel, fake = make()
    first = channel.deliver(publication())
    assert first.external_ref in fake.incidents
    second = channel.deliver(
        publication(
            public_state=PublicState.IDENTIFIED, text="Fix identified.", external_ref=first.external_ref
        )
    )
    resolved = channel.deliver(
        publication(
            public_state=PublicState.RESOLVED,
            components={"API": ComponentStatus.OPERATIONAL},
            text="Resolved.",
            external_ref=first.external_ref,
        )
    )
    assert first.external_ref == second.external_ref == resolved.external_ref
    (incident,) = fake.incidents.values()
    assert incident["name"] == "Merge requests fail to load (#42)"
    assert incident["resolved"] is True
    assert [m["details"] for m in incident["messages"]] == [
        "We are investigating errors on merge requests.",
        "Fix identified.",
        "Resolved.",
    ]
    assert [r.url.path.removeprefix("/v2/") for r in fake.requests] == [
        f"incident/list/{PAGE}",
        "incident/create",
        "incident/update",
        "incident/resolve",
    ]


def test_create_sends_the_documented_fields_and_headers() -> None:
    channel, fake = make()
    channel.deliver(
        publication(
            components={"API": ComponentStatus.SERVICE_DISRUPTION, "Web": ComponentStatus.OPERATIONAL}
        )
    )
    (body,) = sent(fake, "incident/create")
    assert body == {
        "statuspage_id": PAGE,
        "incident_name": "Merge requests fail to load (#42)",
        "incident_details": "We are investigating errors on merge requests.",
        "infrastructure_affected": [API, WEB],
        "current_status": 500,
        "current_state": 100,
        "message_subject": "Investigating: Merge requests fail to load",
        "notify_email": "1",
        "notify_sms": "1",
        "notify_webhook": "1",
    }
    request = fake.calls("POST")[0]
    assert request.headers["x-api-id"] == STATUSIO_ID
    assert request.headers["x-api-key"] == STATUSIO_KEY
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("sirf/")


@pytest.mark.parametrize("status", list(ComponentStatus))
def test_component_status_codes_are_exactly_status_ios(status: ComponentStatus) -> None:
    channel, fake = make()
    channel.deliver(publication(components={"API": status}))
    expected = {"operational": 100, "degraded-performance": 300, "partial-service-disruption": 400}
    expected |= {"service-disruption": 500, "security-event": 600}
    assert (
        sent(fake, "incident/create")[0]["current_status"]
        == expected[status.value]
        == STATUSIO_STATUS[status]
    )


@pytest.mark.parametrize(
    ("state", "code"),
    [(PublicState.INVESTIGATING, 100), (PublicState.IDENTIFIED, 200), (PublicState.MONITORING, 300)],
)
def test_state_codes_are_exactly_status_ios(state: PublicState, code: int) -> None:
    channel, fake = make()
    ref = channel.deliver(publication()).external_ref
    channel.deliver(publication(public_state=state, text="Next.", external_ref=ref))
    assert sent(fake, "incident/update")[0]["current_state"] == code == STATUSIO_STATE[state]


def test_no_components_means_degraded_and_unmapped_names_are_reported_not_refused() -> None:
    channel, fake = make()
    delivered = channel.deliver(publication(components={"Registry": ComponentStatus.SERVICE_DISRUPTION}))
    assert sent(fake, "incident/create")[0]["infrastructure_affected"] == []
    assert delivered.detail == "components not mapped to status.io: Registry"
    channel2, fake2 = make()
    channel2.deliver(publication(components={}))
    assert sent(fake2, "incident/create")[0]["current_status"] == 300


def test_notification_flags_follow_the_configuration() -> None:
    channel, fake = make(notify_email=False, notify_sms=False)
    channel.deliver(publication())
    body = sent(fake, "incident/create")[0]
    assert (body["notify_email"], body["notify_sms"], body["notify_webhook"]) == ("0", "0", "1")


def test_only_public_updates_go_to_status_io() -> None:
    channel, _ = make()
    assert channel.name == "statusio"
    assert channel.wants("status", Audience.PUBLIC)
    assert not channel.wants("status", Audience.CUSTOMER)
    assert not channel.wants("executive", Audience.INTERNAL)


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError])
def test_a_lost_create_answer_is_adopted_on_retry_not_created_again(
    error: type[httpx.TransportError],
) -> None:
    channel, fake = make()
    fake.faults.append(Fault(path="incident/create", lose_answer=error))
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication())
    assert failed.value.retryable
    assert len(fake.incidents) == 1  # the vendor did create it
    again = channel.deliver(publication())
    assert len(fake.incidents) == 1
    (incident_id,) = fake.incidents
    assert again.external_ref == incident_id
    assert "reused" in again.detail
    assert len(fake.incidents[incident_id]["messages"]) == 1  # the same text is not posted twice


def test_a_later_update_without_a_reference_is_posted_to_the_incident_already_made() -> None:
    channel, fake = make()
    fake.faults.append(Fault(path="incident/create", lose_answer=httpx.ReadTimeout))
    with pytest.raises(DeliveryFailed):
        channel.deliver(publication())
    later = channel.deliver(publication(public_state=PublicState.MONITORING, text="Monitoring the fix."))
    (incident,) = fake.incidents.values()
    assert later.external_ref == incident["_id"]
    assert [m["details"] for m in incident["messages"]][-1] == "Monitoring the fix."


def test_a_lost_resolve_answer_does_not_open_a_second_incident() -> None:
    channel, fake = make()
    resolving = publication(public_state=PublicState.RESOLVED, text="Already fixed.")
    fake.faults.append(Fault(path="incident/resolve", lose_answer=httpx.ReadTimeout))
    with pytest.raises(DeliveryFailed):
        channel.deliver(resolving)
    assert channel.deliver(resolving).external_ref in fake.incidents
    assert len(fake.incidents) == 1


def test_other_sirf_incidents_with_similar_names_are_not_reused() -> None:
    channel, fake = make()
    channel.deliver(publication(incident_id=142, incident_title="Outage (#42)"))
    channel.deliver(publication(incident_id=42))
    assert sorted(i["name"] for i in fake.incidents.values()) == [
        "Merge requests fail to load (#42)",
        "Outage (#42) (#142)",
    ]


def test_rate_limit_is_retryable_after_the_time_status_io_names() -> None:
    channel, fake = make()
    fake.faults.append(Fault(status=429, headers={"Retry-After": "7"}))
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication())
    assert (failed.value.retryable, failed.value.retry_after, failed.value.status) == (True, 7.0, 429)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retryable(status: int) -> None:
    channel, fake = make()
    fake.faults.append(Fault(path="incident/create", status=status))
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication())
    assert failed.value.retryable
    assert failed.value.status == status
    assert fake.incidents == {}


def test_client_errors_are_not_retryable_and_say_what_status_io_said() -> None:
    channel, _fake = make()
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication(public_state=PublicState.IDENTIFIED, external_ref="0" * 24))
    assert not failed.value.retryable
    assert failed.value.status == 400
    assert "status.io incident/update: HTTP 400" in failed.value.message


def test_wrong_credentials_are_not_retryable() -> None:
    fake = FakeStatusIo(
        api_id=STATUSIO_ID, api_key="another-key-entirely", page_id=PAGE, infrastructure=set()
    )
    config = StatusIoConfig(Secret(STATUSIO_ID), Secret(STATUSIO_KEY), PAGE, "https://api.status.test/v2")
    with pytest.raises(DeliveryFailed) as failed:
        StatusIoChannel(config, mock_client(fake)).deliver(publication())
    assert (failed.value.retryable, failed.value.status) == (False, 401)


def test_an_error_envelope_with_200_is_refused_without_retry() -> None:
    channel, fake = make()
    refusal = json.dumps({"status": {"error": "yes", "message": "Incident name too long"}, "result": None})
    fake.faults.append(Fault(status=200, body=refusal, headers={"content-type": "application/json"}))
    with pytest.raises(DeliveryFailed, match="Incident name too long") as failed:
        channel.deliver(publication())
    assert not failed.value.retryable


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.ConnectError, httpx.RemoteProtocolError]
)
def test_timeouts_and_connection_failures_are_retryable(error: type[httpx.TransportError]) -> None:
    channel, fake = make()
    fake.faults.append(Fault(before=error))
    with pytest.raises(DeliveryFailed) as failed:
        channel.deliver(publication())
    assert failed.value.retryable
    assert failed.value.status is None
    assert failed.value.__cause__ is None
    assert failed.value.__suppress_context__


def test_redirects_are_not_followed() -> None:
    channel, fake = make()
    fake.faults.append(Fault(status=302, headers={"Location": "https://elsewhere.test/steal"}))
    with pytest.raises(DeliveryFailed, match="redirects are not followed") as failed:
        channel.deliver(publication())
    assert not failed.value.retryable
    assert len(fake.requests) == 1
