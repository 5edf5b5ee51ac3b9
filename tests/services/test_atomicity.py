"""One use case, one transaction: a use case that raises leaves the store exactly as it was,
timeline, incident, notifications and all, even when the aggregate was half-changed in memory."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sirf.domain.errors import DomainError
from sirf.domain.lifecycle import Phase
from sirf.domain.raci import OrgRole
from sirf.domain.release import ReleaseCriterion
from sirf.domain.roles import Role, Team
from sirf.domain.severity import Severity
from sirf.domain.tasks import TaskStatus
from sirf.services import accounts, engagement, incidents, work
from sirf.services.context import Env
from tests.services.fakes import FakeUnitOfWork
from tests.services.support import ADMIN, ANA, BO, CY, VIC, Assign, Declare, snapshot

UseCase = Callable[[int, FakeUnitOfWork, Env], object]

FAILING_CALLS: dict[str, UseCase] = {
    "declare out of scope": lambda i, uow, env: incidents.declare_incident(
        incidents.Declaration(title="Wish", kind="feature-request", severity=Severity.SEV4),
        actor=BO,
        uow=uow,
        env=env,
    ),
    "severity unchanged": lambda i, uow, env: incidents.change_severity(
        i, Severity.SEV2, reason="same", actor=ANA, uow=uow, env=env
    ),
    "severity by a non-holder": lambda i, uow, env: incidents.change_severity(
        i, Severity.SEV1, reason="worse", actor=CY, uow=uow, env=env
    ),
    "stale version": lambda i, uow, env: incidents.change_severity(
        i, Severity.SEV1, reason="worse", actor=ANA, uow=uow, env=env, expected_version=1
    ),
    "illegal phase move": lambda i, uow, env: incidents.change_phase(
        i, Phase.CLOSURE, actor=ANA, uow=uow, env=env
    ),
    "assign an unknown user": lambda i, uow, env: engagement.assign_role(
        i, Role.SMOC, "nobody", actor=ANA, uow=uow, env=env
    ),
    "assign by a viewer": lambda i, uow, env: engagement.assign_role(
        i, Role.SMOC, "cy", actor=VIC, uow=uow, env=env
    ),
    "impact: unknown field": lambda i, uow, env: engagement.update_impact(
        i, {"mood": "bad"}, actor=BO, uow=uow, env=env
    ),
    # Incident.update_impact changes the services in memory before it refuses the summary.
    "impact: half-applied": lambda i, uow, env: engagement.update_impact(
        i, {"affected_services": ["billing"], "summary": "bad\x00text"}, actor=BO, uow=uow, env=env
    ),
    "release blocked": lambda i, uow, env: engagement.release_role(i, Role.CMOC, actor=BO, uow=uow, env=env),
    "attest with no note": lambda i, uow, env: engagement.attest_criterion(
        i, ReleaseCriterion.QUEUE_NORMAL, note="", actor=BO, uow=uow, env=env
    ),
    "task of nobody": lambda i, uow, env: work.add_task(
        i, "Roll back", owner=" ", due_at=None, actor=ANA, uow=uow, env=env
    ),
    "task update unchanged": lambda i, uow, env: work.update_task(
        i, 1, status=TaskStatus.OPEN, owner=None, due_at=None, actor=BO, uow=uow, env=env
    ),
    "team without contact": lambda i, uow, env: work.engage_team(
        i, Team.SIRT, contact="", actor=ANA, uow=uow, env=env
    ),
    "empty note": lambda i, uow, env: work.add_note(i, "  ", actor=ANA, uow=uow, env=env),
    "missing incident": lambda i, uow, env: work.add_note(i + 100, "hi", actor=ANA, uow=uow, env=env),
    "duplicate user": lambda i, uow, env: accounts.create_user(
        "bo", org_role=OrgRole.RESPONDER, actor=ADMIN, uow=uow, env=env
    ),
    "revoke unknown token": lambda i, uow, env: accounts.revoke_token("0", actor=ADMIN, uow=uow, env=env),
}


@pytest.fixture
def busy_incident(uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign) -> int:
    """An incident with an IMOC, a CMOC, a task and a few notifications already stored."""
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    assign(incident_id, Role.CMOC, "bo")
    work.add_task(incident_id, "Roll back", owner="bo", due_at=None, actor=ANA, uow=uow, env=env)
    return incident_id


@pytest.mark.parametrize("call", FAILING_CALLS.values(), ids=FAILING_CALLS.keys())
def test_a_failing_use_case_leaves_the_store_unchanged(
    uow: FakeUnitOfWork, env: Env, busy_incident: int, call: UseCase
) -> None:
    before = snapshot(uow)
    commits = uow.commits
    with pytest.raises(DomainError):
        call(busy_incident, uow, env)
    assert uow.store.timeline(busy_incident) == before.timeline(busy_incident)
    assert uow.store.incidents[busy_incident] == before.incidents[busy_incident]
    assert uow.store == before
    assert uow.commits == commits
