"""Counter events and the open counter-hours measured from them, on days worked out by hand.

Lisbon is on UTC in March, so the clock's times are the branch's local times.
"""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core import queue as q
from deskapp.core.security import auth
from deskapp.core.stats import period_sums
from deskapp.db.models import Counter, CounterEvent

DAY = dt.date(2026, 3, 10)
NEXT = DAY + dt.timedelta(days=1)


def at(clock, hh: int, mm: int, day: dt.date = DAY) -> None:
    clock.set(dt.datetime(day.year, day.month, day.day, hh, mm))


def kinds(code: str) -> list[tuple[str, str | None]]:
    counter = Counter.get(Counter.code == code)
    return [(e.kind, e.by) for e in CounterEvent.select().where(CounterEvent.counter == counter)
            .order_by(CounterEvent.at, CounterEvent.id)]


def hours(ctx, code: str, day: dt.date = DAY) -> float | None:
    return {c.code: c.open_hours for c in period_sums.period_stats(ctx, day, day).counters}.get(code)


def test_pauses_are_not_open_time(ctx, clock):
    at(clock, 10, 0)
    q.open_counter(ctx, "1", "ana")
    q.issue(ctx, "CASH", with_estimate=False)
    at(clock, 10, 5)
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    at(clock, 10, 10)
    q.complete(ctx, "1")
    at(clock, 10, 30)
    q.set_counter_state(ctx, "1", "paused", by="ana")
    at(clock, 10, 45)
    q.set_counter_state(ctx, "1", "open", by="ana")
    at(clock, 11, 0)
    q.set_counter_state(ctx, "1", "closed", by="sofia")
    at(clock, 11, 30)
    assert kinds("1") == [("opened", "ana"), ("paused", "ana"), ("resumed", "ana"), ("closed", "sofia")]
    # Open 10:00-10:30 and 10:45-11:00 = 45 min; the pause and the time after closing are not open.
    assert hours(ctx, "1") == pytest.approx(0.75)
    total = period_sums.period_stats(ctx, DAY, DAY).total
    assert total.open_counter_hours == pytest.approx(0.75)
    assert total.throughput == pytest.approx(1 / 0.75)


def test_logging_out_keeps_the_counter_open(ctx, clock):
    at(clock, 10, 0)
    q.open_counter(ctx, "1", "ana")
    at(clock, 10, 20)
    q.logout(ctx, auth.Session("ana", "Ana Costa", "teller"))
    at(clock, 11, 0)
    assert kinds("1") == [("opened", "ana"), ("logout", "ana")]
    assert Counter.get(Counter.code == "1").state == "open"
    assert hours(ctx, "1") == pytest.approx(1.0)  # still open: 10:00 to now


def test_moving_desks_closes_the_old_one_and_a_handover_keeps_the_time(ctx, clock):
    at(clock, 10, 0)
    q.open_counter(ctx, "1", "ana")
    at(clock, 10, 20)
    q.open_counter(ctx, "3", "ana")  # ana moves: counter 1 closes at 10:20
    at(clock, 10, 30)
    q.open_counter(ctx, "3", "joao")  # joao takes over counter 3, idle: still open, new person
    at(clock, 11, 0)
    assert kinds("1") == [("opened", "ana"), ("closed", "ana")]
    assert kinds("3") == [("opened", "ana"), ("opened", "joao")]
    assert hours(ctx, "1") == pytest.approx(20 / 60)
    assert hours(ctx, "3") == pytest.approx(40 / 60)  # 10:20 to 11:00, one span across the handover


def test_a_counter_left_open_overnight_closes_at_midnight(ctx, clock):
    at(clock, 17, 0)
    q.open_counter(ctx, "2", "joao")
    at(clock, 9, 0, NEXT)
    q.issue(ctx, "CASH", with_estimate=False)  # the new day's first ticket closes yesterday's counters
    events = list(CounterEvent.select().order_by(CounterEvent.id))
    assert [(e.kind, e.at) for e in events] == [("opened", dt.datetime(2026, 3, 10, 17, 0)),
                                                ("closed", dt.datetime(2026, 3, 11, 0, 0))]
    assert hours(ctx, "2") == pytest.approx(7.0)  # 17:00 to midnight
    assert hours(ctx, "2", NEXT) is None  # not open at all on the 11th
    days = period_sums.daily(ctx, DAY, NEXT)
    assert days[0].figures.open_counter_hours == pytest.approx(7.0)
    assert days[1].figures.open_counter_hours is None  # a dash, not 0


def test_open_time_is_split_at_midnight(ctx, clock):
    at(clock, 22, 0)
    q.open_counter(ctx, "2", "joao")
    at(clock, 1, 0, NEXT)  # no reset has run yet: the counter is still open
    minutes = period_sums.counter_minutes(ctx, DAY, NEXT)
    counter = Counter.get(Counter.code == "2").id
    assert minutes == {(counter, DAY): pytest.approx(120.0), (counter, NEXT): pytest.approx(60.0)}
    # The 11th alone: open at its start (the last event before it) until now.
    assert hours(ctx, "2", NEXT) == pytest.approx(1.0)
