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


def execute_named(sql: str, params: dict):
    """A statement with named placeholders, already in the database's style (SQLite :name, psycopg %(name)s)."""
    return db.execute_sql(sql, params)


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
    cursor = execute(f"INSERT INTO ticket ({columns}) VALUES ({marks}) RETURNING id", tuple(values.values()))  # i18n: not words
    return cursor.fetchone()[0]


def insert_event(ticket_id: int, kind: str, now: dt.datetime, staff_id: int | None, counter_id: int | None,
                 detail: str = "") -> None:
    execute(
        "INSERT INTO ticket_event (ticket_id, kind, at, staff_id, counter_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (ticket_id, kind, now, staff_id, counter_id, detail),
    )


def bump_marker(branch_id: int) -> None:
    execute("UPDATE change_marker SET seq = seq + 1 WHERE branch_id = ?", (branch_id,))


def add_service_interaction(ticket_id: int, customer_id: int, branch_id: int, service_id: int, staff_id: int | None,
                            outcome: str, duration_seconds: int | None, at: dt.datetime) -> None:
    """The served ticket's interaction (kind service, named by the service's code), unless it has one."""
    execute(
        "INSERT INTO interaction (branch_id, customer_id, ticket_id, kind, service, staff_id, outcome,"
        " duration_seconds, note, at) SELECT ?, ?, ?, 'service', code, ?, ?, ?, '', ? FROM service WHERE id = ?"
        " AND NOT EXISTS (SELECT 1 FROM interaction WHERE ticket_id = ?)",
        (branch_id, customer_id, ticket_id, staff_id, outcome, duration_seconds, at, service_id, ticket_id),
    )


def set_promise(ticket_id: int, minutes: float, low: float, high: float) -> None:
    """Keep the wait promised at issue with the ticket (its point and 10-90 % range)."""
    execute("UPDATE ticket SET estimated_wait_minutes = ?, estimated_wait_low = ?, estimated_wait_high = ? WHERE id = ?",
            (minutes, low, high, ticket_id))


def set_ticket(ticket_id: int, expected_status: str, counter_id: int | None, values: dict) -> bool:
    """Change a ticket held by `counter_id` (or any counter when None) only if it is in the expected state."""
    assignments = ", ".join(f"{column} = ?" for column in values)
    sql = f"UPDATE ticket SET {assignments} WHERE id = ? AND status = ?"  # i18n: not words
    params = (*values.values(), ticket_id, expected_status)
    if counter_id is not None:
        sql += " AND counter_id = ?"  # i18n: not words
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
        "SELECT id, service_id, priority, issued_at, queued_at, front FROM ("  # i18n: not words
        " SELECT id, service_id, priority, issued_at, queued_at, front,"
        "  ROW_NUMBER() OVER (PARTITION BY service_id, priority, front ORDER BY queued_at, id) AS place"
        f" FROM ticket WHERE branch_id = ? AND status = 'waiting' AND service_id IN ({marks})"
        ") AS line WHERE place <= ?",
        (branch_id, *service_ids, per_line),
    ).fetchall()
    overdue = execute(
        "SELECT id, service_id, priority, issued_at, queued_at, front FROM ticket"  # i18n: not words
        f" WHERE branch_id = ? AND status = 'waiting' AND service_id IN ({marks}) AND issued_at <= ?"
        " ORDER BY issued_at, id LIMIT ?",
        (branch_id, *service_ids, overdue_before, per_line),
    ).fetchall()
    rows = {row[0]: row for row in (*lines, *overdue)}
    return [(r[0], r[1], r[2], _as_datetime(r[3]), _as_datetime(r[4]), bool(r[5])) for r in rows.values()]


class Prepared:
    """A Peewee query compiled to SQL once per kind of database, then run with new values.

    Its rows come back as the query would give them (models with their joins, tuples, ...), through
    the query's own row reader, without building and compiling the query again: for the reads that
    run for every ticket. `build(*values)` must use each value exactly once as a parameter and no
    other parameters (no LIMIT: `first` takes the first row); checked at the first compile, so a
    builder that breaks the rule fails loudly, not wrongly. Values are passed to the database as
    given (not through the fields' db_value): ids, codes, text.
    """

    def __init__(self, build, arity: int):
        self._build = build
        self._arity = arity
        self._compiled: dict[type, tuple[str, object]] = {}

    def _compile(self) -> tuple[str, object]:
        key = type(db.obj)
        if key not in self._compiled:
            sentinels = [-(10**12) - i for i in range(self._arity)]
            query = self._build(*sentinels)
            sql, params = query.sql()
            if [str(p) for p in params] != [str(s) for s in sentinels]:
                raise RuntimeError(f"cannot prepare {sql!r}: parameters {params!r}")  # i18n: not words
            self._compiled[key] = (sql, query)
        return self._compiled[key]

    def rows(self, *values) -> list:
        """Every row, as the query reads them."""
        if len(values) != self._arity:
            raise TypeError(f"{self._arity} values expected, not {len(values)}")  # i18n: not words
        sql, query = self._compile()
        return list(query._get_cursor_wrapper(db.execute_sql(sql, values)))  # Peewee's row reader

    def first(self, *values):
        """The first row, or None (for a lookup by a unique key: every row is read)."""
        found = self.rows(*values)
        return found[0] if found else None


