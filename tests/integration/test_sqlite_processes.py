"""SQLite with several processes writing at once (the server, `sirf user create`, a worker): every
write waits its turn at BEGIN IMMEDIATE and none fails with "database is locked"."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from sirf.bootstrap import Container
from sirf.domain.raci import Actor, OrgRole
from sirf.domain.roles import Source
from sirf.domain.severity import Severity
from sirf.services import incidents, work

ADMIN = Actor("root", OrgRole.ADMIN)


def _writer(url: str, incident_id: int, name: str, count: int) -> None:
    from sirf.adapters.db.engine import create_database
    from sirf.adapters.db.unit_of_work import SqlUnitOfWork
    from sirf.domain.framework import Framework
    from sirf.services.context import Env, SystemClock

    database = create_database(url)
    env = Env(SystemClock(), Framework())
    for n in range(count):
        work.add_note(incident_id, f"{name} {n}", actor=ADMIN, uow=SqlUnitOfWork(database), env=env)
    database.dispose()


def test_four_processes_append_to_one_sqlite_file_without_losing_a_write(
    container: Container, database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL has its own locking; this is about the embedded SQLite file")
    declaration = incidents.Declaration(
        title="Lock test", kind="saas-outage", severity=Severity.SEV3, source=Source.SUPPORT
    )
    incident_id = incidents.declare_incident(
        declaration, actor=ADMIN, uow=container.uow(), env=container.env
    ).id
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_writer, args=(database_url, incident_id, f"p{i}", 40)) for i in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0, 0, 0]
    entries = incidents.read_timeline(incident_id, after=0, limit=500, uow=container.uow())
    assert [e.seq for e in entries] == list(range(1, 163))  # declared, its ticket tag, 4 x 40 notes
    for i in range(4):
        mine = [e.data["text"] for e in entries if e.data.get("text", "").startswith(f"p{i} ")]
        assert mine == [f"p{i} {n}" for n in range(40)]
