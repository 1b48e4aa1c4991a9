"""Any period's figures, summed by the database: the dashboard's today (a period of one live day) and
a year's report are read by the same code, through the one definition of each count
(deskapp.core.stats.live_sums).

The database adds up the counts and sums per (day, service, counter, staff) and per UTC quarter
hour, and Python only combines those groups; the 90th percentile and the wait distribution, which
do not add up, come from one narrow read of the waits. Closed days (before the branch's today) are
read from their day summaries instead (deskapp.core.stats.day_summaries: the same groups and waits,
kept per day), today from its tickets; tests check that both give the same figures.
"""
from __future__ import annotations

import datetime as dt
from array import array
from collections import defaultdict
from collections.abc import Iterable

from deskapp.core import metrics
from deskapp.core.context import Context
from deskapp.core.queue import counter_events
from deskapp.core.stats import day_summaries
from deskapp.core.stats.figures import (
    CounterFigures,
    DayFigures,
    Figures,
    HourFigures,
    PeriodStats,
    ServiceFigures,
    StaffFigures,
    WaitBin,
    check_period,
    p90,
    wait_bins,
)
from deskapp.core.stats.live_sums import (
    H_ARRIVALS,
    H_CALLED,
    H_COMPLETED,
    H_ON_TIME,
    H_WAIT_SUM,
    H_WAITS,
    S_CALLED,
    S_DONE,
    S_N,
    S_NO_SHOW,
    S_ON_TIME,
    S_REACHED,
    S_REACHED_DONE,
    S_SERVICE_SUM,
    S_SERVICES,
    S_WAIT_SUM,
    S_WAITS,
    S_WALKED_AWAY,
    as_date,
    hour_sums,
    sums_rows,
    wait_rows,
)
from deskapp.db.models import Counter, Service, Staff


def _services(ctx: Context) -> list[Service]:
    return list(Service.select().where(Service.branch == ctx.branch_id).order_by(Service.id))


def counter_minutes(ctx: Context, since: dt.date, until: dt.date) -> dict[tuple[int, dt.date], float]:
    """(counter id, local day) -> minutes open, from counter events (deskapp.core.queue.counter_events)."""
    check_period(since, until)
    return counter_events.open_minutes(ctx.branch_id, ctx.timezone, since, until, ctx.now())


def _open_hours(minutes: Iterable[float]) -> float | None:
    """Open counter-hours; None when no counter was open at all (no data, not 0)."""
    minutes = list(minutes)
    return sum(minutes) / 60 if minutes else None


def _mean_minutes(total_seconds: float, count: float) -> float | None:
    return total_seconds / count / 60 if count else None


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
    completed, called, no_shows, walk_aways = count(S_DONE), count(S_CALLED), count(S_NO_SHOW), count(S_WALKED_AWAY)
    return Figures(
        arrivals=count(S_N), completed=completed, called=called, no_shows=no_shows, walk_aways=walk_aways,
        mean_wait_minutes=_mean_minutes(v[S_WAIT_SUM], v[S_WAITS]),
        p90_wait_minutes=_p90_minutes(waits),
        service_level=metrics.service_level(count(S_ON_TIME), called),
        no_show_rate=metrics.no_show_rate(no_shows, called),
        walk_away_rate=metrics.walk_away_rate(walk_aways, count(S_N)),
        mean_service_minutes=_mean_minutes(v[S_SERVICE_SUM], v[S_SERVICES]),
        open_counter_hours=hours, throughput=None if hours is None else metrics.throughput(completed, hours),
    )


def figures_of(sums: list[float] | None, waits=(), hours: float | None = None) -> Figures:
    """The figures of a sums vector (live_sums' S_* columns), the waits in seconds (for the 90th
    percentile) and the open counter-hours, by deskapp.core.metrics' definitions."""
    return _figures(sums, waits, hours)


def _ranges(ctx: Context, since: dt.date, until: dt.date, summaries: bool):
    """The summarised ranges and the ranges read live (deskapp.core.stats.day_summaries.split),
    from the branch's first recorded day on (day_summaries.clip: earlier days are skipped)."""
    start = day_summaries.clip(ctx, since, until)
    if start > until:
        return [], []
    if not summaries:
        return [], [(start, until)]
    return day_summaries.split(ctx, start, until)


def _waits(ctx: Context, summarised, live) -> list[tuple]:
    """(day, service, waits in seconds) of the tickets whose wait counts: per summarised day and
    service an array, per ticket read live one value."""
    waits = day_summaries.waits(ctx, summarised)
    for a, b in live:
        waits += [(day, service, (float(seconds),)) for day, service, seconds in wait_rows(ctx, a, b)]
    return waits


