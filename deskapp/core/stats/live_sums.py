"""Period sums read live from the tickets: one SQL pass per period, the counts and sums every figure is
made from (the definitions in deskapp.core.metrics). day_summaries stores these per closed day;
period_sums combines stored days with live ones."""
from __future__ import annotations

import datetime as dt

from deskapp.core.clock import to_local
from deskapp.core.context import Context
from deskapp.db.database import db, is_postgres

_REACHED = "t.started_at IS NOT NULL AND t.status IN ('serving', 'done', 'transferred')"


_EPOCH = dt.datetime(1970, 1, 1)


def _seconds(later: str, earlier: str) -> str:
    if is_postgres():
        return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def _quarter(column: str) -> str:
    if is_postgres():
        return f"FLOOR(EXTRACT(EPOCH FROM {column}) / 900)"
    return f"(CAST(strftime('%s', {column}) AS INTEGER) / 900)"


def _sums_sql() -> str:
    wait, service = _seconds("t.called_at", "t.issued_at"), _seconds("t.ended_at", "t.started_at")
    p = db.param
    return f"""
        SELECT t.day, t.service_id, t.counter_id, t.staff_id, COUNT(*),
          SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END),
          SUM(CASE WHEN t.called_at IS NOT NULL THEN 1 ELSE 0 END),
          SUM(CASE WHEN t.called_at IS NOT NULL AND t.status = 'no_show' THEN 1 ELSE 0 END),
          SUM(CASE WHEN t.status = 'cancelled' AND t.counter_id IS NULL THEN 1 ELSE 0 END),
          SUM(CASE WHEN t.called_at IS NOT NULL AND {wait} <= s.target_wait_minutes * 60 + 0.0005 THEN 1 ELSE 0 END),
          SUM(CASE WHEN {_REACHED} AND t.called_at IS NOT NULL THEN {wait} ELSE 0 END),
          SUM(CASE WHEN {_REACHED} AND t.called_at IS NOT NULL THEN 1 ELSE 0 END),
          SUM(CASE WHEN {_REACHED} AND t.ended_at IS NOT NULL THEN {service} ELSE 0 END),
          SUM(CASE WHEN {_REACHED} AND t.ended_at IS NOT NULL THEN 1 ELSE 0 END),
          SUM(CASE WHEN {_REACHED} THEN 1 ELSE 0 END),
          SUM(CASE WHEN {_REACHED} AND t.status = 'done' THEN 1 ELSE 0 END)
        FROM ticket t JOIN service s ON s.id = t.service_id
        WHERE t.branch_id = {p} AND t.day >= {p} AND t.day <= {p}
        GROUP BY t.day, t.service_id, t.counter_id, t.staff_id"""


# Positions in a sums vector (the columns after the four keys).
N, DONE, CALLED, NO_SHOW, WALK, ON_TIME, WAIT_SUM, WAITS, SERVICE_SUM, SERVICES, REACHED, REACHED_DONE = range(12)
H_ARRIVALS, H_COMPLETED, H_CALLED, H_ON_TIME, H_WAIT_SUM, H_WAITS = range(6)


def sums_rows(branch_id: int, since: dt.date, until: dt.date) -> list[tuple]:
    """(day, service, counter, staff, *sums) per group of the branch's tickets of the days."""
    return db.execute_sql(_sums_sql(), (branch_id, since, until)).fetchall()


def wait_rows(ctx: Context, since: dt.date, until: dt.date) -> list[tuple]:
    """(day, service, wait in seconds) of every ticket of the days that reached service."""
    wait = _seconds("t.called_at", "t.issued_at")
    p = db.param
    return db.execute_sql(
        f"SELECT t.day, t.service_id, {wait} FROM ticket t WHERE t.branch_id = {p} AND t.day >= {p} "
        f"AND t.day <= {p} AND t.called_at IS NOT NULL AND {_REACHED}", (ctx.branch_id, since, until),
    ).fetchall()


def hour_sums(ctx: Context, since: dt.date, until: dt.date) -> dict[tuple[dt.date, int], list]:
    """(local date, hour) -> [arrivals, completed, called, on time, wait sum (s), waits] of the
    days' tickets, from sums per UTC quarter hour (a quarter lies within one local hour)."""
    wait = _seconds("t.called_at", "t.issued_at")
    p = db.param
    sql = f"""
        SELECT {_quarter('t.issued_at')}, {_quarter('t.called_at')}, {_quarter('t.ended_at')}, COUNT(*),
          SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END),
          SUM(CASE WHEN t.called_at IS NOT NULL THEN 1 ELSE 0 END),
          SUM(CASE WHEN t.called_at IS NOT NULL AND {wait} <= s.target_wait_minutes * 60 + 0.0005 THEN 1 ELSE 0 END),
          SUM(CASE WHEN {_REACHED} AND t.called_at IS NOT NULL THEN {wait} ELSE 0 END),
          SUM(CASE WHEN {_REACHED} AND t.called_at IS NOT NULL THEN 1 ELSE 0 END)
        FROM ticket t JOIN service s ON s.id = t.service_id
        WHERE t.branch_id = {p} AND t.day >= {p} AND t.day <= {p}
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
