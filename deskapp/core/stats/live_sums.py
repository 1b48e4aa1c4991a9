"""The queue's counts, defined once, in SQL: every figure of the dashboard, the reports and the day
summaries is made from the sums and waits read here (divided as deskapp.core.metrics defines).

A ticket belongs to a period by its `day` (the branch-local day its number belongs to), read through
the (branch, day) index: the cost follows the period's volume, not the history's. Each definition
below is one condition on a ticket row `t` (joined to its service `s`), used by the period sums, the
per-hour sums and the per-ticket read of the waits alike. Where the data model leaves a choice
(beyond DESIGN.md's table):

- wait: issued_at to called_at. `called_at` is rewritten by every claim (call next), so after a
  requeue it is the last call; a recall repeats that call and does not move it. Mean, 90th
  percentile and distribution are over tickets that reached service (HAS_WAIT).
- reached service (REACHED): started, and serving, done or transferred. A transferred ticket is not
  completed, but it reached service, so its wait and its service time (start to the transfer)
  count; the new linked ticket is an arrival of the target service with its own wait.
- called (CALLED): called_at set, whatever came after (served, no-show, walked away when called,
  transferred, or requeued and still waiting). Service level and no-show rate are over these, each
  against its own service's target (ON_TIME: to within half a millisecond, as SQLite computes the
  wait from julian days).
- walk-away (WALKED_AWAY): cancelled with no counter holding it, i.e. while waiting (a cancel at the
  counter keeps the counter; a requeue clears it first).
- completed (DONE): status done.
"""
from __future__ import annotations

import datetime as dt

from deskapp.core.clock import to_local
from deskapp.core.context import Context
from deskapp.db.database import db, is_postgres

DONE = "t.status = 'done'"  # i18n: not words
CALLED = "t.called_at IS NOT NULL"  # i18n: not words
NO_SHOW = f"{CALLED} AND t.status = 'no_show'"  # i18n: not words
WALKED_AWAY = "t.status = 'cancelled' AND t.counter_id IS NULL"  # i18n: not words
REACHED = "t.started_at IS NOT NULL AND t.status IN ('serving', 'done', 'transferred')"  # i18n: not words
HAS_WAIT = f"{REACHED} AND {CALLED}"  # its wait counts in the mean, the 90th percentile, the distribution  # i18n: not words
HAS_SERVICE = f"{REACHED} AND t.ended_at IS NOT NULL"  # its service time counts  # i18n: not words
REACHED_DONE = f"{REACHED} AND {DONE}"  # i18n: not words
TOLERANCE_SECONDS = 0.0005  # a wait within this of the target is on time (julian-day arithmetic)

_EPOCH = dt.datetime(1970, 1, 1)


def _seconds(later: str, earlier: str) -> str:
    if is_postgres():
        return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"  # i18n: not words
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"  # i18n: not words


def wait_seconds() -> str:
    """A ticket's wait in seconds: issue to the (last) call."""
    return _seconds("t.called_at", "t.issued_at")


def service_seconds() -> str:
    """A ticket's service time in seconds: start of service to its end."""
    return _seconds("t.ended_at", "t.started_at")


def on_time() -> str:
    """Called, and the wait within its service's target."""
    return f"{CALLED} AND {wait_seconds()} <= s.target_wait_minutes * 60 + {TOLERANCE_SECONDS}"  # i18n: not words


