"""Use cases for web passwords and accounts: invite, set-password links, first password, org roles.

An admin invites a person by username and organisation role and gets a one-time link to hand
over; the link carries 256 random bits, is stored only as its SHA-256 and works once, within
``LINK_LIFETIME``. The same link, issued again for an existing person, resets their password.
Setting a password ends every session of that person.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sirf.domain.accounts import User
from sirf.domain.errors import AuthenticationRequired, Conflict, NotFound, PermissionDenied, ValidationFailed
from sirf.domain.raci import Actor, OrgRole
from sirf.services.accounts import authenticate, create_user
from sirf.services.context import Env
from sirf.services.sessions import MAX_PASSWORD_LENGTH, hash_secret
from sirf.services.web_ports import Invitation, PasswordHasher, WebUnitOfWork

LINK_LIFETIME = timedelta(hours=48)
MIN_PASSWORD_LENGTH = 12  # OWASP ASVS 5 (V6.2.1): at least 12 characters, no composition rules


@dataclass(frozen=True)
class Account:
    user: User
    has_password: bool


def check_password(password: str, *, username: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"the password is {len(password)} characters; use at least {MIN_PASSWORD_LENGTH}",
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"the password is longer than {MAX_PASSWORD_LENGTH} characters", field="password"
        )
    if password.strip().lower() == username:
        raise ValidationFailed("the password must not be the username", field="password")
    return password


def _require_admin(actor: Actor, what: str) -> None:
    if actor.org_role is not OrgRole.ADMIN:
        raise PermissionDenied(f"only admins {what}; {actor.username} is {actor.org_role.value}")


def invite_user(
    username: str, *, org_role: OrgRole, actor: Actor, uow: WebUnitOfWork, env: Env
) -> tuple[User, str]:
    """Create the user and a set-password link token in one transaction."""
    _require_admin(actor, "invite people")
    with uow(write=True):
        user = create_user(username, org_role=org_role, actor=actor, uow=uow, env=env)
        token = _new_link(uow, env, user, actor)
        uow.commit()
    return user, token


def issue_password_link(username: str, *, actor: Actor, uow: WebUnitOfWork, env: Env) -> str:
    """A fresh set-password link for an existing person (older unused links stop working)."""
    _require_admin(actor, "issue set-password links")
    with uow(write=True):
        found = uow.credentials.get(username.strip().lower())
        if found is None:
            raise NotFound(f"no user {username!r}", user=username)
        token = _new_link(uow, env, found[0], actor)
        uow.commit()
    return token


def _new_link(uow: WebUnitOfWork, env: Env, user: User, actor: Actor) -> str:
    now = env.clock.now()
    token = secrets.token_urlsafe(32)
    uow.invitations.void_unused(user.id, now)
    uow.invitations.add(Invitation(hash_secret(token), user.id, actor.username, now, now + LINK_LIFETIME))
    return token


def open_link(token: str, *, uow: WebUnitOfWork, env: Env) -> User:
    """The person a set-password link is for, if the link still works."""
    with uow(write=False):
        invitation = uow.invitations.get(hash_secret(token)) if 0 < len(token) <= 200 else None
        user = uow.users.get_by_id(invitation.user_id) if invitation else None
    if invitation is None or user is None:
        raise NotFound("this set-password link is not valid; ask an admin for a new one")
    if invitation.used_at is not None or invitation.expires_at <= env.clock.now():
        raise ValidationFailed("this set-password link has expired or was used; ask an admin for a new one")
    return user


def set_password_with_link(
    token: str, password: str, *, uow: WebUnitOfWork, env: Env, hasher: PasswordHasher
) -> User:
    user = open_link(token, uow=uow, env=env)
    password_hash = hasher.hash(check_password(password, username=user.username))
    with uow(write=True):
        # Checked again under the write lock: two tabs may submit the same link.
        invitation = uow.invitations.get(hash_secret(token))
        if invitation is None or invitation.used_at is not None:
            raise Conflict("this set-password link was just used; sign in with the new password")
        uow.invitations.mark_used(invitation.token_hash, env.clock.now())
        _store(uow, user, password_hash)
        uow.commit()
    return user


def set_first_password(
    api_token: str, password: str, *, uow: WebUnitOfWork, env: Env, hasher: PasswordHasher
) -> User:
    """A person with an API token (the first admin's is in the CLI profile) and no password yet
    sets one: the token proves who they are. Resetting a password goes through an admin link."""
    user = authenticate(api_token.strip(), uow=uow, env=env)
    password_hash = hasher.hash(check_password(password, username=user.username))
    with uow(write=True):
        found = uow.credentials.get(user.username)
        if found is None or found[1] is not None:
            raise AuthenticationRequired(
                f"{user.username} already has a password; ask an admin for a set-password link to reset it"
            )
        _store(uow, user, password_hash)
        uow.commit()
    return user


def set_password(
    username: str, password: str, *, uow: WebUnitOfWork, env: Env, hasher: PasswordHasher
) -> User:
    """For the operator on the server host and for tests: no actor, no link."""
    name = username.strip().lower()
    password_hash = hasher.hash(check_password(password, username=name))
    with uow(write=True):
        found = uow.credentials.get(name)
        if found is None:
            raise NotFound(f"no user {username!r}", user=username)
        _store(uow, found[0], password_hash)
        uow.commit()
    return found[0]


def _store(uow: WebUnitOfWork, user: User, password_hash: str) -> None:
    uow.credentials.set_password_hash(user.id, password_hash)
    uow.sessions.delete_for_user(user.id)


def list_accounts(*, actor: Actor, uow: WebUnitOfWork) -> list[Account]:
    _require_admin(actor, "manage accounts")
    with uow(write=False):
        users = uow.users.all()
        with_password = uow.credentials.with_password()
    return [Account(user, user.id in with_password) for user in users]


def change_org_role(username: str, org_role: OrgRole, *, actor: Actor, uow: WebUnitOfWork, env: Env) -> User:
    _require_admin(actor, "change organisation roles")
    with uow(write=True):
        found = uow.credentials.get(username.strip().lower())
        if found is None:
            raise NotFound(f"no user {username!r}", user=username)
        user = found[0]
        if user.org_role is org_role:
            raise ValidationFailed(f"{user.username} is already {org_role.value}", field="org_role")
        if user.org_role is OrgRole.ADMIN and uow.credentials.count_admins() <= 1:
            raise Conflict(f"{user.username} is the last admin; make someone else admin first")
        uow.credentials.set_org_role(user.id, org_role)
        uow.commit()
    return User(user.id, user.username, user.display_name, org_role, user.created_at, user.disabled_at)
