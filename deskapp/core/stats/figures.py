"""The queue's figures over any period of branch-local days, exactly as DESIGN.md defines them.

A ticket belongs to the period by its `day` (the branch-local day its number belongs to), read
through the (branch, day) index: the cost follows the period's volume, not the history's.
Counts are plain integers (0 arrivals is a fact); every rate, mean or percentile with nothing to
divide by is None, which screens show as a dash (deskapp.tui.format).

Definitions, beyond DESIGN.md's table, where the data model leaves a choice:

- wait: issued_at to called_at. `called_at` is rewritten by every claim (call next), so after a
  requeue it is the last call; a recall repeats that call and does not move it. Mean and 90th
  percentile are over tickets that reached service (started: serving, done or transferred).
- service level and no-show rate: over called tickets (called_at set, whatever came after:
  served, no-show, walked away when called, transferred, or requeued and still waiting), each
  against its own service's target.
- walk-away: a ticket cancelled while waiting, i.e. cancelled with no counter holding it (a
  cancel at the counter keeps the counter; a requeue clears it first).
- completed: status done. A transferred ticket is not completed, but it reached service, so its
  wait and its service time (start to the transfer) count; the new linked ticket is an arrival of
  the target service with its own wait from the transfer.
- 90th percentile: nearest rank, the smallest wait that at least 90 % of waits do not exceed.
- open counter-hours: per counter and branch-local day, the time it was open, from its counter
  events (deskapp.core.counter_events: opened or resumed until paused or closed; pauses are not
  open; open now counts up to now). Throughput is completed tickets per open counter-hour; it is
  not defined per service (a counter serves several).
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from deskapp.core import metrics
from deskapp.core.clock import to_local
from deskapp.core.context import Context
from deskapp.core.queue import counter_events
from deskapp.db.database import db
from deskapp.db.models import Counter, Service, Staff, Ticket
from deskapp.errors import BadInput


class ReportError(BadInput):
    """A period or report that cannot be made as asked (its end before its start, an unknown format)."""

SERVED_STATES = ("serving", "done", "transferred")


@dataclass(frozen=True)
class TicketRow:
    """The columns of a ticket the figures need, nothing else."""

    id: int
    service_id: int
    status: str
    counter_id: int | None
    staff_id: int | None
    issued_at: dt.datetime
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    day: dt.date

    # Computed once per row (a report reads every row several times); cached_property writes to
    # the instance's __dict__, which a frozen dataclass allows.
    @cached_property
    def wait_minutes(self) -> float | None:
        return None if self.called_at is None else _minutes(self.called_at - self.issued_at)

    @cached_property
    def service_minutes(self) -> float | None:
        if self.started_at is None or self.ended_at is None or self.status not in SERVED_STATES:
            return None
        return _minutes(self.ended_at - self.started_at)

    @cached_property
    def reached_service(self) -> bool:
        return self.started_at is not None and self.status in SERVED_STATES

    @property
    def walked_away(self) -> bool:
        return self.status == "cancelled" and self.counter_id is None


@dataclass(frozen=True)
class Figures:
    arrivals: int
    completed: int
    called: int
    no_shows: int
    walk_aways: int
    mean_wait_minutes: float | None
    p90_wait_minutes: float | None
    service_level: float | None
    no_show_rate: float | None
    walk_away_rate: float | None
    mean_service_minutes: float | None
    open_counter_hours: float | None  # None per service (not defined) and when no counter was seen
    throughput: float | None


@dataclass(frozen=True)
class ServiceFigures:
    code: str
    name: str
    target_wait_minutes: int
    figures: Figures


@dataclass(frozen=True)
class CounterFigures:
    code: str
    name: str
    completed: int
    open_hours: float | None
    throughput: float | None
    mean_service_minutes: float | None


@dataclass(frozen=True)
class StaffFigures:
    login: str
    name: str
    completed: int
    served: int  # reached service (done or transferred)
    mean_service_minutes: float | None


@dataclass(frozen=True)
class DayFigures:
    day: dt.date
    figures: Figures


@dataclass(frozen=True)
class HourFigures:
    day: dt.date
    hour: int  # branch-local
    arrivals: int
    completed: int
    mean_wait_minutes: float | None  # of the tickets called in that hour that reached service
    called: int = 0  # tickets called in that hour (their last call)
    service_level: float | None = None  # of those called in that hour, each against its service's target


@dataclass(frozen=True)
class PeriodStats:
    since: dt.date
    until: dt.date
    total: Figures
    services: tuple[ServiceFigures, ...]
    counters: tuple[CounterFigures, ...]
    staff: tuple[StaffFigures, ...]


def _minutes(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 60


def p90(values: Iterable[float]) -> float | None:
    """Nearest-rank 90th percentile; None with no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def figures(rows: list[TicketRow], targets: dict[int, int], counter_hours: float | None = None) -> Figures:
    """Every figure over a set of tickets; `targets` is each service's target wait in minutes."""
    served_waits = [r.wait_minutes for r in rows if r.reached_service and r.wait_minutes is not None]
    called = [r for r in rows if r.called_at is not None]
    on_time = sum(1 for r in called if r.wait_minutes <= targets[r.service_id])
    no_shows = sum(1 for r in called if r.status == "no_show")
    walk_aways = sum(1 for r in rows if r.walked_away)
    completed = sum(1 for r in rows if r.status == "done")
    throughput = None if counter_hours is None else metrics.throughput(completed, counter_hours)
    return Figures(
        arrivals=len(rows), completed=completed, called=len(called), no_shows=no_shows, walk_aways=walk_aways,
        mean_wait_minutes=metrics.mean(served_waits), p90_wait_minutes=p90(served_waits),
        service_level=metrics.service_level(on_time, len(called)),
        no_show_rate=metrics.no_show_rate(no_shows, len(called)),
        walk_away_rate=metrics.walk_away_rate(walk_aways, len(rows)),
        mean_service_minutes=metrics.mean(r.service_minutes for r in rows),
        open_counter_hours=counter_hours, throughput=throughput,
    )


