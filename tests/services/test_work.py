"""Critical-path tasks (F4.2), teams (F2.2) and notes, through the fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sirf.domain.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from sirf.domain.lifecycle import Phase
from sirf.domain.roles import Role, Team
from sirf.domain.tasks import TaskStatus
from sirf.services import incidents, work
from sirf.services.context import Env
from tests.services.fakes import FakeClock, FakeUnitOfWork
from tests.services.support import ADMIN, ANA, BO, CY, VIC, Assign, Declare, messages_for, snapshot

# ----- tasks --------------------------------------------------------------------------------------


def test_a_task_for_someone_else_tells_its_owner(
    uow: FakeUnitOfWork, env: Env, declare: Declare, clock: FakeClock
) -> None:
    incident_id = declare()
    due = clock.now() + timedelta(hours=1)
    task, _ = work.add_task(incident_id, "Roll back 4.2", owner="bo", due_at=due, actor=ANA, uow=uow, env=env)
    assert (task.number, task.owner, task.status, task.due_at) == (1, "bo", TaskStatus.OPEN, due)
    assert uow.store.incidents[incident_id].tasks[1] == task
    assert messages_for(uow, "bo") == [
        f"#{incident_id} Checkout fails for EU customers: task 1 is yours: Roll back 4.2"
    ]
    entry = uow.store.timeline(incident_id)[-1]
    assert (entry.type, entry.data["owner"], entry.data["due_at"]) == (
        "task.added",
        "bo",
        due.isoformat().replace("+00:00", "Z"),
    )


def test_a_task_for_yourself_notifies_nobody(uow: FakeUnitOfWork, env: Env, declare: Declare) -> None:
    incident_id = declare()
    work.add_task(incident_id, "Check logs", owner="ana", due_at=None, actor=ANA, uow=uow, env=env)
    second, _ = work.add_task(
        incident_id, "Page infra", owner="ana", due_at=None, actor=ANA, uow=uow, env=env
    )
    assert second.number == 2
    assert uow.store.notifications == []
    assert [t.title for t in work.list_tasks(incident_id, uow=uow)] == ["Check logs", "Page infra"]


def test_the_owner_may_update_their_own_task_others_need_the_raci(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.IMOC, "ana")
    work.add_task(incident_id, "Roll back", owner="bo", due_at=None, actor=ANA, uow=uow, env=env)
    before = snapshot(uow)
    with pytest.raises(PermissionDenied) as refused:
        work.update_task(
            incident_id, 1, status=TaskStatus.DONE, owner=None, due_at=None, actor=CY, uow=uow, env=env
        )
    assert refused.value.details["activity"] == "manage-tasks"
    with pytest.raises(PermissionDenied):  # not the owner, and the IMOC is held: RACI applies
        work.add_task(incident_id, "Mine", owner="cy", due_at=None, actor=CY, uow=uow, env=env)
    assert uow.store == before

    task, _ = work.update_task(
        incident_id, 1, status=TaskStatus.IN_PROGRESS, owner=None, due_at=None, actor=BO, uow=uow, env=env
    )
    assert task.status is TaskStatus.IN_PROGRESS
    entry = uow.store.timeline(incident_id)[-1]
    assert (entry.type, entry.actor, entry.data) == (
        "task.updated",
        "bo",
        {"number": 1, "changes": {"status": "in-progress"}},
    )
    # The IMOC may reassign it; then the old owner is just anyone.
    work.update_task(incident_id, 1, status=None, owner="cy", due_at=None, actor=ANA, uow=uow, env=env)
    with pytest.raises(PermissionDenied):
        work.update_task(
            incident_id, 1, status=TaskStatus.DONE, owner=None, due_at=None, actor=BO, uow=uow, env=env
        )


def test_task_refusals_change_nothing(uow: FakeUnitOfWork, env: Env, declare: Declare) -> None:
    incident_id = declare()
    work.add_task(incident_id, "Roll back", owner="bo", due_at=None, actor=ANA, uow=uow, env=env)
    before = snapshot(uow)
    with pytest.raises(NotFound):
        work.update_task(
            incident_id, 9, status=TaskStatus.DONE, owner=None, due_at=None, actor=ADMIN, uow=uow, env=env
        )
    with pytest.raises(ValidationFailed, match="already has these values"):
        work.update_task(
            incident_id, 1, status=TaskStatus.OPEN, owner="bo", due_at=None, actor=BO, uow=uow, env=env
        )
    with pytest.raises(ValidationFailed, match="task title"):
        work.add_task(incident_id, "  ", owner="bo", due_at=None, actor=ANA, uow=uow, env=env)
    with pytest.raises(PermissionDenied):
        work.add_task(incident_id, "Look", owner="bo", due_at=None, actor=VIC, uow=uow, env=env)
    with pytest.raises(NotFound):
        work.list_tasks(99, uow=uow)
    assert uow.store == before


# ----- teams --------------------------------------------------------------------------------------


def test_engaging_a_team_records_the_contact(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.SMOC, "bo")
    incident = work.engage_team(incident_id, Team.SIRT, contact="#sirt-oncall", actor=BO, uow=uow, env=env)
    assert incident.teams[Team.SIRT].contact == "#sirt-oncall"
    assert uow.store.incidents[incident_id].teams[Team.SIRT].engaged_by == "bo"
    assert uow.store.timeline(incident_id)[-1].data == {"team": "sirt", "contact": "#sirt-oncall"}
    before = snapshot(uow)
    with pytest.raises(ValidationFailed, match="contact"):
        work.engage_team(incident_id, Team.PRODUCT, contact="", actor=BO, uow=uow, env=env)
    with pytest.raises(PermissionDenied):
        work.engage_team(incident_id, Team.PRODUCT, contact="pm", actor=CY, uow=uow, env=env)
    assert uow.store == before


# ----- notes --------------------------------------------------------------------------------------


def test_a_note_returns_its_timeline_entry(
    uow: FakeUnitOfWork, env: Env, declare: Declare, clock: FakeClock
) -> None:
    incident_id = declare()
    clock.advance(minutes=3)
    entry, _ = work.add_note(incident_id, "  Customers report 502s\non checkout ", actor=BO, uow=uow, env=env)
    assert (entry.incident_id, entry.seq, entry.type, entry.actor, entry.at) == (
        incident_id,
        3,  # after the declaration and its ticket tag
        "note.added",
        "bo",
        clock.now(),
    )
    assert entry.data == {"text": "Customers report 502s\non checkout"}
    assert uow.store.timeline(incident_id)[-1] == entry


def test_notes_may_be_added_to_a_closed_incident_but_nothing_else(
    uow: FakeUnitOfWork, env: Env, declare: Declare
) -> None:
    incident_id = declare()
    incidents.change_phase(incident_id, Phase.RESOLUTION, actor=ANA, uow=uow, env=env)
    incidents.change_phase(incident_id, Phase.CLOSURE, actor=ANA, uow=uow, env=env)
    # declared, ticket tag, resolution, closure, ticket tag retired, then the note
    assert work.add_note(incident_id, "postmortem scheduled", actor=ANA, uow=uow, env=env)[0].seq == 6
    before = snapshot(uow)
    with pytest.raises(InvalidTransition):
        work.add_task(incident_id, "Too late", owner="bo", due_at=None, actor=ANA, uow=uow, env=env)
    with pytest.raises(InvalidTransition):
        work.engage_team(incident_id, Team.PRODUCT, contact="pm", actor=ANA, uow=uow, env=env)
    assert uow.store == before


def test_note_refusals_change_nothing(
    uow: FakeUnitOfWork, env: Env, declare: Declare, assign: Assign
) -> None:
    incident_id = declare()
    assign(incident_id, Role.CMOC, "bo")
    before = snapshot(uow)
    with pytest.raises(ValidationFailed, match="note"):
        work.add_note(incident_id, " \n ", actor=BO, uow=uow, env=env)
    with pytest.raises(ValidationFailed, match="limit"):
        work.add_note(incident_id, "x" * 10_001, actor=BO, uow=uow, env=env)
    with pytest.raises(PermissionDenied):  # a role is held and cy holds none
        work.add_note(incident_id, "hello", actor=CY, uow=uow, env=env)
    with pytest.raises(NotFound):
        work.add_note(99, "hello", actor=BO, uow=uow, env=env)
    assert uow.store == before


def test_a_task_owner_must_be_a_real_person(uow: FakeUnitOfWork, env: Env, declare: Declare) -> None:
    incident_id = declare()
    before = snapshot(uow)
    with pytest.raises(NotFound, match="no user 'ghost' to own the task"):
        work.add_task(incident_id, "Page infra", owner="Ghost", due_at=None, actor=ANA, uow=uow, env=env)
    assert snapshot(uow) == before
    task, _ = work.add_task(incident_id, "Page infra", owner="bo", due_at=None, actor=ANA, uow=uow, env=env)
    with pytest.raises(NotFound):
        work.update_task(
            incident_id, task.number, status=None, owner="ghost", due_at=None, actor=ANA, uow=uow, env=env
        )
