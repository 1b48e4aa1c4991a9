"""deskapp.core.queue on SQLite and PostgreSQL: a teller's day, one transition at a time.

Every allowed change in DESIGN.md "Queue rules", every refused one with the words the teller reads,
numbering per service and branch-local day, the counters, the roles, the audit of each change, and
the expected wait a new ticket is told. The clock is the `clock` fixture (2026-03-10 10:00 UTC,
Lisbon on UTC until the end of March).
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading

import pytest

from deskapp.core import queue as q
from deskapp.core.context import Context
from deskapp.core.queue import NotFound, QueueError
from deskapp.core.security.permissions import Forbidden
from deskapp.db.models import AuditEvent, Branch, Counter, Service, Staff, Ticket, TicketEvent

T0 = dt.datetime(2026, 3, 10, 10, 0, 0)
DAY = dt.date(2026, 3, 10)


# --- helpers -------------------------------------------------------------------------------------


def events(ticket_id: int) -> list[tuple[str, str | None, str | None]]:
    """(kind, staff login, counter code) of a ticket's events, oldest first."""
    rows = TicketEvent.select().where(TicketEvent.ticket == ticket_id).order_by(TicketEvent.id)
    return [(e.kind, e.staff.login if e.staff_id else None, e.counter.code if e.counter_id else None) for e in rows]


def kinds(ticket_id: int) -> list[str]:
    return [e[0] for e in events(ticket_id)]


def detail(ticket_id: int, kind: str) -> dict:
    row = TicketEvent.get((TicketEvent.ticket == ticket_id) & (TicketEvent.kind == kind))
    return json.loads(row.detail) if row.detail else {}


def status(ticket_id: int) -> str:
    return Ticket.get_by_id(ticket_id).status


def with_queue(ctx, **values) -> None:
    """Change the `queue:` section of this context's configuration."""
    ctx.config = ctx.config.model_copy(update={"queue": ctx.config.queue.model_copy(update=values)})


def issue(ctx, clock, service: str = "CASH", priority: str | None = None, **kwargs):
    """Issue a ticket, then let a minute pass (so places in line differ, as they do at a branch)."""
    issued = q.issue(ctx, service, priority, **kwargs)
    clock.advance(minutes=1)
    return issued.ticket


def call(ctx, clock, counter: str = "1", staff: str = "ana"):
    ticket = q.call_next(ctx, counter, staff)
    clock.advance(minutes=1)
    return ticket


def counter_row(code: str) -> Counter:
    return Counter.get(Counter.code == code)


# --- numbering -----------------------------------------------------------------------------------


def test_numbers_are_the_prefix_and_a_daily_sequence_per_service(ctx, clock) -> None:
    numbers = [issue(ctx, clock, s).number for s in ("CASH", "CASH", "ACCT", "CASH", "INFO", "ACCT")]
    assert numbers == ["A001", "A002", "B001", "A003", "E001", "B002"]
    first = Ticket.get(Ticket.number == "A001")
    assert (first.day, first.seq, first.status, first.issued_at, first.queued_at) == (DAY, 1, "waiting", T0, T0)
    assert events(first.id) == [("issued", None, None)]


def test_issue_records_who_issued_and_the_channel(ctx, clock) -> None:
    t = q.issue(ctx, "CASH", "priority", channel="kiosk", staff="rita").ticket
    assert (t.priority, t.status) == ("priority", "waiting")
    assert events(t.id) == [("issued", "rita", None)]
    assert detail(t.id, "issued") == {"channel": "kiosk"}


def test_issue_refuses_unknown_service_class_and_customer(ctx) -> None:
    with pytest.raises(NotFound, match=r"^There is no service 'XXX'\. Services: CASH, ACCT, CARD, LOAN, CMPL, INFO\.$"):
        q.issue(ctx, "XXX")
    with pytest.raises(NotFound, match=r"^There is no priority class 'vip'\. Classes: priority, normal\.$"):
        q.issue(ctx, "CASH", "vip")
    with pytest.raises(NotFound, match=r"^There is no customer 999\.$"):
        q.issue(ctx, "CASH", customer_id=999)
    assert Ticket.select().count() == 0


def test_number_width_comes_from_the_configuration(ctx, clock) -> None:
    for width, expected in ((4, "A0001"), (2, "B01"), (6, "C000001")):
        with_queue(ctx, number_width=width)
        assert issue(ctx, clock, {"A": "CASH", "B": "ACCT", "C": "CARD"}[expected[0]]).number == expected


def test_a_service_runs_out_of_numbers_for_the_day(ctx, clock) -> None:
    with_queue(ctx, number_width=2)
    for _ in range(99):
        last = q.issue(ctx, "CASH", with_estimate=False).ticket
    assert last.number == "A99"
    with pytest.raises(QueueError, match=r"^Service CASH has issued all 99 numbers for today\.$"):
        q.issue(ctx, "CASH")
    assert q.issue(ctx, "CARD").ticket.number == "C01"  # other services go on


def test_numbers_restart_on_a_new_branch_local_day_and_yesterday_is_removed(ctx, clock) -> None:
    # July: Lisbon is UTC+1, so its day ends at 23:00 UTC. Start at 21:55 UTC (22:55 there).
    clock.set(dt.datetime(2026, 7, 10, 21, 55))
    served = issue(ctx, clock)  # A001
    called = issue(ctx, clock)  # A002
    waiting = issue(ctx, clock)  # A003
    done = issue(ctx, clock, "CARD")  # C001
    call(ctx, clock, "1", "ana")
    q.start(ctx, "1")
    call(ctx, clock, "2", "joao")
    call(ctx, clock, "3", "mehmet")  # counter 3 serves CARD first: C001
    q.start(ctx, "3")
    q.complete(ctx, "3")
    clock.set(dt.datetime(2026, 7, 10, 22, 59, 59))  # 23:59:59 in Lisbon: the same day
    assert issue(ctx, clock).number == "A004"
    late = Ticket.get(Ticket.number == "A004")

    clock.set(dt.datetime(2026, 7, 10, 23, 0, 0))  # midnight in Lisbon, still the 10th in UTC
    assert q.ensure_day(ctx) == 4
    assert q.ensure_day(ctx) == 0
    fresh = issue(ctx, clock)
    assert (fresh.number, Ticket.get_by_id(fresh.id).day) == ("A001", dt.date(2026, 7, 11))
    assert issue(ctx, clock, "CARD").number == "C001"

    for ticket, previous in ((served, "serving"), (called, "called"), (waiting, "waiting"), (late, "waiting")):
        row = Ticket.get_by_id(ticket.id)
        assert (row.status, row.ended_at) == ("removed_by_reset", dt.datetime(2026, 7, 10, 23, 0))
        assert kinds(ticket.id)[-1] == "removed"
        assert detail(ticket.id, "removed") == {"previous": previous, "reason": "new branch day"}
    assert status(done.id) == "done"
    assert kinds(done.id) == ["issued", "called", "started", "completed"]
    assert Branch.get().current_day == dt.date(2026, 7, 11)
    assert {(c.state, c.staff_id) for c in Counter.select()} == {("closed", None)}


