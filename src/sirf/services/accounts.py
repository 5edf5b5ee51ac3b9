"""Use cases for people and API tokens: create users, issue, check and revoke tokens.

A token looks like ``sirf_<id>_<secret>``: the recognisable prefix lets secret scanners find
leaked tokens, the id finds the row, and only the SHA-256 of the whole token is stored, so the
database never holds a usable credential. Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sirf.domain.accounts import TOKEN_PREFIX, ApiToken, User, check_username
from sirf.domain.errors import AuthenticationRequired, Conflict, NotFound, PermissionDenied, ValidationFailed
from sirf.domain.incident import clean_text
from sirf.domain.raci import Actor, OrgRole
from sirf.services.context import Env
from sirf.services.ports import UnitOfWork

# last_used_at is a convenience, not an audit trail: refreshing it at most this often keeps
# read requests from taking the write lock.
TOUCH_INTERVAL = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(
    username: str,
    *,
    display_name: str = "",
    org_role: OrgRole,
    actor: Actor | None,
    uow: UnitOfWork,
    env: Env,
) -> User:
    """Create a user. ``actor`` None means the operator on the server host (CLI or first start)."""
    if actor is not None and actor.org_role is not OrgRole.ADMIN:
        raise PermissionDenied(f"only admins create users; {actor.username} is {actor.org_role.value}")
    name = check_username(username)
    display = clean_text(display_name or name, field_name="display name", max_length=200)
    with uow(write=True):
        if uow.users.get_by_username(name) is not None:
            raise Conflict(f"user {name!r} already exists", user=name)
        user = uow.users.add(User(0, name, display, org_role, env.clock.now()))
        uow.commit()
    return user


def issue_token(
    username: str, *, name: str, actor: Actor | None, uow: UnitOfWork, env: Env
) -> tuple[ApiToken, str]:
    """Create an API token and return it with its plaintext, which is never stored or shown again."""
    if actor is not None and actor.username != username and actor.org_role is not OrgRole.ADMIN:
        raise PermissionDenied("only admins create tokens for other people")
    label = clean_text(name, field_name="token name", max_length=100)
    with uow(write=True):
        user = uow.users.get_by_username(username)
        if user is None:
            raise NotFound(f"no user {username!r}", user=username)
        token_id = secrets.token_hex(6)
        plaintext = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        token = ApiToken(token_id, user.id, label, hash_token(plaintext), env.clock.now())
        uow.tokens.add(token)
        uow.commit()
    return token, plaintext


def authenticate(plaintext: str, *, uow: UnitOfWork, env: Env) -> User:
    """The user a bearer token belongs to, or AuthenticationRequired (same message for every failure)."""
    refused = AuthenticationRequired(
        "invalid, revoked or unknown API token; create one with `sirf token create`"
    )
    parts = plaintext.removeprefix(TOKEN_PREFIX).split("_", 1)
    if not plaintext.startswith(TOKEN_PREFIX) or len(parts) != 2:
        raise refused
    with uow(write=False):
        found = uow.tokens.get_with_owner(parts[0])
    if found is None:
        raise refused
    token, user = found
    if token.revoked_at is not None or user.disabled_at is not None:
        raise refused
    if not hmac.compare_digest(token.token_hash, hash_token(plaintext)):
        raise refused
    now = env.clock.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        with uow(write=True):
            uow.tokens.touch(token.id, now)
            uow.commit()
    return user


def list_tokens(*, actor: Actor, uow: UnitOfWork) -> list[tuple[ApiToken, str]]:
    with uow(write=False):
        users = {u.id: u.username for u in uow.users.all()}
        me = next((uid for uid, name in users.items() if name == actor.username), None)
        if actor.org_role is not OrgRole.ADMIN and me is None:
            return []
        tokens = uow.tokens.all(None if actor.org_role is OrgRole.ADMIN else me)
    return [(token, users.get(token.user_id, "?")) for token in tokens]


def revoke_token(token_id: str, *, actor: Actor, uow: UnitOfWork, env: Env) -> None:
    with uow(write=True):
        token = uow.tokens.get(token_id)
        owner = uow.users.get_by_id(token.user_id) if token else None
        if token is None or owner is None:
            raise NotFound(f"no token {token_id!r}", token=token_id)
        if owner.username != actor.username and actor.org_role is not OrgRole.ADMIN:
            raise PermissionDenied("only admins revoke other people's tokens")
        if token.revoked_at is not None:
            raise ValidationFailed(f"token {token_id} is already revoked")
        uow.tokens.revoke(token_id, env.clock.now())
        uow.commit()
