"""Issue 19, the floor: calls out of the calling order in `deskapp report` and on the supervisor's screen
(SQLite and PostgreSQL).

Finding: "a teller may call a specific one (with a reason; ... the supervisor sees how often it happens)":
the reasons were kept in the tickets' history, but no report counted them, and the supervisor saw only a
per-teller count. Now the report's `out_of_order` table gives them in all, per reason and per staff member,
each with its share of the calls, and the supervisor's screen today's figures from the same definition.
"""
from __future__ import annotations

from deskapp.core import queue as q
from deskapp.core.stats import dashboard, reports
from deskapp.core.stats.out_of_order import out_of_order_calls
from deskapp.tui.screens.supervisor import out_of_order_line


def issue(ctx) -> str:
    return q.issue(ctx, "CASH", with_estimate=False).ticket.number


def finish(ctx, counter: str, login: str) -> None:
    q.start(ctx, counter, by=login)
    q.complete(ctx, counter, by=login)


def test_out_of_order_calls_by_reason_and_by_staff(ctx, clock) -> None:
    numbers = [issue(ctx) for _ in range(6)]
    clock.advance(minutes=2)
    q.open_counter(ctx, "2", "joao")
    q.call_ticket(ctx, "1", numbers[3], "Needs assistance", by="ana")  # out of order
    finish(ctx, "1", "ana")
    q.call_ticket(ctx, "1", numbers[4], "Needs  [b]assistance", by="ana")  # a typed reason, kept as typed
    finish(ctx, "1", "ana")
    q.call_next(ctx, "1", "ana")  # in order
    finish(ctx, "1", "ana")
    q.call_ticket(ctx, "2", numbers[5], "Needs assistance", by="joao")
    finish(ctx, "2", "joao")
    q.call_next(ctx, "2", "joao")
    rows = [(r.by, r.key, r.name, r.out_of_order, r.calls) for r in out_of_order_calls(ctx, ctx.today(), ctx.today())]
    assert rows == [
        ("all", None, None, 3, 5),
        ("reason", "Needs assistance", None, 2, 5),
        ("reason", "Needs [b]assistance", None, 1, 5),
        ("staff", "ana", "Ana Costa", 2, 3),
        ("staff", "joao", "João Ferreira", 1, 2),
    ]
    table = next(t for t in reports.build(ctx, ctx.today(), ctx.today()).tables if t.name == "out_of_order")
    assert table.columns == ("by", "reason_or_staff", "staff_name", "out_of_order_calls", "calls", "share_of_calls")
    assert table.rows[0] == ("all", None, None, 3, 5, 0.6)
    assert table.rows[3] == ("staff", "ana", "Ana Costa", 2, 3, 0.6667)
    assert "share_of_calls" in reports.RATE_COLUMNS  # a percentage in the workbook

    line = out_of_order_line(dashboard.dashboard(ctx).out_of_order)
    assert line == ("Called out of order today: 3 of 5 calls (60%) · why: Needs assistance 2, Needs [b]assistance 1"
                    " · who: Ana Costa 2 of 3, João Ferreira 1 of 2")


def test_no_out_of_order_calls_is_said_plainly(ctx, clock) -> None:
    issue(ctx)
    q.call_next(ctx, "1", "ana")
    assert [(r.by, r.out_of_order, r.calls) for r in out_of_order_calls(ctx, ctx.today(), ctx.today())] == [
        ("all", 0, 1)]
    assert out_of_order_line(dashboard.dashboard(ctx).out_of_order) == "Called out of order today: none of 1 call"
