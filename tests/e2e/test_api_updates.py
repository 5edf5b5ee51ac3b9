"""From a template draft to a post on status.io and Slack: the API, the real templates, the worker and
vendor fakes served over HTTP on loopback, with the configuration a user would write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sirf.bootstrap import Container, build, make_worker
from sirf.config import Settings
from sirf.domain.framework import Framework
from sirf.domain.raci import OrgRole
from sirf.services.accounts import create_user, issue_token
from tests.conftest import FakeClock
from tests.e2e.live_server import live_server
from tests.vendors.fakes import FakeSlack, FakeStatusIo
from tests.vendors.server import serve

API = "/api/v1"


class Team:
    def __init__(self, container: Container, url: str) -> None:
        self.client = httpx.Client(base_url=url + API, timeout=10)
        self.tokens: dict[str, dict[str, str]] = {}
        for name, role in (
            ("root", OrgRole.ADMIN),
            ("carol", OrgRole.RESPONDER),
            ("ivan", OrgRole.RESPONDER),
        ):
            create_user(name, org_role=role, actor=None, uow=container.uow(), env=container.env)
            _, token = issue_token(name, name="e2e", actor=None, uow=container.uow(), env=container.env)
            self.tokens[name] = {"Authorization": f"Bearer {token}"}

    def call(self, who: str, method: str, path: str, **options: Any) -> httpx.Response:
        return self.client.request(method, path, headers=self.tokens[who], **options)


@pytest.fixture
def vendors() -> Iterator[tuple[FakeStatusIo, FakeSlack, str, str]]:
    statusio = FakeStatusIo(api_id="id-1", api_key="key-1", page_id="page-1", infrastructure={"c1-k1"})
    slack = FakeSlack()
    slack.add_hook("/services/T1/B1/secret")
    with serve(statusio) as statusio_url, serve(slack) as slack_url:
        yield statusio, slack, statusio_url, slack_url


@pytest.fixture
def wired(
    database_url: str, tmp_path: Path, clock: FakeClock, vendors: tuple[FakeStatusIo, FakeSlack, str, str]
) -> Iterator[Container]:
    _, _, statusio_url, slack_url = vendors
    environ = {
        "DATABASE_URL": database_url,
        "SIRF_DATA_DIR": str(tmp_path),
        "SIRF_STATUSIO_URL": statusio_url + "/v2",
        "SIRF_STATUSIO_API_ID": "id-1",
        "SIRF_STATUSIO_API_KEY": "key-1",
        "SIRF_STATUSIO_PAGE_ID": "page-1",
        "SIRF_STATUSIO_COMPONENTS": "web=c1-k1",
        "SIRF_SLACK_WEBHOOKS": f"customer-success={slack_url}/services/T1/B1/secret",
    }
    container = build(Settings.from_env(environ), clock=clock, framework=Framework())
    yield container
    container.close()


def test_an_update_goes_from_template_to_status_io_and_slack(
    wired: Container, vendors: tuple[FakeStatusIo, FakeSlack, str, str], clock: FakeClock
) -> None:
    statusio, slack, _, _ = vendors
    with live_server(wired) as url:
        team = Team(wired, url)
        body = {"title": "Users cannot sign in", "kind": "saas-outage", "severity": 2}
        body["affected_services"] = ["web"]
        declared = team.call("root", "POST", "/incidents", json=body)
        incident_id = declared.json()["id"]
        for role, person in (("cmoc", "carol"), ("imoc", "ivan")):
            assert team.call(
                "root", "PUT", f"/incidents/{incident_id}/roles/{role}", json={"person": person}
            ).is_success

        drafted = team.call(
            "carol", "POST", f"/incidents/{incident_id}/updates", json={"template": "initial"}
        )
        assert drafted.status_code == 201, drafted.text
        update = drafted.json()
        assert f"## Incident #{incident_id} - Users cannot sign in" in update["body"]
        assert "**Severity:** SEV2" in update["body"]
        assert update["blanks"], "the initial update leaves what sirf cannot know for a person"
        assert update["channels"] == ["statusio", "slack:customer-success"]

        refused = team.call("carol", "POST", f"/updates/{update['id']}/publish", json={})
        assert refused.status_code == 409
        filled = "Sign-in fails for most users. We are investigating. https://status.example.com/1"
        edited = team.call("carol", "PATCH", f"/updates/{update['id']}", json={"body": filled})
        assert edited.json()["blanks"] == []
        assert team.call("carol", "POST", f"/updates/{update['id']}/request-review", json={}).is_success
        etag = edited.json()["etag"]
        for person in ("ivan", "carol"):
            approved = team.call(person, "POST", f"/updates/{update['id']}/approve", json={"etag": etag})
            assert approved.is_success, approved.text
        assert approved.json()["state"] == "approved"
        published = team.call("carol", "POST", f"/updates/{update['id']}/publish", json={})
        assert published.json()["state"] == "published", published.text

        worker = make_worker(wired, name="e2e")
        assert worker.deliveries.deliver_due() == 2
        deliveries = team.call("carol", "GET", f"/incidents/{incident_id}/deliveries").json()["items"]

    assert {d["channel"]: (d["state"], d["last_error"]) for d in deliveries} == {
        "statusio": ("delivered", None),
        "slack:customer-success": ("delivered", None),
    }
    [vendor_incident] = statusio.incidents.values()
    assert vendor_incident["name"] == f"Users cannot sign in (#{incident_id})"
    assert vendor_incident["infrastructure"] == ["c1-k1"]
    [message] = vendor_incident["messages"]
    assert "Sign-in fails for most users" in message["details"]
    assert (message["status"], message["state"]) == (300, 100)  # degraded performance, investigating
    [message] = slack.messages["/services/T1/B1/secret"]
    assert "Users cannot sign in" in message["text"]
