"""The queue's figures (deskapp.core.stats) and staffing advice, on a day worked out by hand.

Counters from config.yaml: 1 serves CASH, INFO; 2 CASH, CARD, INFO; 3 CARD, ACCT, CASH; 4 ACCT,
LOAN, CMPL. Targets: CASH 10, CARD 15, ACCT 20, INFO 10 minutes. The clock starts 10:00 UTC
(10:00 in Lisbon in March).
"""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core import queue as q
from deskapp.core.queue import estimate
from deskapp.core.stats import figures, period_sums
from deskapp.core.stats.figures import ReportError
from deskapp.core.stats.staffing import advice_text, staffing_advice

DAY = dt.date(2026, 3, 10)


def at(clock, hh: int, mm: int) -> None:
    clock.set(dt.datetime(2026, 3, 10, hh, mm))


def crafted_day(ctx, clock) -> None:
    """The day, minute by minute. Waits are issue -> the (last) call; service is start -> end."""
    at(clock, 10, 0)
    q.issue(ctx, "CASH", with_estimate=False)  # A001
    q.issue(ctx, "CASH", with_estimate=False)  # A002
    at(clock, 10, 2)
    q.issue(ctx, "CARD", with_estimate=False)  # C001
    at(clock, 10, 3)
    q.issue(ctx, "CASH", with_estimate=False)  # A003
    at(clock, 10, 5)
    assert q.call_next(ctx, "1", "ana").number == "A001"  # wait 5
    at(clock, 10, 6)
    q.start(ctx, "1")
    assert q.call_next(ctx, "2", "joao").number == "A002"  # first call, 6 min: not the one that counts
    at(clock, 10, 7)
    q.requeue(ctx, "2")  # to the back: behind A003 (queued 10:03)
    at(clock, 10, 8)
    assert q.call_next(ctx, "2", "joao").number == "A003"  # wait 5
    at(clock, 10, 9)
    q.no_show(ctx, "2")
    at(clock, 10, 10)
    q.complete(ctx, "1")  # A001 service 4
    assert q.call_next(ctx, "2", "joao").number == "A002"  # the call that led to service: wait 10
    at(clock, 10, 11)
    q.start(ctx, "2")
    at(clock, 10, 12)
    assert q.call_next(ctx, "3", "mehmet").number == "C001"  # wait 10
    at(clock, 10, 13)
    q.start(ctx, "3")
    at(clock, 10, 15)
    q.issue(ctx, "INFO", with_estimate=False)  # E001, will walk away
    at(clock, 10, 19)
    q.complete(ctx, "2")  # A002 service 8
    at(clock, 10, 20)
    assert q.transfer(ctx, "3", "ACCT").number == "B001"  # C001 service 7 (transferred); B001 arrives
    q.issue(ctx, "CASH", with_estimate=False)  # A004
    at(clock, 10, 25)
    assert q.call_next(ctx, "4", "lucas").number == "B001"  # wait 5
    q.start(ctx, "4")
    at(clock, 10, 30)
    q.cancel_waiting(ctx, "E001")  # walked away while waiting
    at(clock, 10, 35)
    assert q.call_next(ctx, "1", "ana").number == "A004"  # wait 15, past CASH's 10
    q.start(ctx, "1")
    at(clock, 10, 38)
    q.complete(ctx, "1")  # A004 service 3
    at(clock, 10, 45)
    q.complete(ctx, "4")  # B001 service 20