# The call-next path (deskapp.core.queue.calling): each function below is one statement where the
# Peewee version was several, because on PostgreSQL every statement is a round trip to the server
# (through PgBouncer, two), and those round trips, not locking, bounded how fast desks claim.

def desk(branch_id: int, counter_code: str, login: str | None) -> tuple | None:
    """The counter `counter_code` of the branch, its services in work-profile order and, when `login`
    is given, the active staff member of that login, in one read:
    (counter id, code, name, state, staff_id, state_since, "service ids,...", staff id, login, name,
    role, branch_id, number of the ticket the counter holds); the staff columns are None for no login or
    an unknown or inactive one. None when there is no such active counter."""
    if is_postgres():
        services = ("(SELECT string_agg(service_id::text, ',' ORDER BY position) FROM counter_service"  # i18n: not words
                    " WHERE counter_id = c.id)")
    else:  # SQLite's group_concat follows the order of the ordered subquery it reads
        services = ("(SELECT group_concat(service_id) FROM (SELECT service_id FROM counter_service"  # i18n: not words
                    " WHERE counter_id = c.id ORDER BY position))")
    row = execute(
        f"SELECT c.id, c.code, c.name, c.state, c.staff_id, c.state_since, {services},"  # i18n: not words
        " s.id, s.login, s.name, s.role, s.branch_id,"
        " (SELECT number FROM ticket WHERE counter_id = c.id AND status IN ('called', 'serving') LIMIT 1)"
        " FROM counter c LEFT JOIN staff s ON s.login = ? AND s.active"
        " WHERE c.branch_id = ? AND c.code = ? AND c.active",
        (login or "", branch_id, counter_code),
    ).fetchone()
    if row is None:
        return None
    return (*row[:5], _as_datetime(row[5]), *row[6:])


SYNC_LOCK_KEY = 0x73796E63  # "sync"; deskapp.db.migrate uses "desk", the audit chain "audt"


def lock_config_sync() -> None:
    """Desks starting at once sync the configuration one after another (PostgreSQL: a lock held to the
    end of the transaction; SQLite's write transactions already run one at a time): two desks of a new
    network never both create its branches."""
    if is_postgres():
        execute("SELECT pg_advisory_xact_lock(?)", (SYNC_LOCK_KEY,))


def lock_counter(counter_id: int) -> tuple[str, int | None]:
    """(state, staff_id) of the counter as it is now; on PostgreSQL the row stays locked until the
    transaction ends (SQLite's BEGIN IMMEDIATE already holds the write lock)."""
    lock = " FOR UPDATE" if is_postgres() else ""  # i18n: not words
    state, staff_id = execute(f"SELECT state, staff_id FROM counter WHERE id = ?{lock}", (counter_id,)).fetchone()
    return state, staff_id


def _recent_calls_sql(services: int) -> str:
    """The latest calls of each of `services` services between two times, at most a number each (its
    parameters: the service ids, the day's start and end, the number): one definition for call-next's
    statement and recent_classes (the forecast's and the estimates' read of the same)."""
    marks = ", ".join("?" for _ in range(services))
    return ("(SELECT id, service_id, priority, called_at, front,"  # i18n: not words
            "  ROW_NUMBER() OVER (PARTITION BY service_id ORDER BY called_at DESC, id DESC) AS place"
            f" FROM ticket WHERE service_id IN ({marks}) AND called_at >= ? AND called_at < ?"
            ") AS recent WHERE place <= ?")


def recent_classes(service_ids: list[int], recent: int, day_start: dt.datetime,
                   day_end: dt.datetime) -> dict[int, list[str]]:
    """Per service, the priority classes of its latest `recent` calls between `day_start` and `day_end`,
    newest first (a service without calls: an empty list), in one statement; as candidates_and_recent reads them."""
    classes: dict[int, list[str]] = {s: [] for s in service_ids}
    if not service_ids:
        return classes
    rows = execute("SELECT called_at, id, service_id, priority FROM " + _recent_calls_sql(len(service_ids)),  # i18n: not words
                   (*service_ids, day_start, day_end, recent)).fetchall()
    for _at, _id, service, priority in sorted(((_as_datetime(r[0]), r[1], r[2], r[3]) for r in rows), reverse=True):
        classes[service].append(priority)
    return classes


