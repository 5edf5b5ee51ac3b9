"""F4.2 RACI: who may act on an incident (viewer never, admin always, R/A holders, vacant roles)."""

import pytest

from sirf.domain.errors import PermissionDenied, ValidationFailed
from sirf.domain.raci import (
    DEFAULT_MATRIX,
    DEFAULT_RACI,
    Activity,
    Actor,
    OrgRole,
    Raci,
    RaciMatrix,
    authorize,
)
from sirf.domain.roles import Role

CMOC, SMOC, IMOC = Role.CMOC, Role.SMOC, Role.IMOC
ALL_ROLES = frozenset(Role)
RESPONDER = Actor("rae", OrgRole.RESPONDER)

ACTING_PAIRS = [
    (activity, role)
    for activity in Activity
    for role in Role
    if (cell := DEFAULT_MATRIX.cell(activity, role)) is not None and cell.may_act
]


def _acting(activity):
    return frozenset(DEFAULT_MATRIX.acting_roles(activity))


def test_every_activity_has_a_row_with_someone_who_may_act():
    assert set(DEFAULT_RACI) == set(Activity)
    for activity in Activity:
        assert _acting(activity), activity


@pytest.mark.parametrize(
    ("activity", "acting"),
    [
        # F5.3: the IMOC decides severity and closure; F6.3: the SMOC judges severity with the IMOC.
        (Activity.SET_SEVERITY, {IMOC, SMOC}),
        (Activity.CLOSE_INCIDENT, {IMOC}),
        (Activity.RESOLVE_INCIDENT, {IMOC}),
        # F5.2: the SMOC has the final call on emergencies.
        (Activity.DECLARE_EMERGENCY, {SMOC}),
        # F5.1: the CMOC approves every customer-facing message.
        (Activity.APPROVE_CUSTOMER_MESSAGE, {CMOC}),
        (Activity.BULK_REPLY, {CMOC}),
        (Activity.CREATE_TICKET_TAG, {CMOC}),
        # F6.1: public updates are approved jointly by IMOC and CMOC.
        (Activity.APPROVE_PUBLIC_UPDATE, {IMOC, CMOC}),
        (Activity.ALLOCATE_SUPPORT_RESOURCES, {SMOC, CMOC}),
        (Activity.ADD_NOTE, {CMOC, SMOC, IMOC}),
    ],
)
def test_default_matrix_follows_the_framework(activity, acting):
    assert _acting(activity) == acting


@pytest.mark.parametrize(
    ("value", "may_act"),
    [(Raci.RESPONSIBLE, True), (Raci.ACCOUNTABLE, True), (Raci.CONSULTED, False), (Raci.INFORMED, False)],
)
def test_only_responsible_and_accountable_may_act(value, may_act):
    assert value.may_act is may_act


@pytest.mark.parametrize("activity", list(Activity))
def test_viewer_never_acts_even_holding_every_role(activity):
    viewer = Actor("vic", OrgRole.VIEWER)
    with pytest.raises(PermissionDenied) as info:
        authorize(DEFAULT_MATRIX, activity, viewer, actor_roles=ALL_ROLES, held_roles=ALL_ROLES)
    assert info.value.code == "permission_denied"
    assert info.value.details == {"activity": activity.value}
    assert "vic is a viewer" in info.value.message


@pytest.mark.parametrize("activity", list(Activity))
def test_admin_always_acts_even_holding_no_role(activity):
    admin = Actor("ada", OrgRole.ADMIN)
    authorize(DEFAULT_MATRIX, activity, admin, actor_roles=(), held_roles=ALL_ROLES)


@pytest.mark.parametrize(("activity", "role"), ACTING_PAIRS)
def test_holder_of_a_responsible_or_accountable_role_may_act(activity, role):
    authorize(DEFAULT_MATRIX, activity, RESPONDER, actor_roles={role}, held_roles=ALL_ROLES)


@pytest.mark.parametrize("activity", list(Activity))
def test_responder_without_an_acting_role_is_refused_when_one_is_held(activity):
    acting = _acting(activity)
    others = ALL_ROLES - acting
    with pytest.raises(PermissionDenied) as info:
        authorize(DEFAULT_MATRIX, activity, RESPONDER, actor_roles=others, held_roles=ALL_ROLES)
    error = info.value
    expected = DEFAULT_MATRIX.acting_roles(activity)
    assert error.details == {"activity": activity.value, "required_roles": [r.value for r in expected]}
    assert f"only the incident's {' or '.join(r.label for r in expected)} may {activity.value}" in (
        error.message
    )
    assert "rae holds none of them" in error.message