def test_two_desks_each_see_the_day_change_once(ctx, clock, config) -> None:
    issue(ctx, clock)
    clock.advance(days=1)
    other = Context(config=config, clock=clock, branch_id=ctx.branch_id)  # another desk, same database
    assert q.ensure_day(other) == 1
    assert q.ensure_day(ctx) == 0
    assert kinds(Ticket.get().id) == ["issued", "removed"]


def test_a_counter_opened_before_the_days_first_ticket_stays_open(ctx, clock) -> None:
    clock.advance(days=1)  # a new day, nothing issued yet: the branch day has not started
    q.open_counter(ctx, "1", "ana")
    q.issue(ctx, "CASH")  # the day's first ticket closes yesterday, not this morning's counter
    assert (counter_row("1").state, counter_row("1").staff.login) == ("open", "ana")
    assert q.call_next(ctx, "1", "ana").number == "A001"


def test_close_day_removes_every_open_ticket_and_closes_counters(ctx, clock) -> None:
    a = issue(ctx, clock)
    b = issue(ctx, clock)
    c = issue(ctx, clock)
    call(ctx, clock)
    q.start(ctx, "1")
    q.complete(ctx, "1")  # a is done
    call(ctx, clock)  # b is called
    assert q.close_day(ctx) == 2
    assert (status(a.id), status(b.id), status(c.id)) == ("done", "removed_by_reset", "removed_by_reset")
    assert detail(b.id, "removed") == {"previous": "called", "reason": "close-day"}
    assert events(b.id)[-1] == ("removed", None, "1")
    assert counter_row("1").state == "closed"
    assert issue(ctx, clock).number == "A004"  # the same day goes on numbering


# --- allowed transitions -------------------------------------------------------------------------


def test_waiting_called_serving_done(ctx, clock) -> None:
    t = issue(ctx, clock)
    called = q.call_next(ctx, "1", "ana")
    assert (called.id, called.number, called.status, called.counter, called.called_at) == (
        t.id, "A001", "called", "1", T0 + dt.timedelta(minutes=1))
    assert q.held_by(ctx, "1").number == "A001"
    clock.advance(minutes=2)
    started = q.start(ctx, "1", by="ana")
    assert (started.status, started.started_at) == ("serving", T0 + dt.timedelta(minutes=3))
    clock.advance(minutes=5)
    done = q.complete(ctx, "1", by="ana")
    assert (done.status, done.ended_at, done.counter) == ("done", T0 + dt.timedelta(minutes=8), "1")
    assert q.held_by(ctx, "1") is None
    assert events(t.id) == [("issued", None, None), ("called", "ana", "1"), ("started", "ana", "1"),
                            ("completed", "ana", "1")]
    assert Ticket.get_by_id(t.id).staff.login == "ana"


def test_called_to_no_show(ctx, clock) -> None:
    t = issue(ctx, clock)
    call(ctx, clock)
    info = q.no_show(ctx, "1", by="ana")
    assert (info.status, info.ended_at) == ("no_show", T0 + dt.timedelta(minutes=2))
    assert events(t.id)[-1] == ("no_show", "ana", "1")
    assert q.held_by(ctx, "1") is None


def test_called_to_cancelled_at_the_counter(ctx, clock) -> None:
    t = issue(ctx, clock)
    call(ctx, clock, "2", "joao")
    assert q.cancel(ctx, "2", by="joao").status == "cancelled"
    assert events(t.id)[-1] == ("cancelled", "joao", "2")
    assert Ticket.get_by_id(t.id).ended_at == T0 + dt.timedelta(minutes=2)


def test_waiting_to_cancelled_by_number_or_id(ctx, clock) -> None:
    a = issue(ctx, clock)
    b = issue(ctx, clock)
    assert q.cancel_waiting(ctx, "a001", by="rita").status == "cancelled"
    assert q.cancel_waiting(ctx, b.id).status == "cancelled"
    assert events(a.id) == [("issued", None, None), ("cancelled", "rita", None)]
    assert events(b.id)[-1] == ("cancelled", None, None)
    assert q.call_next(ctx, "1", "ana") is None


def test_requeue_to_the_back_and_to_the_front(ctx, clock) -> None:
    a, b, c = issue(ctx, clock), issue(ctx, clock), issue(ctx, clock)
    assert call(ctx, clock).id == a.id
    back = q.requeue(ctx, "1", by="ana")
    assert (back.status, back.counter) == ("waiting", None)
    assert detail(a.id, "requeued") == {"front": False}
    clock.advance(minutes=1)
    assert call(ctx, clock).id == b.id  # a went to the back of the line
    q.requeue(ctx, "1", front=True, by="ana")
    assert detail(b.id, "requeued") == {"front": True}
    assert call(ctx, clock).id == b.id  # b at the front again
    q.start(ctx, "1", by="ana")
    q.complete(ctx, "1", by="ana")
    assert call(ctx, clock).id == c.id
    q.no_show(ctx, "1", by="ana")
    again = call(ctx, clock)
    assert again.id == a.id
    assert events(a.id) == [("issued", None, None), ("called", "ana", "1"), ("requeued", "ana", "1"),
                            ("called", "ana", "1")]
    assert again.called_at == clock.now() - dt.timedelta(minutes=1)  # the wait counts to the last call


def test_front_requeue_goes_before_priority_and_another_desk_gets_it(ctx, clock) -> None:
    a = issue(ctx, clock)
    issue(ctx, clock, priority="priority")
    assert call(ctx, clock, "1", "ana").priority == "priority"
    q.requeue(ctx, "1", front=True, by="ana")
    picked = call(ctx, clock, "2", "joao")
    assert picked.priority == "priority" and picked.counter == "2"
    assert call(ctx, clock, "1", "ana").id == a.id