def _count(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"  # i18n: not words


def _total(value: str, condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN {value} ELSE 0 END)"  # i18n: not words


def _quarter(column: str) -> str:
    if is_postgres():
        return f"FLOOR(EXTRACT(EPOCH FROM {column}) / 900)"  # i18n: not words
    return f"(CAST(strftime('%s', {column}) AS INTEGER) / 900)"  # i18n: not words


_DAYS = "t.branch_id = {p} AND t.day >= {p} AND t.day <= {p}"  # i18n: not words

# Positions in a sums vector (the columns after the four keys); day summaries store them in this order.
(S_N, S_DONE, S_CALLED, S_NO_SHOW, S_WALKED_AWAY, S_ON_TIME, S_WAIT_SUM, S_WAITS, S_SERVICE_SUM, S_SERVICES, S_REACHED,
 S_REACHED_DONE) = range(12)
H_ARRIVALS, H_COMPLETED, H_CALLED, H_ON_TIME, H_WAIT_SUM, H_WAITS = range(6)


def _sums_columns() -> str:
    """The sums vector's columns (S_N ... S_REACHED_DONE) over the tickets `t` of a group."""
    return f"""COUNT(*), {_count(DONE)}, {_count(CALLED)},  -- # i18n: not words
          {_count(NO_SHOW)}, {_count(WALKED_AWAY)}, {_count(on_time())},
          {_total(wait_seconds(), HAS_WAIT)}, {_count(HAS_WAIT)},
          {_total(service_seconds(), HAS_SERVICE)}, {_count(HAS_SERVICE)},
          {_count(REACHED)}, {_count(REACHED_DONE)}"""


def _sums_sql() -> str:
    return f"""  -- # i18n: not words
        SELECT t.day, t.service_id, t.counter_id, t.staff_id, {_sums_columns()}
        FROM ticket t JOIN service s ON s.id = t.service_id
        WHERE {_DAYS.format(p=db.param)}
        GROUP BY t.day, t.service_id, t.counter_id, t.staff_id"""


def branch_service_sums(branch_ids: list[int], days: list[dt.date], since: dt.datetime) -> list[tuple]:
    """(branch, day, service, *sums, waiting, oldest waiting's issue, issued since `since`) per branch, day
    and service of the tickets of those branches and days, in one query through the (branch, day) index (the
    network view reads every branch's today at once; the caller keeps each branch's own day, which differs
    across timezones). SQLite is told the index: without planner statistics it picks (branch, service, day,
    seq) for the grouping, whose only usable column is the branch, and reads the branches' whole history."""
    if not branch_ids or not days:
        return []
    p = db.param
    indexed = "" if is_postgres() else " INDEXED BY ticket_branch_id_day"  # i18n: not words
    waiting = _count("t.status = 'waiting'")  # i18n: not words
    issued_since = _count(f"t.issued_at >= {p}")  # i18n: not words
    sql = f"""  -- # i18n: not words
        SELECT t.branch_id, t.day, t.service_id, {_sums_columns()}, {waiting},
          MIN(CASE WHEN t.status = 'waiting' THEN t.issued_at END), {issued_since}
        FROM ticket t{indexed} JOIN service s ON s.id = t.service_id
        WHERE t.branch_id IN ({", ".join([p] * len(branch_ids))}) AND t.day IN ({", ".join([p] * len(days))})
        GROUP BY t.branch_id, t.day, t.service_id"""
    return db.execute_sql(sql, (since, *branch_ids, *days)).fetchall()


def sums_rows(branch_id: int, since: dt.date, until: dt.date) -> list[tuple]:
    """(day, service, counter, staff, *sums) per group of the branch's tickets of the days."""
    return db.execute_sql(_sums_sql(), (branch_id, since, until)).fetchall()


def wait_rows(ctx: Context, since: dt.date, until: dt.date) -> list[tuple]:
    """(day, service, wait in seconds) of every ticket of the days whose wait counts (HAS_WAIT)."""
    return db.execute_sql(
        f"SELECT t.day, t.service_id, {wait_seconds()} FROM ticket t WHERE {_DAYS.format(p=db.param)} AND {HAS_WAIT}",  # i18n: not words
        (ctx.branch_id, since, until),
    ).fetchall()


def hour_sums(ctx: Context, since: dt.date, until: dt.date) -> dict[tuple[dt.date, int], list]:
    """(local date, hour) -> [arrivals, completed, called, on time, wait sum (s), waits] of the
    days' tickets: arrivals by the hour of issue, completions by the hour of the end, the rest by the
    hour of the (last) call. From sums per UTC quarter hour (every real UTC offset is a multiple of 15
    minutes, so a quarter lies within one local hour)."""
    sql = f"""  -- # i18n: not words
        SELECT {_quarter('t.issued_at')}, {_quarter('t.called_at')}, {_quarter('t.ended_at')}, COUNT(*),
          {_count(DONE)}, {_count(CALLED)}, {_count(on_time())}, {_total(wait_seconds(), HAS_WAIT)}, {_count(HAS_WAIT)}
        FROM ticket t JOIN service s ON s.id = t.service_id
        WHERE {_DAYS.format(p=db.param)}
        GROUP BY 1, 2, 3"""
    local: dict = {}

    def key(quarter) -> tuple[dt.date, int]:
        found = local.get(quarter)
        if found is None:
            at = to_local(_EPOCH + dt.timedelta(seconds=int(quarter) * 900), ctx.timezone)
            found = local[quarter] = (at.date(), at.hour)
        return found

    sums: dict = {}

    def at(quarter) -> list:
        k = key(quarter)
        found = sums.get(k)
        if found is None:
            found = sums[k] = [0, 0, 0, 0, 0.0, 0]
        return found

    for issued, call, ended, n, done, was_called, in_time, w_sum, w_n in db.execute_sql(
            sql, (ctx.branch_id, since, until)).fetchall():
        at(issued)[H_ARRIVALS] += int(n)
        if ended is not None and done:
            at(ended)[H_COMPLETED] += int(done)
        if call is not None and was_called:
            v = at(call)
            v[H_CALLED] += int(was_called)
            v[H_ON_TIME] += int(in_time)
            if w_n:
                v[H_WAIT_SUM] += float(w_sum)
                v[H_WAITS] += int(w_n)
    return sums


def as_date(value) -> dt.date:
    """A day column as read straight from the cursor (text on SQLite)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
