"""The dashboard's extra figures on crafted data worked out by hand: per-hour service level, the wait
distribution, feedback over 30 days beside today, open and overdue follow-ups."""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core import feedback as fb
from deskapp.core import queue as q
from deskapp.core.customers import followups
from deskapp.core.stats import dashboard as supervision
from deskapp.core.stats import period_sums
from tests.unit.test_stats import DAY, crafted_day


def test_the_wait_distribution_and_the_hours_of_the_crafted_day(ctx, clock):
    crafted_day(ctx, clock)
    # Waits of the tickets that reached service: A001 5, A002 10, C001 10, B001 5, A004 15 (a wait of
    # exactly 5 or 10 minutes is in the bin that ends there).
    bins = {b.label: b.count for b in period_sums.wait_distribution(ctx, DAY, DAY)}
    assert bins == {"0-5": 2, "5-10": 2, "10-15": 1, "15-20": 0, "20-30": 0, "30-45": 0, "45-60": 0, ">60": 0}
    # Every call fell in the 10:00 hour: 6 called, 5 within target.
    (hour,) = period_sums.hourly(ctx, DAY, DAY)
    assert (hour.hour, hour.called) == (10, 6) and hour.service_level == pytest.approx(5 / 6)
    # The dashboard shows the same, today being a period of one day.
    d = supervision.dashboard(ctx)
    assert {b.label: b.count for b in d.waits} == bins and d.hours == (hour,)
    assert d.today == period_sums.period_stats(ctx, DAY, DAY) and d.today.total.arrivals == 7


def test_service_level_per_hour_goes_by_the_hour_of_the_call(ctx, clock):
    def at(hh, mm):
        clock.set(dt.datetime(2026, 3, 10, hh, mm))

    at(9, 50)
    q.issue(ctx, "CASH", with_estimate=False)  # A001
    q.issue(ctx, "CASH", with_estimate=False)  # A002
    at(9, 55)
    q.call_next(ctx, "1", "ana")  # A001 after 5 min, on time, in the 09:00 hour
    q.no_show(ctx, "1")
    at(10, 5)
    q.call_next(ctx, "1", "ana")  # A002 after 15 min: late, in the 10:00 hour
    q.start(ctx, "1")
    at(11, 0)
    q.complete(ctx, "1")
    hours = {h.hour: h for h in period_sums.hourly(ctx, DAY, DAY)}
    assert sorted(hours) == [9, 10, 11]
    assert (hours[9].arrivals, hours[9].called, hours[9].service_level) == (2, 1, 1.0)
    assert (hours[10].called, hours[10].service_level) == (1, 0.0)
    assert (hours[11].completed, hours[11].called, hours[11].service_level) == (1, 0, None)  # a dash
    assert hours[9].mean_wait_minutes is None  # A001 never reached service


def served(ctx, clock, day_offset: int, counter: str = "1", staff: str = "ana") -> int:
    clock.set(dt.datetime(2026, 3, 10, 10, 0) + dt.timedelta(days=day_offset))
    ticket = q.issue(ctx, "CASH", with_estimate=False).ticket
    clock.advance(minutes=2)
    q.call_next(ctx, counter, staff)
    q.start(ctx, counter)
    clock.advance(minutes=3)
    q.complete(ctx, counter)
    clock.advance(seconds=20)
    return ticket.id


def test_feedback_over_30_days_beside_today_and_the_follow_ups(ctx, clock):
    old = served(ctx, clock, -40)  # outside the 30 days
    fb.submit(ctx, old, csat=1, nps=0)  # opens follow-ups due in 48 h: long overdue now
    first = served(ctx, clock, -29)  # the window's first day (today and the 29 before)
    fb.submit(ctx, first, csat=5, nps=10)
    yesterday = served(ctx, clock, -1)
    fb.submit(ctx, yesterday, csat=4, nps=8)
    unanswered = served(ctx, clock, -1)
    today = served(ctx, clock, 0)
    fb.submit(ctx, today, csat=2, nps=3)  # opens follow-ups due in 48 h: not overdue yet

    d = supervision.dashboard(ctx)
    # Today: one answer, CSAT 2 (not 4-5) -> 0 %; NPS 3 is a detractor -> -100; 1 of 1 completed.
    assert (d.feedback.csat_pct, d.feedback.nps, d.feedback.response_rate, d.feedback.responses) == (
        0.0, -100.0, 1.0, 1)
    # 30 days: completed 4 (first, yesterday x2, today); answers 5, 4, 2 -> CSAT 2/3; NPS 10, 8, 3:
    # one promoter, one detractor of 3 -> 0; response rate 3/4.
    m = d.feedback_30d
    assert m.csat_pct == pytest.approx(200 / 3) and m.nps == 0.0 and m.response_rate == 0.75 and m.responses == 3
    direct = fb.summary(ctx, fb.FeedbackFilter(since=DAY - dt.timedelta(days=29), until=DAY))
    assert (direct.csat_pct, direct.nps, direct.response_rate) == (m.csat_pct, m.nps, m.response_rate)

    # Each poor answer opened one follow-up (the CSAT and NPS triggers together: one each answer).
    opened = followups.search(open_only=True)
    assert len(opened) == 2
    assert (d.followups.open, d.followups.overdue) == (2, 1)
    assert [f.ticket_id for f in d.followups.items] == [old, today]  # soonest due (the overdue) first

    # A late answer about yesterday shows once the earlier days are read again (every 10 minutes).
    fb.submit(ctx, unanswered, csat=5, nps=9)
    assert supervision.dashboard(ctx).feedback_30d.responses == 3
    clock.advance(minutes=supervision.FEEDBACK_HISTORY_MINUTES + 1)
    assert supervision.dashboard(ctx).feedback_30d.responses == 4


def test_no_feedback_is_a_dash_not_zero(ctx):
    d = supervision.dashboard(ctx)
    assert (d.feedback.csat_pct, d.feedback.nps, d.feedback.response_rate) == (None, None, None)
    assert (d.feedback_30d.csat_pct, d.feedback_30d.nps, d.feedback_30d.response_rate) == (None, None, None)
    assert (d.followups.open, d.followups.overdue, d.followups.items) == (0, 0, ())
    assert d.hours == () and all(b.count == 0 for b in d.waits)
