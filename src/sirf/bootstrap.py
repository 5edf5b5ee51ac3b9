"""Composition root: settings -> database, framework, clock; and the first-start set-up."""

from __future__ import annotations

from dataclasses import dataclass

from sirf.adapters.db.engine import Database, create_database
from sirf.adapters.db.unit_of_work import SqlUnitOfWork
from sirf.config import Settings
from sirf.domain.framework import Framework
from sirf.framework.loader import load_framework
from sirf.services.context import Env, SystemClock
from sirf.services.drafting import Drafting
from sirf.services.ports import Clock


@dataclass
class Container:
    settings: Settings
    database: Database
    env: Env
    drafting_port: Drafting | None = None

    @property
    def drafting(self) -> Drafting:
        if self.drafting_port is None:
            raise RuntimeError("the drafting port is not wired")
        return self.drafting_port

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database)

    def close(self) -> None:
        self.database.dispose()


def build(settings: Settings, *, clock: Clock | None = None, framework: Framework | None = None) -> Container:
    framework = framework if framework is not None else load_framework(settings.framework_file)
    database = create_database(settings.database_url)
    return Container(settings, database, Env(clock or SystemClock(), framework))
