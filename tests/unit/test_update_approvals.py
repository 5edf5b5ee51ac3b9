"""Approval rules for status updates (F5.1, F5.3, F6.1), as a table and as a property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sirf.domain.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from sirf.domain.roles import Role
from sirf.domain.updates import (
    Approval,
    Audience,
    Reviewer,
    StatusUpdate,
    UpdateState,
    approval_status,
    choose_capacity,
    required_reviewers,
    text_before_final_link,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CMOC, IMOC, SIRT, AUTHOR, OTHER = "carol", "ivan", "sam", "carol", "olga"


def make_update(audience: Audience = Audience.PUBLIC, body: str = "Sign-in fails.") -> StatusUpdate:
    update = StatusUpdate(1, 42, 1, "initial", audience, body, AUTHOR, AT, AT)
    update.request_review(at=AT)
    return update


def holders(cmoc: str | None = CMOC, imoc: str | None = IMOC) -> dict[Role, str | None]:
    return {Role.CMOC: cmoc, Role.IMOC: imoc, Role.SMOC: None}


def approve(
    update: StatusUpdate, person: str, *, role_holders: dict[Role, str | None], security: bool = False
) -> None:
    capacity = choose_capacity(
        update, person, holders=role_holders, security=security, sirt_reviewers=frozenset({SIRT}), wanted=None
    )
    update.approve(Approval(person, capacity, update.etag, AT))


def complete(update: StatusUpdate, role_holders: dict[Role, str | None], security: bool = False) -> bool:
    status = approval_status(
        update, holders=role_holders, security=security, sirt_reviewers=frozenset({SIRT})
    )
    return status.complete


@pytest.mark.parametrize(
    ("audience", "security", "approvers", "expected"),
    [
        # F6.1: public updates need the CMOC and the IMOC.
        (Audience.PUBLIC, False, [IMOC, CMOC], True),
        (Audience.PUBLIC, False, [CMOC], False),
        (Audience.PUBLIC, False, [IMOC], False),
        # F5.1: any customer-facing message needs the CMOC.
        (Audience.CUSTOMER, False, [CMOC], True),
        (Audience.CUSTOMER, False, [IMOC], False),
        # F5.3: security incidents add SIRT.
        (Audience.PUBLIC, True, [IMOC, CMOC], False),
        (Audience.PUBLIC, True, [IMOC, CMOC, SIRT], True),
        (Audience.CUSTOMER, True, [CMOC, SIRT], True),
        # Internal updates need nobody.
        (Audience.INTERNAL, False, [], True),
    ],
)
def test_who_must_approve(audience: Audience, security: bool, approvers: list[str], expected: bool) -> None:
    update = make_update(audience)
    for person in approvers:
        if person == IMOC and audience is Audience.CUSTOMER:
            with pytest.raises(PermissionDenied):
                approve(update, person, role_holders=holders(), security=security)
            continue
        approve(update, person, role_holders=holders(), security=security)
    assert complete(update, holders(), security) is expected


def test_the_same_person_holding_cmoc_and_imoc_cannot_approve_a_public_update_alone() -> None:
    update = make_update()
    both = holders(cmoc=CMOC, imoc=CMOC)
    approve(update, CMOC, role_holders=both)
    with pytest.raises(Conflict, match="counts once"):
        approve(update, CMOC, role_holders=both)
    status = approval_status(update, holders=both, security=False, sirt_reviewers=frozenset())
    assert not status.complete
    assert any("two different people" in problem for problem in status.problems)


def test_the_authors_approval_counts_once() -> None:
    update = make_update()  # written by the CMOC
    approve(update, AUTHOR, role_holders=holders())
    with pytest.raises(Conflict):
        approve(update, AUTHOR, role_holders=holders())
    assert approval_status(
        update, holders=holders(), security=False, sirt_reviewers=frozenset()
    ).satisfied == (Reviewer.CMOC,)


def test_an_edit_voids_every_approval_but_keeps_them_on_record() -> None:
    update = make_update()
    approve(update, IMOC, role_holders=holders())
    approve(update, CMOC, role_holders=holders())
    assert complete(update, holders())
    update.mark(UpdateState.APPROVED, at=AT)
    assert update.edit(at=AT, body="Sign-in fails for EU customers.")
    assert update.state is UpdateState.IN_REVIEW
    assert not complete(update, holders())
    assert len(update.approvals) == 2


def test_an_approval_of_an_older_text_is_refused() -> None:
    update = make_update()
    stale = update.etag
    update.edit(at=AT, body="Changed.")
    with pytest.raises(Conflict, match="changed since you read it"):
        update.approve(Approval(IMOC, Reviewer.IMOC, stale, AT))


def test_a_role_changing_hands_voids_the_old_holders_approval() -> None:
    update = make_update()
    approve(update, IMOC, role_holders=holders())
    approve(update, CMOC, role_holders=holders())
    handed_over = holders(imoc=OTHER)
    status = approval_status(update, holders=handed_over, security=False, sirt_reviewers=frozenset())
    assert status.missing == (Reviewer.IMOC,)


def test_people_without_a_reviewing_role_cannot_approve() -> None:
    update = make_update()
    with pytest.raises(PermissionDenied, match="approval is needed from CMOC or IMOC"):
        approve(update, OTHER, role_holders=holders())


def test_published_text_is_immutable_and_blanks_stop_publishing() -> None:
    update = make_update(body="Impact: [[TODO: impact type]]")
    update.mark(UpdateState.APPROVED, at=AT)
    with pytest.raises(ValidationFailed, match="impact type"):
        update.publish(by=CMOC, at=AT)
    update.edit(at=AT, body="Impact: degraded sign-in.")
    update.mark(UpdateState.APPROVED, at=AT)
    update.publish(by=CMOC, at=AT)
    with pytest.raises(Conflict, match="immutable"):
        update.edit(at=AT, body="Rewritten history")
    with pytest.raises(Conflict, match="already published"):
        update.publish(by=CMOC, at=AT)


def test_the_220_character_rule_counts_the_text_before_the_final_link() -> None:
    short = make_update(body="x" * 220 + " https://status.example.com/incidents/1")
    long = make_update(body="x" * 221 + " https://status.example.com/incidents/1")
    assert short.warnings() == []
    assert "221 characters" in long.warnings()[0]
    assert text_before_final_link("Down. https://a.example/1") == "Down."
    assert make_update(Audience.INTERNAL, body="y" * 500).warnings() == []


def test_required_reviewers_table() -> None:
    assert required_reviewers(Audience.PUBLIC, security=False) == (Reviewer.CMOC, Reviewer.IMOC)
    assert required_reviewers(Audience.CUSTOMER, security=True) == (Reviewer.CMOC, Reviewer.SIRT)
    assert required_reviewers(Audience.INTERNAL, security=True) == ()


PEOPLE = [CMOC, IMOC, SIRT, OTHER]
actions = st.lists(
    st.one_of(
        st.tuples(st.just("approve"), st.sampled_from(PEOPLE)),
        st.tuples(st.just("edit"), st.sampled_from(["a", "b", "c"])),
        st.tuples(st.just("hand-over"), st.sampled_from([Role.CMOC, Role.IMOC]), st.sampled_from(PEOPLE)),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(
    audience=st.sampled_from(list(Audience)),
    security=st.booleans(),
    steps=actions,
)
def test_no_update_is_complete_without_distinct_current_approvers(
    audience: Audience, security: bool, steps: list[tuple[object, ...]]
) -> None:
    """Property: whenever the rules say "complete", the approvals on the *current* text come from
    people who hold the required roles *now*, one person per role, CMOC and IMOC distinct."""
    update = make_update(audience)
    role_holders = holders()
    clock = AT
    for step in steps:
        clock += timedelta(seconds=1)
        try:
            if step[0] == "approve":
                approve(update, str(step[1]), role_holders=role_holders, security=security)
            elif step[0] == "edit":
                update.edit(at=clock, body=f"Text {step[1]}")
            else:
                role, person = step[1], str(step[2])
                assert isinstance(role, Role)
                role_holders[role] = person
        except DomainError:
            pass
        status = approval_status(
            update, holders=role_holders, security=security, sirt_reviewers=frozenset({SIRT})
        )
        if not status.complete:
            continue
        current = [a for a in update.approvals if a.etag == update.etag]
        by_capacity: dict[Reviewer, set[str]] = {}
        for approval in current:
            by_capacity.setdefault(approval.reviewer, set()).add(approval.by)
        for reviewer in required_reviewers(audience, security=security):
            approvers = by_capacity.get(reviewer, set())
            if reviewer is Reviewer.SIRT:
                assert SIRT in approvers
            else:
                assert role_holders[Role(reviewer.value)] in approvers
        if audience is Audience.PUBLIC:
            assert role_holders[Role.CMOC] != role_holders[Role.IMOC]
