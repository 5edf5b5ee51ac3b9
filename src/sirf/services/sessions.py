"""Use cases for web sessions: sign in (rate-limited), resolve a session, sign out.

A session id is 256 random bits, handed to the browser once and stored only as its SHA-256, so a
copy of the database lets nobody sign in. Signing in always creates a new id and deletes the one
the browser presented (session fixation). A session ends after ``IDLE_TIMEOUT`` without a request
or ``ABSOLUTE_TIMEOUT`` after sign-in, whichever comes first.

Failed sign-ins are rows in the database, so the limit holds across processes and restarts: at
most ``MAX_FAILURES`` per username and per client address within ``FAILURE_WINDOW``.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sirf.domain.accounts import User
from sirf.domain.errors import AuthenticationRequired
from sirf.services.context import Env
from sirf.services.web_ports import PasswordHasher, StoredSession, WebUnitOfWork

IDLE_TIMEOUT = timedelta(hours=12)
ABSOLUTE_TIMEOUT = timedelta(days=7)
# last_seen_at only needs minute precision against a 12-hour idle limit; refreshing it at most
# this often keeps page views from taking the write lock.
TOUCH_INTERVAL = timedelta(minutes=1)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 10
MAX_PASSWORD_LENGTH = 256  # Argon2 takes any length; this bounds the work per attempt


class SignInThrottled(AuthenticationRequired):
    """Too many failed sign-ins; ``retry_after`` seconds until one more attempt is allowed."""

    code = "rate_limited"
    title = "Too many failed sign-ins"


@dataclass(frozen=True)
class SignedIn:
    session_id: str  # goes into the cookie; never stored
    csrf_token: str
    user: User


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def sign_in(
    username: str,
    password: str,
    *,
    client_ip: str,
    replaces: str | None,
    uow: WebUnitOfWork,
    env: Env,
    hasher: PasswordHasher,
) -> SignedIn:
    name = username.strip().lower()[:100]
    now = env.clock.now()
    with uow(write=False):
        _check_throttle(uow, name, client_ip, now)
        found = uow.credentials.get(name)
    user, new_hash = _verify(found, password, hasher)
    if user is None:
        with uow(write=True):
            uow.login_failures.add(name, client_ip, now)
            uow.login_failures.purge(before=now - FAILURE_WINDOW)
            uow.commit()
        raise AuthenticationRequired("the username or password is wrong")
    session_id, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with uow(write=True):
        if replaces:
            uow.sessions.delete(hash_secret(replaces))
        if new_hash:
            uow.credentials.set_password_hash(user.id, new_hash)
        uow.login_failures.forget(username=name)
        uow.sessions.delete_older(created_before=now - ABSOLUTE_TIMEOUT, seen_before=now - IDLE_TIMEOUT)
        uow.sessions.add(StoredSession(hash_secret(session_id), user, now, now, csrf_token))
        uow.commit()
    return SignedIn(session_id, csrf_token, user)


def _verify(
    found: tuple[User, str | None] | None, password: str, hasher: PasswordHasher
) -> tuple[User | None, str | None]:
    """The user when the password matches (and a re-hash when the parameters changed)."""
    if len(password) > MAX_PASSWORD_LENGTH or not password:
        return None, None
    user, stored = found if found is not None else (None, None)
    if user is None or stored is None or user.disabled_at is not None:
        # Spend the same time as a real check so response times do not reveal who exists.
        hasher.hash(password)
        return None, None
    valid, updated = hasher.verify_and_update(password, stored)
    return (user, updated) if valid else (None, None)


def _check_throttle(uow: WebUnitOfWork, name: str, client_ip: str, now: datetime) -> None:
    by_user, by_ip = uow.login_failures.recent(username=name, client_ip=client_ip, since=now - FAILURE_WINDOW)
    blocking = [times for times in (by_user, by_ip) if len(times) >= MAX_FAILURES]
    if not blocking:
        return
    # Free again when enough of the counted failures have aged out of the window.
    free_at = max(sorted(times)[len(times) - MAX_FAILURES] for times in blocking) + FAILURE_WINDOW
    wait = max(1, math.ceil((free_at - now).total_seconds()))
    minutes = math.ceil(wait / 60)
    raise SignInThrottled(
        f"too many failed sign-ins for this username or from your network address (at most "
        f"{MAX_FAILURES} in {int(FAILURE_WINDOW.total_seconds() // 60)} minutes); "
        f"try again in {minutes} minute{'s' if minutes != 1 else ''}",
        retry_after=wait,
    )


def resolve_session(session_id: str, *, uow: WebUnitOfWork, env: Env) -> StoredSession | None:
    """The live session for this cookie value, or None (unknown, expired or disabled user)."""
    if not session_id or len(session_id) > 200:
        return None
    id_hash = hash_secret(session_id)
    now = env.clock.now()
    with uow(write=False):
        session = uow.sessions.get(id_hash)
    if session is None:
        return None
    expired = now - session.last_seen_at > IDLE_TIMEOUT or now - session.created_at > ABSOLUTE_TIMEOUT
    if expired or session.user.disabled_at is not None:
        sign_out(session_id, uow=uow)
        return None
    if now - session.last_seen_at > TOUCH_INTERVAL:
        with uow(write=True):
            uow.sessions.touch(id_hash, now)
            uow.commit()
    return session


def sign_out(session_id: str, *, uow: WebUnitOfWork) -> None:
    with uow(write=True):
        uow.sessions.delete(hash_secret(session_id))
        uow.commit()
