"""The fake unit of work keeps the promises of the UnitOfWork protocol and of the SQL repositories;
if it did not, the use-case tests built on it would prove nothing."""

from __future__ import annotations

import pytest

from sirf.domain.errors import Conflict
from sirf.domain.framework import Framework
from sirf.domain.incident import Incident
from sirf.domain.lifecycle import Phase
from sirf.domain.roles import Source
from sirf.domain.scope import IncidentKind
from sirf.domain.severity import Severity
from sirf.domain.triggers import ImpactFacts
from sirf.services.ports import IncidentQuery, Notification
from tests.services.fakes import START, FakeClock, FakeUnitOfWork
from tests.services.support import snapshot


def _incident(*, severity: Severity = Severity.SEV2, customers: int | None = None) -> Incident:
    incident = Incident.declare(
        title="Checkout fails",
        kind=IncidentKind.SAAS_OUTAGE,
        severity=severity,
        source=Source.SUPPORT,
        actor="ana",
        at=START,
        framework=Framework(),
    )
    incident.facts = ImpactFacts(customers_affected=customers)
    return incident


def _add(uow: FakeUnitOfWork, incident: Incident) -> int:
    with uow(write=True):
        incident_id = uow.incidents.add(incident)
        uow.commit()
    return incident_id


def test_incidents_get_ids_one_two_three_and_their_declaration_event() -> None:
    uow = FakeUnitOfWork()
    ids = [_add(uow, _incident()) for _ in range(3)]
    assert ids == [1, 2, 3]
    assert [uow.store.event_types(i) for i in ids] == [["incident.declared"]] * 3
    assert uow.store.incidents[2].version == 1
    assert uow.commits == 3


def test_add_and_save_take_the_pending_events_into_a_gapless_timeline() -> None:
    uow = FakeUnitOfWork()
    incident = _incident()
    incident.record_scope_override(reported_kind="bug-report", reason="many", actor="ana", at=START)
    incident_id = _add(uow, incident)
    assert incident.pending == []
    with uow(write=True):
        loaded = uow.incidents.get(incident_id, for_update=True)
        assert loaded is not None
        loaded.add_note("one", actor="bo", at=START, max_length=100)
        loaded.add_note("two", actor="bo", at=START, max_length=100)
        uow.incidents.save(loaded)
        assert loaded.pending == []
        assert loaded.version == 2
        uow.commit()
    timeline = uow.store.timeline(incident_id)
    assert [e.seq for e in timeline] == [1, 2, 3, 4]
    assert timeline[-1].data == {"text": "two"}
    assert timeline[0].data["detected_at"] == START.isoformat().replace(
        "+00:00", "Z"
    )  # stored as JSON, like SQL


def test_get_returns_an_independent_copy() -> None:
    uow = FakeUnitOfWork()
    incident_id = _add(uow, _incident())
    with uow(write=True):
        loaded = uow.incidents.get(incident_id)
        assert loaded is not None
        loaded.title = "changed without save"
        loaded.assignments.append(object())  # type: ignore[arg-type]
        uow.commit()
    assert uow.store.incidents[incident_id].title == "Checkout fails"
    assert uow.store.incidents[incident_id].assignments == []


def test_leaving_without_commit_discards_every_change() -> None:
    uow = FakeUnitOfWork()
    incident_id = _add(uow, _incident())
    before = snapshot(uow)
    with uow(write=True):
        uow.incidents.add(_incident())
        loaded = uow.incidents.get(incident_id)
        assert loaded is not None
        loaded.add_note("lost", actor="bo", at=START, max_length=100)
        uow.incidents.save(loaded)
    assert uow.store == before
    assert uow.rollbacks == 1
    assert _add(uow, _incident()) == 2  # the rolled-back id is free again


def test_an_exception_rolls_back_too() -> None:
    uow = FakeUnitOfWork()
    before = snapshot(uow)

    def fail_halfway() -> None:
        with uow(write=True):
            uow.incidents.add(_incident())
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        fail_halfway()
    assert uow.store == before


def test_nested_blocks_join_the_outer_transaction_and_only_the_outermost_commit_counts() -> None:
    uow = FakeUnitOfWork()
    with uow(write=True):
        with uow(write=True):
            uow.incidents.add(_incident())
            uow.commit()  # joins the outer transaction: nothing is committed yet
        assert uow.commits == 0
        with uow(write=False):
            assert uow.incidents.get(1) is not None  # the nested block sees the outer's changes
        assert uow.store.incidents == {}
    assert uow.store.incidents == {}  # the outer block never committed

    with uow(write=True):
        with uow(write=True):
            uow.incidents.add(_incident())
        uow.commit()
    assert list(uow.store.incidents) == [1]
    assert uow.commits == 1