def test_recall_counts_up_to_the_configured_limit(ctx, clock) -> None:
    t = issue(ctx, clock)
    call(ctx, clock)
    for expected in (1, 2, 3):
        assert q.recall(ctx, "1", by="ana").recall_count == expected
        assert TicketEvent.select().where((TicketEvent.ticket == t.id) & (TicketEvent.kind == "recalled")).count() == expected
    with pytest.raises(QueueError, match=r"^A001 has been recalled 3 times; start it or mark it a no-show\.$"):
        q.recall(ctx, "1", by="ana")
    assert Ticket.get_by_id(t.id).recall_count == 3
    assert events(t.id)[-1] == ("recalled", "ana", "1")
    recalls = TicketEvent.select().where((TicketEvent.ticket == t.id) & (TicketEvent.kind == "recalled"))
    assert [json.loads(e.detail)["count"] for e in recalls.order_by(TicketEvent.id)] == [1, 2, 3]
    assert q.start(ctx, "1", by="ana").status == "serving"


def test_recall_limit_zero_allows_no_recall(ctx, clock) -> None:
    with_queue(ctx, recall_limit=0)
    issue(ctx, clock)
    call(ctx, clock)
    with pytest.raises(QueueError, match=r"^A001 has been recalled 0 times; start it or mark it a no-show\.$"):
        q.recall(ctx, "1", by="ana")


def test_recalls_survive_a_requeue(ctx, clock) -> None:
    with_queue(ctx, recall_limit=1)
    issue(ctx, clock)
    call(ctx, clock)
    q.recall(ctx, "1", by="ana")
    q.requeue(ctx, "1", front=True, by="ana")
    call(ctx, clock)
    with pytest.raises(QueueError, match="recalled 1 times"):
        q.recall(ctx, "1", by="ana")


def test_transfer_creates_a_linked_waiting_ticket_in_the_target_service(ctx, clock) -> None:
    issue(ctx, clock, "CARD")  # C001 already taken today
    a = issue(ctx, clock, "CASH", "priority")
    call(ctx, clock)
    q.start(ctx, "1", by="ana")
    clock.advance(minutes=3)
    new = q.transfer(ctx, "1", "CARD", by="ana")
    assert (new.number, new.service, new.status, new.priority, new.parent_number) == (
        "C002", "CARD", "waiting", "priority", "A001")
    assert (new.issued_at, new.counter) == (clock.now(), None)
    old = Ticket.get_by_id(a.id)
    assert (old.status, old.ended_at) == ("transferred", clock.now())
    assert Ticket.get_by_id(new.id).parent_id == a.id
    assert events(a.id)[-1] == ("transferred", "ana", "1")
    assert detail(a.id, "transferred") == {"new": "C002", "to": "CARD"}
    assert events(new.id) == [("issued", "ana", "1")]
    assert detail(new.id, "issued") == {"channel": "transfer", "parent": "A001"}
    assert q.held_by(ctx, "1") is None  # the counter is free for the next customer

    # The chain goes on: counter 3 (CARD first) calls C002 (priority) before C001, serves it and
    # sends the customer on to loans.
    assert call(ctx, clock, "3", "mehmet").number == "C002"
    q.start(ctx, "3")
    loan = q.transfer(ctx, "3", "LOAN", priority="normal")
    assert (loan.number, loan.priority, loan.parent_number) == ("L001", "normal", "C002")
    assert q.ticket_info(new.id).parent_number == "A001"
    assert q.ticket_info(a.id).parent_number is None


def test_transfer_refuses_the_same_or_an_unknown_service_and_keeps_serving(ctx, clock) -> None:
    issue(ctx, clock)
    call(ctx, clock)
    q.start(ctx, "1")
    with pytest.raises(QueueError, match=r"^A001 is already in Cash deposit and withdrawal\.$"):
        q.transfer(ctx, "1", "CASH")
    with pytest.raises(NotFound, match=r"^There is no service 'NOPE'\."):
        q.transfer(ctx, "1", "NOPE")
    with pytest.raises(NotFound, match=r"^There is no priority class 'vip'\. Classes: priority, normal\.$"):
        q.transfer(ctx, "1", "CARD", priority="vip")
    assert q.held_by(ctx, "1").status == "serving"
    assert Ticket.select().count() == 1


# --- refused transitions ---------------------------------------------------------------------------

ACTIONS = {
    "recall": lambda ctx: q.recall(ctx, "1"),
    "start": lambda ctx: q.start(ctx, "1"),
    "complete": lambda ctx: q.complete(ctx, "1"),
    "no_show": lambda ctx: q.no_show(ctx, "1"),
    "requeue": lambda ctx: q.requeue(ctx, "1"),
    "requeue_front": lambda ctx: q.requeue(ctx, "1", front=True),
    "cancel": lambda ctx: q.cancel(ctx, "1"),
    "transfer": lambda ctx: q.transfer(ctx, "1", "CARD"),
}
ALLOWED = {
    "called": {"recall", "start", "no_show", "requeue", "requeue_front", "cancel"},
    "serving": {"complete", "transfer"},
}
REFUSED = {"called": "A001 has been called at Counter 1.", "serving": "A001 is already being served at Counter 1."}


def bring_to(ctx, clock, state: str) -> Ticket:
    t = issue(ctx, clock)
    call(ctx, clock)
    if state == "serving":
        q.start(ctx, "1")
    return Ticket.get_by_id(t.id)


@pytest.mark.parametrize("state", sorted(REFUSED))
def test_counter_actions_refused_in_the_wrong_state(ctx, clock, state) -> None:
    t = bring_to(ctx, clock, state)
    before = events(t.id)
    for action in sorted(set(ACTIONS) - ALLOWED[state]):
        with pytest.raises(QueueError) as refused:
            ACTIONS[action](ctx)
        assert (action, str(refused.value)) == (action, REFUSED[state])
        assert status(t.id) == state
        assert events(t.id) == before
        assert Ticket.select().count() == 1


@pytest.mark.parametrize("after", ["nothing", "done", "no_show", "transferred", "requeued"])
def test_counter_actions_refused_when_the_counter_holds_nothing(ctx, clock, after) -> None:
    if after != "nothing":
        issue(ctx, clock)
        call(ctx, clock)
        if after in ("done", "transferred"):
            q.start(ctx, "1")
        {"done": lambda: q.complete(ctx, "1"), "no_show": lambda: q.no_show(ctx, "1"),
         "transferred": lambda: q.transfer(ctx, "1", "INFO"), "requeued": lambda: q.requeue(ctx, "1")}[after]()
    count = TicketEvent.select().count()
    for action in sorted(ACTIONS):
        with pytest.raises(QueueError) as refused:
            ACTIONS[action](ctx)
        assert (action, str(refused.value)) == (action, "Counter 1 holds no ticket; call the next one first.")
        assert TicketEvent.select().count() == count


