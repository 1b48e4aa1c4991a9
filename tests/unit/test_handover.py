"""Issue 19, the floor (second half), in core on SQLite and PostgreSQL.

Findings: "transfer cannot go to a named counter or colleague nor carry a note; pause has no reason".
A transfer may now name a counter or a colleague at a counter (only they call the ticket, before
anything else, whatever its service) and carry a note, kept in both tickets' events and shown at the
receiving desk; a pause carries a reason from config, kept on the counter and its event, shown on the
floor and counted in the report.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

from deskapp.core import queue as q
from deskapp.core.queue import handover
from deskapp.core.queue.floor import queue_status
from deskapp.core.stats import reports
from deskapp.core.stats.pauses import paused_by_reason
from deskapp.db.models import AuditEvent, Counter, CounterEvent, Staff, Ticket, TicketEvent
from deskapp.errors import BadInput

DAY = dt.date(2026, 3, 10)


def detail(ticket_id: int, kind: str) -> dict:
    row = TicketEvent.get((TicketEvent.ticket == ticket_id) & (TicketEvent.kind == kind))
    return json.loads(row.detail) if row.detail else {}


def serving(ctx, clock, counter: str = "1", login: str = "ana", service: str = "CASH") -> q.TicketInfo:
    """A ticket of `service` being served at `counter`."""
    q.issue(ctx, service, with_estimate=False)
    clock.advance(minutes=1)
    ticket = q.call_next(ctx, counter, login)
    q.start(ctx, counter, by=login)
    clock.advance(minutes=2)
    return ticket


def test_a_ticket_transferred_to_a_counter_is_called_there_first_and_nowhere_else(ctx, clock) -> None:
    q.open_counter(ctx, "2", "joao")
    q.open_counter(ctx, "3", "mehmet")
    a = serving(ctx, clock)  # A001 at counter 1
    for _ in range(2):  # A002 and A003 waited before the transfer: counter 3 serves CASH too
        q.issue(ctx, "CASH", with_estimate=False)
        clock.advance(minutes=1)
    new = q.transfer(ctx, "1", to_counter="3", note="  Wants to raise his card limit;\n ID checked ", by="ana")
    assert (new.number, new.service, new.status, new.parent_number) == ("A004", "CASH", "waiting", "A001")
    row = Ticket.get_by_id(new.id)
    assert (row.for_counter_id, row.for_staff_id) == (Counter.get(Counter.code == "3").id, None)
    note = "Wants to raise his card limit; ID checked"
    assert detail(a.id, "transferred") == {"new": "A004", "to": "CASH", "to_counter": "3", "note": note}
    assert detail(new.id, "issued") == {"channel": "transfer", "parent": "A001", "to_counter": "3", "note": note}

    # Counter 2 serves CASH but never gets it; counter 3 gets it before the two that waited longer.
    assert q.call_next(ctx, "2", "joao").number == "A002"
    assert q.call_next(ctx, "3", "mehmet").number == "A004"
    found = handover.desk_handovers(ctx, "3", "mehmet").in_hand
    assert (found.number, found.from_name, found.from_counter, found.to_counter, found.note) == (
        "A004", "Ana Costa", "Counter 1", "3", note)
    assert handover.describe(found) == f"From Ana Costa (Counter 1): {note}"


def test_a_ticket_for_a_colleague_follows_them_and_any_service_is_theirs(ctx, clock) -> None:
    q.open_counter(ctx, "2", "joao")
    serving(ctx, clock)
    q.issue(ctx, "ACCT", with_estimate=False)  # B001: counter 4 would call it first otherwise
    new = q.transfer(ctx, "1", "LOAN", to_staff="joao", by="ana")  # LOAN: counter 2 does not serve it
    assert (new.service, Ticket.get_by_id(new.id).for_staff_id) == ("LOAN", Staff.get(Staff.login == "joao").id)
    assert handover.desk_handovers(ctx, "2", "joao").waiting[0].number == new.number
    assert handover.desk_handovers(ctx, "4", "mehmet").waiting == ()
    q.open_counter(ctx, "4", "mehmet")
    assert q.call_next(ctx, "4", "mehmet").number == "B001"  # mehmet serves LOAN, but it is not for him
    q.no_show(ctx, "4", by="mehmet")
    assert q.call_next(ctx, "4", "mehmet") is None
    q.open_counter(ctx, "5", "joao")  # joao moves desks: the ticket goes with him
    assert q.call_next(ctx, "5", "joao").number == new.number
    # He may send it on: an ordinary ticket of the service then, for anyone.
    q.start(ctx, "5", by="joao")
    onward = q.transfer(ctx, "5", "CARD", by="joao")
    assert Ticket.get_by_id(onward.id).for_staff_id is None
    assert handover.desk_handovers(ctx, "5", "joao").waiting == ()


def test_transfers_by_name_are_refused_in_the_tellers_words_and_change_nothing(ctx, clock) -> None:
    q.open_counter(ctx, "2", "joao")
    serving(ctx, clock)
    refused = [
        (dict(to_counter="1"), q.QueueError, "The customer is already at Counter 1"),
        (dict(to_counter="4"), q.QueueError, "Counter 4 is closed: transfer to an open counter"),
        (dict(to_counter="9"), q.NotFound, "There is no counter '9'. Counters: 1, 2, 3, 4, 5."),
        (dict(to_staff="mehmet"), q.QueueError, "is not at a counter now"),
        (dict(to_staff="ana"), q.QueueError, "You hold the ticket already"),
        (dict(to_staff="nobody"), q.NotFound, "There is no active staff member 'nobody'."),
        (dict(to_counter="2", to_staff="joao"), BadInput, "a counter or to a colleague, not both"),
        (dict(), BadInput, "Say where the customer goes"),
        (dict(to_counter="2", note="x" * 501), BadInput, "at most 500 characters (501 given)"),
    ]
    for where, error, words in refused:
        with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
            q.transfer(ctx, "1", **where, by="ana")
    assert q.held_by(ctx, "1").status == "serving"
    assert Ticket.select().count() == 1


def test_a_supervisors_move_returns_a_handed_ticket_to_its_line(ctx, clock) -> None:
    """The colleague left: the supervisor moves the ticket and any counter of its service calls it."""
    q.open_counter(ctx, "2", "joao")
    serving(ctx, clock)
    new = q.transfer(ctx, "1", to_staff="joao", by="ana")
    q.set_counter_state(ctx, "2", "closed", by="joao")
    assert q.call_next(ctx, "1", "ana") is None
    moved = q.move_waiting(ctx, new.number, front=True, by="sofia")
    assert (Ticket.get_by_id(moved.id).for_staff_id, detail(new.id, "moved")["released"]) == (None, True)
    assert q.call_next(ctx, "1", "ana").number == new.number


def test_transfer_targets_name_open_counters_and_the_colleagues_at_them(ctx, clock) -> None:
    q.open_counter(ctx, "1", "ana")
    q.open_counter(ctx, "2", "joao")
    q.open_counter(ctx, "3", "mehmet")
    q.set_counter_state(ctx, "3", "paused", by="mehmet", reason="lunch")
    targets = handover.transfer_targets(ctx, "1")
    assert [c.code for c in targets.counters] == ["2", "3"]
    assert [(p.login, p.counter_name) for p in targets.colleagues] == [("joao", "Counter 2"), ("mehmet", "Counter 3")]
    assert ("CASH", "Cash deposit and withdrawal") in targets.services


# --- pauses ---------------------------------------------------------------------------------------


def test_a_pause_keeps_its_reason_on_the_counter_its_event_and_the_floor(ctx, clock) -> None:
    q.open_counter(ctx, "1", "ana")
    q.set_counter_state(ctx, "1", "paused", by="ana", reason="lunch")
    counter = Counter.get(Counter.code == "1")
    assert (counter.state, counter.pause_reason) == ("paused", "lunch")
    event = CounterEvent.select().where(CounterEvent.counter == counter).order_by(CounterEvent.id.desc()).first()
    assert (event.kind, event.reason, event.by) == ("paused", "lunch", "ana")
    assert AuditEvent.select().order_by(AuditEvent.id.desc()).first().detail == "reason=lunch"
    shown = next(c for c in queue_status(ctx).counters if c.code == "1")
    assert (shown.state, shown.pause_reason) == ("paused", "Lunch")
    q.set_counter_state(ctx, "1", "open", by="ana")
    assert Counter.get(Counter.code == "1").pause_reason is None
    assert next(c for c in queue_status(ctx).counters if c.code == "1").pause_reason is None


def test_an_unknown_pause_reason_is_refused_before_anything_changes(ctx, clock) -> None:
    q.open_counter(ctx, "1", "ana")
    with pytest.raises(BadInput, match=r"^There is no pause reason 'nap'\. Reasons: break, lunch, back_office, "
                                       r"training\.$"):
        q.set_counter_state(ctx, "1", "paused", by="ana", reason="nap")
    with pytest.raises(BadInput, match="A reason goes with a pause only"):
        q.set_counter_state(ctx, "1", "closed", by="ana", reason="lunch")
    assert Counter.get(Counter.code == "1").state == "open"


def test_the_report_counts_time_paused_by_reason_per_counter_and_person(ctx, clock) -> None:
    clock.set(dt.datetime(2026, 3, 10, 9, 0))
    q.open_counter(ctx, "1", "ana")
    q.open_counter(ctx, "2", "joao")
    clock.set(dt.datetime(2026, 3, 10, 10, 0))
    q.set_counter_state(ctx, "1", "paused", by="ana", reason="break")
    q.set_counter_state(ctx, "2", "paused", by="joao", reason="lunch")
    clock.set(dt.datetime(2026, 3, 10, 10, 15))
    q.set_counter_state(ctx, "1", "open", by="ana")  # a 15-minute break
    clock.set(dt.datetime(2026, 3, 10, 11, 0))
    q.set_counter_state(ctx, "1", "paused", by="ana", reason="break")
    clock.set(dt.datetime(2026, 3, 10, 11, 10))
    q.set_counter_state(ctx, "1", "paused", by="ana", reason="back_office")  # the break became back-office work
    clock.set(dt.datetime(2026, 3, 10, 11, 40))
    q.set_counter_state(ctx, "1", "closed", by="ana")
    q.set_counter_state(ctx, "2", "open", by="joao")  # lunch: 10:00 to 11:40
    q.set_counter_state(ctx, "2", "paused", by="sofia")  # a supervisor's pause, no reason given
    clock.set(dt.datetime(2026, 3, 10, 12, 0))  # still paused: counted up to now
    found = [(f.counter, f.login, f.reason, f.label, f.pauses, round(f.minutes, 2))
             for f in paused_by_reason(ctx, DAY, DAY)]
    assert found == [
        ("1", "ana", "back_office", "Back office", 1, 30.0),
        ("1", "ana", "break", "Break", 2, 25.0),
        ("2", "joao", None, "no reason given", 1, 20.0),
        ("2", "joao", "lunch", "Lunch", 1, 100.0),
    ]
    table = next(t for t in reports.build(ctx, DAY, DAY).tables if t.name == "pauses")
    assert table.columns == ("counter", "name", "staff", "staff_name", "reason", "label", "pauses", "paused_minutes")
    assert table.rows[0][:3] == ("1", "Counter 1", "ana") and table.rows[0][-2:] == (1, 30.0)
    # A pause running over the period's start counts from it; the next day sees nothing of today's.
    assert paused_by_reason(ctx, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1)) == []
    # Still paused after midnight (nothing closed the counter): the next day counts it from its start,
    # with the person and reason of the pause that began the day before.
    clock.set(dt.datetime(2026, 3, 11, 1, 0))
    found = [(f.counter, f.login, f.reason, f.pauses, round(f.minutes, 2))
             for f in paused_by_reason(ctx, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1))]
    assert found == [("2", "joao", None, 1, 60.0)]


def test_pause_reasons_in_the_configuration_are_checked_where_they_are_written() -> None:
    from pathlib import Path

    from deskapp.config.load import check_config

    text = (Path(__file__).resolve().parents[2] / "config.yaml").read_text()
    assert "  - {code: training, label: Training}\n" in text
    lines = text.splitlines()
    first = lines.index("  - {code: lunch, label: Lunch}") + 1
    twice = text.replace("  - {code: training, label: Training}\n", "  - {code: lunch, label: Training}\n")
    config, errors = check_config("config.yaml", text=twice)
    assert (config, [str(e) for e in errors]) == (
        None, [f"config.yaml:{first + 2}:12: pause reason 'lunch' is used twice (first at line {first})"])
    wrong = text.replace("  - {code: training, label: Training}\n", "  - {code: Back Office, label: Back office}\n")
    config, errors = check_config("config.yaml", text=wrong)
    assert (config, [str(e) for e in errors]) == (None, [
        f"config.yaml:{first + 2}:12: pause reason 'Back Office' must be 1-32 lower-case letters, digits or '_', "
        "starting with a letter"])


def test_the_waiting_list_and_a_chosen_call_know_what_was_handed_to_whom(ctx, clock) -> None:
    """Both floor halves together (merged from two branches): the desk's waiting list shows a ticket
    handed to this counter first and leaves out one handed to another; calling a chosen ticket names
    the ticket call-next would really take (before the merge: the handed-to flag was read as a
    booking's slot, so the list and 'was next' disagreed with call-next)."""
    from deskapp.core.queue.picking import call_ticket
    from deskapp.core.queue.waiting_list import waiting_list

    q.open_counter(ctx, "2", "joao")
    q.open_counter(ctx, "3", "mehmet")
    serving(ctx, clock)  # A001 at counter 1
    q.issue(ctx, "CASH", with_estimate=False)  # A002, an ordinary walk-in
    clock.advance(minutes=1)
    handed = q.transfer(ctx, "1", to_counter="3", note="card limit", by="ana")  # A003, counter 3's
    assert [t.number for t in waiting_list(ctx, "3").tickets] == [handed.number, "A002"]
    assert [t.number for t in waiting_list(ctx, "2").tickets] == ["A002"]
    q.issue(ctx, "CASH", with_estimate=False)  # A004
    called = call_ticket(ctx, "3", "A004", "asked for by name", by="mehmet")
    assert detail(called.id, "called")["next"] == handed.number
