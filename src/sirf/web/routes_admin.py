"""The admin page (people, organisation roles, invitations) and the profile page (API tokens).

A set-password link and a new API token are shown once, in the response to the form that made
them (never stored in plain text, never put in a redirect URL); pages are sent with no-store.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sirf.domain.raci import OrgRole
from sirf.services import accounts, passwords
from sirf.web.actions import attempt
from sirf.web.context import PostedForm, Visitor, VisitorDep, guard_origin, see_other
from sirf.web.errors import Problem
from sirf.web.forms import Form
from sirf.web.room import error_page

router = APIRouter(dependencies=[Depends(guard_origin)], include_in_schema=False)


def link_url(request: Request, token: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/set-password?token={token}"


def admin_page(
    visitor: Visitor,
    *,
    problem: Problem | None = None,
    form: Form | None = None,
    link: tuple[str, str] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    listed = attempt(lambda: passwords.list_accounts(actor=visitor.actor, uow=visitor.uow))
    if isinstance(listed, Problem):
        return error_page(visitor, listed)
    return visitor.page(
        "admin.html",
        status=problem.status if problem else 200,
        nav="admin",
        accounts=listed,
        org_roles=list(OrgRole),
        problem=problem,
        form=form or Form({}),
        link=link,
        done={"role": "Organisation role changed."}.get(done or ""),
    )


@router.get("/admin")
def admin(visitor: VisitorDep, done: str = "") -> HTMLResponse:
    return admin_page(visitor, done=done)


@router.post("/admin/invitations")
def invite(request: Request, visitor: VisitorDep, form: PostedForm) -> Response:
    result = attempt(
        lambda: passwords.invite_user(
            form.text("username"),
            org_role=OrgRole.parse(form.get("org_role")),
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
        )
    )
    if isinstance(result, Problem):
        return admin_page(visitor, problem=result, form=form)
    user, token = result
    return admin_page(visitor, link=(user.username, link_url(request, token)))


@router.post("/admin/users/{username}/password-link")
def password_link(request: Request, username: str, visitor: VisitorDep, form: PostedForm) -> Response:
    result = attempt(
        lambda: passwords.issue_password_link(username, actor=visitor.actor, uow=visitor.uow, env=visitor.env)
    )
    if isinstance(result, Problem):
        return admin_page(visitor, problem=result)
    return admin_page(visitor, link=(username, link_url(request, result)))


@router.post("/admin/users/{username}/role")
def change_role(username: str, visitor: VisitorDep, form: PostedForm) -> Response:
    result = attempt(
        lambda: passwords.change_org_role(
            username,
            OrgRole.parse(form.get("org_role")),
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
        )
    )
    if isinstance(result, Problem):
        return admin_page(visitor, problem=result)
    return see_other("/admin?done=role")


def profile_page(
    visitor: Visitor, *, problem: Problem | None = None, new_token: str | None = None, done: str = ""
) -> HTMLResponse:
    tokens = accounts.list_tokens(actor=visitor.actor, uow=visitor.uow)
    own = [token for token, owner in tokens if owner == visitor.user.username]
    return visitor.page(
        "profile.html",
        status=problem.status if problem else 200,
        nav="profile",
        tokens=own,
        problem=problem,
        new_token=new_token,
        done={"revoked": "Token revoked."}.get(done),
    )


@router.get("/profile")
def profile(visitor: VisitorDep, done: str = "") -> HTMLResponse:
    return profile_page(visitor, done=done)


@router.post("/profile/tokens")
def create_token(visitor: VisitorDep, form: PostedForm) -> Response:
    result = attempt(
        lambda: accounts.issue_token(
            visitor.user.username,
            name=form.get("name"),
            actor=visitor.actor,
            uow=visitor.uow,
            env=visitor.env,
        )
    )
    if isinstance(result, Problem):
        return profile_page(visitor, problem=result)
    return profile_page(visitor, new_token=result[1])


@router.post("/profile/tokens/{token_id}/revoke")
def revoke_token(token_id: str, visitor: VisitorDep, form: PostedForm) -> Response:
    result = attempt(
        lambda: accounts.revoke_token(token_id, actor=visitor.actor, uow=visitor.uow, env=visitor.env)
    )
    if isinstance(result, Problem):
        return profile_page(visitor, problem=result)
    return see_other("/profile?done=revoked")
