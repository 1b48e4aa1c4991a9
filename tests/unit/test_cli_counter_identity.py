"""Issue 14, item 2: the counter actions on the command line act in a proven name, or in nobody's.

Before: `queue recall/start/complete/no-show/requeue/transfer/cancel --counter CODE` took no --staff and
acted for whoever held the counter, its events naming that person; `queue issue` took none either.
Now `--staff LOGIN` proves the PIN (wrong ones count toward the lockout), core checks the login may
serve and holds the counter (or is a supervisor), and without --staff the events name nobody.
"""
from __future__ import annotations

import json

import pytest

from deskapp.core import queue as q
from deskapp.core.security import auth
from deskapp.db import database
from deskapp.db.models import AuditEvent, Staff, Ticket, TicketEvent
from tests.unit.test_cli_queue import PINS, deskapp, failed, ok_json


@pytest.fixture
def at_counter(ctx, db_url, tmp_path):
    """E001 (INFO) called to counter 1 by ana; runs deskapp with the PIN given."""
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)
    q.issue(ctx, "INFO", with_estimate=False)
    q.call_next(ctx, "1", "ana")
    database.close()

    def run(*args: str, pin: str | None = None) -> object:
        return deskapp(db_url, *args, "--pin-stdin" if pin is not None else "--json", cwd=tmp_path,
                       input=None if pin is None else pin + "\n")

    return run


def look(db_url: str, fn):
    database.connect(db_url)
    try:
        return fn()
    finally:
        database.close()


def events(number: str = "E001") -> dict[str, tuple[str | None, dict]]:
    """kind -> (login named by the event, its detail) for the ticket's events."""
    ticket = Ticket.get(Ticket.number == number)
    return {e.kind: (e.staff.login if e.staff_id else None, json.loads(e.detail) if e.detail else {})
            for e in TicketEvent.select().where(TicketEvent.ticket == ticket).order_by(TicketEvent.id)}


def test_a_wrong_pin_is_refused_and_counts_toward_the_lockout(at_counter, db_url, ctx) -> None:
    start = at_counter("queue", "start", "--counter", "1", "--staff", "ana", "--json", pin="0000")
    assert failed(start, 1) == "deskapp: Wrong login or PIN."
    assert look(db_url, lambda: (Ticket.get(Ticket.number == "E001").status,
                                 Staff.get(Staff.login == "ana").failed_attempts)) == ("called", 1)
    limit = ctx.config.security.lockout_attempts
    for _ in range(limit - 1):
        failed(at_counter("queue", "recall", "--counter", "1", "--staff", "ana", pin="1111"), 1)
    # locked now: even the right PIN is refused, and the ticket was never touched
    assert "locked" in failed(at_counter("queue", "start", "--counter", "1", "--staff", "ana", pin=PINS["ana"]), 1)
    assert look(db_url, lambda: (Ticket.get(Ticket.number == "E001").status,
                                 AuditEvent.select().where((AuditEvent.action == "cli_failed")
                                                           & (AuditEvent.staff == "ana")).count())) == ("called", limit)


def test_complete_with_a_wrong_pin_is_refused(at_counter, db_url) -> None:
    ok_json(at_counter("queue", "start", "--counter", "1", "--staff", "ana", "--json", pin=PINS["ana"]))
    assert failed(at_counter("queue", "complete", "--counter", "1", "--staff", "ana", pin="0000"), 1) == (
        "deskapp: Wrong login or PIN.")
    assert look(db_url, lambda: Ticket.get(Ticket.number == "E001").status) == "serving"


def test_the_holder_acts_in_their_own_name_with_the_channel(at_counter, db_url) -> None:
    assert ok_json(at_counter("queue", "start", "--counter", "1", "--staff", "ana", "--json",
                              pin=PINS["ana"]))["status"] == "serving"
    done = at_counter("queue", "complete", "--counter", "1", "--abandon-workflow", "on paper", "--staff", "ana",
                      pin=PINS["ana"])
    assert (done.returncode, done.stdout, done.stderr) == (0, "E001: done\n", "")
    seen = look(db_url, events)
    assert seen["started"] == ("ana", {"channel": "cli"})
    assert seen["completed"] == ("ana", {"channel": "cli"})
    audited = look(db_url, lambda: [(a.staff, a.action, a.detail) for a in AuditEvent.select().where(
        AuditEvent.action.in_(["ticket_completed", "workflow_abandoned"])).order_by(AuditEvent.id)])
    assert audited == [("ana", "workflow_abandoned", "workflow=general_enquiry step=answer channel=cli"),
                       ("ana", "ticket_completed", "counter=1 holder=ana channel=cli")]


