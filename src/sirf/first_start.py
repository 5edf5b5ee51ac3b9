"""First start: migrate, and when nobody exists yet, create an admin and a local CLI profile.

The admin's token goes straight into the CLI profile file (mode 0600); it is never printed or
logged, so the quick start leaves no credential in the terminal scroll-back.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from pathlib import Path

from sirf.adapters.db import migrate
from sirf.bootstrap import Container
from sirf.cli.profiles import Profile, save_profile
from sirf.domain.accounts import check_username
from sirf.domain.errors import ValidationFailed
from sirf.domain.raci import OrgRole
from sirf.services.accounts import create_user, issue_token


def default_admin_name() -> str:
    try:
        return check_username(getpass.getuser())
    except (ValidationFailed, OSError, KeyError):
        return "admin"


def ensure_ready(container: Container, *, migrate_schema: bool) -> None:
    if migrate_schema:
        migrate.upgrade(container.database)


def bootstrap_admin(container: Container, environ: Mapping[str, str]) -> tuple[str, Path] | None:
    """Create the first admin and its CLI profile; None when users already exist."""
    uow = container.uow()
    with uow(write=False):
        if uow.users.count() > 0:
            return None
    username = default_admin_name()
    create_user(username, org_role=OrgRole.ADMIN, actor=None, uow=container.uow(), env=container.env)
    _, plaintext = issue_token(
        username, name="cli (first start)", actor=None, uow=container.uow(), env=container.env
    )
    profile = Profile("local", container.settings.server_url, plaintext)
    return username, save_profile(profile, make_default=True, environ=environ)
