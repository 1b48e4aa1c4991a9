"""The database's sums (deskapp.core.stats.period_sums, read by the dashboard and the reports) give the
figures of DESIGN.md's definitions: on the crafted day worked out by hand, and on days of random
activity with every kind of ending, against those definitions applied ticket by ticket (`reference`:
a plain reading of them, written to be read rather than fast, that lives only here)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import defaultdict

import pytest

from deskapp.core import metrics
from deskapp.core import queue as q
from deskapp.core.clock import to_local
from deskapp.core.stats import period_sums
from deskapp.core.stats.figures import (
    WAIT_BOUNDS,
    CounterFigures,
    DayFigures,
    Figures,
    HourFigures,
    PeriodStats,
    ServiceFigures,
    StaffFigures,
    WaitBin,
    p90,
)
from deskapp.db.models import Counter, Service, Staff, Ticket
from tests.unit.test_stats import DAY, crafted_day


def same(a, b) -> None:
    """Equal dataclasses (their compared fields), floats to 1e-6 (sums and means add in another order)."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b)
        for field in dataclasses.fields(a):
            if field.compare:  # not what a figure is made of (PeriodStats.sums and waits)
                same(getattr(a, field.name), getattr(b, field.name))
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-6, abs=1e-6)
    else:
        assert a == b


def reference(ctx, since: dt.date, until: dt.date):
    """(PeriodStats, days, hours, wait bins) by DESIGN.md's definitions, ticket by ticket. Open
    counter-hours are period_sums.counter_minutes' (counter events, no ticket count in them)."""
    tickets = list(Ticket.select().where((Ticket.branch == ctx.branch_id) & (Ticket.day >= since)
                                         & (Ticket.day <= until)).order_by(Ticket.id))
    services = list(Service.select().where(Service.branch == ctx.branch_id).order_by(Service.id))
    target = {s.id: s.target_wait_minutes for s in services}
    spans = period_sums.counter_minutes(ctx, since, until)

    def wait(t) -> float:  # issue to the (last) call
        return (t.called_at - t.issued_at).total_seconds() / 60

    def reached(t) -> bool:  # reached service: started, and serving, done or transferred
        return t.started_at is not None and t.status in ("serving", "done", "transferred")

    def service(t) -> float | None:
        return (t.ended_at - t.started_at).total_seconds() / 60 if reached(t) and t.ended_at else None

    def hours(minutes) -> float | None:
        minutes = list(minutes)
        return sum(minutes) / 60 if minutes else None

    def served_waits(ts) -> list[float]:
        return [wait(t) for t in ts if reached(t) and t.called_at is not None]

    def figures(ts, open_hours=None) -> Figures:
        called = [t for t in ts if t.called_at is not None]
        on_time = sum(wait(t) <= target[t.service_id] for t in called)
        no_shows = sum(t.status == "no_show" for t in called)
        walk_aways = sum(t.status == "cancelled" and t.counter_id is None for t in ts)  # while waiting
        done = sum(t.status == "done" for t in ts)
        return Figures(
            len(ts), done, len(called), no_shows, walk_aways, metrics.mean(served_waits(ts)), p90(served_waits(ts)),
            metrics.service_level(on_time, len(called)), metrics.no_show_rate(no_shows, len(called)),
            metrics.walk_away_rate(walk_aways, len(ts)), metrics.mean(service(t) for t in ts), open_hours,
            None if open_hours is None else metrics.throughput(done, open_hours))

    per_service = [ServiceFigures(s.code, s.name, s.target_wait_minutes,
                                  figures([t for t in tickets if t.service_id == s.id]))
                   for s in services if s.active or any(t.service_id == s.id for t in tickets)]
    counter_ids = {c for c, _ in spans} | {t.counter_id for t in tickets if t.counter_id}
    per_counter = []
    for c in Counter.select().where(Counter.id.in_(list(counter_ids))).order_by(Counter.id):
        mine = [t for t in tickets if t.counter_id == c.id]
        f = figures(mine, hours(m for (cid, _), m in spans.items() if cid == c.id))
        per_counter.append(CounterFigures(c.code, c.name, f.completed, f.open_counter_hours, f.throughput,
                                          f.mean_service_minutes))
    per_staff = []
    for s in Staff.select().where(Staff.id.in_([t.staff_id for t in tickets if reached(t)])).order_by(Staff.login):
        mine = [t for t in tickets if t.staff_id == s.id and reached(t)]
        per_staff.append(StaffFigures(s.login, s.name, sum(t.status == "done" for t in mine), len(mine),
                                      metrics.mean(service(t) for t in mine)))
    stats = PeriodStats(since, until, figures(tickets, hours(spans.values())), tuple(per_service),
                        tuple(per_counter), tuple(per_staff))
    days = [DayFigures(since + dt.timedelta(days=i), figures(
        [t for t in tickets if t.day == since + dt.timedelta(days=i)],
        hours(m for (_, d), m in spans.items() if d == since + dt.timedelta(days=i))))
        for i in range((until - since).days + 1)]

    def local_hour(at: dt.datetime) -> tuple[dt.date, int]:
        local = to_local(at, ctx.timezone)
        return local.date(), local.hour

    by_hour: dict = defaultdict(lambda: {"arrivals": 0, "completed": 0, "called": [], "waits": []})
    for t in tickets:
        by_hour[local_hour(t.issued_at)]["arrivals"] += 1
        if t.status == "done":
            by_hour[local_hour(t.ended_at)]["completed"] += 1
        if t.called_at is not None:
            by_hour[local_hour(t.called_at)]["called"].append(t)
            by_hour[local_hour(t.called_at)]["waits"] += served_waits([t])
    per_hour = [HourFigures(d, h, v["arrivals"], v["completed"], metrics.mean(v["waits"]), len(v["called"]),
                            metrics.service_level(sum(wait(t) <= target[t.service_id] for t in v["called"]),
                                                  len(v["called"])))
                for (d, h), v in sorted(by_hour.items())]
    waits = served_waits(tickets)
    bins = [WaitBin(low, high, sum(1 for w in waits if (low == 0 or low < w) and (high is None or w <= high)))
            for low, high in zip((0, *WAIT_BOUNDS), (*WAIT_BOUNDS, None))]
    return stats, days, per_hour, bins


