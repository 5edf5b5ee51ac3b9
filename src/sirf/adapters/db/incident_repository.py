"""Incidents in SQL: load the aggregate, save its changes and append its events to the timeline.

Children (role assignments, tasks, attestations, team engagements) are saved by comparing them
with what was loaded, keyed by their natural keys; nothing is ever deleted. The timeline sequence
comes from ``incidents.last_seq``, which is read under the write lock (row lock on PostgreSQL,
BEGIN IMMEDIATE on SQLite), so sequences are gapless and never collide.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.engine import Connection

from sirf.adapters.db import incident_rows as rows
from sirf.adapters.db import tables as t
from sirf.adapters.db.types import storable_id
from sirf.domain.errors import Conflict, PreconditionFailed
from sirf.domain.events import Event
from sirf.domain.incident import Incident
from sirf.domain.tasks import Task, TaskStatus
from sirf.domain.timeline import TimelineEntry
from sirf.services.ports import IncidentPage, IncidentQuery


@dataclass(frozen=True)
class _Children:
    table: Table
    keys: tuple[str, ...]
    items: Callable[[Incident], Iterable[Any]]
    values: Callable[[int, Any], dict[str, Any]]


CHILDREN = (
    _Children(t.role_assignments, ("role", "ordinal"), lambda i: i.assignments, rows.assignment_values),
    _Children(t.tasks, ("number",), lambda i: i.tasks.values(), rows.task_values),
    _Children(t.attestations, ("criterion",), lambda i: i.attestations.values(), rows.attestation_values),
    _Children(t.team_engagements, ("team",), lambda i: i.teams.values(), rows.team_values),
)

# Statements built once: building them per call (28 bind parameters and a cache key) cost more than
# running them. Values travel as parameters, so SQLAlchemy's compiled cache is hit every time.
INSERT_INCIDENT = insert(t.incidents).returning(t.incidents.c.id)
UPDATE_INCIDENT = update(t.incidents).where(
    t.incidents.c.id == bindparam("match_id"), t.incidents.c.version == bindparam("match_version")
)
INSERT_EVENTS = insert(t.timeline)
# Takes the next sequence numbers in one statement; the row stays locked only until commit.
BUMP_SEQUENCE = (
    update(t.incidents)
    .where(t.incidents.c.id == bindparam("match_id"))
    .values(last_seq=t.incidents.c.last_seq + bindparam("count"), version=t.incidents.c.version + 1)
    .returning(t.incidents.c.last_seq, t.incidents.c.version)
)
BUMP_SEQUENCE_IF_CURRENT = BUMP_SEQUENCE.where(t.incidents.c.version == bindparam("match_version"))

SELECT_INCIDENT = select(t.incidents).where(t.incidents.c.id == bindparam("incident_id"))
SELECT_INCIDENT_FOR_UPDATE = SELECT_INCIDENT.with_for_update()
SELECT_ACTIVE_ROLES = select(t.role_assignments).where(
    t.role_assignments.c.incident_id == bindparam("incident_id"), t.role_assignments.c.released_at.is_(None)
)
SELECT_CHILDREN = {
    spec.table.name: select(spec.table)
    .where(spec.table.c.incident_id == bindparam("incident_id"))
    .order_by(*(spec.table.c[k] for k in spec.keys))
    for spec in CHILDREN
}

OPEN_TASK_STATES = [TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value]

STATUS_FILTERS = {
    "active": t.incidents.c.active.is_(True),
    "resolved": t.incidents.c.phase == "resolution",
    "closed": t.incidents.c.phase == "closure",
}


@dataclass
class _Loaded:
    last_seq: int
    children: dict[str, dict[Hashable, dict[str, Any]]] = field(default_factory=dict)


class SqlIncidentRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._loaded: dict[int, _Loaded] = {}

    # ----- writing -------------------------------------------------------------------------------

    def add(self, incident: Incident) -> int:
        events = incident.take_events()
        values = rows.incident_values(incident) | {"version": 1, "last_seq": len(events)}
        result = self.connection.execute(INSERT_INCIDENT, values)
        incident.id = int(result.scalar_one())
        incident.version = 1
        self._loaded[incident.id] = _Loaded(last_seq=0)
        self._write_children(incident)
        self._append(incident.id, events)
        return incident.id

    def save(self, incident: Incident) -> None:
        loaded = self._loaded[incident.id]
        events = incident.take_events()
        new_version = incident.version + 1
        values = rows.incident_values(incident) | {
            "version": new_version,
            "last_seq": loaded.last_seq + len(events),
        }
        matching = {"match_id": incident.id, "match_version": incident.version}
        result = self.connection.execute(UPDATE_INCIDENT, values | matching)
        if result.rowcount != 1:
            raise Conflict(f"incident #{incident.id} changed while this request ran; retry it")
        incident.version = new_version
        self._write_children(incident)
        self._append(incident.id, events)

    def append(
        self, incident_id: int, events: list[Event], *, expected_version: int | None
    ) -> tuple[int, int]:
        """Append events without rewriting the incident; returns (first seq, new version).

        The sequence is taken by an atomic UPDATE ... RETURNING, so concurrent appends to one
        incident queue only for the rest of their (short) transactions.
        """
        params = {"match_id": incident_id, "count": len(events)}
        statement = BUMP_SEQUENCE
        if expected_version is not None:
            statement, params = BUMP_SEQUENCE_IF_CURRENT, params | {"match_version": expected_version}
        row = self.connection.execute(statement, params).first()
        if row is None:
            raise PreconditionFailed(
                f"incident #{incident_id} is no longer at version {expected_version}: someone changed it; "
                "reload and try again"
            )
        last_seq, version = int(row[0]), int(row[1])
        first = last_seq - len(events) + 1
        self.connection.execute(
            INSERT_EVENTS, [_event_row(incident_id, first + n, e) for n, e in enumerate(events)]
        )
        return first, version

    def _write_children(self, incident: Incident) -> None:
        loaded = self._loaded[incident.id]
        for spec in CHILDREN:
            before = loaded.children.setdefault(spec.table.name, {})
            for item in spec.items(incident):
                values = spec.values(incident.id, item)
                key = tuple(values[k] for k in spec.keys)
                if key not in before:
                    self.connection.execute(insert(spec.table).values(values))
                elif before[key] != values:
                    where = [spec.table.c.incident_id == incident.id] + [
                        spec.table.c[k] == values[k] for k in spec.keys
                    ]
                    self.connection.execute(update(spec.table).where(*where).values(values))
                before[key] = values

    def _append(self, incident_id: int, events: list[Event]) -> None:
        if not events:
            return
        loaded = self._loaded[incident_id]
        first = loaded.last_seq + 1
        self.connection.execute(
            INSERT_EVENTS,
            [_event_row(incident_id, first + offset, event) for offset, event in enumerate(events)],
        )
        loaded.last_seq += len(events)

    # ----- reading -------------------------------------------------------------------------------

    def get(self, incident_id: int, *, for_update: bool = False, roles_only: bool = False) -> Incident | None:
        """The incident; ``roles_only`` loads just its row and current role holders (enough to
        authorise an action that does not change the aggregate, such as appending a note)."""
        if not storable_id(incident_id):
            return None
        query = SELECT_INCIDENT_FOR_UPDATE if for_update else SELECT_INCIDENT
        row = self.connection.execute(query, {"incident_id": incident_id}).mappings().first()
        if row is None:
            return None
        incident = rows.incident_from_row(row)
        if roles_only:
            found = self.connection.execute(SELECT_ACTIVE_ROLES, {"incident_id": incident.id}).mappings()
            incident.assignments = [rows.assignment_from_row(r) for r in found]
            return incident
        loaded = _Loaded(last_seq=row["last_seq"])
        self._load_children(incident, loaded)
        self._loaded[incident.id] = loaded
        return incident

    def _load_children(self, incident: Incident, loaded: _Loaded) -> None:
        for spec in CHILDREN:
            snapshot: dict[Hashable, dict[str, Any]] = {}
            query = SELECT_CHILDREN[spec.table.name]
            for row in self.connection.execute(query, {"incident_id": incident.id}).mappings():
                values = dict(row)
                snapshot[tuple(values[k] for k in spec.keys)] = values
            loaded.children[spec.table.name] = snapshot
        snap = loaded.children
        incident.assignments = [rows.assignment_from_row(v) for v in snap["role_assignments"].values()]
        incident.tasks = {v["number"]: rows.task_from_row(v) for v in snap["tasks"].values()}
        attestations = (rows.attestation_from_row(v) for v in snap["attestations"].values())
        incident.attestations = {a.criterion: a for a in attestations}
        incident.teams = {
            e.team: e for e in (rows.team_from_row(v) for v in snap["team_engagements"].values())
        }

    def find(self, query: IncidentQuery) -> IncidentPage:
        c = t.incidents.c
        statement = select(t.incidents)
        if query.status in STATUS_FILTERS:
            statement = statement.where(STATUS_FILTERS[query.status])
        if query.severity is not None:
            statement = statement.where(c.severity == query.severity.value)
        if query.kind:
            statement = statement.where(c.kind == query.kind)
        if query.phase is not None:
            statement = statement.where(c.phase == query.phase.value)
        if query.after is not None:
            customers, severity, incident_id = query.after
            statement = statement.where(
                or_(
                    c.customers_affected < customers,
                    and_(c.customers_affected == customers, c.severity > severity),
                    and_(c.customers_affected == customers, c.severity == severity, c.id < incident_id),
                )
            )
        # F4.1 customer first: most customers affected, then most severe, then newest.
        statement = statement.order_by(c.customers_affected.desc(), c.severity.asc(), c.id.desc())
        found = list(self.connection.execute(statement.limit(query.limit + 1)).mappings())
        items = [rows.incident_from_row(row) for row in found[: query.limit]]
        self._attach_active_roles(items)
        next_after = None
        if len(found) > query.limit and items:
            last = found[query.limit - 1]
            next_after = (last["customers_affected"], last["severity"], last["id"])
        return IncidentPage(items, next_after)

    def _attach_active_roles(self, items: list[Incident]) -> None:
        if not items:
            return
        by_id = {incident.id: incident for incident in items}
        ra = t.role_assignments
        query = select(ra).where(ra.c.incident_id.in_(by_id), ra.c.released_at.is_(None))
        for row in self.connection.execute(query).mappings():
            by_id[row["incident_id"]].assignments.append(rows.assignment_from_row(row))

    def open_tasks_of(self, owner: str, incident_ids: list[int]) -> dict[int, list[Task]]:
        """One person's open tasks across these incidents, in one query (for the dashboard)."""
        tk = t.tasks
        if not incident_ids:
            return {}
        query = (
            select(tk)
            .where(tk.c.incident_id.in_(incident_ids), tk.c.owner == owner, tk.c.status.in_(OPEN_TASK_STATES))
            .order_by(tk.c.incident_id, tk.c.number)
        )
        found: dict[int, list[Task]] = {}
        for row in self.connection.execute(query).mappings():
            found.setdefault(row["incident_id"], []).append(rows.task_from_row(row))
        return found

    def timeline(self, incident_id: int, *, after: int, limit: int) -> list[TimelineEntry]:
        if not storable_id(incident_id):
            return []
        tl = t.timeline
        query = (
            select(tl)
            .where(tl.c.incident_id == incident_id, tl.c.seq > after)
            .order_by(tl.c.seq)
            .limit(limit)
        )
        return [_entry(row) for row in self.connection.execute(query).mappings()]

    def last_entry(self, incident_id: int) -> TimelineEntry | None:
        tl = t.timeline
        query = select(tl).where(tl.c.incident_id == incident_id).order_by(tl.c.seq.desc()).limit(1)
        row = self.connection.execute(query).mappings().first()
        return _entry(row) if row else None


def _event_row(incident_id: int, seq: int, event: Event) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "seq": seq,
        "type": event.type,
        "actor": event.actor,
        "at": event.at,
        "data": event.payload(),
    }


def _entry(row: Any) -> TimelineEntry:
    return TimelineEntry(
        row["incident_id"], row["seq"], row["type"], row["actor"], row["at"], dict(row["data"])
    )