def test_calling_while_holding_a_ticket_is_refused(ctx, clock) -> None:
    issue(ctx, clock)
    issue(ctx, clock)
    call(ctx, clock)
    with pytest.raises(QueueError, match=r"^Counter 1 already holds A001; complete, requeue or mark it a no-show first\.$"):
        q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    with pytest.raises(QueueError, match="already holds A001"):
        q.call_next(ctx, "1", "ana")
    with pytest.raises(QueueError, match="already holds A001"):
        q.call_next(ctx, "1", "joao")  # a colleague cannot take the counter either
    assert Ticket.select().where(Ticket.status == "waiting").count() == 1


def finish(ctx, clock, how: str) -> Ticket:
    t = issue(ctx, clock)
    if how != "waiting":
        call(ctx, clock)
    if how in ("serving", "done", "transferred"):
        q.start(ctx, "1")
    {"done": lambda: q.complete(ctx, "1"), "no_show": lambda: q.no_show(ctx, "1"),
     "cancelled": lambda: q.cancel(ctx, "1"), "transferred": lambda: q.transfer(ctx, "1", "INFO"),
     "removed_by_reset": lambda: q.close_day(ctx)}.get(how, lambda: None)()
    return Ticket.get_by_id(t.id)


WAITING_ONLY = [
    ("called", "A001 has been called at Counter 1"),
    ("serving", "A001 is already being served at Counter 1"),
    ("done", "A001 has already been served"),
    ("no_show", "A001 was marked as a no-show"),
    ("cancelled", "A001 was cancelled"),
    ("transferred", "A001 was transferred"),
    ("removed_by_reset", "A001 was removed at the end of its day"),
]


@pytest.mark.parametrize(("state", "said"), WAITING_ONLY)
def test_cancel_and_move_need_a_waiting_ticket(ctx, clock, state, said) -> None:
    t = finish(ctx, clock, state)
    assert t.status == state
    count = TicketEvent.select().count()
    with pytest.raises(QueueError) as refused:
        q.cancel_waiting(ctx, "A001", by="rita")
    assert str(refused.value) == f"{said}; only a waiting ticket can be cancelled here."
    with pytest.raises(QueueError) as refused:
        q.move_waiting(ctx, "A001", front=True, by="sofia")
    assert str(refused.value) == f"{said}; only a waiting ticket can be moved."
    assert status(t.id) == state
    assert TicketEvent.select().count() == count


def test_unknown_ticket_counter_and_staff(ctx, clock) -> None:
    with pytest.raises(NotFound, match=r"^There is no ticket A999 today\.$"):
        q.cancel_waiting(ctx, "A999")
    with pytest.raises(NotFound, match=r"^There is no counter '9'\.$"):
        q.call_next(ctx, "9", "ana")
    with pytest.raises(NotFound, match=r"^There is no counter '9'\.$"):
        q.start(ctx, "9")
    with pytest.raises(NotFound, match=r"^There is no active staff member 'zed'\.$"):
        q.call_next(ctx, "1", "zed")


def test_yesterdays_number_is_not_today_s(ctx, clock) -> None:
    issue(ctx, clock)
    clock.advance(days=1)
    with pytest.raises(NotFound, match=r"^There is no ticket A001 today\.$"):
        q.cancel_waiting(ctx, "A001")


# --- supervisor moves and work profiles ------------------------------------------------------------


def test_move_waiting_to_the_front_is_audited(ctx, clock) -> None:
    a, b = issue(ctx, clock), issue(ctx, clock)
    moved = q.move_waiting(ctx, "A002", front=True, by="sofia")
    assert (moved.number, moved.status) == ("A002", "waiting")
    assert events(b.id)[-1] == ("moved", "sofia", None)
    audit = AuditEvent.get(AuditEvent.action == "ticket_moved")
    assert (audit.staff, audit.entity, audit.entity_id, json.loads(audit.detail)) == (
        "sofia", "ticket", "A002", {"front": True})
    assert call(ctx, clock).id == b.id
    assert call(ctx, clock, "2", "joao").id == a.id


def test_move_waiting_to_another_service_renumbers_it_there(ctx, clock) -> None:
    issue(ctx, clock, "CARD")  # C001
    issue(ctx, clock, "CARD")  # C002
    a1 = issue(ctx, clock)  # A001, waiting before C003 will be
    a2 = issue(ctx, clock)  # A002 has the same sequence number as C002: must not collide
    issue(ctx, clock, "CARD")  # C003
    moved = q.move_waiting(ctx, "A002", to_service="CARD", by="sofia")
    assert (moved.number, moved.service, moved.status) == ("C004", "CARD", "waiting")
    assert detail(a2.id, "moved") == {"front": False, "number": "C004", "previous": "A002", "to": "CARD"}
    assert json.loads(AuditEvent.get(AuditEvent.action == "ticket_moved").detail)["number"] == "C004"
    # Its place in line is kept: it was issued before C003, so counter 3 (CARD first) calls it
    # right after C001 and C002.
    assert call(ctx, clock, "3", "mehmet").number == "C001"
    q.no_show(ctx, "3")
    assert call(ctx, clock, "3", "mehmet").number == "C002"
    q.no_show(ctx, "3")
    assert call(ctx, clock, "3", "mehmet").number == "C004"
    assert status(a1.id) == "waiting"


def test_a_number_moved_away_is_never_issued_again_that_day(ctx, clock) -> None:
    """Issue 14, finding 7: C001 moved to CASH became A005, and the next Cards ticket was C001 again."""
    printed = issue(ctx, clock, "CARD")  # C001: the number on the customer's paper
    for _ in range(4):
        issue(ctx, clock)  # A001..A004
    moved = q.move_waiting(ctx, "C001", to_service="CASH", by="sofia")
    assert moved.number == "A005"
    assert issue(ctx, clock, "CARD").number == "C002"  # not C001 again
    assert (moved.id, moved.former_number) == (printed.id, "C001")
    # Moved on, it keeps the number the customer holds; the number it leaves is not reissued either.
    again = q.move_waiting(ctx, "A005", to_service="CARD", by="sofia")
    assert (again.number, again.former_number) == ("C003", "C001")
    assert issue(ctx, clock).number == "A006"
    # The printed number still finds it (reception types what is on the paper).
    assert q.find_today(ctx, "C001").id == printed.id
    assert detail(printed.id, "moved") == {"front": False, "number": "A005", "previous": "C001", "to": "CASH"}


