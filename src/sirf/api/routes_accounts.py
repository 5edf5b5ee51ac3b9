"""People, tokens, notifications and the effective framework configuration."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from sirf.api.context import CallerDep, fingerprint, idempotent
from sirf.api.schemas import TokenBody, UserBody
from sirf.api.serialize import notification_json, token_json, user_json
from sirf.domain.framework import Framework
from sirf.domain.raci import OrgRole
from sirf.services import accounts

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/users/me", summary="Who am I")
def me(caller: CallerDep) -> dict[str, Any]:
    return user_json(caller.user)


@router.get("/users", summary="All users")
def users(caller: CallerDep) -> dict[str, Any]:
    with caller.uow(write=False):
        return {"items": [user_json(u) for u in caller.uow.users.all()]}


@router.post("/users", status_code=201, summary="Create a user (admin)")
def create_user(body: UserBody, caller: CallerDep, request: Request) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        user = accounts.create_user(
            body.username,
            display_name=body.display_name,
            org_role=OrgRole.parse(body.org_role),
            actor=caller.actor,
            uow=caller.uow,
            env=caller.env,
        )
        return 201, user_json(user)

    return idempotent(caller, fingerprint(request, body), produce)


@router.post("/tokens", status_code=201, summary="Create an API token (shown once)")
def create_token(body: TokenBody, caller: CallerDep, request: Request) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        username = (body.username or caller.user.username).strip().lower()
        token, plaintext = accounts.issue_token(
            username, name=body.name, actor=caller.actor, uow=caller.uow, env=caller.env
        )
        return 201, token_json(token, username) | {"token": plaintext}

    # The plaintext token must never be stored, so token creation is not replayable.
    if request.headers.get("idempotency-key"):
        status, body_json = produce()
        from fastapi.responses import JSONResponse

        return JSONResponse(body_json, status_code=status)
    return idempotent(caller, fingerprint(request, body), produce)


@router.get("/tokens", summary="API tokens (yours; all for admins)")
def tokens(caller: CallerDep) -> dict[str, Any]:
    return {
        "items": [
            token_json(t, owner) for t, owner in accounts.list_tokens(actor=caller.actor, uow=caller.uow)
        ]
    }


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke an API token")
def revoke(token_id: str, caller: CallerDep) -> Response:
    accounts.revoke_token(token_id, actor=caller.actor, uow=caller.uow, env=caller.env)
    return Response(status_code=204)


@router.get("/notifications", summary="Notifications addressed to you, newest first")
def notifications(caller: CallerDep, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    with caller.uow(write=False):
        items = caller.uow.notifications.for_recipient(caller.user.username, limit=limit)
    return {"items": [notification_json(n) for n in items]}


@router.get("/framework", summary="The effective framework configuration")
def framework(caller: CallerDep) -> dict[str, Any]:
    return framework_json(caller.env.framework)


def framework_json(fw: Framework) -> dict[str, Any]:
    return {
        "severities": {s.label: text for s, text in fw.severity_descriptions.items()},
        "raci": {a.value: {r.value: v.value for r, v in row.items()} for a, row in fw.raci.cells.items()},
        "triggers": {
            "several_customers": fw.triggers.several_customers,
            **{role.value: list(names) for role, names in fw.triggers.by_role.items()},
        },
        "regions": {
            h.region.value: {"start_hour": h.start_hour, "end_hour": h.end_hour} for h in fw.region_hours
        },
        "roster": {
            role.value: {region.value: list(people) for region, people in regions.items()}
            for role, regions in fw.roster.entries.items()
        },
        "distinct_roles": [sorted(r.value for r in pair) for pair in fw.distinct_roles],
    }
