"""Per-request context for pages: the signed-in visitor, their unit of work, and posted forms.

Every page route depends on ``current_visitor``; every unsafe route also on ``posted_form``, which
checks the session's CSRF token (the router checks Origin / Sec-Fetch-Site before that).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from sirf.adapters.db.unit_of_work import SqlUnitOfWork
from sirf.api.context import container_of
from sirf.bootstrap import Container
from sirf.domain.accounts import User
from sirf.domain.raci import Actor, OrgRole
from sirf.services.context import Env
from sirf.services.drafting import Drafting
from sirf.services.sessions import resolve_session
from sirf.services.web_ports import PasswordHasher, StoredSession
from sirf.web.forms import Form, read_form
from sirf.web.render import pages_of
from sirf.web.security import CSRF_FIELD, check_origin, check_token, session_cookie


class SignInRequired(Exception):
    """No live session: pages redirect to the sign-in page, htmx requests get HX-Redirect."""


def hasher_of(request: Request) -> PasswordHasher:
    hasher: PasswordHasher = request.app.state.web_hasher
    return hasher


@dataclass
class Visitor:
    container: Container
    session: StoredSession
    uow: SqlUnitOfWork
    request: Request

    @property
    def user(self) -> User:
        return self.session.user

    @property
    def actor(self) -> Actor:
        return self.user.as_actor()

    @property
    def env(self) -> Env:
        return self.container.env

    @property
    def drafting(self) -> Drafting:
        return self.container.drafting

    @property
    def can_act(self) -> bool:
        return self.user.org_role is not OrgRole.VIEWER

    @property
    def is_admin(self) -> bool:
        return self.user.org_role is OrgRole.ADMIN

    def page(self, name: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        base = {
            "user": self.user,
            "csrf_token": self.session.csrf_token,
            "can_act": self.can_act,
            "is_admin": self.is_admin,
            "now": self.env.clock.now(),
        }
        return pages_of(self.request).response(self.request, name, base | context, status=status)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def guard_origin(request: Request) -> None:
    check_origin(request)


async def current_visitor(request: Request) -> AsyncIterator[Visitor]:
    container = container_of(request)
    session_id = session_cookie(request)
    if not session_id:
        raise SignInRequired
    uow = container.uow(keep_connection=True)
    try:
        # In the thread pool: refreshing last-seen may wait for SQLite's write lock.
        session = await run_in_threadpool(resolve_session, session_id, uow=uow, env=container.env)
        if session is None:
            raise SignInRequired
        yield Visitor(container, session, uow, request)
    finally:
        uow.close()


VisitorDep = Annotated[Visitor, Depends(current_visitor)]


async def posted_form(request: Request, visitor: VisitorDep) -> Form:
    form = await read_form(request)
    check_token(visitor.session.csrf_token, request, form.get(CSRF_FIELD) or None)
    return form


PostedForm = Annotated[Form, Depends(posted_form)]