def test_the_sequence_never_goes_back_when_the_last_number_moves_away(ctx, clock) -> None:
    issue(ctx, clock, "CARD")  # C001
    issue(ctx, clock, "CARD")  # C002, the last Cards number, moves away
    q.move_waiting(ctx, "C002", to_service="INFO", by="sofia")
    q.move_waiting(ctx, "C001", to_service="INFO", by="sofia")
    assert Ticket.select().where(Ticket.service == Service.get(code="CARD")).count() == 0
    assert issue(ctx, clock, "CARD").number == "C003"
    assert q.ticket_info(q.find_today(ctx, "C002").id).number == "E001"
    assert [t.former_number for t in q.ticket_infos(Ticket.former_number.is_null(False))] == ["C001", "C002"]
    # A front move keeps the number and says nothing about a former one.
    assert q.move_waiting(ctx, "C003", front=True, by="sofia").former_number is None


def test_move_waiting_needs_somewhere_to_go(ctx, clock) -> None:
    issue(ctx, clock)
    with pytest.raises(QueueError, match=r"^A001 is already there; choose another service or the front of its line\.$"):
        q.move_waiting(ctx, "A001", by="sofia")
    with pytest.raises(QueueError, match="already there"):
        q.move_waiting(ctx, "A001", to_service="CASH", by="sofia")
    with pytest.raises(NotFound, match="There is no service 'NOPE'"):
        q.move_waiting(ctx, "A001", to_service="NOPE", by="sofia")
    with pytest.raises(NotFound, match="There is no active staff member 'zed'"):
        q.move_waiting(ctx, "A001", front=True, by="zed")
    assert AuditEvent.select().where(AuditEvent.action == "ticket_moved").count() == 0
    assert kinds(Ticket.get().id) == ["issued"]


def test_set_profile_changes_the_calling_order_and_is_audited(ctx, clock) -> None:
    info = issue(ctx, clock, "INFO")
    cash = issue(ctx, clock, "CASH")
    q.set_profile(ctx, "1", ["INFO", "CASH"], by="sofia")
    audit = AuditEvent.get(AuditEvent.action == "counter_profile")
    assert (audit.staff, audit.entity, audit.entity_id, audit.detail) == ("sofia", "counter", "1", "INFO,CASH")
    assert call(ctx, clock).id == info.id
    q.no_show(ctx, "1")
    q.set_profile(ctx, "1", ["CARD"], by="sofia")
    assert q.call_next(ctx, "1", "ana") is None  # counter 1 no longer serves CASH
    assert call(ctx, clock, "2", "joao").id == cash.id


@pytest.mark.parametrize(("services", "message"), [
    ([], "A counter must serve at least one service."),
    (["CASH", "CASH"], "A service may appear only once in a counter's work profile."),
])
def test_set_profile_refuses_a_bad_profile(ctx, services, message) -> None:
    with pytest.raises(QueueError) as refused:
        q.set_profile(ctx, "1", services, by="sofia")
    assert str(refused.value) == message


def test_set_profile_with_an_unknown_service_changes_nothing(ctx, clock) -> None:
    with pytest.raises(NotFound, match="There is no service 'NOPE'"):
        q.set_profile(ctx, "1", ["INFO", "NOPE"], by="sofia")
    assert q.profile(counter_row("1").id) == [Service.get(code=c).id for c in ("CASH", "INFO")]
    assert AuditEvent.select().where(AuditEvent.action == "counter_profile").count() == 0


# --- counters and roles ----------------------------------------------------------------------------


def test_call_next_opens_a_closed_counter_for_that_staff_member(ctx, clock) -> None:
    assert counter_row("1").state == "closed"
    assert q.call_next(ctx, "1", "ana") is None  # nothing waits, but ana now sits at counter 1
    row = counter_row("1")
    assert (row.state, row.staff.login, row.state_since) == ("open", "ana", T0)


def test_a_teller_moving_to_another_counter_closes_the_first(ctx, clock) -> None:
    issue(ctx, clock)
    call(ctx, clock, "1", "ana")
    with pytest.raises(QueueError, match=r"^You still hold A001 at Counter 1; finish or requeue it first\.$"):
        q.call_next(ctx, "2", "ana")
    q.start(ctx, "1")
    q.complete(ctx, "1")
    q.call_next(ctx, "2", "ana")
    assert (counter_row("1").state, counter_row("1").staff_id) == ("closed", None)
    assert (counter_row("2").state, counter_row("2").staff.login) == ("open", "ana")


def test_a_colleague_takes_over_a_free_counter(ctx, clock) -> None:
    q.open_counter(ctx, "1", "ana")
    issue(ctx, clock)
    assert call(ctx, clock, "1", "joao").counter == "1"
    assert counter_row("1").staff.login == "joao"


def test_a_counter_holds_at_most_one_ticket(ctx, clock) -> None:
    for _ in range(4):
        issue(ctx, clock)
    call(ctx, clock, "1", "ana")
    call(ctx, clock, "2", "joao")
    for counter, staff in (("1", "ana"), ("2", "joao"), ("1", "joao")):
        with pytest.raises(QueueError, match="already holds"):
            q.call_next(ctx, counter, staff)
    held = Ticket.select(Ticket.counter).where(Ticket.status.in_(("called", "serving"))).tuples()
    assert sorted(c for (c,) in held) == sorted({c for (c,) in held})


@pytest.mark.parametrize(("login", "message"), [
    ("rita", "Only a teller or a supervisor may serve at a counter; Rita Marques is a greeter."),
    ("pedro", "Only a teller or a supervisor may serve at a counter; Pedro Nunes is a manager."),
])
def test_greeters_and_managers_cannot_call(ctx, clock, login, message) -> None:
    t = issue(ctx, clock)
    with pytest.raises(Forbidden) as refused:
        q.call_next(ctx, "1", login)
    assert str(refused.value) == message
    with pytest.raises(Forbidden) as refused:
        q.open_counter(ctx, "1", login)
    assert str(refused.value) == message
    assert status(t.id) == "waiting"
    assert counter_row("1").state == "closed"


def test_a_supervisor_may_serve_at_a_counter(ctx, clock) -> None:
    issue(ctx, clock)
    assert call(ctx, clock, "1", "sofia").number == "A001"


