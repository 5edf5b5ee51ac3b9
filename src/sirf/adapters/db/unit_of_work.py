"""The SQL unit of work: one connection, one transaction, the repositories bound to it."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.engine import Connection, RootTransaction

from sirf.adapters.db.account_repository import (
    SqlIdempotencyStore,
    SqlNotificationRepository,
    SqlTokenRepository,
    SqlUserRepository,
)
from sirf.adapters.db.comms_repository import SqlOutbox, SqlReminders, SqlStatusPage, SqlUpdateRepository
from sirf.adapters.db.engine import WRITE_FLAG, Database
from sirf.adapters.db.incident_repository import SqlIncidentRepository
from sirf.adapters.db.ticket_repository import SqlTicketStore
from sirf.adapters.db.ticket_work_repository import SqlTicketWork
from sirf.adapters.db.web_repository import SqlCredentials, SqlInvitations, SqlLoginFailures, SqlSessions


class SqlUnitOfWork:
    """Use one instance per request or job; nested ``with`` blocks join the outer transaction.

    With ``keep_connection`` the connection outlives each transaction until ``close()``: a request
    authenticates and then acts on one pooled connection instead of checking out two. On
    PostgreSQL a read-only block then also leaves its transaction open for the next block to join
    (READ COMMITTED: each statement sees what is committed), which saves a ROLLBACK round trip on
    every change request. SQLite cannot do this: its writers must start with BEGIN IMMEDIATE.
    """

    incidents: SqlIncidentRepository
    users: SqlUserRepository
    tokens: SqlTokenRepository
    idempotency: SqlIdempotencyStore
    notifications: SqlNotificationRepository
    updates: SqlUpdateRepository
    outbox: SqlOutbox
    reminders: SqlReminders
    status_page: SqlStatusPage
    credentials: SqlCredentials
    sessions: SqlSessions
    invitations: SqlInvitations
    login_failures: SqlLoginFailures
    tickets: SqlTicketStore
    ticket_work: SqlTicketWork

    def __init__(self, database: Database, *, keep_connection: bool = False) -> None:
        self.database = database
        self.keep_connection = keep_connection
        self._depth = 0
        self._write = False
        self._requested_write = False
        self._committed = False
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None
        self._lingering: RootTransaction | None = None

    def __call__(self, *, write: bool) -> SqlUnitOfWork:
        self._requested_write = write
        return self

    def __enter__(self) -> SqlUnitOfWork:
        write, self._requested_write = self._requested_write, False
        if self._depth > 0:
            if write and not self._write:
                raise RuntimeError("a write was nested inside a read-only unit of work")
            self._depth += 1
            return self
        self._write = write
        self._committed = False
        lock = self.database.write_lock
        if write and lock is not None:
            lock.acquire()
        try:
            self._open()
        except BaseException:
            if write and lock is not None:
                lock.release()
            raise
        self._depth = 1
        return self

    def _open(self) -> None:
        connection = self._connection or self.database.engine.connect()
        if self._write:
            connection.info[WRITE_FLAG] = True
        self._connection = connection
        if self._lingering is not None:
            self._transaction, self._lingering = self._lingering, None
        else:
            self._transaction = connection.begin()
        self.incidents = SqlIncidentRepository(connection)
        self.users = SqlUserRepository(connection)
        self.tokens = SqlTokenRepository(connection)
        self.idempotency = SqlIdempotencyStore(connection)
        self.notifications = SqlNotificationRepository(connection)
        self.updates = SqlUpdateRepository(connection)
        self.outbox = SqlOutbox(connection)
        self.reminders = SqlReminders(connection)
        self.status_page = SqlStatusPage(connection)
        self.credentials = SqlCredentials(connection)
        self.sessions = SqlSessions(connection)
        self.invitations = SqlInvitations(connection)
        self.login_failures = SqlLoginFailures(connection)
        self.tickets = SqlTicketStore(connection)
        self.ticket_work = SqlTicketWork(connection)

    def commit(self) -> None:
        if self._depth == 1 and self._transaction is not None:
            self._transaction.commit()
            self._committed = True

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        try:
            if self._transaction is not None and not self._committed:
                if exc_type is None and self._may_linger():
                    self._lingering = self._transaction
                else:
                    self._transaction.rollback()
        finally:
            self._transaction = None
            if not self.keep_connection:
                self.close()
            if self._write and self.database.write_lock is not None:
                self.database.write_lock.release()

    def _may_linger(self) -> bool:
        return self.keep_connection and not self._write and not self.database.is_sqlite

    def close(self) -> None:
        """Return the connection to the pool (needed only with ``keep_connection``)."""
        if self._lingering is not None:
            self._lingering.rollback()
            self._lingering = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None
