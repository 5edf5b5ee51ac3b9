"""Per-request context: the container, a fresh unit of work and the authenticated caller."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from sirf.adapters.db.unit_of_work import SqlUnitOfWork
from sirf.bootstrap import Container
from sirf.domain.accounts import User
from sirf.domain.errors import AuthenticationRequired, Conflict, ValidationFailed
from sirf.domain.raci import Actor
from sirf.services.accounts import authenticate
from sirf.services.context import Env
from sirf.services.ports import StoredResponse


@dataclass
class Caller:
    """The authenticated caller and the request's unit of work (one pooled connection)."""

    container: Container
    user: User
    uow: SqlUnitOfWork
    request: Request

    @property
    def actor(self) -> Actor:
        return self.user.as_actor()

    @property
    def env(self) -> Env:
        return self.container.env

    @property
    def expected_version(self) -> int | None:
        return parse_if_match(self.request.headers.get("if-match"))


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def current_caller(request: Request) -> AsyncIterator[Caller]:
    """Authenticate, and give the request one unit of work on one connection, closed at the end.

    This runs on the event loop, not in a worker thread: the token check is one indexed query
    (well under a millisecond), and sparing every request a second thread hop costs less than
    that brief block. The route's own work runs in the thread pool as usual.
    """
    container = container_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationRequired("send an API token as `Authorization: Bearer sirf_...`")
    uow = container.uow(keep_connection=True)
    try:
        user = authenticate(token.strip(), uow=uow, env=container.env)
        yield Caller(container, user, uow, request)
    finally:
        uow.close()


CallerDep = Annotated[Caller, Depends(current_caller)]


def parse_if_match(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ValidationFailed(
            f'If-Match must be an ETag from this API, like "7"; got {value!r}', field="If-Match"
        )
    return int(text)


def etag_response(body: dict[str, Any], *, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"ETag": f'"{body["version"]}"'})


def fingerprint(request: Request, body: BaseModel) -> str:
    """What makes two requests "the same" for Idempotency-Key: method, path and parsed body."""
    text = f"{request.method} {request.url.path}\n{body.model_dump_json()}"
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(
    caller: Caller, request_hash: str, produce: Callable[[], tuple[int, dict[str, Any]]]
) -> Response:
    """Run ``produce`` once per Idempotency-Key: a replay returns the first answer, in the same
    transaction as the change, so a crash can never leave a change without its stored answer."""
    key = caller.request.headers.get("idempotency-key")
    if key is None:
        status, body = produce()
        return _json(status, body)
    if not 0 < len(key) <= 200:
        raise ValidationFailed("Idempotency-Key must be 1 to 200 characters", field="Idempotency-Key")
    for _attempt in range(2):
        try:
            return _run_once(caller, key, request_hash, produce)
        except IntegrityError:
            # Another request with the same key committed first; our work was rolled back. Replay it.
            continue
    raise Conflict("a request with this Idempotency-Key is still being processed; retry shortly")


def _run_once(
    caller: Caller, key: str, request_hash: str, produce: Callable[[], tuple[int, dict[str, Any]]]
) -> Response:
    uow = caller.uow
    with uow(write=True):
        stored = uow.idempotency.get(caller.user.id, key)
        if stored is not None:
            if stored.request_hash != request_hash:
                raise Conflict(
                    "this Idempotency-Key was used for a different request; use a new key for a new request"
                )
            response = _json(stored.status_code, json.loads(stored.body))
            response.headers["Idempotent-Replayed"] = "true"
            return response
        status, body = produce()
        uow.idempotency.put(
            caller.user.id,
            key,
            StoredResponse(request_hash, status, json.dumps(body)),
            caller.env.clock.now(),
        )
        uow.commit()
    return _json(status, body)


def _json(status: int, body: dict[str, Any]) -> JSONResponse:
    """The body without our private ``_etag`` key; the incident version becomes the ETag header."""
    version = body.pop("_etag", body.get("version"))
    headers = {"ETag": f'"{version}"'} if isinstance(version, int) else None
    return JSONResponse(body, status_code=status, headers=headers)
