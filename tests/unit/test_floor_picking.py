"""Issue 19, part 5 "The floor" (first half), in core, on SQLite and PostgreSQL.

Findings: "tellers see only counts, not the waiting tickets, and cannot call a specific ticket";
"nothing shows a ticket's history although every event is stored". Now a counter's waiting tickets
come in the order call-next takes them, a teller can call a chosen one (out of its turn only with a
reason, noted in its history and counted per teller), two desks choosing the same ticket at once
get it once, and every event of a ticket reads in words from one function.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core.clock import FixedClock
from deskapp.core.security.permissions import Forbidden
from deskapp.core.startup import open_context
from deskapp.core.stats.out_of_order import out_of_order_calls
from deskapp.db import database
from deskapp.db.models import TicketEvent
from deskapp.errors import BadInput
from tests import branch_config as branch_config_file
from tests.conftest import T0


def issue(ctx, service: str, priority: str | None = None) -> q.TicketInfo:
    return q.issue(ctx, service, priority, with_estimate=False).ticket


def test_the_waiting_list_is_the_order_call_next_takes(ctx, clock) -> None:
    """Counter 1 serves CASH then INFO: overdue first, then CASH with priority 2:1 over normal, then INFO."""
    old = issue(ctx, "INFO")  # will have waited past max_wait_minutes: first of all
    clock.advance(minutes=31)
    for priority in (None, None, "priority", None, "priority", "priority"):
        issue(ctx, "CASH", priority)
        clock.advance(seconds=20)
    issue(ctx, "INFO")
    issue(ctx, "CARD")  # not served at counter 1: not in its list
    listed = q.waiting_list(ctx, "1")
    assert listed.total == 8
    assert [t.place for t in listed.tickets] == list(range(1, 9))
    assert listed.tickets[0].number == old.number and listed.tickets[0].waited_minutes >= 31
    assert {t.service for t in listed.tickets} == {"CASH", "INFO"}

    taken = []
    while (called := q.call_next(ctx, "1", "ana")) is not None:
        taken.append(called.number)
        q.no_show(ctx, "1")
        clock.advance(seconds=5)  # calls at one instant would tie in the recent calls' order
    assert taken == [t.number for t in listed.tickets]


def test_a_long_queue_shows_its_first_tickets_and_says_how_many_wait(ctx, clock) -> None:
    from deskapp.core.queue.waiting_list import SHOWN

    numbers = []
    for i in range(SHOWN + 5):
        numbers.append(issue(ctx, "CASH", "priority" if i % 4 == 0 else None).number)
        clock.advance(seconds=10)
    listed = q.waiting_list(ctx, "1")
    assert (len(listed.tickets), listed.total) == (SHOWN, SHOWN + 5)
    assert [t.place for t in listed.tickets] == list(range(1, SHOWN + 1))
    assert listed.tickets[0].number == q.call_next(ctx, "1", "ana").number


def staff_out_of_order(ctx) -> list[tuple[str, int, int]]:
    """Today's (login, calls, out-of-order calls) per teller who called out of order, as the floor counts them."""
    return [(r.key, r.calls, r.out_of_order) for r in out_of_order_calls(ctx, ctx.today(), ctx.today())
            if r.by == "staff"]


def test_calling_a_chosen_ticket_out_of_turn_needs_a_reason_and_is_noted(ctx, clock) -> None:
    a1, a2, a3 = issue(ctx, "CASH"), issue(ctx, "CASH"), issue(ctx, "CASH")
    clock.advance(minutes=2)
    with pytest.raises(BadInput, match=f"{a3.number} is not next in line: say why"):
        q.call_ticket(ctx, "1", a3.number, by="ana")
    assert TicketEvent.select().where(TicketEvent.kind == "called").count() == 0

    called = q.call_ticket(ctx, "1", a3.number.lower(), "  Needs   assistance ", by="ana")
    assert (called.number, called.status, called.counter) == (a3.number, q.CALLED, "1")
    history = q.ticket_history(ctx, a3.number)
    assert [e.kind for e in history.events] == ["issued", "called"]
    call = history.events[-1]
    assert call.note == f"called out of order by Ana Costa ({a1.number} was next): Needs assistance"
    assert (call.what, call.staff, call.staff_name, call.counter) == ("Called to Counter 1", "ana", "Ana Costa", "1")
    assert call.detail == {"chosen": True, "out_of_order": True, "reason": "Needs assistance", "next": a1.number}
    assert staff_out_of_order(ctx) == [("ana", 1, 1)]

    # The one whose turn it is needs no reason and is no out-of-order call.
    q.start(ctx, "1")
    q.complete(ctx, "1")
    first = q.call_ticket(ctx, "1", a1.number, by="ana")
    assert first.number == a1.number
    assert q.ticket_history(ctx, a1.number).events[-1].note == "chosen from the waiting list"
    assert staff_out_of_order(ctx) == [("ana", 2, 1)]
    assert [t.number for t in q.waiting_list(ctx, "1").tickets] == [a2.number]


