"""F4.2 clear accountability: a RACI matrix of activities against roles, and who may act.

The matrix is data (shipped defaults below follow F5 and F6; an installation can override any cell
in its configuration). The service asks it two questions: may this person do this activity on this
incident, and who is to be informed.

Decision rule, in order:
1. viewers never act; organisation admins always may (a break-glass that is recorded as theirs);
2. a responder who holds a role marked Responsible or Accountable for the activity may act;
3. when no such role is currently held on the incident, any responder may act, so that work never
   stalls on a vacant role (the timeline shows who acted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sirf.domain.errors import PermissionDenied, ValidationFailed
from sirf.domain.roles import Role


class Activity(StrEnum):
    SET_SEVERITY = "set-severity"
    CHANGE_PHASE = "change-phase"
    RESOLVE_INCIDENT = "resolve-incident"
    REOPEN_INCIDENT = "reopen-incident"
    CLOSE_INCIDENT = "close-incident"
    DECLARE_EMERGENCY = "declare-emergency"
    ASSIGN_ROLE = "assign-role"
    RELEASE_SUPPORT_ROLE = "release-support-role"
    APPROVE_CUSTOMER_MESSAGE = "approve-customer-message"
    APPROVE_PUBLIC_UPDATE = "approve-public-update"
    BULK_REPLY = "bulk-reply"
    CREATE_TICKET_TAG = "create-ticket-tag"
    ALLOCATE_SUPPORT_RESOURCES = "allocate-support-resources"
    UPDATE_IMPACT = "update-impact"
    ATTEST_RELEASE_CRITERION = "attest-release-criterion"
    MANAGE_TASKS = "manage-tasks"
    ENGAGE_TEAM = "engage-team"
    ADD_NOTE = "add-note"
    DRAFT_UPDATE = "draft-update"
    PUBLISH_UPDATE = "publish-update"

    @classmethod
    def parse(cls, value: str) -> Activity:
        try:
            return cls(value.strip().lower().replace("_", "-"))
        except ValueError:
            raise ValidationFailed(f"unknown RACI activity {value!r}", field="activity") from None


class Raci(StrEnum):
    RESPONSIBLE = "R"
    ACCOUNTABLE = "A"
    CONSULTED = "C"
    INFORMED = "I"

    @property
    def may_act(self) -> bool:
        return self in (Raci.RESPONSIBLE, Raci.ACCOUNTABLE)


class OrgRole(StrEnum):
    ADMIN = "admin"
    RESPONDER = "responder"
    VIEWER = "viewer"

    @classmethod
    def parse(cls, value: str) -> OrgRole:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValidationFailed(
                f"unknown organisation role {value!r}: use admin, responder or viewer", field="org_role"
            ) from None


R, A, C, I_ = Raci.RESPONSIBLE, Raci.ACCOUNTABLE, Raci.CONSULTED, Raci.INFORMED
CMOC, SMOC, IMOC = Role.CMOC, Role.SMOC, Role.IMOC

DEFAULT_RACI: dict[Activity, dict[Role, Raci]] = {
    # F5.3: the IMOC decides severity and closure; F6.3: SMOC and IMOC judge severity together.
    Activity.SET_SEVERITY: {IMOC: A, SMOC: R, CMOC: C},
    Activity.CHANGE_PHASE: {IMOC: A, CMOC: R, SMOC: I_},
    Activity.RESOLVE_INCIDENT: {IMOC: A, CMOC: C, SMOC: I_},
    Activity.REOPEN_INCIDENT: {IMOC: A, CMOC: R, SMOC: R},
    Activity.CLOSE_INCIDENT: {IMOC: A, CMOC: C, SMOC: C},
    # F5.2 / F6.2: the SMOC makes the final call on emergencies, jointly with the CMOC.
    Activity.DECLARE_EMERGENCY: {SMOC: A, CMOC: C, IMOC: I_},
    Activity.ASSIGN_ROLE: {IMOC: A, SMOC: R, CMOC: I_},
    Activity.RELEASE_SUPPORT_ROLE: {SMOC: A, CMOC: R, IMOC: I_},
    # F5.1: the CMOC approves every customer-facing message; F6.1: public updates jointly.
    Activity.APPROVE_CUSTOMER_MESSAGE: {CMOC: A, IMOC: C, SMOC: I_},
    Activity.APPROVE_PUBLIC_UPDATE: {IMOC: A, CMOC: R, SMOC: I_},
    Activity.BULK_REPLY: {CMOC: A, SMOC: I_, IMOC: I_},
    Activity.CREATE_TICKET_TAG: {CMOC: A, SMOC: I_},
    # F5.2 / F6.2: the SMOC owns support resources; the CMOC coordinates them.
    Activity.ALLOCATE_SUPPORT_RESOURCES: {SMOC: A, CMOC: R, IMOC: I_},
    Activity.UPDATE_IMPACT: {CMOC: A, SMOC: R, IMOC: C},
    Activity.ATTEST_RELEASE_CRITERION: {SMOC: A, CMOC: R, IMOC: C},
    Activity.MANAGE_TASKS: {IMOC: A, CMOC: R, SMOC: R},
    Activity.ENGAGE_TEAM: {IMOC: A, CMOC: R, SMOC: R},
    Activity.ADD_NOTE: {CMOC: R, SMOC: R, IMOC: R},
    # F5.1: the CMOC plans and executes customer communication; SMOC and IMOC contribute drafts.
    Activity.DRAFT_UPDATE: {CMOC: A, SMOC: R, IMOC: R},
    Activity.PUBLISH_UPDATE: {CMOC: A, IMOC: R, SMOC: I_},
}


@dataclass(frozen=True)
class RaciMatrix:
    cells: Mapping[Activity, Mapping[Role, Raci]]

    def cell(self, activity: Activity, role: Role) -> Raci | None:
        return self.cells.get(activity, {}).get(role)

    def acting_roles(self, activity: Activity) -> list[Role]:
        return [role for role, value in self.cells.get(activity, {}).items() if value.may_act]

    def roles_with(self, activity: Activity, value: Raci) -> list[Role]:
        return [role for role, cell in self.cells.get(activity, {}).items() if cell is value]

    def with_overrides(self, overrides: Mapping[Activity, Mapping[Role, Raci]]) -> RaciMatrix:
        merged = {activity: dict(row) for activity, row in self.cells.items()}
        for activity, row in overrides.items():
            merged.setdefault(activity, {}).update(row)
        return RaciMatrix(merged)


DEFAULT_MATRIX = RaciMatrix(DEFAULT_RACI)


@dataclass(frozen=True)
class Actor:
    username: str
    org_role: OrgRole


def authorize(
    matrix: RaciMatrix,
    activity: Activity,
    actor: Actor,
    *,
    actor_roles: Iterable[Role],
    held_roles: Iterable[Role],
) -> None:
    """Raise PermissionDenied unless ``actor`` may perform ``activity`` (see the module rule)."""
    if actor.org_role is OrgRole.VIEWER:
        raise PermissionDenied(
            f"{actor.username} is a viewer and cannot {activity.value}; ask an admin for the responder role",
            activity=activity.value,
        )
    if actor.org_role is OrgRole.ADMIN:
        return
    acting = matrix.acting_roles(activity)
    if set(acting) & set(actor_roles):
        return
    held = set(held_roles)
    held_acting = [role for role in acting if role in held]
    if not held_acting:
        return
    names = " or ".join(role.label for role in held_acting)
    raise PermissionDenied(
        f"only the incident's {names} may {activity.value} (RACI); {actor.username} holds none of them",
        activity=activity.value,
        required_roles=[role.value for role in held_acting],
    )
