"""The reads every wait estimate makes stay bounded by today and the days the estimator looks at, not by
the branch's whole history (which grows every day a branch works): the floor's last end of each counter
through the (counter_id, ended_at) index (migration 0033), arrivals and hourly service means through
(branch_id, day). SQLite keeps no planner statistics, so its plan is fixed by the indexes and the
statement alone and can be pinned; PostgreSQL plans by the table's statistics (the indexes are checked)."""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core.queue import waits
from deskapp.db import database


def _ticket_indexes() -> set[str]:
    if database.is_postgres():
        sql = "SELECT indexname FROM pg_indexes WHERE tablename = 'ticket' AND schemaname = current_schema()"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ticket'"
    return {row[0] for row in database.db.execute_sql(sql).fetchall()}


def _plan(sql: str, params: list) -> str:
    return " ".join(str(row) for row in database.db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())


def _days_and_hours(n_bounds: int) -> list:
    days = [dt.date(2026, 12, 4) - dt.timedelta(days=d) for d in range(waits.HISTORY_DAYS + 1)]
    return [*days, *[dt.datetime(2026, 12, 4, 10)] * n_bounds]


def test_the_indexes_the_estimates_read_by(ctx) -> None:
    names = _ticket_indexes()
    assert {"ticket_counter_id_ended_at", "ticket_branch_id_day"} <= names
    assert "ticket_counter_id" not in names  # replaced (a prefix of the new one): no second entry per write


def test_each_counter_s_last_end_is_read_from_today_only(ctx) -> None:
    if database.is_postgres():
        pytest.skip("PostgreSQL plans by the table's statistics")
    plan = _plan(waits._counters_on_floor_sql("?"),
                 [ctx.branch_id, ctx.branch_id, "called", "serving", ctx.branch_id, dt.datetime(2026, 12, 4)])
    assert "ticket_counter_id_ended_at (counter_id=? AND ended_at>?)" in plan


def test_arrivals_and_hourly_means_are_read_from_the_days_looked_at(ctx) -> None:
    if database.is_postgres():
        pytest.skip("PostgreSQL plans by the table's statistics")
    hours = 2 * (waits.HISTORY_DAYS + 1)
    for sql, params in ((waits._arrivals_sql("?"), [ctx.branch_id, *_days_and_hours(hours), "appointment"]),
                        (waits._hourly_sql("?"), [ctx.branch_id, *_days_and_hours(hours)])):
        plan = _plan(sql, params)
        assert "ticket_branch_id_day (branch_id=? AND day=?)" in plan, plan