def test_every_change_is_an_event_with_staff_and_counter(ctx, clock) -> None:
    for service in ("CASH", "CASH", "CASH", "CASH", "INFO"):
        issue(ctx, clock, service)
    call(ctx, clock, "1", "ana")
    q.recall(ctx, "1", by="ana")
    q.start(ctx, "1", by="ana")
    q.complete(ctx, "1", by="ana")
    call(ctx, clock, "2", "joao")
    q.no_show(ctx, "2", by="joao")
    call(ctx, clock, "1", "ana")
    q.requeue(ctx, "1", by="ana")
    call(ctx, clock, "2", "joao")
    q.cancel(ctx, "2", by="joao")
    call(ctx, clock, "1", "ana")
    q.start(ctx, "1", by="ana")
    q.transfer(ctx, "1", "CARD", by="ana")
    q.cancel_waiting(ctx, "E001", by="rita")
    counted = {}
    for e in TicketEvent.select():
        counted[e.kind] = counted.get(e.kind, 0) + 1
        if e.kind in ("issued", "cancelled") and e.counter_id is None:
            continue  # issued at reception, cancelled there: no counter involved
        assert e.staff_id is not None and e.counter_id is not None, (e.kind, e.ticket_id)
    assert counted == {"issued": 6, "called": 5, "recalled": 1, "started": 2, "completed": 1, "no_show": 1,
                       "requeued": 1, "cancelled": 2, "transferred": 1}
    assert events(Ticket.get(Ticket.number == "E001").id)[-1] == ("cancelled", "rita", None)
    # The counter-side events carry the staff member who sits there.
    by_counter = {(e.counter.code, e.staff.login) for e in TicketEvent.select() if e.counter_id}
    assert by_counter == {("1", "ana"), ("2", "joao")}


# --- expected waits ---------------------------------------------------------------------------------
# The estimator (deskapp.core.queue.forecast) simulates the counters' calling order with service times
# drawn around each service's expected time (CASH: typical 4 min) and the desk timings measured, or
# these defaults while there is no history: call to start 0.82 min on average, 0.6 min from the end of a
# service to the next call, 0.4 min for an idle counter to notice. So each CASH ticket ahead at one
# counter adds about 4 + 0.82 + 0.6 = 5.4 minutes; the bounds below allow for the simulation's spread.

ONE_CASH_TICKET = (4.0, 7.5)


def shown(minutes: float) -> str:
    from deskapp.tui.format import minutes as fmt

    return fmt(minutes)


def test_no_open_counter_means_no_estimate(ctx, clock) -> None:
    for expected in (1, 2, 3):
        issued = q.issue(ctx, "CASH")
        assert (issued.position, issued.estimated_wait_minutes, issued.estimated_wait_range) == (expected, None, None)
        ticket = Ticket.get_by_id(issued.ticket.id)
        assert (ticket.estimated_wait_minutes, ticket.estimated_wait_low, ticket.estimated_wait_high) == (None,) * 3


def test_one_idle_counter_each_ticket_ahead_adds_a_service(ctx, clock) -> None:
    q.open_counter(ctx, "1", "ana")
    waits = [q.issue(ctx, "CASH") for _ in range(4)]
    assert [w.position for w in waits] == [1, 2, 3, 4]
    points = [w.estimated_wait_minutes for w in waits]
    assert 0 < points[0] < 1.5  # the idle counter only has to notice it
    for before, after in zip(points, points[1:]):
        assert ONE_CASH_TICKET[0] < after - before < ONE_CASH_TICKET[1]


def test_every_promise_is_kept_with_its_ticket_and_the_range_holds_the_point(ctx, clock) -> None:
    q.open_counter(ctx, "1", "ana")
    for _ in range(3):
        issued = q.issue(ctx, "CASH")
        low, high = issued.estimated_wait_range
        assert low <= issued.estimated_wait_minutes <= high
        ticket = Ticket.get_by_id(issued.ticket.id)
        # (PostgreSQL keeps a REAL: equal to about 7 digits)
        assert (ticket.estimated_wait_minutes, ticket.estimated_wait_low, ticket.estimated_wait_high) == (
            pytest.approx(issued.estimated_wait_minutes, rel=1e-6), pytest.approx(low, rel=1e-6),
            pytest.approx(high, rel=1e-6))
    # Three tickets ahead at one counter: the range is a real spread, not a point.
    assert high - low > 2


def test_never_zero_minutes_while_people_are_ahead(ctx, clock) -> None:
    # Two idle counters and one ticket already waiting: the old estimate told the second "0 min".
    q.open_counter(ctx, "1", "ana")
    q.open_counter(ctx, "3", "mehmet")  # counter 3 serves CASH third, but serves it
    first, second = q.issue(ctx, "CASH"), q.issue(ctx, "CASH")
    assert second.position == 2
    assert second.estimated_wait_minutes > 0 and shown(second.estimated_wait_minutes) != "0 min"
    assert shown(first.estimated_wait_minutes) != "0 min"


def test_two_idle_counters_share_the_line(ctx, clock) -> None:
    q.open_counter(ctx, "1", "ana")
    q.open_counter(ctx, "3", "mehmet")
    waits = [q.issue(ctx, "CASH").estimated_wait_minutes for _ in range(4)]
    # Positions 1 and 2 are called at once; 3 and 4 after one service.
    assert max(waits[:2]) < 1.5
    assert min(waits[2:]) > ONE_CASH_TICKET[0]
    assert max(waits[2:]) < ONE_CASH_TICKET[0] + ONE_CASH_TICKET[1]


def test_paused_counter_does_not_count(ctx, clock) -> None:
    q.open_counter(ctx, "1", "ana")
    q.open_counter(ctx, "2", "joao")
    q.set_counter_state(ctx, "2", "paused", by="joao")
    first, second = (q.issue(ctx, "CASH").estimated_wait_minutes for _ in range(2))
    assert ONE_CASH_TICKET[0] < second - first < ONE_CASH_TICKET[1]


def test_a_counter_serving_two_services_is_counted_once(ctx, clock) -> None:
    # Counter 1 alone serves CASH first, then INFO: the old estimate counted it free for both (0 and 0).
    q.open_counter(ctx, "1", "ana")
    cash = q.issue(ctx, "CASH").estimated_wait_minutes
    info = q.issue(ctx, "INFO").estimated_wait_minutes
    assert info - cash > ONE_CASH_TICKET[0]