def candidates_and_recent(branch_id: int, service_ids: list[int], per_line: int, overdue_before: dt.datetime,
                          recent: int, day_start: dt.datetime, day_end: dt.datetime,
                          counter_id: int | None = None, staff_id: int | None = None, contacts: bool = False,
                          ) -> tuple[list[tuple], dict[int, list[str]], bool]:
    """waiting_candidates and, per service, the priority classes of its latest `recent` calls between
    `day_start` and `day_end` (newest first), in one statement; with `contacts`, also whether any ticket
    waiting at the branch has a contact (ticket.has_contact, through the partial index of 0032: a call
    has someone to tell only then), else False. The candidates are
    (id, service, class, issued_at, queued_at, front, directed): the walk-in lines leave out every
    ticket transferred to a named counter or colleague; those transferred to `counter_id` or to
    `staff_id`, of any service, come with directed True."""
    walk_in = " AND for_counter_id IS NULL AND for_staff_id IS NULL"  # i18n: not words
    # The branch as an expression no index matches, checked on the rows the (status, service) index
    # finds: the services are the branch's own, but PostgreSQL's planner takes branch and service for
    # independent and, with a year of history (60,000 tickets a service), chose the (branch, service,
    # day, seq) index and read every ticket the service ever had: 15-40 ms a call-next (#15).
    branch = "branch_id + 0 = ?"  # i18n: not words
    parts, params = [], []
    if service_ids:
        marks = ", ".join("?" for _ in service_ids)
        parts += [
            "SELECT 0, id, service_id, priority, issued_at, queued_at, front FROM ("  # i18n: not words
            " SELECT id, service_id, priority, issued_at, queued_at, front,"
            "  ROW_NUMBER() OVER (PARTITION BY service_id, priority, front ORDER BY queued_at, id) AS place"
            f" FROM ticket WHERE {branch} AND status = 'waiting' AND service_id IN ({marks}){walk_in}"
            ") AS line WHERE place <= ?",
            "SELECT 1, id, service_id, priority, issued_at, queued_at, front FROM ("  # i18n: not words
            " SELECT id, service_id, priority, issued_at, queued_at, front FROM ticket"
            f" WHERE {branch} AND status = 'waiting' AND service_id IN ({marks}) AND issued_at <= ?{walk_in}"
            " ORDER BY issued_at, id LIMIT ?) AS overdue",
            "SELECT 2, id, service_id, priority, called_at, called_at, front FROM " + _recent_calls_sql(len(service_ids)),
        ]
        params += [branch_id, *service_ids, per_line, branch_id, *service_ids, overdue_before, per_line,
                   *service_ids, day_start, day_end, recent]
    if counter_id is not None or staff_id is not None:
        # By the (for_counter_id, status) and (for_staff_id, status) indexes: the few tickets handed here.
        parts.append("SELECT 3, id, service_id, priority, issued_at, queued_at, front FROM ticket"
                     " WHERE status = 'waiting' AND branch_id = ? AND (for_counter_id = ? OR for_staff_id = ?)")
        params += [branch_id, -1 if counter_id is None else counter_id, -1 if staff_id is None else staff_id]
    if not parts:
        return [], {}, False
    if contacts:
        parts.append("SELECT 4, id, service_id, priority, issued_at, queued_at, front FROM ("
                     " SELECT id, service_id, priority, issued_at, queued_at, front FROM ticket"
                     " WHERE branch_id = ? AND status = 'waiting' AND has_contact LIMIT 1) AS told")
        params.append(branch_id)
    rows = execute(" UNION ALL ".join(parts), tuple(params)).fetchall()
    waiting: dict[int, tuple] = {}
    calls: list[tuple] = []
    told = False
    for kind, *row in rows:
        if kind == 4:
            told = True
        elif kind == 2:
            calls.append((_as_datetime(row[3]), row[0], row[1], row[2]))
        else:
            waiting[row[0]] = (row[0], row[1], row[2], _as_datetime(row[3]), _as_datetime(row[4]), bool(row[5]),
                               kind == 3)
    classes: dict[int, list[str]] = {}
    for _at, _id, service, priority in sorted(calls, reverse=True):
        classes.setdefault(service, []).append(priority)
    return [waiting[i] for i in sorted(waiting)], classes, told


