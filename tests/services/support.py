"""People, the roster and small helpers shared by the use-case tests."""

from __future__ import annotations

import copy
from collections.abc import Callable

from sirf.domain.raci import Actor, OrgRole
from sirf.domain.regions import Region, Roster
from sirf.domain.roles import Role
from tests.services.fakes import FakeStore, FakeUnitOfWork

ADMIN = Actor("root", OrgRole.ADMIN)
ANA = Actor("ana", OrgRole.RESPONDER)
BO = Actor("bo", OrgRole.RESPONDER)
CY = Actor("cy", OrgRole.RESPONDER)
SAM = Actor("sam", OrgRole.RESPONDER)  # on the SMOC roster
CARLA = Actor("carla", OrgRole.RESPONDER)  # on the CMOC roster
VIC = Actor("vic", OrgRole.VIEWER)
EVERYONE = (ADMIN, ANA, BO, CY, SAM, CARLA, VIC)

# The clock starts in EMEA hours, so the EMEA column is the one on call.
ROSTER = Roster(
    {
        Role.SMOC: {Region.EMEA: ["sam"], Region.AMER: ["sol"]},
        Role.CMOC: {Region.EMEA: ["carla"]},
    }
)


# declare(kind=..., severity=..., source=..., actor=..., override=...) -> incident id
Declare = Callable[..., int]
# assign(incident_id, role, person), done by the admin
Assign = Callable[[int, Role, str], None]


def snapshot(uow: FakeUnitOfWork) -> FakeStore:
    return copy.deepcopy(uow.store)


def messages_for(uow: FakeUnitOfWork, recipient: str) -> list[str]:
    return [n.message for n in uow.store.notifications_for(recipient)]
