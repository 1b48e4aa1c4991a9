"""The few statements that run while a desk holds the write lock, as plain SQL.

Building a query with Peewee costs about half a millisecond of Python here; inside a claim that
time is a lock every other desk waits on. So the queue engine decides with ordinary Peewee reads
first, then takes the lock and runs only these short, guarded statements (each checks the state
it expects, so a decision made on a stale read simply fails and is taken again). The SQL is the
common subset of SQLite and PostgreSQL; placeholders are written `?` and adapted per database.
"""
from __future__ import annotations

import datetime as dt
import functools

from deskapp.db.database import db, is_postgres


@functools.lru_cache(maxsize=128)
def _adapt(sql: str, param: str) -> str:
    return sql if param == "?" else sql.replace("?", param)


def execute(sql: str, params: tuple = ()):
    return db.execute_sql(_adapt(sql, db.param), params)


def held_ticket(counter_id: int, *, lock: bool = False) -> tuple[int, str, str] | None:
    """(id, number, status) of the ticket a counter holds; on PostgreSQL also locks the counter."""
    if lock and is_postgres():
        execute("SELECT id FROM counter WHERE id = ? FOR UPDATE", (counter_id,))
    return execute(
        "SELECT id, number, status FROM ticket WHERE counter_id = ? AND status IN ('called', 'serving') LIMIT 1",
        (counter_id,),
    ).fetchone()


def claim(ticket_id: int, counter_id: int, staff_id: int, now: dt.datetime) -> bool:
    """Waiting -> called for this counter, if the ticket is still waiting and free to take."""
    if is_postgres():
        free = execute(
            "SELECT id FROM ticket WHERE id = ? AND status = 'waiting' FOR UPDATE SKIP LOCKED", (ticket_id,)
        ).fetchone()
        if free is None:
            return False
    cursor = execute(
        "UPDATE ticket SET status = 'called', counter_id = ?, staff_id = ?, called_at = ?, front = ? "
        "WHERE id = ? AND status = 'waiting'",
        (counter_id, staff_id, now, False, ticket_id),
    )
    return cursor.rowcount == 1


def open_counter(counter_id: int, staff_id: int, now: dt.datetime) -> None:
    execute(
        "UPDATE counter SET state = 'open', staff_id = ?, state_since = ? "
        "WHERE id = ? AND (state <> 'open' OR staff_id IS NULL OR staff_id <> ?)",
        (staff_id, now, counter_id, staff_id),
    )


def next_seq(branch_id: int, service_id: int, day: dt.date) -> int:
    """Take the service's next sequence number on `day` (the caller writes its ticket in this transaction).

    Past both the numbers given out (ticket_sequence) and the tickets in the service: the first
    alone would miss tickets written without it (an older version, a restore), the second alone
    goes back when the ticket holding the last number moves to another service.
    """
    key = (branch_id, service_id, day)
    row = execute(
        "SELECT COALESCE(MAX(seq), 0), (SELECT last_seq FROM ticket_sequence WHERE branch_id = ? AND service_id = ? "
        "AND day = ?) FROM ticket WHERE branch_id = ? AND service_id = ? AND day = ?",
        key + key,
    ).fetchone()
    seq = max(row[0], row[1] or 0) + 1
    execute(
        "INSERT INTO ticket_sequence (branch_id, service_id, day, last_seq) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (branch_id, service_id, day) DO UPDATE SET last_seq = excluded.last_seq",
        key + (seq,),
    )
    return seq


def insert_ticket(values: dict) -> int:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = execute(f"INSERT INTO ticket ({columns}) VALUES ({marks}) RETURNING id", tuple(values.values()))
    return cursor.fetchone()[0]


def insert_event(ticket_id: int, kind: str, now: dt.datetime, staff_id: int | None, counter_id: int | None,
                 detail: str = "") -> None:
    execute(
        "INSERT INTO ticket_event (ticket_id, kind, at, staff_id, counter_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (ticket_id, kind, now, staff_id, counter_id, detail),
    )


def bump_marker(branch_id: int) -> None:
    execute("UPDATE change_marker SET seq = seq + 1 WHERE branch_id = ?", (branch_id,))


def set_ticket(ticket_id: int, expected_status: str, counter_id: int | None, values: dict) -> bool:
    """Change a ticket held by `counter_id` (or any counter when None) only if it is in the expected state."""
    assignments = ", ".join(f"{column} = ?" for column in values)
    sql = f"UPDATE ticket SET {assignments} WHERE id = ? AND status = ?"
    params = (*values.values(), ticket_id, expected_status)
    if counter_id is not None:
        sql += " AND counter_id = ?"
        params = (*params, counter_id)
    return execute(sql, params).rowcount == 1


def _as_datetime(value):
    """SQLite hands datetimes back as ISO text; PostgreSQL as datetimes."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def waiting_candidates(branch_id: int, service_ids: list[int], per_line: int, overdue_before: dt.datetime,
                       ) -> list[tuple[int, int, str, dt.datetime, dt.datetime, bool]]:
    """The tickets that can be called next: the first `per_line` of each (service, class, front)
    line in queue order, plus the longest-waiting overdue ones. A long queue costs one indexed
    scan here, not thousands of Python objects."""
    if not service_ids:
        return []
    marks = ", ".join("?" for _ in service_ids)
    lines = execute(
        "SELECT id, service_id, priority, issued_at, queued_at, front FROM ("
        " SELECT id, service_id, priority, issued_at, queued_at, front,"
        "  ROW_NUMBER() OVER (PARTITION BY service_id, priority, front ORDER BY queued_at, id) AS place"
        f" FROM ticket WHERE branch_id = ? AND status = 'waiting' AND service_id IN ({marks})"
        ") AS line WHERE place <= ?",
        (branch_id, *service_ids, per_line),
    ).fetchall()
    overdue = execute(
        "SELECT id, service_id, priority, issued_at, queued_at, front FROM ticket"
        f" WHERE branch_id = ? AND status = 'waiting' AND service_id IN ({marks}) AND issued_at <= ?"
        " ORDER BY issued_at, id LIMIT ?",
        (branch_id, *service_ids, overdue_before, per_line),
    ).fetchall()
    rows = {row[0]: row for row in (*lines, *overdue)}
    return [(r[0], r[1], r[2], _as_datetime(r[3]), _as_datetime(r[4]), bool(r[5])) for r in rows.values()]


class Prepared:
    """A Peewee query compiled to SQL once per kind of database, then run with new values.

    `build(*values)` must use each value exactly once as a parameter and no other parameters;
    checked at the first compile, so a builder that breaks the rule fails loudly, not wrongly.
    """

    def __init__(self, build, arity: int):
        self._build = build
        self._arity = arity
        self._compiled: dict[type, tuple[str, list]] = {}

    def _compile(self) -> tuple[str, list]:
        key = type(db.obj)
        if key not in self._compiled:
            sentinels = [-(10**12) - i for i in range(self._arity)]
            query = self._build(*sentinels)
            sql, params = query.sql()
            if list(params) != sentinels:
                raise RuntimeError(f"cannot prepare {sql!r}: parameters {params!r}")
            converters = [getattr(column, "python_value", None) for column in query._returning]
            self._compiled[key] = (sql, converters)
        return self._compiled[key]

    def rows(self, *values) -> list[tuple]:
        sql, converters = self._compile()
        cursor = db.execute_sql(sql, values)
        return [
            tuple(convert(v) if convert is not None and v is not None else v for convert, v in zip(converters, row))
            for row in cursor.fetchall()
        ]
