"""Shared fixtures. Every test that uses ``database`` (directly or through ``container``/``api``)
runs once on SQLite and once on PostgreSQL.

PostgreSQL: ``SIRF_TEST_POSTGRES_URL`` (default postgresql://postgres@127.0.0.1:5432/test). Each
pytest worker gets its own database, created from scratch and migrated once; tables are emptied
between tests. When the server is unreachable the PostgreSQL variants are skipped, unless
``SIRF_REQUIRE_POSTGRES=1`` (set by .ci/run), which turns that into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sirf.adapters.db import migrate
from sirf.adapters.db.engine import Database, create_database
from sirf.adapters.db.schema import metadata
from sirf.adapters.drafting import TemplateDrafting
from sirf.bootstrap import Container
from sirf.config import Settings
from sirf.domain.framework import Framework
from sirf.services.context import Env

PG_URL = os.environ.get("SIRF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("SIRF_REQUIRE_POSTGRES") == "1"
BACKENDS = ["sqlite", "postgresql"]


class FakeClock:
    """A clock tests move by hand; starts on a weekday morning in EMEA hours."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = create_database(f"sqlite:///{path}")
    migrate.upgrade(database)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    url = make_url(PG_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"sirf_test_{_worker()}_{os.getpid()}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if REQUIRE_PG:
            raise RuntimeError(
                f"PostgreSQL is required (SIRF_REQUIRE_POSTGRES=1) but unreachable: {exc}"
            ) from exc
        yield None
        return
    test_url = url.set(database=name).render_as_string(hide_password=False)
    database = create_database(test_url)
    migrate.upgrade(database)
    database.dispose()
    yield test_url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "sirf.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    if url is None:
        pytest.skip("PostgreSQL is not reachable (set SIRF_REQUIRE_POSTGRES=1 to make this an error)")
    engine = create_engine(url)
    names = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = create_database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def framework() -> Framework:
    return Framework()


@pytest.fixture
def container(
    database: Database, database_url: str, tmp_path: Path, clock: FakeClock, framework: Framework
) -> Container:
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    return Container(settings, database, Env(clock, framework), drafting_port=TemplateDrafting(framework, []))


class Api:
    """A TestClient bound to the app plus helpers to make users with their own tokens."""

    def __init__(self, container: Container) -> None:
        from fastapi.testclient import TestClient

        from sirf.api.app import create_app
        from sirf.domain.raci import OrgRole
        from sirf.services.accounts import create_user, issue_token

        self.container = container
        self.client = TestClient(create_app(container), raise_server_exceptions=False)
        self._create_user, self._issue_token, self._org_role = create_user, issue_token, OrgRole
        self.admin = self.user("root", "admin")

    def user(self, username: str, org_role: str = "responder") -> dict[str, str]:
        """Create a user and return the Authorization header carrying a fresh token of theirs."""
        c = self.container
        self._create_user(username, org_role=self._org_role(org_role), actor=None, uow=c.uow(), env=c.env)
        _, plaintext = self._issue_token(username, name="test", actor=None, uow=c.uow(), env=c.env)
        return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def api(container: Container) -> Api:
    return Api(container)
