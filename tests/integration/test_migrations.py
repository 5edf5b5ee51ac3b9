"""Migrations go up and down cleanly and create exactly the tables the code defines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from sirf.adapters.db import migrate
from sirf.adapters.db.engine import Database
from sirf.adapters.db.schema import metadata


def test_schema_matches_the_table_definitions(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    assert migrate.current_revision(database) == migrate.head_revision(database)


def test_downgrade_to_base_and_upgrade_again(database: Database) -> None:
    migrate.downgrade(database, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(database)
    assert {t.name for t in metadata.sorted_tables} <= set(inspect(database.engine).get_table_names())