def test_calling_a_chosen_ticket_is_refused_in_words(ctx) -> None:
    cash, card = issue(ctx, "CASH"), issue(ctx, "CARD")
    with pytest.raises(q.QueueError, match=f"{card.number} waits for .*, which Counter 1 does not serve"):
        q.call_ticket(ctx, "1", card.number, "x", by="ana")
    with pytest.raises(q.NotFound, match="There is no ticket Z999 today"):
        q.call_ticket(ctx, "1", "Z999", "x", by="ana")
    with pytest.raises(Forbidden):
        q.call_ticket(ctx, "1", cash.number, "x", by="rita")  # a greeter does not serve
    with pytest.raises(BadInput, match="at most 200"):
        q.call_ticket(ctx, "2", card.number, "x" * 201, by="joao")
    q.call_ticket(ctx, "1", cash.number, by="ana")
    other = issue(ctx, "CASH")
    with pytest.raises(q.QueueError, match=f"Counter 1 already holds {cash.number}"):
        q.call_ticket(ctx, "1", other.number, by="ana")
    with pytest.raises(q.QueueError, match=f"{cash.number} has been called at Counter 1; only a waiting ticket"):
        q.call_ticket(ctx, "2", cash.number, "x", by="joao")


def test_history_tells_every_event_in_words(ctx, clock) -> None:
    t = issue(ctx, "CASH")
    q.call_next(ctx, "1", "ana")
    clock.advance(minutes=1)
    q.recall(ctx, "1", by="ana")
    q.requeue(ctx, "1", front=True, by="ana")
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1", by="ana")
    new = q.transfer(ctx, "1", "INFO", by="ana")
    h = q.ticket_history(ctx, t.id)
    assert [(e.kind, e.what) for e in h.events] == [
        ("issued", "Issued at reception"), ("called", "Called to Counter 1"),
        ("recalled", "Recalled to Counter 1 (1st time)"), ("requeued", "Back in line at the front"), ("called", "Called to Counter 1"),
        ("started", "Service started at Counter 1"), ("transferred", f"Transferred to INFO as {new.number}")]
    assert all(e.staff_name == "Ana Costa" for e in h.events[1:])
    assert h.events[0].staff is None  # issued by nobody named
    assert h.ticket.status == q.TRANSFERRED
    issued = q.ticket_history(ctx, new.number).events[0]
    assert (issued.what, issued.counter) == (f"Issued by a transfer from {t.number}", "1")
    with pytest.raises(q.NotFound):
        q.ticket_history(ctx, "Q123")


# ---------------------------------------------------------------------------------------- two desks at once

WORKER = """
import datetime as dt, json, os, sys, time
from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core.clock import FixedClock
from deskapp.core.startup import open_context
from deskapp.core.stats.out_of_order import out_of_order_calls

config_path, url, counter, staff, numbers, barrier = sys.argv[1:]
ctx = open_context(load_config(config_path), url, FixedClock(dt.datetime.fromisoformat(%(t0)r)))
while not os.path.exists(barrier):
    time.sleep(0.005)
got, refused = [], []
for number in numbers.split(","):
    try:
        q.call_ticket(ctx, counter, number, "Needs assistance", by=staff)
    except q.QueueError as exc:
        refused.append(str(exc))
        continue
    got.append(number)
    q.no_show(ctx, counter)
print(json.dumps({"got": got, "refused": refused}))
""" % {"t0": T0.isoformat()}


def test_two_desks_choosing_the_same_tickets_get_each_once(tmp_path, db_url) -> None:
    config = branch_config_file.write(tmp_path, 3)
    ctx = open_context(load_config(config), db_url, FixedClock(T0))
    numbers = [q.issue(ctx, "CASH", with_estimate=False).ticket.number for _ in range(12)]
    database.close()
    chosen = ",".join(reversed(numbers))  # every desk goes for the same ticket at the same moment
    barrier = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(config), db_url, str(i), f"teller{i}", chosen,
                               str(barrier)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in (1, 2, 3)]
    time.sleep(0.5)
    barrier.touch()
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    got = [n for r in reports for n in r["got"]]
    assert sorted(got) == sorted(numbers), "every chosen ticket called exactly once"
    for r in reports:
        for message in r["refused"]:
            assert "another desk called it first" in message or "only a waiting ticket can be called" in message
    database.connect(db_url)
    calls: dict[int, int] = {}
    for e in TicketEvent.select().where(TicketEvent.kind == "called"):
        calls[e.ticket_id] = calls.get(e.ticket_id, 0) + 1
    assert sorted(calls.values()) == [1] * len(numbers)
    database.close()


def test_the_configured_reasons_are_checked_with_their_place(tmp_path) -> None:
    from deskapp.config.errors import ConfigInvalid

    path = tmp_path / "config.yaml"
    text = (Path(__file__).resolve().parents[2] / "config.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("out_of_order_reasons: [Booked appointment,",
                                 "out_of_order_reasons: [Needs assistance,"), encoding="utf-8")
    with pytest.raises(ConfigInvalid) as refused:
        load_config(path)
    assert "config.yaml:16:" in str(refused.value) and "the reasons must differ" in str(refused.value)
    assert load_config(Path(__file__).resolve().parents[2] / "config.yaml").queue.out_of_order_reasons[0] == (
        "Booked appointment")
