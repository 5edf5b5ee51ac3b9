"""Regression tests for bugs found while writing the service tests (all fixed)."""

from __future__ import annotations

import pytest

from sirf.domain.errors import DomainError, PermissionDenied, ValidationFailed
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.roles import Role
from sirf.domain.tasks import TaskStatus
from sirf.services import accounts, engagement, incidents, work
from sirf.services.context import Env
from tests.services.fakes import FakeUnitOfWork
from tests.services.support import ADMIN, ANA, Assign, Declare, messages_for

# The same person as ANA, now a viewer (say, demoted after being given the role). The use cases
# take the org role from the Actor, so this is exactly what the API passes after a demotion.
ANA_AS_VIEWER = Actor("ana", OrgRole.VIEWER)


def test_a_viewer_may_not_hand_over_a_role_they_hold(uow: FakeUnitOfWork, env: Env, declare: Declare) -> None:
    incident_id = declare()
    engagement.assign_role(incident_id, Role.IMOC, "ana", actor=ANA, uow=uow, env=env)
    with pytest.raises(PermissionDenied):
        engagement.assign_role(incident_id, Role.IMOC, "bo", actor=ANA_AS_VIEWER, uow=uow, env=env)


def test_a_viewer_may_not_release_a_role_they_hold(uow: FakeUnitOfWork, env: Env, declare: Declare) -> None:
    incident_id = declare()
    engagement.assign_role(incident_id, Role.IMOC, "ana", actor=ANA, uow=uow, env=env)
    with pytest.raises(PermissionDenied):
        engagement.release_role(incident_id, Role.IMOC, actor=ANA_AS_VIEWER, uow=uow, env=env)


def test_a_viewer_may_not_update_a_task_they_own(uow: FakeUnitOfWork, env: Env, declare: Declare) -> None:
    incident_id = declare()
    work.add_task(incident_id, "Roll back", owner="ana", due_at=None, actor=ANA, uow=uow, env=env)
    with pytest.raises(PermissionDenied):
        work.update_task(
            incident_id,
            1,
            status=TaskStatus.DONE,
            owner=None,
            due_at=None,
            actor=ANA_AS_VIEWER,
            uow=uow,
            env=env,
        )


def test_a_viewer_cannot_be_given_a_role(uow: FakeUnitOfWork, env: Env, declare: Declare) -> None:
    incident_id = declare()
    with pytest.raises(DomainError):
        engagement.assign_role(incident_id, Role.IMOC, "vic", actor=ADMIN, uow=uow, env=env)


def test_a_refused_impact_update_leaves_the_aggregate_as_it_was(
    uow: FakeUnitOfWork, env: Env, declare: Declare
) -> None:
    incident_id = declare()
    incident = incidents.get_incident(incident_id, uow=uow)
    with pytest.raises(ValidationFailed):
        incident.update_impact(
            incident.facts, actor="bo", at=env.clock.now(), affected_services=("billing",), summary="bad\x00"
        )
    assert incident.affected_services == ()


def test_update_impact_leaves_the_callers_changes_alone(
    uow: FakeUnitOfWork, env: Env, declare: Declare
) -> None:
    incident_id = declare()
    changes: dict[str, object] = {"customers_affected": 3, "summary": "payments fail"}
    engagement.update_impact(incident_id, changes, actor=ANA, uow=uow, env=env)
    assert changes == {"customers_affected": 3, "summary": "payments fail"}


def test_listing_tokens_for_an_unknown_non_admin_shows_nothing(uow: FakeUnitOfWork, env: Env) -> None:
    accounts.issue_token("bo", name="laptop", actor=None, uow=uow, env=env)
    stranger = Actor("stranger", OrgRole.RESPONDER)
    assert accounts.list_tokens(actor=stranger, uow=uow) == []


def test_the_new_owner_of_a_reassigned_task_is_told(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    work.add_task(incident_id, "Roll back", owner="bo", due_at=None, actor=ANA, uow=uow, env=env)
    work.update_task(incident_id, 1, status=None, owner="cy", due_at=None, actor=ANA, uow=uow, env=env)
    assert any("task 1" in message for message in messages_for(uow, "cy"))
