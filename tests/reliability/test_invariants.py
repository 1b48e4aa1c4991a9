"""The invariant checker finds what it claims to find: a clean day passes, each kind of damage
is named. (The soak and crash tests rely on it reporting nothing only when nothing is wrong.)"""
from __future__ import annotations

import subprocess
import sys

from deskapp.core import queue as q
from deskapp.core.stats.integrity import check
from deskapp.db import database
from deskapp.db.models import Counter, Service, Ticket, TicketEvent
from tests.conftest import CONFIG


def busy_day(ctx) -> list[int]:
    ids = [q.issue(ctx, "CASH", with_estimate=False).ticket.id for _ in range(4)]
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    q.complete(ctx, "1")
    q.call_next(ctx, "1", "ana")
    q.recall(ctx, "1")
    q.requeue(ctx, "1", front=True)
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1")
    q.transfer(ctx, "1", "ACCT")
    q.call_next(ctx, "2", "joao")
    q.no_show(ctx, "2")
    return ids


def test_a_clean_day_has_no_problems(ctx) -> None:
    busy_day(ctx)
    assert check(ctx.branch_id) == []


def test_a_missing_event_is_found(ctx) -> None:
    busy_day(ctx)
    started = TicketEvent.select().where(TicketEvent.kind == "started").first()
    TicketEvent.delete().where(TicketEvent.id == started.id).execute()
    problems = check(ctx.branch_id)
    assert any("completed while called" in p or "transferred while called" in p for p in problems), problems


def test_a_lost_ticket_and_a_wrong_status_are_found(ctx) -> None:
    ids = busy_day(ctx)
    TicketEvent.delete().where(TicketEvent.ticket == ids[2]).execute()
    Ticket.delete().where(Ticket.id == ids[2]).execute()
    Ticket.update(status="done").where(Ticket.id == ids[3]).execute()
    problems = check(ctx.branch_id)
    assert any("numbers missing (lost tickets): [3]" in p for p in problems), problems
    assert any("stored status done but its events end in waiting" in p for p in problems), problems


def test_a_counter_holding_two_tickets_is_found(ctx) -> None:
    busy_day(ctx)
    q.call_next(ctx, "1", "ana")
    other = Ticket.select().where(Ticket.status == "waiting").first()
    counter = Counter.get(Counter.code == "1")
    Ticket.update(status="called", counter=counter).where(Ticket.id == other.id).execute()
    TicketEvent.create(ticket=other.id, kind="called", at=ctx.now(), counter=counter.id)
    problems = check(ctx.branch_id)
    assert any("holds 2 tickets at once" in p for p in problems), problems
    assert any(f"called ticket {other.id} while holding" in p for p in problems), problems


def test_moves_leave_the_numbers_given_out_and_no_gap(ctx) -> None:
    busy_day(ctx)
    for _ in range(3):
        q.issue(ctx, "CARD", with_estimate=False)  # C001..C003
    q.move_waiting(ctx, "C002", to_service="INFO", by="sofia")  # C002 left: not a lost ticket
    q.move_waiting(ctx, "C003", to_service="INFO", by="sofia")  # nor the last one
    q.move_waiting(ctx, "E002", to_service="CASH", by="sofia")  # moved on: E002 was given out too
    q.issue(ctx, "CARD", with_estimate=False)  # C004
    assert check(ctx.branch_id) == []


def test_a_number_issued_twice_in_a_day_is_found(ctx) -> None:
    """What the numbering before issue 14 did: C001 moved to CASH, then a new C001 (a raw insert here)."""
    busy_day(ctx)
    moved = q.move_waiting(ctx, q.issue(ctx, "CARD", with_estimate=False).ticket.number, to_service="CASH",
                           by="sofia")
    assert check(ctx.branch_id) == []
    card = Service.get(Service.code == "CARD")
    second = Ticket.create(branch=ctx.branch_id, service=card, day=ctx.today(), seq=1, number="C001",
                           priority="normal", issued_at=ctx.now(), queued_at=ctx.now())
    TicketEvent.create(ticket=second.id, kind="issued", at=ctx.now())
    assert check(ctx.branch_id) == [
        f"number C001 issued twice on {ctx.today()}: tickets {moved.id}, {second.id} (a printed number is one "
        "customer's for the whole day)"]


def test_the_last_number_lost_is_found(ctx) -> None:
    ids = busy_day(ctx)
    TicketEvent.delete().where(TicketEvent.ticket == ids[3]).execute()
    Ticket.delete().where(Ticket.id == ids[3]).execute()  # A004, the last CASH number given out
    assert any("numbers missing (lost tickets): [4]" in p for p in check(ctx.branch_id))


def queue_check(db_url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", db_url,
                           "queue", "check"], capture_output=True, text=True, timeout=60)


def test_deskapp_queue_check_says_sound_or_names_each_problem(ctx, db_url) -> None:
    ids = busy_day(ctx)
    database.close()
    sound = queue_check(db_url)
    assert (sound.returncode, sound.stdout.strip(), sound.stderr) == (0, "The queue is sound: no problems found.", "")

    database.connect(db_url)
    Ticket.update(status="done").where(Ticket.id == ids[3]).execute()
    database.close()
    broken = queue_check(db_url)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert broken.stdout.strip() == "ticket A004 (id %d): stored status done but its events end in waiting" % ids[3]


def test_since_checks_the_days_from_then_on_only(ctx, clock, db_url) -> None:
    """#15: at a year of history the check read every ticket and event of the branch (minutes a branch);
    `since` reads the days from then on, and a day's rows are judged alone: counter 1 still held a
    ticket when day one ended, removed at day two's start, and day two's calls at counter 1 are sound."""
    ids = busy_day(ctx)
    q.call_next(ctx, "1", "ana")  # held overnight
    Ticket.update(status="cancelled").where(Ticket.id == ids[0]).execute()  # day one's damage
    first = ctx.today()
    clock.advance(days=1)
    second = ctx.today()
    busy_day(ctx)
    assert check(ctx.branch_id) == [f"ticket A001 (id {ids[0]}): stored status cancelled but its events end in done"]
    assert check(ctx.branch_id, since=first) == check(ctx.branch_id)
    assert check(ctx.branch_id, since=second) == []

    database.close()
    result = subprocess.run([sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", db_url,
                             "queue", "check", "--since", second.isoformat()], capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (
        0, "The queue is sound: no problems found.", "")
    result = subprocess.run([sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", db_url,
                             "queue", "check", "--since", "05/12/2026"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--since must be a date as YYYY-MM-DD" in result.stderr
    database.connect(db_url)
