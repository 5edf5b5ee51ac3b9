"""Incident routes: declare, list, show, severity, lifecycle, notes and the timeline."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sirf.adapters.db.types import MAX_ID
from sirf.api.context import Caller, CallerDep, etag_response, fingerprint, idempotent
from sirf.api.schemas import DeclareBody, NoteBody, PhaseBody, ReasonBody, RequiredReasonBody, SeverityBody
from sirf.api.serialize import entry_json, incident_json, incident_summary_json
from sirf.domain.errors import ValidationFailed
from sirf.domain.lifecycle import Phase
from sirf.domain.roles import Source
from sirf.domain.scope import IncidentKind, classify
from sirf.domain.severity import Severity
from sirf.services import incidents as uc
from sirf.services import work
from sirf.services.ports import IncidentQuery

router = APIRouter(prefix="/api/v1", tags=["incidents"])


@router.post("/incidents", status_code=201, summary="Declare an incident (F1 scope check)")
def declare(body: DeclareBody, caller: CallerDep, request: Request) -> Response:
    declaration = uc.Declaration(
        title=body.title,
        kind=body.kind,
        severity=Severity.parse(body.severity),
        source=Source.parse(body.source),
        summary=body.summary,
        affected_services=tuple(body.affected_services),
        detected_at=body.detected_at,
        override_scope_reason=body.override_scope_reason,
    )

    def produce() -> tuple[int, dict[str, Any]]:
        incident = uc.declare_incident(declaration, actor=caller.actor, uow=caller.uow, env=caller.env)
        return 201, incident_json(incident)

    return idempotent(caller, fingerprint(request, body), produce)


def encode_cursor(after: tuple[int, int, int]) -> str:
    return base64.urlsafe_b64encode(":".join(map(str, after)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        customers, severity, incident_id = (int(part) for part in raw.split(":"))
        if not all(0 <= part <= MAX_ID for part in (customers, severity, incident_id)):
            raise ValueError("out of range")
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(
            "cursor is not one this API returned; start again without it", field="cursor"
        ) from None
    return customers, severity, incident_id


def _kind_filter(kind: str | None) -> str | None:
    if not kind:
        return None
    classified = classify(kind)
    if not isinstance(classified, IncidentKind):
        raise ValidationFailed(
            f"{classified.value} is out of scope and never stored; filter by an incident kind"
        )
    return classified.value


@router.get("/incidents", summary="List incidents, most customer impact first, then severity")
def list_incidents(
    caller: CallerDep,
    status: Annotated[str, Query(pattern="^(active|resolved|closed|all)$")] = "active",
    severity: Annotated[int | None, Query(ge=1, le=4)] = None,
    kind: str | None = None,
    phase: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> JSONResponse:
    query = IncidentQuery(
        status=status,
        severity=Severity(severity) if severity else None,
        kind=_kind_filter(kind),
        phase=Phase.parse(phase) if phase else None,
        limit=limit,
        after=decode_cursor(cursor) if cursor else None,
    )
    page = uc.list_incidents(query, uow=caller.uow)
    # Already plain JSON data: a JSONResponse skips FastAPI's second pass over the whole page.
    return JSONResponse(
        {
            "items": [incident_summary_json(i) for i in page.items],
            "next_cursor": encode_cursor(page.next_after) if page.next_after else None,
        }
    )


@router.get("/incidents/{incident_id}", summary="Everything about one incident")
def show(incident_id: int, caller: CallerDep) -> Response:
    return etag_response(incident_json(uc.get_incident(incident_id, uow=caller.uow)))


@router.post("/incidents/{incident_id}/severity", summary="Change severity (recorded with who, when, why)")
def severity(incident_id: int, body: SeverityBody, caller: CallerDep, request: Request) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        incident = uc.change_severity(
            incident_id,
            Severity.parse(body.severity),
            reason=body.reason,
            actor=caller.actor,
            uow=caller.uow,
            env=caller.env,
            expected_version=caller.expected_version,
        )
        return 200, incident_json(incident)

    return idempotent(caller, fingerprint(request, body), produce)


def _move(
    caller: Caller, request: Request, body: BaseModel, incident_id: int, phase: Phase, reason: str
) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        incident = uc.change_phase(
            incident_id,
            phase,
            reason=reason,
            actor=caller.actor,
            uow=caller.uow,
            env=caller.env,
            expected_version=caller.expected_version,
        )
        return 200, incident_json(incident)

    return idempotent(caller, fingerprint(request, body), produce)


@router.post("/incidents/{incident_id}/phase", summary="Move to another lifecycle phase (F3)")
def phase(incident_id: int, body: PhaseBody, caller: CallerDep, request: Request) -> Response:
    return _move(caller, request, body, incident_id, Phase.parse(body.phase), body.reason)


@router.post("/incidents/{incident_id}/resolve", summary="Resolve the incident")
def resolve(incident_id: int, body: ReasonBody, caller: CallerDep, request: Request) -> Response:
    return _move(caller, request, body, incident_id, Phase.RESOLUTION, body.reason)


@router.post("/incidents/{incident_id}/reopen", summary="Reopen a resolved incident (recorded)")
def reopen(incident_id: int, body: RequiredReasonBody, caller: CallerDep, request: Request) -> Response:
    return _move(caller, request, body, incident_id, Phase.RESPONSE, body.reason)


@router.post("/incidents/{incident_id}/close", summary="Close a resolved incident")
def close(incident_id: int, body: ReasonBody, caller: CallerDep, request: Request) -> Response:
    return _move(caller, request, body, incident_id, Phase.CLOSURE, body.reason)


@router.post("/incidents/{incident_id}/notes", status_code=201, summary="Add a note to the timeline")
def note(incident_id: int, body: NoteBody, caller: CallerDep, request: Request) -> Response:

    def produce() -> tuple[int, dict[str, Any]]:
        entry, version = work.add_note(
            incident_id,
            body.text,
            actor=caller.actor,
            uow=caller.uow,
            env=caller.env,
            expected_version=caller.expected_version,
        )
        return 201, entry_json(entry) | {"_etag": version}

    return idempotent(caller, fingerprint(request, body), produce)


@router.get("/incidents/{incident_id}/timeline", summary="The append-only timeline, oldest first")
def timeline(
    incident_id: int,
    caller: CallerDep,
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    entries = uc.read_timeline(incident_id, after=after, limit=limit + 1, uow=caller.uow)
    items = entries[:limit]
    next_cursor = str(items[-1].seq) if len(entries) > limit else None
    return {"items": [entry_json(e) for e in items], "next_cursor": next_cursor}
