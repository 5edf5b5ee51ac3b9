"""Fixtures for the use-case tests: a fake unit of work, a fake clock, a framework with an on-call
roster, a handful of people, and helpers to declare an incident and hand out roles."""

from __future__ import annotations

import pytest

from sirf.domain.framework import Framework
from sirf.domain.raci import Actor
from sirf.domain.roles import Role, Source
from sirf.domain.severity import Severity
from sirf.services import engagement, incidents
from sirf.services.accounts import create_user
from sirf.services.context import Env
from tests.services.fakes import FakeClock, FakeUnitOfWork
from tests.services.support import ADMIN, ANA, EVERYONE, ROSTER, Assign, Declare


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def framework() -> Framework:
    return Framework(roster=ROSTER)


@pytest.fixture
def env(clock: FakeClock, framework: Framework) -> Env:
    return Env(clock, framework)


@pytest.fixture
def uow(env: Env) -> FakeUnitOfWork:
    """A fake store that already knows everyone in ``EVERYONE`` (created through the use case)."""
    fake = FakeUnitOfWork()
    for actor in EVERYONE:
        create_user(actor.username, org_role=actor.org_role, actor=None, uow=fake, env=env)
    fake.commits = 0
    return fake


@pytest.fixture
def declare(uow: FakeUnitOfWork, env: Env) -> Declare:
    """``declare(kind=..., severity=..., actor=...)`` declares through the use case and returns the id."""

    def _declare(
        *,
        title: str = "Checkout fails for EU customers",
        kind: str = "saas-outage",
        severity: Severity = Severity.SEV2,
        source: Source = Source.SUPPORT,
        actor: Actor = ANA,
        override: str | None = None,
    ) -> int:
        declaration = incidents.Declaration(
            title=title, kind=kind, severity=severity, source=source, override_scope_reason=override
        )
        return incidents.declare_incident(declaration, actor=actor, uow=uow, env=env).id

    return _declare


@pytest.fixture
def assign(uow: FakeUnitOfWork, env: Env) -> Assign:
    """Hand a role to someone, as the admin (so the RACI never gets in the way of the set-up)."""

    def _assign(incident_id: int, role: Role, person: str) -> None:
        engagement.assign_role(incident_id, role, person, actor=ADMIN, uow=uow, env=env)

    return _assign
