"""Live wait estimates: per-hour service times from history, re-estimates stored when shown."""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core import queue as q
from deskapp.core.queue import waits
from deskapp.db.models import Service

TUESDAY = dt.datetime(2026, 3, 10, 8, 59)  # Lisbon is on UTC in March


def serve(ctx, clock, at: dt.datetime, count: int, minutes: float) -> None:
    """`count` CASH customers at counter 1, each issued, called and served for `minutes` from `at` on."""
    clock.set(at)
    for _ in range(count):
        q.issue(ctx, "CASH", with_estimate=False)
        q.call_next(ctx, "1", "ana")
        q.start(ctx, "1")
        clock.advance(minutes=minutes)
        q.complete(ctx, "1")


def test_a_service_slow_at_noon_and_fast_at_ten_gets_a_longer_estimate_at_noon(ctx, clock) -> None:
    clock.set(TUESDAY - dt.timedelta(days=2))
    q.open_counter(ctx, "1", "ana")
    for back in (1, 2):
        day = TUESDAY - dt.timedelta(days=back)
        serve(ctx, clock, day.replace(hour=10, minute=8), 16, 1.0)  # 32 services at 10h: 1 min
        serve(ctx, clock, day.replace(hour=12, minute=8), 16, 3.0)  # 32 at 12h: 3 min
    serve(ctx, clock, (TUESDAY - dt.timedelta(days=1)).replace(hour=11, minute=0), 29, 1.5)  # 29: too few
    clock.set(TUESDAY)
    q.open_counter(ctx, "1", "ana")  # three customers wait from before both estimates' arrival windows
    issued = [q.issue(ctx, "CASH", with_estimate=False) for _ in range(3)]
    cash = Service.get(Service.code == "CASH").id

    clock.set(TUESDAY.replace(hour=10, minute=5))
    means = waits.hourly_service_means(ctx, clock.now())[cash]
    assert means[10] == pytest.approx(1.0) and means[12] == pytest.approx(3.0)
    assert 11 not in means  # 29 services are below HOURLY_MIN_SERVICES: the service's overall instead
    at_ten = waits.estimate_ticket(ctx, issued[2].ticket.id)
    assert waits.branch_floor(ctx).services[cash].mean == pytest.approx(1.0)

    clock.set(TUESDAY.replace(hour=12, minute=5))
    at_noon = waits.estimate_ticket(ctx, issued[2].ticket.id)
    assert waits.branch_floor(ctx).services[cash].mean == pytest.approx(3.0)
    # The same floor and recent services; only the hour differs. Two 3-minute services ahead against two
    # 1-minute ones (plus the same desk timings) must show.
    assert at_noon.minutes > at_ten.minutes + 2.5
    assert at_noon.range[1] > at_ten.range[1]