# PostgreSQL: the claim in one statement. The counter was locked by the statement before (so a second
# desk of the same counter waits, then sees what the first one claimed: `held` reads after the lock).
# The first candidate, in calling order, that is still waiting and not being taken by another desk
# right now (SKIP LOCKED) becomes called; its event and the branch's change marker are written with
# it; the row comes back as ticket_info's columns (the counter's code is the caller's to fill in).
_CLAIM_PG = """
WITH  -- the ticket this counter already holds, if any
held AS (
  SELECT number FROM ticket WHERE counter_id = %(counter)s AND status IN ('called', 'serving') LIMIT 1
), pick AS (
  SELECT id FROM ticket
  WHERE id = ANY(%(ids)s::bigint[]) AND status = 'waiting' AND NOT EXISTS (SELECT 1 FROM held)
  ORDER BY array_position(%(ids)s::bigint[], id::bigint) LIMIT 1
  FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE ticket AS t SET status = 'called', counter_id = %(counter)s, staff_id = %(staff)s, called_at = %(now)s,
    front = false
  FROM pick WHERE t.id = pick.id AND t.status = 'waiting'
  RETURNING t.id, t.number, t.service_id, t.priority, t.status, t.customer_id, t.issued_at, t.called_at,
    t.started_at, t.ended_at, t.recall_count, t.parent_id, t.former_number
), event AS (
  INSERT INTO ticket_event (ticket_id, kind, at, staff_id, counter_id, detail)
  SELECT id, 'called', %(now)s, %(staff)s, %(counter)s, '' FROM claimed
), marker AS (
  UPDATE change_marker SET seq = seq + 1 WHERE branch_id = %(branch)s AND EXISTS (SELECT 1 FROM claimed)
){also}
SELECT (SELECT number FROM held), c.id, c.number, sv.code, sv.name, c.priority, c.status, NULL, c.customer_id,
  cu.name, c.issued_at, c.called_at, c.started_at, c.ended_at, c.recall_count, parent.number, c.former_number
FROM (SELECT 1) AS one
LEFT JOIN claimed AS c ON true
LEFT JOIN service AS sv ON sv.id = c.service_id
LEFT JOIN customer AS cu ON cu.id = c.customer_id
LEFT JOIN ticket AS parent ON parent.id = c.parent_id
"""


def claim_first(branch_id: int, counter_id: int, staff_id: int, now: dt.datetime, candidate_ids: list[int],
                also: tuple[str, dict] | None = None) -> tuple[str | None, tuple | None]:
    """PostgreSQL: (the number the counter already holds, None) or (None, the claimed ticket's
    ticket_info columns, or None when every candidate was taken meanwhile).

    `also`: more CTEs (and their named parameters) to run in the same statement, after the claim;
    they may read `claimed` (the claimed ticket's row, none when nothing was claimed), as the
    outbox's messages of the call do (deskapp.core.notify.outbox.on_call_in_claim)."""
    params = {"counter": counter_id, "staff": staff_id, "now": now, "branch": branch_id, "ids": candidate_ids}
    ctes = ""
    if also is not None:
        ctes = ", " + also[0]
        params = {**also[1], **params}
    row = db.execute_sql(_CLAIM_PG.format(also=ctes), params).fetchone()
    if row[0] is not None:
        return row[0], None
    return None, (tuple(row[1:]) if row[1] is not None else None)


def held_row(counter_id: int, columns: tuple[str, ...], *, lock: bool = False) -> dict | None:
    """The ticket a counter holds (called or serving) as {column: raw value}; on PostgreSQL locked."""
    lock_sql = " FOR UPDATE" if lock and is_postgres() else ""  # i18n: not words
    row = execute(f"SELECT {', '.join(columns)} FROM ticket WHERE counter_id = ? AND status IN ('called', 'serving')"  # i18n: not words
                  f" LIMIT 1{lock_sql}", (counter_id,)).fetchone()
    return dict(zip(columns, row)) if row is not None else None


def change_ticket(branch_id: int, ticket_id: int, values: dict, event: tuple) -> None:
    """Set `values` on the ticket, append its event (kind, at, staff_id, counter_id, detail) and bump the
    branch's change marker: one statement on PostgreSQL, three on SQLite."""
    assignments = ", ".join(f"{column} = ?" for column in values)
    if is_postgres():
        execute(f"WITH changed AS (UPDATE ticket SET {assignments} WHERE id = ? RETURNING id),"  # i18n: not words
                " event AS (INSERT INTO ticket_event (ticket_id, kind, at, staff_id, counter_id, detail)"
                " SELECT id, ?, ?, ?, ?, ? FROM changed)"
                " UPDATE change_marker SET seq = seq + 1 WHERE branch_id = ?",
                (*values.values(), ticket_id, *event, branch_id))
        return
    execute(f"UPDATE ticket SET {assignments} WHERE id = ?", (*values.values(), ticket_id))  # i18n: not words
    insert_event(ticket_id, *event)
    bump_marker(branch_id)
