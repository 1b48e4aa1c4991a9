"""The figures of deskapp.core.stats for long periods, summed by the database (reports over a year).

stats.py builds every figure from one Python object per ticket: right for a day, far too slow for
a year of a busy branch. Here the database adds up the same counts and sums per (day, service,
counter, staff) and per UTC quarter hour, and Python only combines those groups; the 90th
percentile, which does not add up, comes from one narrow read of the waits. The definitions are
stats.py's (its module doc), and tests check that both give the same figures. One difference in
precision: waits are compared with the target to within half a millisecond (SQLite computes them
from julian days).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from deskapp.core import metrics
from deskapp.core.clock import to_local
from deskapp.core.context import Context
from deskapp.core.stats import (
    CounterFigures,
    DayFigures,
    Figures,
    HourFigures,
    PeriodStats,
    ServiceFigures,
    StaffFigures,
    _as_date,
    _check_period,
    _hours,
    _services,
    counter_minutes,
    p90,
)
from deskapp.db.database import db, is_postgres
from deskapp.db.models import Counter, Staff

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


def _add(into: dict, key, values) -> None:
    found = into.get(key)
    if found is None:
        into[key] = [float(v or 0) for v in values]
    else:
        for i, v in enumerate(values):
            found[i] += float(v or 0)


def _figures(v: list[float] | None, waits: list[float], hours: float | None = None) -> Figures:
    v = v or [0.0] * 12
    count = lambda i: int(round(v[i]))  # noqa: E731
    completed = count(DONE)
    return Figures(
        arrivals=count(N), completed=completed, called=count(CALLED), no_shows=count(NO_SHOW),
        walk_aways=count(WALK),
        mean_wait_minutes=v[WAIT_SUM] / v[WAITS] / 60 if v[WAITS] else None,
        p90_wait_minutes=p90(waits),
        service_level=metrics.service_level(count(ON_TIME), count(CALLED)),
        no_show_rate=metrics.no_show_rate(count(NO_SHOW), count(CALLED)),
        walk_away_rate=metrics.walk_away_rate(count(WALK), count(N)),
        mean_service_minutes=v[SERVICE_SUM] / v[SERVICES] / 60 if v[SERVICES] else None,
        open_counter_hours=hours, throughput=None if hours is None else metrics.throughput(completed, hours),
    )


def period_tables(ctx: Context, since: dt.date, until: dt.date) -> tuple[PeriodStats, list[DayFigures]]:
    """stats.period_stats and stats.daily over the same days, from sums."""
    _check_period(since, until)
    params = (ctx.branch_id, since, until)
    by_day: dict = {}
    by_service: dict = {}
    by_counter: dict = {}
    by_staff: dict = {}
    total: dict = {}
    for row in db.execute_sql(_sums_sql(), params).fetchall():
        day, service, counter, staff, values = _as_date(row[0]), row[1], row[2], row[3], row[4:]
        _add(by_day, day, values)
        _add(by_service, service, values)
        _add(total, None, values)
        if counter is not None:
            _add(by_counter, counter, values)
        if staff is not None:
            _add(by_staff, staff, values)
    waits_by_day: dict = defaultdict(list)
    waits_by_service: dict = defaultdict(list)
    every: list[float] = []
    wait = _seconds("t.called_at", "t.issued_at")
    p = db.param
    for day, service, seconds in db.execute_sql(
        f"SELECT t.day, t.service_id, {wait} FROM ticket t WHERE t.branch_id = {p} AND t.day >= {p} "
        f"AND t.day <= {p} AND t.called_at IS NOT NULL AND {_REACHED}", params,
    ).fetchall():
        minutes = float(seconds) / 60
        waits_by_day[_as_date(day)].append(minutes)
        waits_by_service[service].append(minutes)
        every.append(minutes)

    spans = counter_minutes(ctx, since, until)
    services = _services(ctx)
    overall = _figures(total.get(None), every, _hours(spans.values()))
    service_rows = tuple(
        ServiceFigures(s.code, s.name, s.target_wait_minutes, _figures(by_service.get(s.id), waits_by_service[s.id]))
        for s in services if s.active or s.id in by_service
    )
    counter_ids = {cid for cid, _ in spans} | set(by_counter)
    counter_rows = []
    for c in Counter.select().where(Counter.id.in_(list(counter_ids))).order_by(Counter.id) if counter_ids else []:
        v = by_counter.get(c.id) or [0.0] * 12
        hours = _hours(m for (cid, _), m in spans.items() if cid == c.id)
        completed = int(round(v[DONE]))
        counter_rows.append(CounterFigures(
            c.code, c.name, completed, hours, None if hours is None else metrics.throughput(completed, hours),
            v[SERVICE_SUM] / v[SERVICES] / 60 if v[SERVICES] else None))
    staff_ids = [sid for sid, v in by_staff.items() if v[REACHED]]
    staff_rows = []
    for s in Staff.select().where(Staff.id.in_(staff_ids)).order_by(Staff.login) if staff_ids else []:
        v = by_staff[s.id]
        staff_rows.append(StaffFigures(s.login, s.name, int(round(v[REACHED_DONE])), int(round(v[REACHED])),
                                       v[SERVICE_SUM] / v[SERVICES] / 60 if v[SERVICES] else None))
    days = []
    day = since
    while day <= until:
        hours = _hours(m for (_, d), m in spans.items() if d == day)
        days.append(DayFigures(day, _figures(by_day.get(day), waits_by_day.get(day, []), hours)))
        day += dt.timedelta(days=1)
    stats = PeriodStats(since, until, overall, service_rows, tuple(counter_rows), tuple(staff_rows))
    return stats, days


def hourly(ctx: Context, since: dt.date, until: dt.date) -> list[HourFigures]:
    """stats.hourly, from sums per UTC quarter hour (a quarter lies within one local hour)."""
    _check_period(since, until)
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

    arrivals: dict = defaultdict(int)
    completed: dict = defaultdict(int)
    called: dict = defaultdict(int)
    on_time: dict = defaultdict(int)
    wait_sum: dict = defaultdict(float)
    waits: dict = defaultdict(int)
    for issued, call, ended, n, done, was_called, in_time, w_sum, w_n in db.execute_sql(
            sql, (ctx.branch_id, since, until)).fetchall():
        arrivals[key(issued)] += int(n)
        if ended is not None and done:
            completed[key(ended)] += int(done)
        if call is not None:
            called[key(call)] += int(was_called)
            on_time[key(call)] += int(in_time)
            if w_n:
                wait_sum[key(call)] += float(w_sum)
                waits[key(call)] += int(w_n)
    keys = sorted(set(arrivals) | set(completed) | set(called))
    return [HourFigures(d, h, arrivals.get((d, h), 0), completed.get((d, h), 0),
                        wait_sum[(d, h)] / waits[(d, h)] / 60 if waits.get((d, h)) else None,
                        called.get((d, h), 0), metrics.service_level(on_time.get((d, h), 0), called.get((d, h), 0)))
            for d, h in keys]
