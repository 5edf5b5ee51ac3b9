"""The incident repository and unit of work on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sirf.bootstrap import Container
from sirf.domain.errors import NotFound, PreconditionFailed
from sirf.domain.lifecycle import Phase
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.release import ReleaseCriterion
from sirf.domain.roles import Role, Source, Team
from sirf.domain.severity import Severity
from sirf.domain.tasks import TaskStatus
from sirf.services import engagement, incidents, work
from sirf.services.accounts import create_user
from sirf.services.ports import IncidentQuery
from tests.conftest import FakeClock

ADMIN = Actor("root", OrgRole.ADMIN)


def declare(container: Container, title: str = "Users cannot sign in", severity: int = 2) -> int:
    declaration = incidents.Declaration(
        title=title, kind="saas-outage", severity=Severity(severity), source=Source.INFRASTRUCTURE
    )
    return incidents.declare_incident(declaration, actor=ADMIN, uow=container.uow(), env=container.env).id


def users(container: Container, *names: str) -> None:
    for name in names:
        create_user(name, org_role=OrgRole.RESPONDER, actor=None, uow=container.uow(), env=container.env)


def test_a_declared_incident_round_trips_with_every_field(container: Container, clock: FakeClock) -> None:
    users(container, "alice", "bob")
    incident_id = declare(container)
    env, uow = container.env, container.uow
    clock.advance(minutes=1)
    incidents.change_severity(
        incident_id, Severity.SEV1, reason="all regions", actor=ADMIN, uow=uow(), env=env
    )
    engagement.assign_role(incident_id, Role.CMOC, "alice", actor=ADMIN, uow=uow(), env=env)
    engagement.assign_role(incident_id, Role.CMOC, "bob", actor=ADMIN, uow=uow(), env=env)
    engagement.update_impact(
        incident_id, {"customers_affected": 40, "sla_at_risk": True}, actor=ADMIN, uow=uow(), env=env
    )
    work.add_task(
        incident_id, "Create Zendesk tag", owner="alice", due_at=None, actor=ADMIN, uow=uow(), env=env
    )
    work.update_task(
        incident_id, 1, status=TaskStatus.DONE, owner=None, due_at=None, actor=ADMIN, uow=uow(), env=env
    )
    work.engage_team(
        incident_id, Team.CUSTOMER_SUCCESS, contact="cs@example.com", actor=ADMIN, uow=uow(), env=env
    )
    engagement.attest_criterion(
        incident_id, ReleaseCriterion.QUEUE_NORMAL, note="ok", actor=ADMIN, uow=uow(), env=env
    )
    incidents.change_phase(incident_id, Phase.TRIAGE, actor=ADMIN, uow=uow(), env=env)

    stored = incidents.get_incident(incident_id, uow=uow())
    assert stored.severity is Severity.SEV1
    assert stored.highest_severity is Severity.SEV1
    assert stored.phase is Phase.TRIAGE
    assert stored.triaged_at == clock.now()
    assert stored.holder(Role.CMOC) == "bob"
    history = [(a.holder, a.released_by) for a in stored.assignments if a.role is Role.CMOC]
    assert history == [("alice", "root"), ("bob", None)]
    assert stored.facts.customers_affected == 40
    assert stored.facts.sla_at_risk
    assert stored.tasks[1].status is TaskStatus.DONE
    assert stored.teams[Team.CUSTOMER_SUCCESS].contact == "cs@example.com"
    assert stored.attestations[ReleaseCriterion.QUEUE_NORMAL].note == "ok"
    assert stored.declared_at.tzinfo is not None


def test_timeline_is_gapless_and_typed(container: Container) -> None:
    incident_id = declare(container)
    for n in range(5):
        work.add_note(incident_id, f"note {n}", actor=ADMIN, uow=container.uow(), env=container.env)
    entries = incidents.read_timeline(incident_id, after=0, limit=100, uow=container.uow())
    assert [e.seq for e in entries] == list(range(1, 8))
    assert [e.type for e in entries[:2]] == ["incident.declared", "tickets.tag_created"]
    assert [e.data["text"] for e in entries[2:]] == [f"note {n}" for n in range(5)]
    assert incidents.read_timeline(incident_id, after=3, limit=2, uow=container.uow())[0].seq == 4


def test_the_database_refuses_to_edit_or_delete_timeline_rows(container: Container) -> None:
    incident_id = declare(container)
    for statement in ("UPDATE timeline SET actor = 'mallory'", "DELETE FROM timeline"):
        with pytest.raises(DBAPIError, match="append-only"), container.database.engine.begin() as connection:
            connection.execute(text(statement))
    entries = incidents.read_timeline(incident_id, after=0, limit=10, uow=container.uow())
    assert [(e.seq, e.actor) for e in entries] == [(1, "root"), (2, "sirf")]  # declared, ticket tag


def test_the_database_allows_one_active_holder_per_role(container: Container) -> None:
    incident_id = declare(container)
    insert = (
        "INSERT INTO role_assignments (incident_id, role, ordinal, holder, assumed_at, assigned_by) "
        "VALUES (:i, 'cmoc', :o, :h, CURRENT_TIMESTAMP, 'x')"
    )
    with container.database.engine.begin() as connection:
        connection.execute(text(insert), {"i": incident_id, "o": 1, "h": "alice"})
    with pytest.raises(DBAPIError), container.database.engine.begin() as connection:
        connection.execute(text(insert), {"i": incident_id, "o": 2, "h": "bob"})


def test_a_failed_change_writes_nothing(container: Container) -> None:
    incident_id = declare(container)
    before = incidents.get_incident(incident_id, uow=container.uow())
    with pytest.raises(NotFound):
        engagement.assign_role(
            incident_id, Role.CMOC, "nobody", actor=ADMIN, uow=container.uow(), env=container.env
        )
    with pytest.raises(PreconditionFailed):
        incidents.change_severity(
            incident_id,
            Severity.SEV1,
            reason="x",
            actor=ADMIN,
            uow=container.uow(),
            env=container.env,
            expected_version=99,
        )
    after = incidents.get_incident(incident_id, uow=container.uow())
    assert after == before
    assert len(incidents.read_timeline(incident_id, after=0, limit=10, uow=container.uow())) == 2


def test_list_orders_by_customer_impact_then_severity_and_pages(container: Container) -> None:
    env = container.env
    ids = {}
    for title, severity, customers in [
        ("a", 3, 500),
        ("b", 1, 10),
        ("c", 2, 10),
        ("d", 1, None),
        ("e", 4, 500),
    ]:
        ids[title] = declare(container, title, severity)
        if customers is not None:
            engagement.update_impact(
                ids[title], {"customers_affected": customers}, actor=ADMIN, uow=container.uow(), env=env
            )
    order = []
    after = None
    while True:
        page = incidents.list_incidents(IncidentQuery(limit=2, after=after), uow=container.uow())
        order += [i.title for i in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert order == ["a", "e", "b", "c", "d"]


def test_list_filters_by_status(container: Container) -> None:
    first, second = declare(container, "one"), declare(container, "two")
    incidents.change_phase(first, Phase.RESOLUTION, actor=ADMIN, uow=container.uow(), env=container.env)
    active = incidents.list_incidents(IncidentQuery(), uow=container.uow()).items
    resolved = incidents.list_incidents(IncidentQuery(status="resolved"), uow=container.uow()).items
    everything = incidents.list_incidents(IncidentQuery(status="all"), uow=container.uow()).items
    assert [i.id for i in active] == [second]
    assert [i.id for i in resolved] == [first]
    assert {i.id for i in everything} == {first, second}