def test_a_service_no_counter_serves_first_is_told_a_longer_wait(ctx, clock) -> None:
    # Counters 4 (ACCT, LOAN, CMPL) and 5 (LOAN, CMPL, ACCT) both busy: a complaints ticket waits behind
    # loans, whichever came first; the old estimate told both the same (the first counter to free).
    for counter, login, service in (("4", "lucas", "ACCT"), ("5", "mehmet", "LOAN")):
        issue(ctx, clock, service)
        call(ctx, clock, counter, login)
        q.start(ctx, counter)
    complaint = issue(ctx, clock, "CMPL")
    loan = q.issue(ctx, "LOAN")
    assert loan.position == 1
    from deskapp.core.queue.waits import position_and_wait

    position, complaint_wait = position_and_wait(ctx, complaint.id)
    assert position == 1
    assert complaint_wait > loan.estimated_wait_minutes + 3


def test_busy_counter_frees_when_its_service_should_end(ctx, clock) -> None:
    issue(ctx, clock)
    call(ctx, clock)  # called, not started: busy for the rest of the call and a whole service
    called = q.issue(ctx, "CASH").estimated_wait_minutes
    assert ONE_CASH_TICKET[0] - 1 < called < ONE_CASH_TICKET[1]
    q.start(ctx, "1")
    clock.advance(minutes=1)  # serving for 1 of about 4 minutes
    issued = q.issue(ctx, "CASH")
    from deskapp.core.queue.waits import position_and_wait

    position, ahead_wait = position_and_wait(ctx, Ticket.get(Ticket.number == "A002").id)
    assert position == 1
    assert 1.5 < ahead_wait < called  # the rest of the service now, less than a whole one
    assert issued.position == 2
    assert ONE_CASH_TICKET[0] < issued.estimated_wait_minutes - ahead_wait < ONE_CASH_TICKET[1]


def test_priority_ticket_is_told_its_place_in_the_calling_order(ctx, clock) -> None:
    q.open_counter(ctx, "1", "ana")
    for _ in range(3):
        issue(ctx, clock)
    priority = q.issue(ctx, "CASH", "priority")
    second = q.issue(ctx, "CASH", "priority")
    # P, P, then a normal: a third priority ticket comes after the first normal one.
    third = q.issue(ctx, "CASH", "priority")
    assert [t.position for t in (priority, second, third)] == [1, 2, 4]
    points = [t.estimated_wait_minutes for t in (priority, second, third)]
    assert points[0] < 1.5
    assert ONE_CASH_TICKET[0] < points[1] - points[0] < ONE_CASH_TICKET[1]
    assert 2 * ONE_CASH_TICKET[0] < points[2] - points[1] < 2 * ONE_CASH_TICKET[1]


def test_an_overdue_ticket_is_counted_ahead_of_a_new_priority_one(ctx, clock) -> None:
    issue(ctx, clock)  # A001, normal
    clock.advance(minutes=30)  # A001 has waited the maximum (31 minutes)
    q.open_counter(ctx, "1", "ana")
    priority = q.issue(ctx, "CASH", "priority")
    # The stride rule alone would put the priority ticket first, but A001 is overdue and goes first.
    assert priority.position == 2
    assert ONE_CASH_TICKET[0] < priority.estimated_wait_minutes < ONE_CASH_TICKET[1] + 1
    assert call(ctx, clock).number == "A001"


def test_recent_service_times_replace_the_typical_time(ctx, clock) -> None:
    for _ in range(3):
        issue(ctx, clock)
        call(ctx, clock)
        q.start(ctx, "1")
        clock.advance(minutes=10)
        q.complete(ctx, "1")
    from deskapp.core.queue.waits import service_minutes

    # EWMA from typical 4, alpha 0.3, three 10-minute services: 5.8, 7.06, 7.942.
    assert service_minutes(ctx, Service.get(Service.code == "CASH")) == pytest.approx(7.942)
    first = q.issue(ctx, "CASH").estimated_wait_minutes
    second = q.issue(ctx, "CASH")
    assert second.position == 2
    # One service of about 7.9 minutes (not the typical 4) plus a minute from call to start (as measured).
    assert 7.942 < second.estimated_wait_minutes - first < 7.942 + 3


# --- races with another desk, made deterministic ----------------------------------------------------


class OtherDesk:
    """A second connection that writes in a transaction it leaves open, as a desk in the middle of
    its own change would; `commit_later` commits from a timer thread while this thread waits."""

    def __init__(self, url: str):
        self.sqlite = url.startswith("sqlite:///")
        if self.sqlite:
            self.conn = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None, check_same_thread=False,
                                        timeout=10)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            self.conn = psycopg.connect(url)

    def execute(self, sql: str, *params) -> None:
        self.conn.execute(sql.replace("%s", "?") if self.sqlite else sql, params)

    def commit_later(self, seconds: float = 0.5) -> threading.Timer:
        timer = threading.Timer(seconds, self.conn.commit)
        timer.start()
        return timer

    def close(self) -> None:
        self.conn.close()


def test_transfer_waits_for_a_desk_issuing_in_the_target_service(ctx, clock, db_url) -> None:
    issue(ctx, clock)
    call(ctx, clock)
    q.start(ctx, "1")
    card = Service.get(code="CARD")
    other = OtherDesk(db_url)
    try:
        # The other desk is issuing C001 right now (PostgreSQL: it holds the CARD row, as issue does).
        if not other.sqlite:
            other.execute("SELECT id FROM service WHERE id = %s FOR UPDATE", card.id)
        other.execute(
            "INSERT INTO ticket (branch_id, service_id, day, seq, number, priority, status, channel, issued_at,"
            " queued_at, front, recall_count) VALUES (%s, %s, %s, 1, 'C001', 'normal', 'waiting', 'kiosk', %s, %s,"
            " %s, 0)", ctx.branch_id, card.id, str(DAY), str(clock.now()), str(clock.now()), False)
        timer = other.commit_later()
        new = q.transfer(ctx, "1", "CARD")
        timer.join()
    finally:
        other.close()
    assert new.number == "C002"
    assert sorted(t.number for t in Ticket.select().where(Ticket.service == card)) == ["C001", "C002"]


def test_cancel_waiting_refuses_a_ticket_a_desk_is_calling(ctx, clock, db_url) -> None:
    t = issue(ctx, clock)
    q.open_counter(ctx, "2", "joao")
    counter = counter_row("2")
    other = OtherDesk(db_url)
    try:
        other.execute("UPDATE ticket SET status = 'called', counter_id = %s, staff_id = %s, called_at = %s"
                      " WHERE id = %s", counter.id, counter.staff_id, str(clock.now()), t.id)
        timer = other.commit_later()
        with pytest.raises(QueueError) as refused:
            q.cancel_waiting(ctx, "A001", by="rita")
        timer.join()
    finally:
        other.close()
    assert str(refused.value) == "A001 has been called at Counter 2; only a waiting ticket can be cancelled here."
    assert status(t.id) == "called"
    assert "cancelled" not in kinds(t.id)


