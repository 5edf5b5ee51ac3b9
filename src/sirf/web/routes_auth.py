"""Signing in and out, set-password links and the first password (proved with an API token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sirf.api.context import container_of
from sirf.domain.accounts import User
from sirf.services import passwords, sessions
from sirf.web.actions import attempt, safe_next
from sirf.web.context import PostedForm, VisitorDep, guard_origin, hasher_of, see_other
from sirf.web.errors import Problem
from sirf.web.forms import Form, read_form
from sirf.web.render import pages_of
from sirf.web.security import (
    CSRF_FIELD,
    check_form_token,
    clear_session_cookie,
    form_token,
    session_cookie,
    set_form_cookie,
    set_session_cookie,
)

router = APIRouter(dependencies=[Depends(guard_origin)], include_in_schema=False)

NOTICES = {
    "signed-out": "You are signed out.",
    "password-set": "Your password is set. Sign in with it.",
}


async def pre_session_form(request: Request) -> Form:
    form = await read_form(request)
    check_form_token(request, form.get(CSRF_FIELD) or None)
    return form


PreSessionForm = Annotated[Form, Depends(pre_session_form)]


def anonymous_page(
    request: Request, name: str, *, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    """A page for someone not signed in, its forms carrying the pre-session CSRF token."""
    token = form_token(request)
    base = {"user": None, "csrf_token": token, "can_act": False, "is_admin": False, "problem": None}
    response = pages_of(request).response(request, name, base | context, status=status, headers=headers)
    set_form_cookie(response, request, token)
    return response


@router.get("/login")
def login_page(request: Request, next: str = "/", notice: str = "") -> HTMLResponse:
    return anonymous_page(
        request, "login.html", next=safe_next(next), notice=NOTICES.get(notice), username=""
    )


@router.post("/login")
def login(request: Request, form: PreSessionForm) -> Response:
    container = container_of(request)
    username, target = form.text("username"), safe_next(form.get("next"))
    result = attempt(
        lambda: sessions.sign_in(
            username,
            form.get("password"),
            client_ip=request.client.host if request.client else "unknown",
            replaces=session_cookie(request),
            uow=container.uow(),
            env=container.env,
            hasher=hasher_of(request),
        )
    )
    if isinstance(result, Problem):
        headers = {"Retry-After": str(result.retry_after)} if result.retry_after else None
        return anonymous_page(
            request,
            "login.html",
            status=result.status,
            headers=headers,
            next=target,
            notice=None,
            username=username,
            problem=result,
        )
    response = see_other(target)
    set_session_cookie(response, request, result.session_id)
    return response


@router.post("/logout")
def logout(request: Request, visitor: VisitorDep, form: PostedForm) -> Response:
    session_id = session_cookie(request)
    if session_id:
        sessions.sign_out(session_id, uow=visitor.uow)
    response = see_other("/login?notice=signed-out")
    clear_session_cookie(response, request)
    return response


# The link carries the token as ``?token=``: the JSON logs redact ``token=...`` (sirf.logs), so
# access-log lines never hold a usable link. The form posts it back in the body.
@router.get("/set-password")
def set_password_page(request: Request, token: str = "") -> HTMLResponse:
    container = container_of(request)
    person = attempt(lambda: passwords.open_link(token, uow=container.uow(), env=container.env))
    if isinstance(person, Problem):
        return anonymous_page(request, "set_password.html", status=person.status, problem=person, person=None)
    return anonymous_page(request, "set_password.html", person=person, token=token)


@router.post("/set-password")
def set_password(request: Request, form: PreSessionForm) -> Response:
    container = container_of(request)
    token = form.get("token")
    result: User | Problem | None = _differ(form) or attempt(
        lambda: passwords.set_password_with_link(
            token, form.get("password"), uow=container.uow(), env=container.env, hasher=hasher_of(request)
        )
    )
    if not isinstance(result, Problem):
        return see_other("/login?notice=password-set")
    person = attempt(lambda: passwords.open_link(token, uow=container.uow(), env=container.env))
    return anonymous_page(
        request,
        "set_password.html",
        status=result.status,
        problem=result,
        person=None if isinstance(person, Problem) else person,
        token=token,
    )


@router.get("/first-password")
def first_password_page(request: Request) -> HTMLResponse:
    return anonymous_page(request, "first_password.html")


@router.post("/first-password")
def first_password(request: Request, form: PreSessionForm) -> Response:
    container = container_of(request)
    result: User | Problem | None = _differ(form) or attempt(
        lambda: passwords.set_first_password(
            form.text("api_token"),
            form.get("password"),
            uow=container.uow(),
            env=container.env,
            hasher=hasher_of(request),
        )
    )
    if isinstance(result, Problem):
        return anonymous_page(request, "first_password.html", status=result.status, problem=result)
    return see_other("/login?notice=password-set")


def _differ(form: Form) -> Problem | None:
    if form.get("password") == form.get("password_again"):
        return None
    return Problem(422, "invalid_input", "Invalid input", "The two passwords differ.", field="password_again")
