"""People and API tokens, through the fakes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from sirf.domain.accounts import TOKEN_PREFIX
from sirf.domain.errors import AuthenticationRequired, Conflict, NotFound, PermissionDenied, ValidationFailed
from sirf.domain.raci import OrgRole
from sirf.services import accounts
from sirf.services.context import Env
from tests.services.fakes import FakeClock, FakeUnitOfWork
from tests.services.support import ADMIN, ANA, BO, snapshot

# ----- users --------------------------------------------------------------------------------------


def test_creating_a_user_normalises_the_name(uow: FakeUnitOfWork, env: Env, clock: FakeClock) -> None:
    user = accounts.create_user(" Dee ", org_role=OrgRole.RESPONDER, actor=ADMIN, uow=uow, env=env)
    assert (user.username, user.display_name, user.org_role, user.created_at) == (
        "dee",
        "dee",
        OrgRole.RESPONDER,
        clock.now(),
    )
    assert uow.store.users[user.id] == user
    named = accounts.create_user(
        "eve", display_name="Eve E.", org_role=OrgRole.VIEWER, actor=None, uow=uow, env=env
    )
    assert (named.id, named.display_name) == (user.id + 1, "Eve E.")


def test_a_duplicate_user_is_a_conflict(uow: FakeUnitOfWork, env: Env) -> None:
    before = snapshot(uow)
    with pytest.raises(Conflict) as refused:
        accounts.create_user("ANA", org_role=OrgRole.ADMIN, actor=None, uow=uow, env=env)
    assert refused.value.details == {"user": "ana"}
    assert uow.store == before


@pytest.mark.parametrize("name", ["", "-dash", "has space", "x" * 64, "dé"])
def test_an_invalid_username_is_refused(uow: FakeUnitOfWork, env: Env, name: str) -> None:
    before = snapshot(uow)
    with pytest.raises(ValidationFailed) as refused:
        accounts.create_user(name, org_role=OrgRole.RESPONDER, actor=None, uow=uow, env=env)
    assert refused.value.details == {"field": "username"}
    assert uow.store == before


def test_only_admins_create_users(uow: FakeUnitOfWork, env: Env) -> None:
    with pytest.raises(PermissionDenied):
        accounts.create_user("dee", org_role=OrgRole.ADMIN, actor=ANA, uow=uow, env=env)
    assert uow.commits == 0


# ----- tokens -------------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_only_as_a_hash(uow: FakeUnitOfWork, env: Env) -> None:
    token, plaintext = accounts.issue_token("ana", name="laptop", actor=ANA, uow=uow, env=env)
    assert plaintext.startswith(f"{TOKEN_PREFIX}{token.id}_")
    stored = uow.store.tokens[token.id]
    assert stored.token_hash == accounts.hash_token(plaintext)
    assert plaintext.split("_", 2)[2] not in repr(uow.store)
    assert (stored.name, stored.last_used_at, stored.revoked_at) == ("laptop", None, None)
    assert stored.user_id == uow.store.users[stored.user_id].id


def test_issuing_tokens_for_others_needs_an_admin(uow: FakeUnitOfWork, env: Env) -> None:
    with pytest.raises(PermissionDenied):
        accounts.issue_token("bo", name="x", actor=ANA, uow=uow, env=env)
    with pytest.raises(NotFound):
        accounts.issue_token("nobody", name="x", actor=ADMIN, uow=uow, env=env)
    with pytest.raises(ValidationFailed):
        accounts.issue_token("ana", name=" ", actor=ANA, uow=uow, env=env)
    assert uow.store.tokens == {}
    accounts.issue_token("bo", name="x", actor=ADMIN, uow=uow, env=env)
    accounts.issue_token("bo", name="cli", actor=None, uow=uow, env=env)
    assert len(uow.store.tokens) == 2


def test_authenticate_returns_the_tokens_user(uow: FakeUnitOfWork, env: Env, clock: FakeClock) -> None:
    token, plaintext = accounts.issue_token("ana", name="laptop", actor=None, uow=uow, env=env)
    clock.advance(minutes=5)
    user = accounts.authenticate(plaintext, uow=uow, env=env)
    assert user.username == "ana"
    assert user.as_actor() == ANA
    assert uow.store.tokens[token.id].last_used_at == clock.now()


def _tampered(plaintext: str) -> str:
    last = plaintext[-1]
    return plaintext[:-1] + ("A" if last != "A" else "B")


@pytest.mark.parametrize(
    "mangle",
    [
        _tampered,
        lambda p: p.removeprefix(TOKEN_PREFIX),
        lambda p: p.replace(TOKEN_PREFIX, "xirf_", 1),
        lambda p: f"{TOKEN_PREFIX}000000000000_{p.split('_', 2)[2]}",
        lambda p: f"{TOKEN_PREFIX}nounderscore",
        lambda p: "",
    ],
    ids=["tampered-secret", "no-prefix", "wrong-prefix", "unknown-id", "malformed", "empty"],
)
def test_a_wrong_token_fails_with_one_message(
    uow: FakeUnitOfWork, env: Env, mangle: Callable[[str], str]
) -> None:
    _, plaintext = accounts.issue_token("ana", name="laptop", actor=None, uow=uow, env=env)
    before = snapshot(uow)
    with pytest.raises(AuthenticationRequired, match="invalid, revoked or unknown"):
        accounts.authenticate(mangle(plaintext), uow=uow, env=env)
    assert uow.store == before


def test_a_revoked_token_fails(uow: FakeUnitOfWork, env: Env, clock: FakeClock) -> None:
    token, plaintext = accounts.issue_token("ana", name="laptop", actor=None, uow=uow, env=env)
    clock.advance(minutes=1)
    accounts.revoke_token(token.id, actor=ANA, uow=uow, env=env)
    assert uow.store.tokens[token.id].revoked_at == clock.now()
    with pytest.raises(AuthenticationRequired):
        accounts.authenticate(plaintext, uow=uow, env=env)
    with pytest.raises(ValidationFailed, match="already revoked"):
        accounts.revoke_token(token.id, actor=ANA, uow=uow, env=env)


def test_a_disabled_users_token_fails(uow: FakeUnitOfWork, env: Env, clock: FakeClock) -> None:
    token, plaintext = accounts.issue_token("ana", name="laptop", actor=None, uow=uow, env=env)
    user_id = token.user_id
    uow.store.users[user_id] = replace(uow.store.users[user_id], disabled_at=clock.now())
    with pytest.raises(AuthenticationRequired):
        accounts.authenticate(plaintext, uow=uow, env=env)


def test_last_used_is_refreshed_at_most_once_a_minute(
    uow: FakeUnitOfWork, env: Env, clock: FakeClock
) -> None:
    token, plaintext = accounts.issue_token("ana", name="laptop", actor=None, uow=uow, env=env)
    first = clock.now()
    accounts.authenticate(plaintext, uow=uow, env=env)
    commits = uow.commits
    for seconds in (1, 30, 60):
        clock.current = first + accounts.TOUCH_INTERVAL * seconds / 60
        accounts.authenticate(plaintext, uow=uow, env=env)
        assert uow.store.tokens[token.id].last_used_at == first
    assert uow.commits == commits  # reads within the minute take no write transaction
    clock.advance(seconds=1)
    accounts.authenticate(plaintext, uow=uow, env=env)
    assert uow.store.tokens[token.id].last_used_at == clock.now()
    assert uow.commits == commits + 1


def test_revoking_other_peoples_tokens_needs_an_admin(uow: FakeUnitOfWork, env: Env) -> None:
    token, _ = accounts.issue_token("bo", name="laptop", actor=None, uow=uow, env=env)
    before = snapshot(uow)
    with pytest.raises(PermissionDenied):
        accounts.revoke_token(token.id, actor=ANA, uow=uow, env=env)
    with pytest.raises(NotFound):
        accounts.revoke_token("feedfacecafe", actor=ADMIN, uow=uow, env=env)
    assert uow.store == before
    accounts.revoke_token(token.id, actor=ADMIN, uow=uow, env=env)
    assert uow.store.tokens[token.id].revoked_at is not None


def test_listing_tokens_shows_admins_everything_and_others_their_own(uow: FakeUnitOfWork, env: Env) -> None:
    mine, _ = accounts.issue_token("ana", name="a", actor=None, uow=uow, env=env)
    theirs, _ = accounts.issue_token("bo", name="b", actor=None, uow=uow, env=env)
    assert [(t.id, owner) for t, owner in accounts.list_tokens(actor=ANA, uow=uow)] == [(mine.id, "ana")]
    assert {(t.id, owner) for t, owner in accounts.list_tokens(actor=ADMIN, uow=uow)} == {
        (mine.id, "ana"),
        (theirs.id, "bo"),
    }
    assert accounts.list_tokens(actor=BO, uow=uow)[0][0].id == theirs.id
