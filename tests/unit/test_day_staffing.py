"""Staffing for the rest of the day: arrivals forecast from the same weekday, Erlang C over pooled counters."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from deskapp.core import queue as q
from deskapp.core.queue import estimate
from deskapp.core.queue.waits import service_minutes
from deskapp.core.stats import staffing
from deskapp.db.models import Service
from tests.unit.test_cli_queue import deskapp, failed

TUESDAY = dt.datetime(2026, 3, 10, 9, 0)  # Lisbon is on UTC in March


def history(ctx, clock, weeks_back: int, hour: int, counts: dict[str, int]) -> None:
    clock.set(TUESDAY - dt.timedelta(weeks=weeks_back) + dt.timedelta(hours=hour - 9))
    for service, n in counts.items():
        for _ in range(n):
            q.issue(ctx, service, with_estimate=False)
            clock.advance(minutes=1)


def test_forecast_weighs_recent_weeks_most(ctx, clock) -> None:
    history(ctx, clock, 1, 10, {"CASH": 12, "INFO": 3})  # last week: weight 4
    history(ctx, clock, 2, 10, {"CASH": 5})  # two weeks ago: weight 3
    history(ctx, clock, 1, 11, {"CASH": 2})
    clock.set(TUESDAY)
    forecast = staffing.forecast_arrivals(ctx, TUESDAY.date())
    cash, info = (Service.get(Service.code == c).id for c in ("CASH", "INFO"))
    assert forecast[(cash, 10)] == pytest.approx((4 * 12 + 3 * 5) / 7)
    assert forecast[(info, 10)] == pytest.approx(4 * 3 / 7)
    assert forecast[(cash, 11)] == pytest.approx(4 * 2 / 7)


def test_pooled_counters_are_counted_once_and_the_need_is_erlang_c_of_the_pool(ctx, clock) -> None:
    history(ctx, clock, 1, 10, {"CASH": 20, "INFO": 10})
    clock.set(TUESDAY)
    q.open_counter(ctx, "1", "ana")  # CASH and INFO
    plan = {h.hour: h for h in staffing.day_plan(ctx, TUESDAY.date())}
    assert min(plan) == 9 and max(plan) == 14  # from the current hour to closing (15:00)
    ten = plan[10]
    # The old advice counted counter 1 once for CASH and once for INFO; here it is one counter, split.
    assert ten.open_counters == 1
    assert sum(s.counters_share for s in ten.services) == pytest.approx(1.0)
    shares = {s.service: s.counters_share for s in ten.services}
    cash_work = 20 * service_minutes(ctx, Service.get(Service.code == "CASH"))
    info_work = 10 * service_minutes(ctx, Service.get(Service.code == "INFO"))
    assert shares["CASH"] == pytest.approx(cash_work / (cash_work + info_work))
    # Pooled: 30 arrivals, the workload-weighted service time and target.
    pooled = (cash_work + info_work) / 30
    target = (cash_work * 10 + info_work * 10) / (cash_work + info_work)  # both targets 10 min
    assert ten.arrivals == pytest.approx(30) and ten.service_minutes == pytest.approx(pooled)
    assert ten.needed == estimate.counters_needed(30, pooled, target, staffing.TARGET_LEVEL)
    assert plan[12].arrivals == 0 and plan[12].needed == 0


def test_a_past_day_shows_its_actual_arrivals_beside_the_forecast(ctx, clock) -> None:
    history(ctx, clock, 1, 10, {"CASH": 4})
    history(ctx, clock, 0, 10, {"CASH": 6})  # today, 10:00-10:05
    clock.set(TUESDAY + dt.timedelta(hours=3))
    ten = {h.hour: h for h in staffing.day_plan(ctx, TUESDAY.date())}
    assert 10 not in ten  # the rest of today only: it is 12:00
    last_week = {h.hour: h for h in staffing.day_plan(ctx, TUESDAY.date() - dt.timedelta(weeks=1))}
    assert last_week[10].actual_arrivals == 4 and last_week[10].open_counters is None


def test_the_staffing_command(ctx, clock, db_url, tmp_path) -> None:
    history(ctx, clock, 1, 10, {"CASH": 8})
    result = deskapp(db_url, "staffing", "--date", "2026-03-10", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["branch"], data["date"]) == ("LIS01", "2026-03-10")
    ten = next(h for h in data["hours"] if h["hour"] == "10:00")
    assert set(ten) == {"hour", "arrivals", "actual_arrivals", "service_minutes", "target_minutes", "needed", "open",
                        "services", "booked"}
    assert ten["arrivals"] == 8.0
    assert failed(deskapp(db_url, "staffing", "--date", "10/03/2026", cwd=tmp_path), 2) == (
        "deskapp: --date must be a date as YYYY-MM-DD, not '10/03/2026'")
    assert failed(deskapp(db_url, "staffing", "--branch", "OPO02", cwd=tmp_path), 2) == (
        "deskapp: unknown branch 'OPO02' (did you mean 'POR01'?); this configuration's branches: LIS01, POR01, BRG01")


def arrivals_last_hour(ctx, clock, counts: dict[str, int]) -> None:
    """`counts` tickets per service issued over the hour before TUESDAY 10:00."""
    for service, n in counts.items():
        for i in range(n):
            clock.set(TUESDAY + dt.timedelta(minutes=1 + 58 * i / n))
            q.issue(ctx, service, with_estimate=False)
    clock.set(TUESDAY + dt.timedelta(hours=1))


def test_live_advice_counts_a_counter_serving_several_services_once(ctx, clock) -> None:
    arrivals_last_hour(ctx, clock, {"CASH": 24, "INFO": 6, "CARD": 6})
    q.open_counter(ctx, "1", "ana")  # CASH, INFO
    q.open_counter(ctx, "2", "joao")  # CASH, CARD, INFO
    advice = {a.service: a for a in staffing.staffing_advice(ctx)}
    pool = ("CASH", "CARD", "INFO")
    # Two counters open, not CASH 2 + INFO 2 + CARD 1 as before.
    assert all(advice[s].pool == pool and advice[s].open_counters == 2 for s in pool)
    minutes = {s: service_minutes(ctx, Service.get(Service.code == s)) for s in pool}
    work = {s: n * minutes[s] for s, n in (("CASH", 24), ("INFO", 6), ("CARD", 6))}
    pooled = sum(work.values()) / 36
    target = (work["CASH"] * 10 + work["INFO"] * 10 + work["CARD"] * 15) / sum(work.values())
    needed = estimate.counters_needed(36, pooled, target, staffing.TARGET_LEVEL)
    assert all(advice[s].needed == needed for s in pool)
    assert advice["LOAN"].pool == ("LOAN",) and advice["LOAN"].open_counters == 0


def test_a_quiet_service_on_a_shared_counter_is_not_told_to_open_one_more(ctx, clock) -> None:
    arrivals_last_hour(ctx, clock, {"CASH": 6, "INFO": 1})
    q.open_counter(ctx, "1", "ana")  # CASH, INFO: A = 6 x 4/60 + 1 x 5/60 = 0.48 Erlang
    advice = {a.service: a for a in staffing.staffing_advice(ctx)}
    # One counter answers 80 % within target for the pool: P(wait <= 10) = 1 - 0.48 e^(-(1-0.48) 10/4.14).
    assert estimate.counters_needed(7, (6 * 4 + 5) / 7, 10, staffing.TARGET_LEVEL) == 1
    assert advice["INFO"].needed == 1 and advice["INFO"].share_covered
    assert advice["INFO"].text == "INFO: enough" and advice["CASH"].text == "CASH: enough"
    # Alone, INFO's share of that counter (1/29 of its time) would need a whole counter by Erlang C.
    assert estimate.counters_needed(1, 5.0, 10, staffing.TARGET_LEVEL) == 1
