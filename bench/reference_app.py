"""Reference service for the benchmark: the least a FastAPI service can do per request.

Three endpoints, each one statement on the database through the plain DB-API driver (sqlite3 or
psycopg 3), with pydantic validation of the body, JSON out, and nothing else (no auth, no ORM):

- ``POST /items``               insert one row and return it (the equivalent of declaring an incident)
- ``POST /items/{id}/notes``    insert one row referencing an item (the equivalent of a timeline append)
- ``GET  /items?limit=50``      the newest rows by an indexed column (the equivalent of the incident list)

SQLite runs as sirf runs it: WAL, synchronous=NORMAL, a busy timeout, writes serialised by an
in-process lock and started with BEGIN IMMEDIATE. Served by uvicorn in one process, as ``sirf server``.

    .venv/bin/python bench/reference_app.py --port 8100 --database sqlite:////tmp/ref.db
    .venv/bin/python bench/reference_app.py --port 8100 --database postgresql://postgres@127.0.0.1/ref
"""

from __future__ import annotations

import argparse
import queue
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, Query
from pydantic import BaseModel, Field

ITEM_COLUMNS = ["id", "title", "kind", "severity", "created_at"]
NOTE_COLUMNS = ["id", "item_id", "text", "created_at"]
# Written with "?" (sqlite3); Store.sql() turns them into "%s" for psycopg.
INSERT_ITEM = "INSERT INTO items (title, kind, severity, created_at) VALUES (?, ?, ?, ?)"
RETURN_ITEM = " RETURNING id, title, kind, severity, created_at"
INSERT_NOTE = (
    "INSERT INTO notes (item_id, text, created_at) VALUES (?, ?, ?) RETURNING id, item_id, text, created_at"
)
LATEST_ITEMS = "SELECT id, title, kind, severity, created_at FROM items ORDER BY created_at DESC LIMIT ?"

SQLITE_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,"
    " kind TEXT NOT NULL, severity INTEGER NOT NULL, created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_items_created_at ON items (created_at)",
    "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " item_id INTEGER NOT NULL REFERENCES items (id), text TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_notes_item_id ON notes (item_id)",
]
POSTGRES_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS items (id SERIAL PRIMARY KEY, title VARCHAR(500) NOT NULL,"
    " kind VARCHAR(40) NOT NULL, severity INTEGER NOT NULL, created_at TIMESTAMPTZ NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_items_created_at ON items (created_at)",
    "CREATE TABLE IF NOT EXISTS notes (id SERIAL PRIMARY KEY,"
    " item_id INTEGER NOT NULL REFERENCES items (id), text TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_notes_item_id ON notes (item_id)",
]


class ItemBody(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=500)]
    kind: Annotated[str, Field(min_length=1, max_length=40)]
    severity: Annotated[int, Field(ge=1, le=4)]


class NoteBody(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=20_000)]


class Store:
    """A tiny connection pool over one database, SQLite or PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.write_lock: threading.Lock | None = threading.Lock() if self.is_sqlite else None
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def sql(self, statement: str) -> str:
        return statement if self.is_sqlite else statement.replace("?", "%s")

    def connect(self) -> Any:
        if not self.is_sqlite:
            import psycopg

            return psycopg.connect(self.url)
        connection = sqlite3.connect(
            self.url.removeprefix("sqlite:///"), check_same_thread=False, isolation_level=None, timeout=30
        )
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000", "foreign_keys=ON"):
            connection.execute(f"PRAGMA {pragma}")
        return connection

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Any]:
        lock = self.write_lock if write else None
        if lock is not None:
            lock.acquire()
        try:
            connection = self._idle.get_nowait()
        except queue.Empty:
            connection = self.connect()
        try:
            if self.is_sqlite:
                connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield connection
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            self._idle.put(connection)
            if lock is not None:
                lock.release()

    def create_schema(self) -> None:
        with self.transaction(write=True) as connection:
            for statement in SQLITE_SCHEMA if self.is_sqlite else POSTGRES_SCHEMA:
                connection.execute(statement)

    def now(self) -> Any:
        moment = datetime.now(UTC)
        return moment.isoformat() if self.is_sqlite else moment


def _row(names: list[str], values: tuple[Any, ...]) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in zip(names, values, strict=True)
    }


def create_app(store: Store) -> FastAPI:
    app = FastAPI(title="reference")
    insert_item, insert_note = store.sql(INSERT_ITEM + RETURN_ITEM), store.sql(INSERT_NOTE)
    latest_items = store.sql(LATEST_ITEMS)

    @app.get("/readyz")
    def readyz() -> dict[str, str]:
        with store.transaction(write=False) as connection:
            connection.execute("SELECT 1").fetchone()
        return {"status": "ready"}

    @app.post("/items", status_code=201)
    def add_item(body: ItemBody) -> dict[str, Any]:
        with store.transaction(write=True) as connection:
            row = connection.execute(
                insert_item, (body.title, body.kind, body.severity, store.now())
            ).fetchone()
        return _row(ITEM_COLUMNS, row)

    @app.post("/items/{item_id}/notes", status_code=201)
    def add_note(item_id: int, body: NoteBody) -> dict[str, Any]:
        with store.transaction(write=True) as connection:
            row = connection.execute(insert_note, (item_id, body.text, store.now())).fetchone()
        return _row(NOTE_COLUMNS, row)

    @app.get("/items")
    def list_items(limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
        with store.transaction(write=False) as connection:
            rows = connection.execute(latest_items, (limit,)).fetchall()
        return {"items": [_row(ITEM_COLUMNS, row) for row in rows]}

    return app


def seed(url: str, count: int) -> None:
    """Create the schema and insert ``count`` items in one transaction (set-up, not measured)."""
    store = Store(url)
    store.create_schema()
    rows = [(f"seeded item {i}", "saas-outage", i % 4 + 1, store.now()) for i in range(count)]
    with store.transaction(write=True) as connection:
        connection.cursor().executemany(store.sql(INSERT_ITEM), rows)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--database", required=True, help="sqlite:///PATH or postgresql://...")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    store = Store(args.database)
    store.create_schema()
    uvicorn.run(create_app(store), host=args.host, port=args.port, log_level=args.log_level.lower())


if __name__ == "__main__":
    main()
