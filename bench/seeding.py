"""Seed sirf's database through its own service layer, in this process, before its server starts.

Every incident goes through ``sirf.services.incidents.declare_incident`` (domain rules, the
incident row, its first timeline entry, any engagement proposals), exactly as the API does. Only the
transactions differ: ``BATCH`` declarations share one transaction (the unit of work joins nested
blocks), which makes seeding 10,000 incidents take seconds instead of a minute. Seeding is set-up,
never part of a measured figure.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sirf.bootstrap import Container
    from sirf.domain.raci import Actor

BATCH = 500
KINDS = ("saas-outage", "product-issue", "customer-emergency", "release-impact", "security-incident")


def seed_sirf(database_url: str, data_dir: Path, count: int) -> float:
    """Migrate the schema and declare ``count`` incidents; return the seconds it took.

    On a 2-core host this is CPU-bound in Python (about 1 ms per declaration); more processes do
    not help, they compete with the database server for the same cores.
    """
    from sirf.adapters.db import migrate
    from sirf.domain.raci import Actor, OrgRole

    started = time.perf_counter()
    actor = Actor("bench-seed", OrgRole.ADMIN)
    with _container(database_url, data_dir) as container:
        migrate.upgrade(container.database)
        for first in range(0, count, BATCH):
            _declare_batch(container, actor, range(first, min(first + BATCH, count)))
    return time.perf_counter() - started


@contextmanager
def _container(database_url: str, data_dir: Path) -> Iterator[Container]:
    from sirf.bootstrap import build
    from sirf.config import Settings, normalise_database_url

    container = build(Settings(data_dir=data_dir, database_url=normalise_database_url(database_url)))
    try:
        yield container
    finally:
        container.close()


def _declare_batch(container: Container, actor: Actor, numbers: range) -> None:
    from sirf.domain.severity import Severity
    from sirf.services.incidents import Declaration, declare_incident

    uow = container.uow()
    with uow(write=True):
        for n in numbers:
            declaration = Declaration(
                title=f"Seeded incident {n}", kind=KINDS[n % len(KINDS)], severity=Severity(n % 4 + 1)
            )
            declare_incident(declaration, actor=actor, uow=uow, env=container.env)
        uow.commit()


def seed_reference(database_url: str, count: int) -> float:
    import reference_app

    started = time.perf_counter()
    reference_app.seed(database_url, count)
    return time.perf_counter() - started
