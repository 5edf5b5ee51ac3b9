"""Engines for SQLite and PostgreSQL with the settings each needs to be safe under concurrency.

SQLite: WAL, foreign keys on, a generous busy timeout, and write transactions that start with
BEGIN IMMEDIATE so two writers queue for the lock at the start instead of failing halfway with
"database is locked". Inside one process writers also queue on a lock, which is fairer and faster
than SQLite's sleep-and-retry busy handler.
PostgreSQL: no pre-ping (a round trip on every request); when the server restarts, the first
statement on a dead connection fails, SQLAlchemy recognises the disconnect and discards the whole
pool, the request is answered 503 (retryable) and the next ones get fresh connections.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import make_url

WRITE_FLAG = "sirf_write"


class Database:
    """An engine plus the in-process write queue SQLite needs (None on PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.write_lock: threading.Lock | None = threading.Lock() if self.is_sqlite else None

    def dispose(self) -> None:
        self.engine.dispose()


def create_database(url: str, *, pool_size: int = 10) -> Database:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Database(_sqlite_engine(url))
    engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
    return Database(engine)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        write = connection.info.pop(WRITE_FLAG, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