def check(ctx, since, until) -> None:
    period, days, hours, bins = reference(ctx, since, until)
    same(period_sums.period_tables(ctx, since, until), (period, days))
    same(period_sums.hourly(ctx, since, until), hours)
    same(period_sums.wait_distribution(ctx, since, until), bins)


def test_the_crafted_day_summed_by_the_database(ctx, clock):
    crafted_day(ctx, clock)
    check(ctx, DAY, DAY)
    period, _ = period_sums.period_tables(ctx, DAY, DAY)
    assert period.total.arrivals == 7 and period.total.p90_wait_minutes == pytest.approx(15.0)


def test_random_days_summed_by_the_database(ctx, clock):
    rng = random.Random(4)
    services = ["CASH", "CARD", "ACCT", "INFO", "LOAN"]
    desks = {"1": "ana", "2": "joao", "3": "mehmet", "4": "lucas"}
    for day in (DAY - dt.timedelta(days=1), DAY):
        clock.set(dt.datetime(day.year, day.month, day.day, 9, 0))
        for _ in range(40):
            clock.advance(seconds=rng.randint(20, 400))
            action = rng.random()
            counter = rng.choice(list(desks))
            held = q.held_by(ctx, counter)
            if action < 0.45 or held is None and action < 0.6:
                q.issue(ctx, rng.choice(services), with_estimate=False)
            elif held is None:
                q.call_next(ctx, counter, desks[counter])
            elif held.status == q.CALLED:
                choice = rng.random()
                if choice < 0.6:
                    q.start(ctx, counter)
                elif choice < 0.75:
                    q.no_show(ctx, counter)
                elif choice < 0.9:
                    q.requeue(ctx, counter, front=rng.random() < 0.5)
                else:
                    q.cancel(ctx, counter)
            elif rng.random() < 0.15:
                q.transfer(ctx, counter, rng.choice([s for s in services if s != held.service]))
            else:
                q.complete(ctx, counter)
            if rng.random() < 0.05:
                left = Ticket.select().where((Ticket.day == clock.now().date()) & (Ticket.status == "waiting"))
                if left.exists():
                    q.cancel_waiting(ctx, left.order_by(Ticket.id).first().id)
    check(ctx, DAY - dt.timedelta(days=1), DAY)
    period, _ = period_sums.period_tables(ctx, DAY - dt.timedelta(days=1), DAY)
    t = period.total
    assert t.arrivals > 20 and t.completed > 3 and t.called > t.completed  # every kind of day happened
