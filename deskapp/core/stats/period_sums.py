"""The figures of deskapp.core.stats for long periods, summed by the database (reports over a year).

stats.py builds every figure from one Python object per ticket: right for a day, far too slow for
a year of a busy branch. Here the database adds up the same counts and sums per (day, service,
counter, staff) and per UTC quarter hour, and Python only combines those groups; the 90th
percentile, which does not add up, comes from one narrow read of the waits. Closed days (before the
branch's today) are read from their day summaries instead (deskapp.core.day_summaries: the same
groups and waits, kept per day), today from its tickets. The definitions are stats.py's (its module
doc), and tests check that both give the same figures. One difference in precision: waits are
compared with the target to within half a millisecond (SQLite computes them from julian days).
"""
from __future__ import annotations

import datetime as dt
from array import array
from collections import defaultdict

from deskapp.core import metrics
from deskapp.core.context import Context
from deskapp.core.stats import day_summaries
from deskapp.core.stats.figures import (
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
from deskapp.core.stats.live_sums import (
    CALLED,
    DONE,
    H_ARRIVALS,
    H_CALLED,
    H_COMPLETED,
    H_ON_TIME,
    H_WAIT_SUM,
    H_WAITS,
    NO_SHOW,
    ON_TIME,
    REACHED,
    REACHED_DONE,
    SERVICE_SUM,
    SERVICES,
    WAIT_SUM,
    WAITS,
    WALK,
    N,
    hour_sums,
    sums_rows,
    wait_rows,
)
from deskapp.db.models import Counter, Staff


def _add(into: dict, key, values) -> None:
    found = into.get(key)
    if found is None:
        into[key] = [float(v or 0) for v in values]
    else:
        for i, v in enumerate(values):
            found[i] += float(v or 0)


def _p90_minutes(seconds) -> float | None:
    found = p90(seconds)
    return None if found is None else found / 60


def _figures(v: list[float] | None, waits, hours: float | None = None) -> Figures:
    """The figures from a sums vector and the waits (seconds) of the tickets that reached service."""
    v = v or [0.0] * 12
    count = lambda i: int(round(v[i]))
    completed = count(DONE)
    return Figures(
        arrivals=count(N), completed=completed, called=count(CALLED), no_shows=count(NO_SHOW),
        walk_aways=count(WALK),
        mean_wait_minutes=v[WAIT_SUM] / v[WAITS] / 60 if v[WAITS] else None,
        p90_wait_minutes=_p90_minutes(waits),
        service_level=metrics.service_level(count(ON_TIME), count(CALLED)),
        no_show_rate=metrics.no_show_rate(count(NO_SHOW), count(CALLED)),
        walk_away_rate=metrics.walk_away_rate(count(WALK), count(N)),
        mean_service_minutes=v[SERVICE_SUM] / v[SERVICES] / 60 if v[SERVICES] else None,
        open_counter_hours=hours, throughput=None if hours is None else metrics.throughput(completed, hours),
    )


def _ranges_or_live(ctx: Context, since: dt.date, until: dt.date, summaries: bool):
    """The summarised ranges and the ranges read live (deskapp.core.day_summaries)."""
    if not summaries:
        return [], [(since, until)]
    return day_summaries.split(ctx, since, until)


def period_tables(ctx: Context, since: dt.date, until: dt.date, *,
                  summaries: bool = True) -> tuple[PeriodStats, list[DayFigures]]:
    """stats.period_stats and stats.daily over the same days, from sums: those of closed days from
    their day summaries (filled first where missing), the others from the tickets."""
    _check_period(since, until)
    summarised, live = _ranges_or_live(ctx, since, until, summaries)
    rows = day_summaries.sums(ctx, summarised)
    day_waits = day_summaries.waits(ctx, summarised)  # (day, service, sorted seconds) per summarised day
    waits: list = []
    for a, b in live:
        rows += sums_rows(ctx.branch_id, a, b)
        waits += wait_rows(ctx, a, b)
    by_day: dict = {}
    by_service: dict = {}
    by_counter: dict = {}
    by_staff: dict = {}
    total: dict = {}
    for row in rows:
        day, service, counter, staff, values = _as_date(row[0]), row[1], row[2], row[3], row[4:]
        _add(by_day, day, values)
        _add(by_service, service, values)
        _add(total, None, values)
        if counter is not None:
            _add(by_counter, counter, values)
        if staff is not None:
            _add(by_staff, staff, values)
    # Waits in seconds, as arrays of 8-byte floats per day and per service (a year is a million):
    # the 90th percentile is taken in seconds and then divided, which picks the same wait.
    waits_by_day: dict = defaultdict(lambda: array("d"))
    waits_by_service: dict = defaultdict(lambda: array("d"))
    every = array("d")
    for day, service, seconds in day_waits:
        waits_by_day[_as_date(day)].extend(seconds)
        waits_by_service[service].extend(seconds)
        every.extend(seconds)
    for day, service, seconds in waits:
        waits_by_day[_as_date(day)].append(float(seconds))
        waits_by_service[service].append(float(seconds))
        every.append(float(seconds))

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
    minutes_by_day: dict = defaultdict(list)
    for (_, d), m in spans.items():
        minutes_by_day[d].append(m)
    days = []
    day = since
    while day <= until:
        hours = _hours(minutes_by_day.get(day, []))
        days.append(DayFigures(day, _figures(by_day.get(day), waits_by_day.get(day, ()), hours)))
        day += dt.timedelta(days=1)
    stats = PeriodStats(since, until, overall, service_rows, tuple(counter_rows), tuple(staff_rows))
    return stats, days


# Positions in an hour's sums vector.


def hourly(ctx: Context, since: dt.date, until: dt.date, *, summaries: bool = True) -> list[HourFigures]:
    """stats.hourly: closed days from their day summaries (filled first where missing), the others
    from the tickets."""
    _check_period(since, until)
    summarised, live = _ranges_or_live(ctx, since, until, summaries)
    sums = day_summaries.hours(ctx, summarised)
    for a, b in live:
        for k, values in hour_sums(ctx, a, b).items():
            _add(sums, k, values)
    result = []
    for (d, h) in sorted(sums):
        v = sums[(d, h)]
        arrivals, completed, called = (int(round(v[i])) for i in (H_ARRIVALS, H_COMPLETED, H_CALLED))
        if not (arrivals or completed or called):
            continue
        waits = int(round(v[H_WAITS]))
        result.append(HourFigures(d, h, arrivals, completed, v[H_WAIT_SUM] / waits / 60 if waits else None, called,
                                  metrics.service_level(int(round(v[H_ON_TIME])), called)))
    return result
