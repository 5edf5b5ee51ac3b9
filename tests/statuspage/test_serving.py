"""The public routes on a real database (SQLite and PostgreSQL): what appears, caching headers,
freshness after a publish, and serving through a database outage."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import Engine, create_engine, event

from sirf.domain.public_state import ComponentStatus, PublicState
from sirf.statuspage.documents import PATHS, SUMMARY, UNRESOLVED
from sirf.statuspage.responses import HTML_POLICY
from tests.conftest import Api, FakeClock
from tests.statuspage.builders import parse_xml
from tests.statuspage.support import Publisher

A = "{http://www.w3.org/2005/Atom}"
FEEDS = {"/history.atom": "application/atom+xml", "/history.rss": "application/rss+xml"}
DEGRADED = {"web": ComponentStatus.DEGRADED_PERFORMANCE}


@pytest.fixture
def publisher(api: Api) -> Publisher:
    return Publisher(api.container)


def get(api: Api, path: str, **headers: str) -> httpx.Response:
    return api.client.get(path, headers=headers)


def broken_engine() -> Engine:
    def refuse() -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    return create_engine("sqlite://", creator=refuse)


@contextmanager
def database_down(api: Api) -> Iterator[None]:
    database = api.container.database
    working, database.engine = database.engine, broken_engine()
    try:
        yield
    finally:
        database.engine.dispose()
        database.engine = working


def test_only_published_public_updates_appear(api: Api, publisher: Publisher, clock: FakeClock) -> None:
    incident = publisher.declare("Users cannot sign in")
    publisher.publish(
        incident, "We are investigating sign-in failures.", template="initial", components=DEGRADED
    )
    clock.advance(minutes=5)
    publisher.publish(incident, "We found the cause.", state=PublicState.IDENTIFIED, components=DEGRADED)
    publisher.draft(incident, "SECRET draft: never approved")
    publisher.approve(publisher.draft(incident, "SECRET approved but not published"))
    publisher.publish_internal(incident, "SECRET internal handoff")
    publisher.note(incident, "SECRET note")
    quiet = publisher.declare("SECRET incident with nothing public")
    publisher.draft(quiet, "SECRET draft of a quiet incident")

    summary = get(api, SUMMARY).json()
    [shown] = summary["incidents"]
    assert shown["id"] == str(incident)
    assert shown["name"] == "Users cannot sign in"
    assert shown["status"] == "identified"
    assert [u["body"] for u in shown["incident_updates"]] == [
        "We found the cause.",
        "We are investigating sign-in failures.",
    ]
    assert [(c["name"], c["status"]) for c in summary["components"]] == [("web", "degraded_performance")]
    assert get(api, UNRESOLVED).json()["incidents"] == [shown]
    atom = parse_xml(get(api, "/history.atom").content)
    assert len(atom.findall(f"{A}entry")) == 2
    for path in [*PATHS, *FEEDS, "/status"]:
        assert "SECRET" not in get(api, path).text, path
    assert "We found the cause." in get(api, "/status").text


def test_every_route_is_public_with_cache_and_cors_headers(api: Api, publisher: Publisher) -> None:
    publisher.publish(publisher.declare("Slow pages"), "Pages are slow.", template="initial")
    types = dict.fromkeys(PATHS, "application/json; charset=utf-8")
    types |= {path: f"{kind}; charset=utf-8" for path, kind in FEEDS.items()}
    types |= {"/status": "text/html; charset=utf-8", "/status/style.css": "text/css; charset=utf-8"}
    for path, content_type in types.items():
        response = get(api, path)  # no Authorization header
        assert response.status_code == 200, path
        assert response.headers["content-type"] == content_type
        assert response.headers["cache-control"] == "public, max-age=30"
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.headers["etag"].startswith('"')
        assert response.headers["x-content-type-options"] == "nosniff"
    assert get(api, "/status").headers["content-security-policy"] == HTML_POLICY.decode()
    assert "script-src" not in HTML_POLICY.decode()
    assert get(api, SUMMARY).headers["content-security-policy"].startswith("default-src 'none'")


def test_etag_answers_304_to_if_none_match(api: Api) -> None:
    first = get(api, SUMMARY)
    etag = first.headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = get(api, SUMMARY, **{"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "public, max-age=30"
        assert again.headers["access-control-allow-origin"] == "*"
    assert get(api, SUMMARY, **{"If-None-Match": '"other"'}).status_code == 200
    assert get(api, "/status", **{"If-None-Match": etag}).status_code == 200  # another document


def test_head_options_and_other_methods(api: Api) -> None:
    full = get(api, SUMMARY)
    head = api.client.head(SUMMARY)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(full.content))
    assert head.headers["etag"] == full.headers["etag"]
    preflight = api.client.options(
        SUMMARY,
        headers={
            "Origin": "https://dashboard.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in preflight.headers["access-control-allow-headers"]
    refused = api.client.post(SUMMARY)
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, OPTIONS"
    assert refused.json()["code"] == "method_not_allowed"


def test_a_publish_shows_after_the_next_check(api: Api, publisher: Publisher, clock: FakeClock) -> None:
    incident = publisher.declare("Search is down")
    publisher.publish(incident, "Search is down.", template="initial")
    before = get(api, SUMMARY)
    publisher.publish(incident, "Search is back; we are watching it.", state=PublicState.MONITORING)
    assert get(api, SUMMARY).headers["etag"] == before.headers["etag"]  # checked less than 1 s ago
    clock.advance(seconds=1.5)
    after = get(api, SUMMARY)
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["incidents"][0]["status"] == "monitoring"
    assert get(api, SUMMARY, **{"If-None-Match": before.headers["etag"]}).status_code == 200
    assert "Search is back" in get(api, "/status").text
    assert len(parse_xml(get(api, "/history.rss").content).findall("channel/item")) == 2


def test_requests_between_checks_do_not_touch_the_database(api: Api, clock: FakeClock) -> None:
    get(api, SUMMARY)
    checkouts: list[object] = []

    def record(*args: object) -> None:
        checkouts.append(args)

    engine = api.container.database.engine
    event.listen(engine, "checkout", record)
    try:
        for path in [*PATHS, *FEEDS, "/status"] * 3:
            assert get(api, path).status_code == 200
        assert checkouts == []
        clock.advance(seconds=1.5)
        get(api, SUMMARY)
        assert len(checkouts) == 1  # one version check, nothing rebuilt
    finally:
        event.remove(engine, "checkout", record)


def test_the_last_snapshot_is_served_while_the_database_is_down(
    api: Api, publisher: Publisher, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sirf.statuspage")
    publisher.publish(publisher.declare("Queue backlog"), "Jobs are delayed.", template="initial")
    good = get(api, SUMMARY)
    with database_down(api):
        for _ in range(3):
            clock.advance(seconds=2)
            during = get(api, SUMMARY)
            assert during.status_code == 200
            assert during.content == good.content
            assert get(api, SUMMARY, **{"If-None-Match": good.headers["etag"]}).status_code == 304
            assert "Jobs are delayed." in get(api, "/status").text
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # logged once, not once per check
    assert "serving the last good snapshot" in warnings[0].getMessage()
    clock.advance(seconds=2)
    assert get(api, SUMMARY).status_code == 200
    assert any("current again" in r.getMessage() for r in caplog.records)


def test_before_any_snapshot_a_database_outage_is_a_503(api: Api, clock: FakeClock) -> None:
    with database_down(api):
        response = get(api, SUMMARY)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "1"
        assert response.json()["code"] == "unavailable"
    clock.advance(seconds=2)
    assert get(api, SUMMARY).status_code == 200


def test_urls_follow_the_host_but_a_malformed_host_is_ignored(api: Api) -> None:
    assert get(api, SUMMARY).json()["page"]["url"] == "http://testserver/status"
    other = get(api, SUMMARY, host="status.example.com:8443").json()
    assert other["page"]["url"] == "http://status.example.com:8443/status"
    hostile = get(api, SUMMARY, host='x"><script>').json()
    assert "script" not in hostile["page"]["url"]


def test_made_up_hosts_cannot_make_every_request_render(api: Api) -> None:
    urls = [get(api, SUMMARY, host=f"h{n}.example").json()["page"]["url"] for n in range(12)]
    assert urls[:8] == [f"http://h{n}.example/status" for n in range(8)]
    server_url = urls[8]  # past the cap: the documents for the server's own address
    assert not server_url.startswith("http://h")
    assert urls[8:] == [server_url] * 4
