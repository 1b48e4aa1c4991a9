"""Issue 19, the floor: waiting counts leave out the tickets handed to someone else (SQLite and PostgreSQL).

Finding: the waiting counts at the desk, reception and the supervisor counted the tickets transferred to a
named counter or colleague (rule 0: only they call them) as if any teller of the service could call them.
Now a service's `line` is its walk-in line; `directed` counts the handed tickets, and at a desk `for_you`
those handed to that counter or its teller: the desk shows "2 + 1 for you" (the others' left out),
reception and the supervisor "2 + 1 handed over", the public display everyone waiting.
"""
from __future__ import annotations

from deskapp.core import queue as q
from deskapp.core.queue.floor import desk_view, queue_status
from deskapp.tui.widgets.waiting_table import waiting_cell, waiting_counts_only, waiting_short


def cash(status_services):
    return next(s for s in status_services if s.code == "CASH")


def test_handed_tickets_are_counted_apart_and_for_their_recipient_only(ctx, clock) -> None:
    q.open_counter(ctx, "2", "joao")
    q.open_counter(ctx, "3", "mehmet")
    for _ in range(3):
        q.issue(ctx, "CASH", with_estimate=False)
        clock.advance(minutes=1)
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1", by="ana")
    q.transfer(ctx, "1", to_counter="3", by="ana")  # A004 for counter 3
    s = cash(queue_status(ctx).services)
    assert (s.waiting, s.directed, s.line) == (3, 1, 2)
    assert waiting_cell(s) == "2 + 1 handed over"
    assert waiting_short(waiting_cell(s)) == "2+1 handed"
    assert waiting_counts_only(waiting_cell(s)) == "2+1"  # reception's side panel at 80 columns
    there = cash(desk_view(ctx, "3").queues)
    elsewhere = cash(desk_view(ctx, "2").queues)
    assert (there.for_you, elsewhere.for_you) == (1, 0)
    assert waiting_cell(there, desk=True) == "2 + 1 for you"
    assert waiting_short(waiting_cell(there, desk=True)) == "2+1 you"  # a narrow terminal's form
    assert waiting_cell(elsewhere, desk=True) == "2"  # not joao's to call: not in his count

    q.call_next(ctx, "1", "ana")  # A002
    q.start(ctx, "1", by="ana")
    q.transfer(ctx, "1", to_staff="joao", by="ana")  # handed to joao, at counter 2
    s = cash(queue_status(ctx).services)
    assert (s.waiting, s.directed, s.line) == (3, 2, 1)
    assert waiting_cell(s) == "1 + 2 handed over"
    assert cash(desk_view(ctx, "2", "joao").queues).for_you == 1
    assert cash(desk_view(ctx, "3", "mehmet").queues).for_you == 1
    assert cash(desk_view(ctx, "1", "ana").queues).for_you == 0


def test_without_handed_tickets_the_count_reads_as_before(ctx, clock) -> None:
    q.issue(ctx, "CASH", with_estimate=False)
    s = cash(queue_status(ctx).services)
    assert (s.waiting, s.directed, waiting_cell(s), waiting_cell(s, desk=True)) == (1, 0, "1", "1")
