"""The database's sums (deskapp.core.period_sums, used by reports) give exactly the figures of
deskapp.core.stats, on the crafted day and on days of random activity with every kind of ending."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from deskapp.core import queue as q
from deskapp.core.stats import figures as stats
from deskapp.core.stats import period_sums
from tests.unit.test_stats import DAY, crafted_day


def same(a, b) -> None:
    """Equal dataclasses, floats to 1e-6 (sums and means add in another order)."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b)
        for field in dataclasses.fields(a):
            same(getattr(a, field.name), getattr(b, field.name))
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-6, abs=1e-6)
    else:
        assert a == b


def check(ctx, since, until) -> None:
    period, days = period_sums.period_tables(ctx, since, until)
    same(period, stats.period_stats(ctx, since, until))
    same(days, stats.daily(ctx, since, until))
    same(period_sums.hourly(ctx, since, until), stats.hourly(ctx, since, until))


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
                waiting = stats.ticket_rows(ctx, clock.now().date(), clock.now().date())
                left = [r for r in waiting if r.status == "waiting"]
                if left:
                    q.cancel_waiting(ctx, left[0].id)
    check(ctx, DAY - dt.timedelta(days=1), DAY)
    period, _ = period_sums.period_tables(ctx, DAY - dt.timedelta(days=1), DAY)
    t = period.total
    assert t.arrivals > 20 and t.completed > 3 and t.called > t.completed  # every kind of day happened
