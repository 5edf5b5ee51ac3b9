"""Random sequences of use-case calls through the fakes keep the timeline honest (DESIGN.md rule 12).

For every call: each incident's timeline stays gapless 1..n and only grows (earlier entries never
change); a call that succeeds appends at least one event to its incident and touches no other
incident's timeline; a call that fails appends nothing and leaves the whole store as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import event, given, settings
from hypothesis import strategies as st

from sirf.domain.errors import DomainError
from sirf.domain.framework import Framework
from sirf.domain.lifecycle import Phase
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.release import ReleaseCriterion
from sirf.domain.roles import Role
from sirf.domain.severity import Severity
from sirf.services import engagement, incidents, work
from sirf.services.accounts import create_user
from sirf.services.context import Env
from sirf.services.ports import UnitOfWork
from tests.services.fakes import FakeClock, FakeUnitOfWork
from tests.services.support import ADMIN, ROSTER, VIC, snapshot

PEOPLE = ("ana", "bo", "cy")
ACTORS = [Actor(name, OrgRole.RESPONDER) for name in PEOPLE] + [ADMIN, VIC]
FRAMEWORK = Framework(roster=ROSTER, distinct_roles=frozenset({frozenset({Role.CMOC, Role.IMOC})}))

Run = Callable[[int, UnitOfWork, Env], object]


@dataclass(frozen=True)
class Call:
    """One use-case call on the incident at ``index`` (modulo the incidents declared so far)."""

    label: str
    index: int
    run: Run
    declares: bool = False

    def __repr__(self) -> str:
        return f"{self.label}@{self.index}"


actors = st.sampled_from(ACTORS)
index = st.integers(0, 3)


def _call(label: str, run: Run, *, declares: bool = False) -> Callable[[int], Call]:
    return lambda i: Call(label, i, run, declares)


def severity_calls() -> st.SearchStrategy[Call]:
    return st.builds(
        lambda i, sev, reason, who: _call(
            f"severity {sev.label} by {who.username}",
            lambda n, uow, env: incidents.change_severity(n, sev, reason=reason, actor=who, uow=uow, env=env),
        )(i),
        index,
        st.sampled_from(Severity),
        st.sampled_from(["worse", " "]),
        actors,
    )


def assign_calls() -> st.SearchStrategy[Call]:
    return st.builds(
        lambda i, role, person, who: _call(
            f"assign {role.label} to {person} by {who.username}",
            lambda n, uow, env: engagement.assign_role(n, role, person, actor=who, uow=uow, env=env),
        )(i),
        index,
        st.sampled_from(Role),
        st.sampled_from([*PEOPLE, "ghost"]),
        actors,
    )


def attest_calls() -> st.SearchStrategy[Call]:
    return st.builds(
        lambda i, criterion, note, who: _call(
            f"attest {criterion.value} by {who.username}",
            lambda n, uow, env: engagement.attest_criterion(
                n, criterion, note=note, actor=who, uow=uow, env=env
            ),
        )(i),
        index,
        st.sampled_from(ReleaseCriterion),
        st.sampled_from(["checked", ""]),
        actors,
    )


def release_calls() -> st.SearchStrategy[Call]:
    return st.builds(
        lambda i, role, who: _call(
            f"release {role.label} by {who.username}",
            lambda n, uow, env: engagement.release_role(n, role, actor=who, uow=uow, env=env),
        )(i),
        index,
        st.sampled_from(Role),
        actors,
    )


def note_calls() -> st.SearchStrategy[Call]:
    return st.builds(
        lambda i, text, who: _call(
            f"note by {who.username}",
            lambda n, uow, env: work.add_note(n, text, actor=who, uow=uow, env=env),
        )(i),
        index,
        st.sampled_from(["looking", "  "]),
        actors,
    )


def phase_calls() -> st.SearchStrategy[Call]:
    return st.builds(
        lambda i, phase, reason, who: _call(
            f"phase {phase.value} by {who.username}",
            lambda n, uow, env: incidents.change_phase(n, phase, reason=reason, actor=who, uow=uow, env=env),
        )(i),
        index,
        st.sampled_from(Phase),
        st.sampled_from(["", "errors are back"]),
        actors,
    )


def impact_calls() -> st.SearchStrategy[Call]:
    return st.builds(
        lambda i, customers, sla, who: _call(
            f"impact {customers}/{sla} by {who.username}",
            lambda n, uow, env: engagement.update_impact(
                n, {"customers_affected": customers, "sla_at_risk": sla}, actor=who, uow=uow, env=env
            ),
        )(i),
        index,
        st.sampled_from([None, 1, 5, 500]),
        st.booleans(),
        actors,
    )


def declare_calls() -> st.SearchStrategy[Call]:
    return st.builds(
        lambda kind, who: _call(
            f"declare {kind} by {who.username}",
            lambda n, uow, env: incidents.declare_incident(
                incidents.Declaration(title="Checkout fails", kind=kind, severity=Severity.SEV2),
                actor=who,
                uow=uow,
                env=env,
            ),
            declares=True,
        )(0),
        st.sampled_from(["saas-outage", "security-incident", "bug-report"]),
        actors,
    )


calls = st.one_of(
    severity_calls(),
    assign_calls(),
    attest_calls(),
    release_calls(),
    note_calls(),
    phase_calls(),
    impact_calls(),
    declare_calls(),
)


def _fresh() -> tuple[FakeUnitOfWork, Env, FakeClock]:
    clock = FakeClock()
    env = Env(clock, FRAMEWORK)
    uow = FakeUnitOfWork()
    for actor in ACTORS:
        create_user(actor.username, org_role=actor.org_role, actor=None, uow=uow, env=env)
    incidents.declare_incident(
        incidents.Declaration(title="Checkout fails", kind="saas-outage", severity=Severity.SEV3),
        actor=ADMIN,
        uow=uow,
        env=env,
    )
    return uow, env, clock


def _check_gapless(uow: FakeUnitOfWork) -> None:
    for incident_id, timeline in uow.store.timelines.items():
        assert [e.seq for e in timeline] == list(range(1, len(timeline) + 1))
        assert all(e.incident_id == incident_id for e in timeline)
        incident = uow.store.incidents[incident_id]
        for role in Role:
            assert sum(1 for a in incident.assignments if a.role is role and a.active) <= 1


@settings(max_examples=50, deadline=None)
@given(steps=st.lists(st.tuples(calls, st.integers(0, 90)), min_size=10, max_size=40))
def test_timelines_only_grow_gaplessly_and_failures_record_nothing(steps: list[tuple[Call, int]]) -> None:
    uow, env, clock = _fresh()
    for call, minutes in steps:
        clock.advance(minutes=minutes)
        ids = sorted(uow.store.incidents)
        target = ids[call.index % len(ids)]
        before = snapshot(uow)
        try:
            call.run(target, uow, env)
        except DomainError as error:
            event(f"{call.label.split()[0]}: {error.code}")
            assert uow.store == before, f"{call} failed but changed the store"
            continue
        event(f"{call.label.split()[0]}: ok")
        _check_gapless(uow)
        if call.declares:
            target = max(uow.store.incidents)
            assert target not in before.timelines
        for incident_id, timeline in uow.store.timelines.items():
            old = before.timelines.get(incident_id, [])
            assert timeline[: len(old)] == old, f"{call} rewrote the timeline of #{incident_id}"
            grew = len(timeline) - len(old)
            if incident_id == target:
                assert grew >= 1, f"{call} succeeded without recording an event"
            else:
                assert grew == 0, f"{call} touched the timeline of #{incident_id}"