@pytest.mark.parametrize("activity", list(Activity))
def test_anyone_may_act_while_no_acting_role_is_held(activity):
    # Only consulted/informed roles (or none) are held: the work must not stall on a vacant role.
    not_acting = ALL_ROLES - _acting(activity)
    authorize(DEFAULT_MATRIX, activity, RESPONDER, actor_roles=(), held_roles=not_acting)
    authorize(DEFAULT_MATRIX, activity, RESPONDER, actor_roles=(), held_roles=())


def test_refusal_names_only_the_acting_roles_that_are_held():
    with pytest.raises(PermissionDenied) as info:
        authorize(
            DEFAULT_MATRIX, Activity.SET_SEVERITY, RESPONDER, actor_roles={CMOC}, held_roles={SMOC, CMOC}
        )
    assert info.value.details["required_roles"] == ["smoc"]
    assert "only the incident's SMOC may set-severity" in info.value.message


def test_authorize_accepts_any_iterable_of_held_roles():
    with pytest.raises(PermissionDenied):
        authorize(
            DEFAULT_MATRIX,
            Activity.SET_SEVERITY,
            RESPONDER,
            actor_roles=iter(()),
            held_roles=(role for role in [SMOC]),
        )


def test_with_overrides_changes_cells_and_leaves_the_original_alone():
    custom = DEFAULT_MATRIX.with_overrides(
        {Activity.BULK_REPLY: {SMOC: Raci.RESPONSIBLE, CMOC: Raci.CONSULTED}}
    )
    assert custom.cell(Activity.BULK_REPLY, SMOC) is Raci.RESPONSIBLE
    assert custom.cell(Activity.BULK_REPLY, CMOC) is Raci.CONSULTED
    assert custom.cell(Activity.BULK_REPLY, IMOC) is Raci.INFORMED  # untouched cell of the same row
    assert custom.cell(Activity.SET_SEVERITY, IMOC) is Raci.ACCOUNTABLE  # untouched row
    assert DEFAULT_MATRIX.cell(Activity.BULK_REPLY, SMOC) is Raci.INFORMED
    assert DEFAULT_RACI[Activity.BULK_REPLY][CMOC] is Raci.ACCOUNTABLE

    authorize(custom, Activity.BULK_REPLY, RESPONDER, actor_roles={SMOC}, held_roles=ALL_ROLES)
    with pytest.raises(PermissionDenied):
        authorize(custom, Activity.BULK_REPLY, RESPONDER, actor_roles={CMOC}, held_roles=ALL_ROLES)


def test_with_overrides_adds_rows_missing_from_a_sparse_matrix():
    sparse = RaciMatrix({Activity.ADD_NOTE: {CMOC: Raci.RESPONSIBLE}})
    merged = sparse.with_overrides({Activity.BULK_REPLY: {CMOC: Raci.ACCOUNTABLE}})
    assert merged.acting_roles(Activity.BULK_REPLY) == [CMOC]
    assert merged.acting_roles(Activity.ADD_NOTE) == [CMOC]
    assert sparse.acting_roles(Activity.BULK_REPLY) == []
    # An activity with no row has no acting role, so any responder may act.
    authorize(sparse, Activity.BULK_REPLY, RESPONDER, actor_roles=(), held_roles=ALL_ROLES)


def test_roles_with_lists_the_roles_holding_a_value():
    assert DEFAULT_MATRIX.roles_with(Activity.SET_SEVERITY, Raci.ACCOUNTABLE) == [IMOC]
    assert DEFAULT_MATRIX.roles_with(Activity.SET_SEVERITY, Raci.CONSULTED) == [CMOC]
    assert DEFAULT_MATRIX.roles_with(Activity.CREATE_TICKET_TAG, Raci.CONSULTED) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("bulk_reply", Activity.BULK_REPLY), (" Set-Severity ", Activity.SET_SEVERITY)],
)
def test_activity_parse(raw, expected):
    assert Activity.parse(raw) is expected


@pytest.mark.parametrize(("parse", "field"), [(Activity.parse, "activity"), (OrgRole.parse, "org_role")])
def test_activity_and_org_role_parse_refuse_unknown_names(parse, field):
    with pytest.raises(ValidationFailed) as info:
        parse("superuser")
    assert info.value.details == {"field": field}


def test_org_role_parse():
    assert OrgRole.parse(" Admin ") is OrgRole.ADMIN
