"""F5/F6 roles, the teams that join a response (F2) and where incidents come from.

A role has at most one holder at a time; a hand-over closes the previous assignment and opens a
new one, so the history (assumed at, released at, by whom) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sirf.domain.errors import ValidationFailed


class Role(StrEnum):
    CMOC = "cmoc"
    SMOC = "smoc"
    IMOC = "imoc"

    @property
    def label(self) -> str:
        return self.value.upper()

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValidationFailed(f"unknown role {value!r}: use cmoc, smoc or imoc", field="role") from None


# F7.3: the support roles whose release needs the six criteria.
SUPPORT_ROLES = frozenset({Role.CMOC, Role.SMOC})


class Source(StrEnum):
    """F2.1: where an incident comes in from."""

    INFRASTRUCTURE = "infrastructure"
    SECURITY = "security"
    SUPPORT = "support"
    PRODUCT = "product"
    RELEASE = "release"

    @classmethod
    def parse(cls, value: str) -> Source:
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValidationFailed(f"unknown source {value!r}: use one of {names}", field="source") from None


class Team(StrEnum):
    """F2.2 / F5.3: teams engaged beside the support roles."""

    CUSTOMER_SUCCESS = "customer-success"
    PRODUCT = "product"
    INFRASTRUCTURE = "infrastructure"
    SIRT = "sirt"

    @classmethod
    def parse(cls, value: str) -> Team:
        try:
            return cls(value.strip().lower().replace("_", "-"))
        except ValueError:
            names = ", ".join(t.value for t in cls)
            raise ValidationFailed(f"unknown team {value!r}: use one of {names}", field="team") from None


@dataclass(frozen=True)
class RoleAssignment:
    role: Role
    ordinal: int  # 1 for the first holder of this role on the incident, 2 after a hand-over, ...
    holder: str
    assumed_at: datetime
    assigned_by: str
    released_at: datetime | None = None
    released_by: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None


@dataclass(frozen=True)
class TeamEngagement:
    team: Team
    contact: str
    engaged_at: datetime
    engaged_by: str