def test_misuse_is_refused() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(RuntimeError, match="only available inside"):
        _ = uow.incidents
    with uow(write=False), pytest.raises(RuntimeError, match="read-only"):
        uow.incidents.add(_incident())
    with uow(write=False), pytest.raises(RuntimeError, match="nested inside a read-only"), uow(write=True):
        pass
    with uow(write=True):
        repository = uow.incidents
        uow.commit()
        with pytest.raises(RuntimeError, match="after its unit of work"):
            repository.get(1)
    with pytest.raises(RuntimeError, match="only available inside"):
        uow.commit()


def test_save_refuses_an_unloaded_or_stale_incident() -> None:
    uow = FakeUnitOfWork()
    incident_id = _add(uow, _incident())
    with uow(write=True):
        stale = uow.incidents.get(incident_id)
        assert stale is not None
        fresh = uow.incidents.get(incident_id)
        assert fresh is not None
        uow.incidents.save(fresh)
        with pytest.raises(Conflict):
            uow.incidents.save(stale)
    with uow(write=True), pytest.raises(RuntimeError, match="without being loaded"):
        uow.incidents.save(stale)


def test_find_orders_customers_first_then_severity_then_newest_and_pages_by_keyset() -> None:
    uow = FakeUnitOfWork()
    specs = [
        (Severity.SEV3, None),
        (Severity.SEV1, 0),
        (Severity.SEV2, 50),
        (Severity.SEV1, 50),
        (Severity.SEV1, None),
    ]
    for severity, customers in specs:
        _add(uow, _incident(severity=severity, customers=customers))
    # ids 1..5; unknown customers count as 0 and tie with an explicit 0.
    expected = [4, 3, 5, 2, 1]
    with uow(write=False):
        everything = uow.incidents.find(IncidentQuery(status="all"))
        assert [i.id for i in everything.items] == expected
        assert everything.next_after is None
        seen: list[int] = []
        after = None
        while True:
            page = uow.incidents.find(IncidentQuery(status="all", limit=2, after=after))
            seen += [i.id for i in page.items]
            if page.next_after is None:
                break
            after = page.next_after
        first = uow.incidents.find(IncidentQuery(limit=2))
    assert seen == expected
    assert first.next_after == (50, 2, 3)


def test_find_filters_by_status_severity_kind_and_phase() -> None:
    uow = FakeUnitOfWork()
    for severity in (Severity.SEV1, Severity.SEV2, Severity.SEV2):
        _add(uow, _incident(severity=severity))
    with uow(write=True):
        resolved = uow.incidents.get(3)
        assert resolved is not None
        resolved.move_to(Phase.RESOLUTION, actor="ana", at=START)
        uow.incidents.save(resolved)
        uow.commit()

    def ids(**query: object) -> list[int]:
        with uow(write=False):
            return [i.id for i in uow.incidents.find(IncidentQuery(**query)).items]  # type: ignore[arg-type]

    assert ids() == [1, 2]
    assert ids(status="resolved") == [3]
    assert ids(status="closed") == []
    assert ids(status="all", severity=Severity.SEV2) == [3, 2]
    assert ids(status="all", kind="saas-outage") == [1, 3, 2]
    assert ids(status="all", kind="security-incident") == []
    assert ids(status="all", phase=Phase.DETECTION) == [1, 2]


def test_timeline_pages_after_a_sequence_number() -> None:
    uow = FakeUnitOfWork()
    incident = _incident()
    for n in range(4):
        incident.add_note(f"note {n}", actor="ana", at=START, max_length=100)
    incident_id = _add(uow, incident)
    with uow(write=False):
        assert [e.seq for e in uow.incidents.timeline(incident_id, after=1, limit=2)] == [2, 3]
        last = uow.incidents.last_entry(incident_id)
        assert uow.incidents.last_entry(99) is None
    assert last is not None
    assert last.seq == 5


def test_notifications_get_ids_and_are_read_newest_first() -> None:
    uow = FakeUnitOfWork()
    incident_id = _add(uow, _incident())
    with uow(write=True):
        uow.notifications.add_all([Notification(incident_id, "bo", f"m{n}", START) for n in range(3)])
        uow.commit()
    with uow(write=False):
        latest = uow.notifications.for_recipient("bo", limit=2)
    assert [(n.id, n.message) for n in latest] == [(3, "m2"), (2, "m1")]


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock()
    assert clock.now() == START
    assert clock.advance(minutes=5) == clock.now()
    assert (clock.now() - START).total_seconds() == 300
