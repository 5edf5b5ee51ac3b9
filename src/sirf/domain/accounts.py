"""People and their API tokens. Tokens are random, shown once and stored only as a hash."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sirf.domain.errors import ValidationFailed
from sirf.domain.raci import Actor, OrgRole

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
TOKEN_PREFIX = "sirf_"  # noqa: S105 (a public marker for secret scanners, not a secret)


def check_username(value: str) -> str:
    name = value.strip().lower()
    if not USERNAME.match(name):
        raise ValidationFailed(
            f"invalid username {value!r}: use 1-63 lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            field="username",
        )
    return name


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    org_role: OrgRole
    created_at: datetime
    disabled_at: datetime | None = None

    def as_actor(self) -> Actor:
        return Actor(self.username, self.org_role)


@dataclass(frozen=True)
class ApiToken:
    id: str
    user_id: int
    name: str
    token_hash: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def prefix(self) -> str:
        return f"{TOKEN_PREFIX}{self.id}_"