def test_a_teller_at_another_tellers_counter_is_refused(at_counter, db_url) -> None:
    refused = at_counter("queue", "no-show", "--counter", "1", "--staff", "joao", pin=PINS["joao"])
    assert failed(refused, 1) == ("deskapp: Only a supervisor may act on the ticket of another person's counter; "
                                  "João Ferreira is a teller.")
    assert failed(at_counter("queue", "recall", "--counter", "1", "--staff", "rita", pin=PINS["rita"]), 1) == (
        "deskapp: Only a teller or a supervisor may serve at a counter; Rita Marques is a greeter.")
    assert look(db_url, lambda: (Ticket.get(Ticket.number == "E001").status, sorted(events()))) == (
        "called", ["called", "issued"])


def test_a_supervisor_acts_at_anyones_counter_and_is_recorded(at_counter, db_url) -> None:
    ok_json(at_counter("queue", "start", "--counter", "1", "--staff", "sofia", "--json", pin=PINS["sofia"]))
    ok_json(at_counter("queue", "complete", "--counter", "1", "--abandon-workflow", "on paper", "--staff", "sofia",
                       "--json", pin=PINS["sofia"]))
    seen = look(db_url, events)
    assert seen["called"][0] == "ana"
    assert seen["started"] == ("sofia", {"channel": "cli"})
    assert seen["completed"] == ("sofia", {"channel": "cli"})
    audited = look(db_url, lambda: [(a.staff, a.action, a.entity_id, a.detail) for a in AuditEvent.select().where(
        AuditEvent.action.in_(["ticket_started", "ticket_completed"])).order_by(AuditEvent.id)])
    assert audited == [("sofia", "ticket_started", "E001", "counter=1 holder=ana channel=cli"),
                       ("sofia", "ticket_completed", "E001", "counter=1 holder=ana channel=cli")]
    # the service stays ana's in the per-staff figures: she called and served it; sofia only closed it
    assert look(db_url, lambda: Ticket.get(Ticket.number == "E001").staff.login) == "ana"


def test_without_staff_the_events_name_nobody(at_counter, db_url) -> None:
    """The contract's `--counter CODE` alone still works, as an unnamed action: not the counter's holder."""
    assert ok_json(at_counter("queue", "recall", "--counter", "1"))["recall_count"] == 1
    ok_json(at_counter("queue", "start", "--counter", "1"))
    assert ok_json(at_counter("queue", "transfer", "--counter", "1", "--to", "CASH"))["ticket"] == "A001"
    seen = look(db_url, events)
    assert seen["called"][0] == "ana"
    assert seen["recalled"] == (None, {"channel": "cli", "count": 1})
    assert seen["started"] == (None, {"channel": "cli"})
    assert seen["transferred"][0] is None
    assert look(db_url, lambda: events("A001"))["issued"][0] is None
    audited = look(db_url, lambda: [(a.staff, a.action, a.detail) for a in AuditEvent.select().where(
        AuditEvent.action.startswith("ticket_")).order_by(AuditEvent.id)])
    assert audited == [(None, "ticket_recalled", "counter=1 holder=ana channel=cli unnamed"),
                       (None, "ticket_started", "counter=1 holder=ana channel=cli unnamed"),
                       (None, "ticket_transferred", "counter=1 holder=ana channel=cli unnamed")]


def test_abandoning_a_workflow_without_staff_names_nobody(ctx, db_url, tmp_path) -> None:
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)
    q.issue(ctx, "CASH", with_estimate=False)
    q.call_next(ctx, "1", "ana")
    q.start(ctx, "1", by="ana")
    database.close()
    done = deskapp(db_url, "queue", "complete", "--counter", "1", "--abandon-workflow", "system down", "--json",
                   cwd=tmp_path)
    assert ok_json(done)["status"] == "done"
    audited = look(db_url, lambda: [(a.staff, a.detail) for a in AuditEvent.select().where(
        AuditEvent.action == "workflow_abandoned")])
    assert audited == [(None, "workflow=cash step=transaction channel=cli unnamed")]
    assert look(db_url, lambda: events("A001"))["completed"][0] is None


def test_issue_in_a_proven_name(at_counter, db_url) -> None:
    assert failed(at_counter("queue", "issue", "--service", "CASH", "--staff", "rita", pin="0000"), 1) == (
        "deskapp: Wrong login or PIN.")
    issued = at_counter("queue", "issue", "--service", "CASH", "--staff", "rita", pin=PINS["rita"])
    assert issued.returncode == 0 and issued.stdout.startswith("A001  ")
    assert look(db_url, lambda: events("A001")["issued"]) == ("rita", {"channel": "cli"})
    unnamed = ok_json(at_counter("queue", "issue", "--service", "CASH"))
    assert look(db_url, lambda: events(unnamed["ticket"])["issued"]) == (None, {"channel": "cli"})