# -- reading ------------------------------------------------------------------------------------

def _check_period(since: dt.date, until: dt.date) -> None:
    if until < since:
        raise ReportError(f"The period ends ({until}) before it starts ({since}).")


def ticket_rows(ctx: Context, since: dt.date, until: dt.date) -> list[TicketRow]:
    """The period's tickets, through the (branch, day) index."""
    _check_period(since, until)
    query = (
        Ticket.select(Ticket.id, Ticket.service, Ticket.status, Ticket.counter, Ticket.staff, Ticket.issued_at,
                      Ticket.called_at, Ticket.started_at, Ticket.ended_at, Ticket.day)
        .where((Ticket.branch == ctx.branch_id) & (Ticket.day >= since) & (Ticket.day <= until))
        .order_by(Ticket.id)
    )
    # Straight from the cursor: Peewee's per-value conversion of text datetimes (SQLite) costs
    # more than everything else a year's report does; fromisoformat reads them far faster.
    rows = db.execute_sql(*query.sql()).fetchall()
    if rows and isinstance(rows[0][5], str):
        return [_row_from_text(r) for r in rows]
    return [TicketRow(*r[:9], day=r[9]) for r in rows]


def _dt(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def _row_from_text(r: tuple) -> TicketRow:
    return TicketRow(r[0], r[1], r[2], r[3], r[4], _dt(r[5]), _dt(r[6]), _dt(r[7]), _dt(r[8]), _as_date(r[9]))


def _services(ctx: Context) -> list[Service]:
    return list(Service.select().where(Service.branch == ctx.branch_id).order_by(Service.id))


def counter_minutes(ctx: Context, since: dt.date, until: dt.date) -> dict[tuple[int, dt.date], float]:
    """(counter id, local day) -> minutes open, from counter events (deskapp.core.counter_events)."""
    _check_period(since, until)
    return counter_events.open_minutes(ctx.branch_id, ctx.timezone, since, until, ctx.now())


def _hours(minutes: Iterable[float]) -> float | None:
    """Open counter-hours; None when no counter was open at all (no data, not 0)."""
    minutes = list(minutes)
    return sum(minutes) / 60 if minutes else None


def period_stats(ctx: Context, since: dt.date, until: dt.date, rows: list[TicketRow] | None = None) -> PeriodStats:
    """The period's figures: overall, per service, per counter and per staff member (`rows`: the
    period's tickets, when already read)."""
    if rows is None:
        rows = ticket_rows(ctx, since, until)
    services = _services(ctx)
    targets = {s.id: s.target_wait_minutes for s in services}
    spans = counter_minutes(ctx, since, until)
    total = figures(rows, targets, _hours(spans.values()))

    by_service: dict[int, list[TicketRow]] = defaultdict(list)
    for r in rows:
        by_service[r.service_id].append(r)
    service_figures = tuple(
        ServiceFigures(s.code, s.name, s.target_wait_minutes, figures(by_service.get(s.id, []), targets))
        for s in services if s.active or s.id in by_service
    )

    counter_ids = {cid for cid, _ in spans} | {r.counter_id for r in rows if r.counter_id}
    counter_rows = []
    for c in Counter.select().where(Counter.id.in_(list(counter_ids))).order_by(Counter.id) if counter_ids else []:
        mine = [r for r in rows if r.counter_id == c.id]
        completed = sum(1 for r in mine if r.status == "done")
        hours = _hours(span for (cid, _), span in spans.items() if cid == c.id)
        counter_rows.append(CounterFigures(
            c.code, c.name, completed, hours, None if hours is None else metrics.throughput(completed, hours),
            metrics.mean(r.service_minutes for r in mine)))

    staff_ids = {r.staff_id for r in rows if r.staff_id and r.reached_service}
    staff_rows = []
    for s in Staff.select().where(Staff.id.in_(list(staff_ids))).order_by(Staff.login) if staff_ids else []:
        mine = [r for r in rows if r.staff_id == s.id and r.reached_service]
        staff_rows.append(StaffFigures(s.login, s.name, sum(1 for r in mine if r.status == "done"), len(mine),
                                       metrics.mean(r.service_minutes for r in mine)))
    return PeriodStats(since, until, total, service_figures, tuple(counter_rows), tuple(staff_rows))


def today_stats(ctx: Context) -> PeriodStats:
    return period_stats(ctx, ctx.today(), ctx.today())


def daily(ctx: Context, since: dt.date, until: dt.date, rows: list[TicketRow] | None = None) -> list[DayFigures]:
    """One row per day of the period, days without tickets included (counts 0, figures None)."""
    if rows is None:
        rows = ticket_rows(ctx, since, until)
    targets = {s.id: s.target_wait_minutes for s in _services(ctx)}
    spans = counter_minutes(ctx, since, until)
    per_day: dict[dt.date, list[TicketRow]] = defaultdict(list)
    for r in rows:
        per_day[r.day].append(r)
    result = []
    day = since
    while day <= until:
        hours = _hours(span for (_, d), span in spans.items() if d == day)
        result.append(DayFigures(day, figures(per_day.get(day, []), targets, hours)))
        day += dt.timedelta(days=1)
    return result


def _as_date(value) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def hourly(ctx: Context, since: dt.date, until: dt.date, rows: list[TicketRow] | None = None) -> list[HourFigures]:
    """Per branch-local hour with anything in it: arrivals by issue, completions by end, waits and
    service level by the hour of the (last) call. `rows`: the period's tickets, when already read."""
    if rows is None:
        rows = ticket_rows(ctx, since, until)
    targets = {s.id: s.target_wait_minutes for s in _services(ctx)}
    called: dict[tuple, int] = defaultdict(int)
    on_time: dict[tuple, int] = defaultdict(int)
    arrivals: dict[tuple, int] = defaultdict(int)
    completed: dict[tuple, int] = defaultdict(int)
    waits: dict[tuple, list[float]] = defaultdict(list)

    # Every real UTC offset is a multiple of 15 minutes, so a UTC quarter hour lies within one
    # local hour: convert each quarter once, not each timestamp.
    local_hours: dict[tuple, tuple[dt.date, int]] = {}

    def key(at: dt.datetime) -> tuple[dt.date, int]:
        quarter = (at.year, at.month, at.day, at.hour, at.minute // 15)
        found = local_hours.get(quarter)
        if found is None:
            local = to_local(dt.datetime(*quarter[:4], quarter[4] * 15), ctx.timezone)
            found = local_hours[quarter] = (local.date(), local.hour)
        return found

    for r in rows:
        arrivals[key(r.issued_at)] += 1
        if r.status == "done" and r.ended_at is not None:
            completed[key(r.ended_at)] += 1
        if r.reached_service and r.called_at is not None:
            waits[key(r.called_at)].append(r.wait_minutes)
        if r.called_at is not None:
            called[key(r.called_at)] += 1
            on_time[key(r.called_at)] += r.wait_minutes <= targets[r.service_id]
    keys = sorted(set(arrivals) | set(completed) | set(waits) | set(called))
    return [HourFigures(d, h, arrivals.get((d, h), 0), completed.get((d, h), 0), metrics.mean(waits.get((d, h), [])),
                        called.get((d, h), 0), metrics.service_level(on_time.get((d, h), 0), called.get((d, h), 0)))
            for d, h in keys]


WAIT_BOUNDS = (5, 10, 15, 20, 30, 45, 60)  # minutes: upper ends of the wait distribution's bins


@dataclass(frozen=True)
class WaitBin:
    low: float  # exclusive, except the first bin, which starts at 0 inclusive
    high: float | None  # inclusive; None: no upper end
    count: int

    @property
    def label(self) -> str:
        return f">{self.low:g}" if self.high is None else f"{self.low:g}-{self.high:g}"


def wait_distribution(rows: list[TicketRow], bounds: tuple[float, ...] = WAIT_BOUNDS) -> list[WaitBin]:
    """How many waits (of tickets that reached service, as for the mean wait) fall in each bin:
    [0, 5], (5, 10], ... (45, 60], over 60 minutes."""
    counts = [0] * (len(bounds) + 1)
    for r in rows:
        if r.reached_service and r.wait_minutes is not None:
            counts[next((i for i, b in enumerate(bounds) if r.wait_minutes <= b), len(bounds))] += 1
    lows = (0, *bounds)
    return [WaitBin(lows[i], bounds[i] if i < len(bounds) else None, c) for i, c in enumerate(counts)]


def recent_arrivals(ctx: Context, service_id: int, minutes: float = 60) -> int:
    """Tickets issued in a service in the last `minutes` (today's rows only, by the day index)."""
    since = ctx.now() - dt.timedelta(minutes=minutes)
    return (Ticket.select()
            .where((Ticket.branch == ctx.branch_id) & (Ticket.day == ctx.today()) & (Ticket.service == service_id)
                   & (Ticket.issued_at >= since))
            .count())

