"""When PostgreSQL drops sirf's connections (restart, failover), one request gets a clear 503 and
the next ones work again on fresh connections: no 500, no stuck pool."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Api


def test_dropped_connections_cost_one_503_then_recover(api: Api, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("connection loss is a PostgreSQL scenario (SQLite is a local file)")
    assert api.client.get("/api/v1/incidents", headers=api.admin).status_code == 200
    killer = create_engine(database_url)
    with killer.begin() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    killer.dispose()
    statuses = [api.client.get("/api/v1/incidents", headers=api.admin) for _ in range(3)]
    first = statuses[0]
    assert first.status_code == 503  # the pooled connection was dead: a clear, retryable answer
    assert first.headers["content-type"] == "application/problem+json"
    assert first.headers["retry-after"] == "1"
    assert first.json()["code"] == "unavailable"
    assert [r.status_code for r in statuses[1:]] == [200, 200]
