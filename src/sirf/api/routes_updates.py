"""Status updates (F8): draft, edit, review, approve, publish; and their deliveries per channel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from sirf.api.context import Caller, CallerDep, fingerprint, idempotent
from sirf.api.schemas import ApproveBody, DraftBody, EditBody, EmptyBody, PublishBody
from sirf.api.serialize import delivery_json, update_json
from sirf.domain.errors import PreconditionFailed
from sirf.domain.public_state import ComponentStatus, PublicState
from sirf.domain.updates import Audience, Reviewer
from sirf.services import communications as uc
from sirf.services import outbox

router = APIRouter(prefix="/api/v1", tags=["status updates"])


def _update_response(view: uc.UpdateView, status: int = 200) -> JSONResponse:
    return JSONResponse(update_json(view), status_code=status, headers={"ETag": f'"{view.update.etag}"'})


def _components(raw: dict[str, str] | None) -> dict[str, ComponentStatus] | None:
    return {name: ComponentStatus.parse(value) for name, value in raw.items()} if raw is not None else None


def _deps(caller: Caller) -> dict[str, Any]:
    return {
        "actor": caller.actor,
        "uow": caller.uow,
        "env": caller.env,
        "drafting": caller.container.drafting,
    }


@router.post(
    "/incidents/{incident_id}/updates", status_code=201, summary="Draft a status update from a template"
)
def draft(incident_id: int, body: DraftBody, caller: CallerDep, request: Request) -> Response:
    draft_request = uc.DraftRequest(
        template=body.template,
        public_state=PublicState.parse(body.public_state) if body.public_state else None,
        components=_components(body.components),
        next_update_at=body.next_update_at,
        audience=Audience.parse(body.audience) if body.audience else None,
        corrects=body.corrects,
        body=body.body,
    )

    def produce() -> tuple[int, dict[str, Any]]:
        return 201, update_json(uc.draft_update(incident_id, draft_request, **_deps(caller)))

    return idempotent(caller, fingerprint(request, body), produce)


@router.get("/incidents/{incident_id}/updates", summary="All status updates of an incident")
def list_updates(incident_id: int, caller: CallerDep) -> dict[str, Any]:
    views = uc.list_updates(incident_id, uow=caller.uow, env=caller.env, drafting=caller.container.drafting)
    return {"items": [update_json(v) for v in views]}


@router.get("/updates/{update_id}", summary="One status update with its approval state")
def show(update_id: int, caller: CallerDep) -> JSONResponse:
    return _update_response(
        uc.get_update(update_id, uow=caller.uow, env=caller.env, drafting=caller.container.drafting)
    )


@router.patch("/updates/{update_id}", summary="Edit a draft (voids its approvals)")
def edit(update_id: int, body: EditBody, caller: CallerDep) -> JSONResponse:
    expected = caller.request.headers.get("if-match")
    if expected:
        current = uc.get_update(update_id, uow=caller.uow, env=caller.env, drafting=caller.container.drafting)
        if expected.strip().removeprefix("W/").strip('"') != current.update.etag:
            raise PreconditionFailed(
                f"update {update_id} changed since you read it; reload it and edit again"
            )
    view = uc.edit_update(
        update_id,
        body=body.body,
        public_state=PublicState.parse(body.public_state) if body.public_state else None,
        components=_components(body.components),
        next_update_at=body.next_update_at,
        **_deps(caller),
    )
    return _update_response(view)


@router.post("/updates/{update_id}/request-review", summary="Ask the required people to approve")
def request_review(update_id: int, body: EmptyBody, caller: CallerDep, request: Request) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        return 200, update_json(uc.request_review(update_id, **_deps(caller)))

    return idempotent(caller, fingerprint(request, body), produce)


@router.post("/updates/{update_id}/approve", summary="Approve the exact text (by its ETag)")
def approve(update_id: int, body: ApproveBody, caller: CallerDep, request: Request) -> Response:
    reviewer = Reviewer(body.as_reviewer.strip().lower()) if body.as_reviewer else None

    def produce() -> tuple[int, dict[str, Any]]:
        return 200, update_json(
            uc.approve_update(update_id, etag=body.etag, as_reviewer=reviewer, **_deps(caller))
        )

    return idempotent(caller, fingerprint(request, body), produce)


@router.post("/updates/{update_id}/withdraw", summary="Withdraw an unpublished update")
def withdraw(update_id: int, body: EmptyBody, caller: CallerDep, request: Request) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        return 200, update_json(uc.withdraw_update(update_id, **_deps(caller)))

    return idempotent(caller, fingerprint(request, body), produce)


@router.post("/updates/{update_id}/publish", summary="Publish an approved update (dry_run checks only)")
def publish(update_id: int, body: PublishBody, caller: CallerDep, request: Request) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        outcome = uc.publish_update(update_id, dry_run=body.dry_run, **_deps(caller))
        return 200, update_json(outcome.view) | {"dry_run": outcome.dry_run}

    if body.dry_run:
        status, data = produce()
        return JSONResponse(data, status_code=status)
    return idempotent(caller, fingerprint(request, body), produce)


@router.get("/updates/{update_id}/preview", summary="The update as each format shows it")
def preview(update_id: int, caller: CallerDep) -> dict[str, Any]:
    drafting = caller.container.drafting
    view = uc.get_update(update_id, uow=caller.uow, env=caller.env, drafting=drafting)
    rendered = uc.preview_update(update_id, uow=caller.uow, drafting=drafting)
    return {
        "id": update_id,
        "markdown": rendered.markdown,
        "text": rendered.text,
        "html": rendered.html,
        "channels": view.channels,
        "warnings": view.warnings,
        "blanks": view.blanks,
    }


@router.get("/incidents/{incident_id}/deliveries", summary="Delivery state per channel")
def deliveries(incident_id: int, caller: CallerDep, update: int | None = None) -> dict[str, Any]:
    items = outbox.list_deliveries(incident_id, update_id=update, uow=caller.uow)
    return {"items": [delivery_json(d) for d in items]}


@router.post("/deliveries/{delivery_id}/retry", summary="Send a failed delivery again")
def retry(delivery_id: int, body: EmptyBody, caller: CallerDep, request: Request) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        return 200, delivery_json(
            outbox.retry_delivery(delivery_id, actor=caller.actor, uow=caller.uow, env=caller.env)
        )

    return idempotent(caller, fingerprint(request, body), produce)