def test_a_crafted_day_gives_the_figures_worked_by_hand(ctx, clock):
    crafted_day(ctx, clock)
    s = period_sums.period_stats(ctx, DAY, DAY)
    t = s.total
    # Arrivals: A001-A004, C001, E001, B001 (the transfer's new ticket is its own arrival) = 7.
    assert t.arrivals == 7
    # Completed (done): A001, A002, A004, B001 = 4. C001 was transferred, not completed.
    assert t.completed == 4
    # Waits of the tickets that reached service: A001 5, A002 10 (last call), C001 10, B001 5,
    # A004 15 -> mean 45 / 5 = 9; nearest-rank p90 of [5, 5, 10, 10, 15] is the 5th = 15.
    assert t.mean_wait_minutes == pytest.approx(9.0)
    assert t.p90_wait_minutes == pytest.approx(15.0)
    # Called: those five and A003 (no-show, wait 5) = 6; within target: all but A004 (15 > 10);
    # A002's 10 is exactly CASH's target and counts as on time -> 5 / 6.
    assert t.called == 6
    assert t.service_level == pytest.approx(5 / 6)
    assert t.no_shows == 1 and t.no_show_rate == pytest.approx(1 / 6)
    assert t.walk_aways == 1 and t.walk_away_rate == pytest.approx(1 / 7)
    # Service times: A001 4, A002 8, C001 7, B001 20, A004 3 -> 42 / 5.
    assert t.mean_service_minutes == pytest.approx(8.4)
    # Counters open now (10:45), each from its first call: 1 from 10:05 (40 min), 2 from 10:06 (39),
    # 3 from 10:12 (33), 4 from 10:25 (20) = 132 min = 2.2 h; throughput 4 / 2.2.
    assert t.open_counter_hours == pytest.approx(2.2)
    assert t.throughput == pytest.approx(4 / 2.2)

    by = {x.code: x.figures for x in s.services}
    cash = by["CASH"]
    # CASH: A001-A004; served waits 5, 10, 15; called 4 (A003 too), on time 3; service 4, 8, 3.
    assert (cash.arrivals, cash.completed, cash.called, cash.no_shows) == (4, 3, 4, 1)
    assert cash.mean_wait_minutes == pytest.approx(10.0) and cash.p90_wait_minutes == pytest.approx(15.0)
    assert cash.service_level == pytest.approx(0.75) and cash.no_show_rate == pytest.approx(0.25)
    assert cash.walk_away_rate == 0.0 and cash.mean_service_minutes == pytest.approx(5.0)
    assert cash.throughput is None  # not defined per service
    card = by["CARD"]
    assert (card.arrivals, card.completed, card.called) == (1, 0, 1)
    assert card.mean_wait_minutes == pytest.approx(10.0) and card.service_level == 1.0
    assert card.mean_service_minutes == pytest.approx(7.0)
    acct = by["ACCT"]
    assert (acct.arrivals, acct.completed) == (1, 1)
    assert acct.mean_wait_minutes == pytest.approx(5.0) and acct.mean_service_minutes == pytest.approx(20.0)
    info = by["INFO"]
    assert (info.arrivals, info.called, info.walk_aways) == (1, 0, 1)
    assert info.walk_away_rate == 1.0
    assert info.mean_wait_minutes is None and info.service_level is None and info.no_show_rate is None
    loan = by["LOAN"]  # nothing at all: counts 0, every figure None (a dash)
    assert loan.arrivals == 0
    assert all(getattr(loan, f) is None for f in (
        "mean_wait_minutes", "p90_wait_minutes", "service_level", "no_show_rate", "walk_away_rate",
        "mean_service_minutes", "throughput"))

    counters = {c.code: c for c in s.counters}
    assert set(counters) == {"1", "2", "3", "4"}
    assert counters["1"].completed == 2 and counters["1"].throughput == pytest.approx(2 / (40 / 60))
    assert counters["2"].completed == 1 and counters["2"].open_hours == pytest.approx(39 / 60)
    assert counters["3"].completed == 0 and counters["3"].throughput == 0.0  # open, served, completed none
    assert counters["4"].throughput == pytest.approx(3.0)

    staff = {x.login: (x.completed, x.served) for x in s.staff}
    assert staff == {"ana": (2, 2), "joao": (1, 1), "lucas": (1, 1), "mehmet": (0, 1)}

    hours = period_sums.hourly(ctx, DAY, DAY)
    assert [(h.hour, h.arrivals, h.completed) for h in hours] == [(10, 7, 4)]
    assert hours[0].mean_wait_minutes == pytest.approx(9.0)
    # The day before the branch's first recorded day is skipped; the day after (still to come) is empty.
    days = period_sums.daily(ctx, DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1))
    assert [(d.day, d.figures.arrivals) for d in days] == [(DAY, 7), (DAY + dt.timedelta(days=1), 0)]
    assert days[1].figures.mean_wait_minutes is None and days[1].figures.throughput is None
    assert days[1].figures.open_counter_hours is None  # no counter seen that day: no data, not 0 hours
    assert days[0].figures.service_level == pytest.approx(5 / 6)


def test_a_closed_counter_keeps_the_span_up_to_its_close(ctx, clock):
    crafted_day(ctx, clock)
    q.set_counter_state(ctx, "3", "closed", by="sofia")  # at 10:45: 10:12 -> 10:45 = 33 min
    clock.set(dt.datetime(2026, 3, 10, 11, 0))
    counters = {c.code: c for c in period_sums.period_stats(ctx, DAY, DAY).counters}
    assert counters["3"].open_hours == pytest.approx(33 / 60)
    assert counters["1"].open_hours == pytest.approx(55 / 60)  # still open: 10:05 -> 11:00