def period_tables(ctx: Context, since: dt.date, until: dt.date, *, summaries: bool = True,
                  services: Iterable[Service] | None = None,
                  counters: Iterable[Counter] = ()) -> tuple[PeriodStats, list[DayFigures]]:
    """The period's figures (overall, per service, per counter and per staff member) and one row per
    day, days without tickets included (counts 0, figures None). Closed days from their day summaries
    (filled first where missing; `summaries=False` reads every day from its tickets), the others
    from the tickets. `services`: every service of the branch (active or not, by id), and `counters`: some
    of its counters, when the caller has just read them (the supervisor's refresh: queue.floor.Catalogue);
    the counters of the period not among them are read here."""
    summarised, live = _ranges(ctx, since, until, summaries)
    rows = day_summaries.sums(ctx, summarised)
    for a, b in live:
        rows += sums_rows(ctx.branch_id, a, b)
    by_day: dict = {}
    by_service: dict = {}
    by_counter: dict = {}
    by_staff: dict = {}
    total: dict = {}
    for row in rows:
        day, service, counter, staff, values = as_date(row[0]), row[1], row[2], row[3], row[4:]
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
    for day, service, seconds in _waits(ctx, summarised, live):
        waits_by_day[as_date(day)].extend(seconds)
        waits_by_service[service].extend(seconds)
        every.extend(seconds)

    start = day_summaries.clip(ctx, since, until)  # no row for the days before the first recorded day
    spans = counter_minutes(ctx, start, until) if start <= until else {}
    overall = _figures(total.get(None), every, _open_hours(spans.values()))
    service_rows = tuple(
        ServiceFigures(s.code, s.name, s.target_wait_minutes, _figures(by_service.get(s.id), waits_by_service[s.id]))
        for s in (_services(ctx) if services is None else services) if s.active or s.id in by_service
    )
    counter_ids = {cid for cid, _ in spans} | set(by_counter)
    known = {c.id: c for c in counters if c.id in counter_ids}
    missing = sorted(counter_ids - set(known))
    if missing:
        known.update((c.id, c) for c in Counter.select().where(Counter.id.in_(missing)))
    counter_rows = []
    for c in (known[i] for i in sorted(known)):
        v = by_counter.get(c.id) or [0.0] * 12
        hours = _open_hours(m for (cid, _), m in spans.items() if cid == c.id)
        completed = int(round(v[S_DONE]))
        counter_rows.append(CounterFigures(
            c.code, c.name, completed, hours, None if hours is None else metrics.throughput(completed, hours),
            _mean_minutes(v[S_SERVICE_SUM], v[S_SERVICES])))
    staff_ids = [sid for sid, v in by_staff.items() if v[S_REACHED]]
    staff_rows = []
    for s in Staff.select().where(Staff.id.in_(staff_ids)).order_by(Staff.login) if staff_ids else []:
        v = by_staff[s.id]
        staff_rows.append(StaffFigures(s.login, s.name, int(round(v[S_REACHED_DONE])), int(round(v[S_REACHED])),
                                       _mean_minutes(v[S_SERVICE_SUM], v[S_SERVICES])))
    minutes_by_day: dict = defaultdict(list)
    for (_, d), m in spans.items():
        minutes_by_day[d].append(m)
    days = []
    for n in range(max(0, (until - start).days + 1)):
        day = start + dt.timedelta(days=n)
        hours = _open_hours(minutes_by_day.get(day, []))
        days.append(DayFigures(day, _figures(by_day.get(day), waits_by_day.get(day, ()), hours)))
    stats = PeriodStats(since, until, overall, service_rows, tuple(counter_rows), tuple(staff_rows),
                        tuple(total.get(None) or ()), every)
    return stats, days


def period_stats(ctx: Context, since: dt.date, until: dt.date, *, services: Iterable[Service] | None = None,
                 counters: Iterable[Counter] = ()) -> PeriodStats:
    """period_tables' figures of the whole period (`services` and `counters` as there). Its `waits` are the period's
    waits of wait_distribution: wait_bins(stats.waits) bins them without reading them again."""
    return period_tables(ctx, since, until, services=services, counters=counters)[0]


def daily(ctx: Context, since: dt.date, until: dt.date) -> list[DayFigures]:
    """period_tables' rows per day."""
    return period_tables(ctx, since, until)[1]


def hourly(ctx: Context, since: dt.date, until: dt.date, *, summaries: bool = True) -> list[HourFigures]:
    """Per branch-local hour with anything in it: arrivals by issue, completions by end, waits and
    service level by the hour of the (last) call. Closed days from their day summaries (filled first
    where missing), the others from the tickets."""
    summarised, live = _ranges(ctx, since, until, summaries)
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
        result.append(HourFigures(d, h, arrivals, completed, _mean_minutes(v[H_WAIT_SUM], v[H_WAITS]), called,
                                  metrics.service_level(int(round(v[H_ON_TIME])), called)))
    return result


def wait_distribution(ctx: Context, since: dt.date, until: dt.date, *, summaries: bool = True) -> list[WaitBin]:
    """How many waits of the period (those of the mean wait) fall in each bin of figures.WAIT_BOUNDS."""
    summarised, live = _ranges(ctx, since, until, summaries)
    return wait_bins(wait for _, _, seconds in _waits(ctx, summarised, live) for wait in seconds)
