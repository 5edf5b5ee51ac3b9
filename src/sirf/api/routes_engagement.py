"""Roles, triggers, release criteria, impact facts, tasks and teams of one incident."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from sirf.api.context import CallerDep, etag_response, fingerprint, idempotent
from sirf.api.schemas import AssignBody, AttestBody, EmptyBody, ImpactBody, TaskBody, TaskUpdateBody, TeamBody
from sirf.api.serialize import criterion_json, engagement_json, incident_json, task_json
from sirf.domain.release import ReleaseCriterion
from sirf.domain.roles import Role, Team
from sirf.domain.tasks import TaskStatus
from sirf.services import engagement as uc
from sirf.services import work

router = APIRouter(prefix="/api/v1/incidents/{incident_id}", tags=["roles and engagement"])


@router.put("/roles/{role}", summary="Assign a role, or hand it over to another person")
def assign(incident_id: int, role: str, body: AssignBody, caller: CallerDep) -> Response:
    incident = uc.assign_role(
        incident_id,
        Role.parse(role),
        body.person.strip().lower(),
        actor=caller.actor,
        uow=caller.uow,
        env=caller.env,
        expected_version=caller.expected_version,
    )
    return etag_response(incident_json(incident))


@router.post("/roles/{role}/release", summary="Release a role (CMOC/SMOC only when all F7.3 criteria hold)")
def release(incident_id: int, role: str, body: EmptyBody, caller: CallerDep, request: Request) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        incident = uc.release_role(
            incident_id,
            Role.parse(role),
            actor=caller.actor,
            uow=caller.uow,
            env=caller.env,
            expected_version=caller.expected_version,
        )
        return 200, incident_json(incident)

    return idempotent(caller, fingerprint(request, body), produce)


@router.get("/triggers", summary="Which support roles the F7 rules say to engage, and why")
def triggers(incident_id: int, caller: CallerDep) -> dict[str, Any]:
    verdicts = uc.engagements(incident_id, uow=caller.uow, env=caller.env)
    return {"engagements": [engagement_json(v) for v in verdicts]}


@router.get("/release-check", summary="The six F7.3 release criteria and whether each holds")
def release_check(
    incident_id: int, caller: CallerDep, role: Annotated[str, Query()] = "cmoc"
) -> dict[str, Any]:
    parsed = Role.parse(role)
    checklist = uc.release_check(incident_id, uow=caller.uow)
    return {
        "role": parsed.value,
        "releasable": all(item.holds for item in checklist),
        "checklist": [criterion_json(item) for item in checklist],
    }


@router.post("/attestations", summary="Attest a release criterion with a note")
def attest(incident_id: int, body: AttestBody, caller: CallerDep, request: Request) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        incident = uc.attest_criterion(
            incident_id,
            ReleaseCriterion.parse(body.criterion),
            note=body.note,
            actor=caller.actor,
            uow=caller.uow,
            env=caller.env,
            expected_version=caller.expected_version,
        )
        return 200, incident_json(incident)

    return idempotent(caller, fingerprint(request, body), produce)


@router.patch("/impact", summary="Update impact facts; re-runs the engagement triggers")
def impact(incident_id: int, body: ImpactBody, caller: CallerDep) -> Response:
    changes: dict[str, object] = body.model_dump(exclude_unset=True)
    incident = uc.update_impact(
        incident_id,
        changes,
        actor=caller.actor,
        uow=caller.uow,
        env=caller.env,
        expected_version=caller.expected_version,
    )
    return etag_response(incident_json(incident))


@router.get("/tasks", summary="Critical-path tasks")
def tasks(incident_id: int, caller: CallerDep) -> dict[str, Any]:
    return {"items": [task_json(t) for t in work.list_tasks(incident_id, uow=caller.uow)]}


@router.post("/tasks", status_code=201, summary="Add a task with an owner")
def add_task(incident_id: int, body: TaskBody, caller: CallerDep, request: Request) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        task, version = work.add_task(
            incident_id,
            body.title,
            owner=body.owner.strip().lower(),
            due_at=body.due_at,
            actor=caller.actor,
            uow=caller.uow,
            env=caller.env,
            expected_version=caller.expected_version,
        )
        return 201, task_json(task) | {"_etag": version}

    return idempotent(caller, fingerprint(request, body), produce)


@router.patch("/tasks/{number}", summary="Update a task's status, owner or due time")
def update_task(incident_id: int, number: int, body: TaskUpdateBody, caller: CallerDep) -> Response:
    task, version = work.update_task(
        incident_id,
        number,
        status=TaskStatus.parse(body.status) if body.status else None,
        owner=body.owner.strip().lower() if body.owner else None,
        due_at=body.due_at,
        actor=caller.actor,
        uow=caller.uow,
        env=caller.env,
        expected_version=caller.expected_version,
    )
    return JSONResponse(task_json(task), headers={"ETag": f'"{version}"'})


@router.post(
    "/teams", summary="Engage a team (Customer Success, Product, Infrastructure, SIRT) with a contact"
)
def engage_team(incident_id: int, body: TeamBody, caller: CallerDep, request: Request) -> Response:
    def produce() -> tuple[int, dict[str, Any]]:
        incident = work.engage_team(
            incident_id,
            Team.parse(body.team),
            contact=body.contact,
            actor=caller.actor,
            uow=caller.uow,
            env=caller.env,
            expected_version=caller.expected_version,
        )
        return 200, incident_json(incident)

    return idempotent(caller, fingerprint(request, body), produce)
