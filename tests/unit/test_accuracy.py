"""Promised waits against actual ones: deskapp.core.stats.accuracy and the report's `estimates` table."""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core import queue as q
from deskapp.core.stats import accuracy, reports
from deskapp.core.stats.accuracy import Promise
from deskapp.db.models import Ticket
from tests.unit.test_stats import DAY, at


def test_figures_by_their_definitions() -> None:
    a = accuracy.accuracy([Promise(2, 3, 1, 4), Promise(6, 4, 5, 7), Promise(1, 1, 2, 3)])
    assert a.tickets == 3
    assert a.mean_actual == pytest.approx(3.0) and a.mean_estimate == pytest.approx(8 / 3)
    assert a.bias == pytest.approx((1 - 2 + 0) / 3)
    assert a.mae == pytest.approx((1 + 2 + 0) / 3)
    assert a.baseline_mae == pytest.approx((1 + 3 + 2) / 3)  # |3 - 2|, |3 - 6|, |3 - 1|
    assert a.range_coverage == pytest.approx(2 / 3)  # 1 is below [2, 3]


def test_no_promises_no_figures_and_no_range_no_coverage() -> None:
    assert accuracy.accuracy([]) == accuracy.Accuracy(0, None, None, None, None, None, None)
    assert accuracy.accuracy([Promise(2, 3)]).range_coverage is None


def promise(number: str, point: float, low: float, high: float) -> None:
    Ticket.update(estimated_wait_minutes=point, estimated_wait_low=low, estimated_wait_high=high).where(
        Ticket.number == number).execute()


def test_the_estimates_table_counts_first_calls_and_leaves_out_walk_aways_and_no_estimate(ctx, clock) -> None:
    at(clock, 10, 0)
    q.issue(ctx, "CASH", with_estimate=False)  # A001
    q.issue(ctx, "CASH", with_estimate=False)  # A002
    q.issue(ctx, "LOAN", with_estimate=False)  # L001: will walk away
    q.issue(ctx, "INFO", with_estimate=False)  # E001: no promise shown
    promise("A001", 3, 2, 6)
    promise("A002", 8, 7, 9)
    promise("L001", 4, 1, 7)
    at(clock, 10, 5)
    assert q.call_next(ctx, "1", "ana").number == "A001"  # wait 5
    at(clock, 10, 6)
    assert q.call_next(ctx, "2", "joao").number == "A002"  # first call: wait 6
    at(clock, 10, 7)
    q.requeue(ctx, "2")
    at(clock, 10, 8)
    assert q.call_next(ctx, "2", "joao").number == "A002"  # called again at 8: the first call counts
    at(clock, 10, 9)
    q.cancel_waiting(ctx, "L001")
    q.start(ctx, "1")
    q.complete(ctx, "1")
    at(clock, 10, 12)
    assert q.call_next(ctx, "1", "ana").number == "E001"

    table = {t.name: t for t in reports.build(ctx, DAY, DAY).tables}["estimates"]
    assert table.columns == ("service", "tickets", "mean_actual_minutes", "mean_estimate_minutes", "bias_minutes",
                             "mae_minutes", "baseline_mae_minutes", "range_coverage")
    rows = {r[0]: r for r in table.rows}
    assert list(rows) == [s.code for s in ctx.config.services] + ["ALL"]
    # CASH: actual 5 and 6, promised 3 (2-6) and 8 (7-9).
    expected = ("CASH", 2, 5.5, 5.5, 0.0, 2.0, 0.5, 0.5)
    assert rows["CASH"] == expected
    assert rows["ALL"] == ("ALL", *expected[1:])
    assert rows["LOAN"] == ("LOAN", 0, None, None, None, None, None, None)  # walked away
    assert rows["INFO"][1] == 0  # called, but no promise was shown


def test_a_period_with_no_tickets_has_empty_rows(ctx, clock) -> None:
    rows = accuracy.by_service(ctx, DAY - dt.timedelta(days=3), DAY)
    assert [code for code, _ in rows][-1] == "ALL"
    assert all(a.tickets == 0 for _, a in rows)


def test_the_supervisor_sees_todays_accuracy(ctx, clock) -> None:
    from deskapp.core.stats import dashboard
    from deskapp.tui.screens.supervisor import estimates_line

    at(clock, 10, 0)
    q.issue(ctx, "CASH", with_estimate=False)
    promise("A001", 3, 2, 6)
    at(clock, 10, 5)
    q.call_next(ctx, "1", "ana")  # waited 5, promised 3 (2-6)
    rows = dict(dashboard.dashboard(ctx).estimates)
    assert (rows["ALL"].tickets, rows["ALL"].bias, rows["ALL"].range_coverage) == (1, -2.0, 1.0)
    line = estimates_line(tuple(rows.items()))
    assert "1 called" in line and "bias -2.0 min" in line and "100% within range" in line
