"""Live wait estimates: per-hour service times from history, re-estimates stored when shown."""
from __future__ import annotations

import datetime as dt
import math

import pytest

from deskapp.core import queue as q
from deskapp.core.queue import waits
from deskapp.core.queue.reestimates import current_wait
from deskapp.core.stats import accuracy
from deskapp.db.models import Service, Ticket, WaitReestimate
from tests.unit.test_cli_queue import deskapp, failed, ok_json

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


def test_a_wait_shown_again_is_kept_only_when_it_moved_and_the_report_can_judge_the_last_one(ctx, clock) -> None:
    clock.set(TUESDAY.replace(hour=10))
    q.open_counter(ctx, "1", "ana")
    tickets = [q.issue(ctx, "CASH").ticket for _ in range(4)]
    promise = Ticket.get_by_id(tickets[3].id)
    # Shown again on the same floor: the promise at issue, nothing new to keep.
    again = current_wait(ctx, "a004")
    assert (again.number, again.position, again.kept) == ("A004", 4, False)
    assert again.minutes == math.ceil(promise.estimated_wait_minutes)
    assert WaitReestimate.select().count() == 0
    q.open_counter(ctx, "2", "joao")  # also serves CASH: the wait shortens
    clock.advance(minutes=1)
    shorter = current_wait(ctx, "A004")
    assert shorter.kept and shorter.minutes < again.minutes
    for _ in range(3):  # a screen refreshing every few seconds adds nothing
        clock.advance(seconds=5)
        assert not current_wait(ctx, "A004").kept
    kept = list(WaitReestimate.select())
    assert len(kept) == 1 and kept[0].shown_in == "queue ticket"
    assert kept[0].at == clock.now() - dt.timedelta(seconds=15)

    assert [q.call_next(ctx, c, s).number for c, s in (("1", "ana"), ("2", "joao"))] == ["A001", "A002"]
    clock.advance(minutes=2)
    q.start(ctx, "1")
    q.complete(ctx, "1")
    assert q.call_next(ctx, "1", "ana").number == "A003"
    q.start(ctx, "2")
    q.complete(ctx, "2")
    assert q.call_next(ctx, "2", "joao").number == "A004"
    called = clock.now()
    at_issue = accuracy.promises(ctx, called.date(), called.date())["CASH"]
    last = accuracy.promises(ctx, called.date(), called.date(), last_shown=True)["CASH"]
    assert len(at_issue) == len(last) == 4
    assert at_issue[3].estimate == pytest.approx(promise.estimated_wait_minutes)
    assert at_issue[3].actual == pytest.approx((called - promise.issued_at).total_seconds() / 60)
    assert (last[3].estimate, last[3].low, last[3].high) == (kept[0].point, kept[0].low, kept[0].high)
    assert last[3].actual == pytest.approx((called - kept[0].at).total_seconds() / 60)
    assert last[:3] == at_issue[:3]  # shown nothing after issue: judged on the promise
    assert current_wait(ctx, "A004").status == "called"


def test_the_queue_ticket_command(ctx, clock, db_url, tmp_path) -> None:
    clock.set(dt.datetime.now(dt.UTC).replace(tzinfo=None))
    q.open_counter(ctx, "1", "ana")
    q.issue(ctx, "CASH")
    q.issue(ctx, "CASH")
    shown = ok_json(deskapp(db_url, "queue", "ticket", "A002", "--json", cwd=tmp_path))
    assert shown["number"] == "A002" and shown["position"] == 2 and shown["status"] == "waiting"
    low, high = shown["estimated_wait_range"]
    assert 1 <= low <= shown["estimated_wait_minutes"] <= high
    text = deskapp(db_url, "queue", "ticket", "A002", cwd=tmp_path)
    assert text.returncode == 0 and "A002" in text.stdout and "position 2" in text.stdout
    assert "no ticket A999" in failed(deskapp(db_url, "queue", "ticket", "A999", cwd=tmp_path), 2)
    assert "not a ticket number" in failed(deskapp(db_url, "queue", "ticket", "7", cwd=tmp_path), 2)