def test_a_desk_starting_the_day_while_another_does(ctx, clock, db_url) -> None:
    t = issue(ctx, clock)
    clock.advance(days=1)
    today = str(DAY + dt.timedelta(days=1))
    other = OtherDesk(db_url)
    try:
        # The other desk is in the middle of its own ensure_day.
        other.execute("UPDATE branch SET current_day = %s WHERE id = %s", today, ctx.branch_id)
        other.execute("UPDATE ticket SET status = 'removed_by_reset', ended_at = %s WHERE id = %s",
                      str(clock.now()), t.id)
        other.execute("INSERT INTO ticket_event (ticket_id, kind, at, detail) VALUES (%s, 'removed', %s, '')",
                      t.id, str(clock.now()))
        timer = other.commit_later()
        removed = q.ensure_day(ctx)
        timer.join()
    finally:
        other.close()
    assert removed == 0
    assert kinds(t.id) == ["issued", "removed"]


# --- the floor: what screens and `queue status` show -------------------------------------------------


def test_queue_status_counts_todays_waiting_tickets(ctx, clock) -> None:
    from deskapp.core.queue.floor import desk_view, queue_status, recent_calls

    issue(ctx, clock)
    issue(ctx, clock, "INFO")
    issue(ctx, clock)
    call(ctx, clock, "1", "ana")
    q.recall(ctx, "1")
    clock.advance(minutes=5)
    status = queue_status(ctx)
    cash = next(s for s in status.services if s.code == "CASH")
    assert (cash.waiting, cash.open_counters, cash.target_wait_minutes) == (1, 1, 10)
    assert cash.longest_wait_minutes == pytest.approx(7.0)  # A002, issued at 10:02, now 10:09
    assert next(s for s in status.services if s.code == "CARD").longest_wait_minutes is None  # a dash
    one = next(c for c in status.counters if c.code == "1")
    assert (one.state, one.staff, one.services, one.ticket.number) == ("open", "ana", ("CASH", "INFO"), "A001")
    assert [(c.number, c.counter, c.recall) for c in recent_calls(ctx)] == [("A001", "1", True), ("A001", "1", False)]
    view = desk_view(ctx, "1")
    assert [s.code for s in view.queues] == ["CASH", "INFO"] and view.counter.ticket.status == "called"
    with pytest.raises(NotFound, match=r"^There is no counter '9'\.$"):
        desk_view(ctx, "9")

    # The next morning, before anyone issues or calls: yesterday's leftovers are not today's queue.
    clock.advance(days=1)
    cash = next(s for s in queue_status(ctx).services if s.code == "CASH")
    assert (cash.waiting, cash.longest_wait_minutes) == (0, None)
    assert recent_calls(ctx) == []


def test_a_colleague_taking_the_counter_while_a_call_is_decided(ctx, clock, db_url, monkeypatch) -> None:
    # ana's call is decided from reads made before its claim; between the two, joao sits down at
    # her idle counter 1 (another desk, another connection). The claim must see the counter as it
    # is now: the ticket goes to ana, and counter 1 is hers again, not joao's with ana's ticket.
    t = issue(ctx, clock)
    q.open_counter(ctx, "1", "ana")
    joao = Staff.get(login="joao").id
    decide = q.calling_order

    def meanwhile(*args, **kwargs):
        other = OtherDesk(db_url)
        other.execute("UPDATE counter SET staff_id = %s, state_since = %s WHERE code = '1'", joao, str(clock.now()))
        other.conn.commit()
        other.close()
        monkeypatch.setattr(q, "calling_order", decide)
        return decide(*args, **kwargs)

    monkeypatch.setattr(q, "calling_order", meanwhile)
    called = q.call_next(ctx, "1", "ana")
    assert called.id == t.id
    row = counter_row("1")
    assert (row.state, row.staff.login, Ticket.get_by_id(t.id).staff.login) == ("open", "ana", "ana")


# --- segment priority ---------------------------------------------------------------------------------


def with_segment_priority(ctx, mapping: dict[str, str]) -> None:
    customers = ctx.config.customers.model_copy(update={"segment_priority": mapping})
    ctx.config = ctx.config.model_copy(update={"customers": customers})


def test_a_segment_mapped_to_a_class_is_issued_in_it_and_no_ticket_shows_the_segment(ctx, clock) -> None:
    from deskapp.db.models import Customer

    with_segment_priority(ctx, {"premier": "priority"})
    premier = Customer.create(number="00000001", name="Ana Premier", segment="premier", created_at=clock.now()).id
    mass = Customer.create(number="00000002", name="Rui Mass", segment="mass", created_at=clock.now()).id
    assert q.issue(ctx, "CASH", customer_id=premier).ticket.priority == "priority"
    assert q.issue(ctx, "CASH", customer_id=mass).ticket.priority == "normal"
    assert q.issue(ctx, "CASH").ticket.priority == "normal"
    # A class chosen that is more urgent than the segment's stays.
    with_segment_priority(ctx, {"mass": "normal"})
    assert q.issue(ctx, "CASH", "priority", customer_id=mass).ticket.priority == "priority"
    # The ticket as desks, reception and the display read it carries no segment.
    info = q.ticket_info(Ticket.get(Ticket.number == "A001").id)
    assert "premier" not in repr(info)


def test_the_latest_calls_per_service_are_read_once_for_every_service_as_call_next_reads_them(ctx, clock) -> None:
    """calling.recent_classes_of (the estimates' read of every waiting service's latest calls, in one
    statement) gives what recent_classes gives service by service: newest first, at most `limit`, a
    service without calls today empty; call-next's own statement reads the same SQL (statements)."""
    for service, priority in (("CASH", None), ("CASH", "priority"), ("INFO", "priority"), ("CASH", None)):
        issue(ctx, clock, service, priority)
    for _ in range(4):
        call(ctx, clock)
        q.start(ctx, "1", by="ana")
        q.complete(ctx, "1", by="ana")
    ids = {s.code: s.id for s in Service.select()}
    found = q.calling.recent_classes_of(ctx, [ids["CASH"], ids["INFO"], ids["LOAN"]], 2)
    assert found == {ids["CASH"]: ["normal", "normal"], ids["INFO"]: ["priority"], ids["LOAN"]: []}
    assert found == {s: q.recent_classes(ctx, s, 2) for s in found}
    assert q.recent_classes(ctx, ids["CASH"], 3) == ["normal", "normal", "priority"]