def test_an_empty_period_has_no_figures(ctx):
    s = period_sums.period_stats(ctx, DAY, DAY)
    t = s.total
    assert (t.arrivals, t.completed, t.called, t.no_shows, t.walk_aways) == (0, 0, 0, 0, 0)
    for name in ("mean_wait_minutes", "p90_wait_minutes", "service_level", "no_show_rate", "walk_away_rate",
                 "mean_service_minutes", "open_counter_hours", "throughput"):
        assert getattr(t, name) is None, name
    assert all(x.figures.service_level is None for x in s.services)
    assert s.counters == () and s.staff == ()
    assert period_sums.hourly(ctx, DAY, DAY) == []


def test_a_period_that_ends_before_it_starts_is_refused(ctx):
    with pytest.raises(ReportError, match="ends"):
        period_sums.period_stats(ctx, DAY, DAY - dt.timedelta(days=1))


def test_p90_is_nearest_rank():
    assert figures.p90([]) is None
    assert figures.p90([7.0]) == 7.0
    assert figures.p90(list(range(1, 11))) == 9  # ceil(0.9 * 10) = 9th
    assert figures.p90(list(range(1, 12))) == 10  # ceil(9.9) = 10th of 11


# -- staffing advice -------------------------------------------------------------------------------

def test_advice_words():
    assert advice_text("CASH", 3, 1) == "CASH: open 2 more counters"
    assert advice_text("CASH", 2, 1) == "CASH: open 1 more counter"
    assert advice_text("CASH", 1, 1) == "CASH: enough"
    assert advice_text("CASH", 1, 2) == "CASH: could close 1"
    # A pool of counters sharing services: its verdict, named once.
    assert advice_text("CASH", 3, 2, ("CASH", "INFO"), covered=False) == "CASH: open 1 more counter for CASH+INFO"
    assert advice_text("INFO", 3, 2, ("CASH", "INFO"), covered=True) == "INFO: its share is covered"
    assert advice_text("INFO", 1, 2, ("CASH", "INFO")) == "INFO: CASH+INFO could close 1"
    assert advice_text("LOAN", 3, 1, ("CASH", "INFO", "CARD", "LOAN"), covered=False) == \
        "LOAN: open 2 more counters for its 4 services"


def test_staffing_follows_erlang_c_on_the_last_hours_arrivals(ctx, clock):
    # 30 CASH tickets in the last hour, one a minute; two more 2 hours earlier are outside the window.
    clock.set(dt.datetime(2026, 3, 10, 8, 0))
    for _ in range(2):
        q.issue(ctx, "CASH", with_estimate=False)
    for minute in range(30):
        clock.set(dt.datetime(2026, 3, 10, 9, 30 + minute))
        q.issue(ctx, "CASH", with_estimate=False)
    clock.set(dt.datetime(2026, 3, 10, 10, 0))
    q.open_counter(ctx, "1", "ana")  # serves CASH and INFO
    advice = {a.service: a for a in staffing_advice(ctx)}
    cash = advice["CASH"]
    assert cash.arrivals_last_hour == 30
    assert cash.service_minutes == 4.0  # no completed services yet: the configured typical time
    # By hand: A = 30 * 4 / 60 = 2 Erlangs. N = 2 is unstable (A < N fails); N = 3: Erlang B
    # 2/3, 0.4, 0.8/3.8; C = 3B / (3 - 2(1 - B)) = 0.444; P(wait <= 10) = 1 - C e^(-(3-2)10/4) = 0.96.
    assert cash.needed == 3
    three = estimate.erlang_c(3, 30, 4.0, 10)
    assert three.service_level == pytest.approx(1 - (4 / 9) * 2.718281828459045 ** -2.5)
    assert three.service_level >= 0.8 and not estimate.erlang_c(2, 30, 4.0, 10).stable
    assert cash.open_counters == 1 and cash.text == "CASH: open 2 more counters for CASH+INFO"
    # Counter 1 also serves INFO (nobody came): it is the pool's one counter, needed for CASH, not one
    # INFO could close.
    assert advice["INFO"].needed == 3 and advice["INFO"].open_counters == 1
    assert advice["INFO"].text == "INFO: its share is covered"
    assert advice["LOAN"].text == "LOAN: enough"  # nobody comes, nobody serves it
