"""Issue 19, the floor (second half), from the command line: `queue transfer --to-counter/--to-staff
--note` and `queue pause --reason` / `queue resume`, each in a proven name (--staff/--by, --pin-stdin).

Findings: "transfer cannot go to a named counter or colleague nor carry a note; pause has no reason".
"""
from __future__ import annotations

import json

import pytest

from deskapp.core import queue as q
from deskapp.core.security import auth
from deskapp.db import database
from deskapp.db.models import Branch, Counter, CounterEvent, Ticket, TicketEvent
from tests.unit.test_cli_queue import HELD, PINS, deskapp, failed, ok_json


@pytest.fixture
def cli(ctx, db_url, tmp_path):
    """As test_cli_queue's: deskapp on the test's database, a --staff/--by login's PIN on standard input."""
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)
    database.close()

    def run(*args: str):
        actor = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--staff", "--by")), None)
        if actor is None:
            return deskapp(db_url, *args, cwd=tmp_path)
        return deskapp(db_url, *args, "--pin-stdin", cwd=tmp_path, input=PINS.get(actor, "9753") + "\n")

    return run


def test_transfer_to_a_colleague_with_a_note(cli, db_url) -> None:
    assert ok_json(cli("queue", "call-next", "--counter", "2", "--staff", "joao", "--json")) == {"ticket": None}
    ok_json(cli("queue", "issue", "--service", "CASH", "--json"))
    ok_json(cli("queue", "issue", "--service", "CASH", "--json"))
    ok_json(cli("queue", "call-next", "--counter", "1", "--staff", "ana", "--json"))
    ok_json(cli("queue", "start", "--counter", "1", "--staff", "ana", "--json"))
    assert failed(cli("queue", "transfer", "--counter", "1", "--to-counter", "2", "--to-staff", "joao",
                      "--staff", "ana", "--json"), 2) == "deskapp: Transfer to a counter or to a colleague, not both."
    assert failed(cli("queue", "transfer", "--counter", "1", "--staff", "ana", "--json"), 2) == (
        "deskapp: Say where the customer goes: a service, a counter or a colleague.")
    assert failed(cli("queue", "transfer", "--counter", "1", "--to-counter", "4", "--staff", "ana", "--json"), 1) == (
        "deskapp: Counter 4 is closed: transfer to an open counter, a colleague at one, or a service.")
    moved = ok_json(cli("queue", "transfer", "--counter", "1", "--to-staff", "joao", "--note", "ID checked",
                        "--staff", "ana", "--json"))
    assert set(moved) == HELD
    assert (moved["ticket"], moved["service"], moved["status"], moved["parent"]) == ("A003", "CASH", "waiting", "A001")
    # João's next call is the ticket handed to him, before A002 which waited longer.
    assert ok_json(cli("queue", "call-next", "--counter", "2", "--staff", "joao", "--json"))["ticket"] == "A003"
    database.connect(db_url)
    issued = TicketEvent.get((TicketEvent.ticket == moved["id"]) & (TicketEvent.kind == "issued"))
    assert json.loads(issued.detail) == {"channel": "transfer", "parent": "A001", "to_staff": "joao",
                                         "note": "ID checked"}
    assert Ticket.get(Ticket.number == "A002").status == "waiting"
    database.close()


def test_pause_with_a_reason_and_resume(cli, db_url) -> None:
    assert ok_json(cli("queue", "call-next", "--counter", "1", "--staff", "ana", "--json")) == {"ticket": None}
    assert failed(cli("queue", "pause", "--counter", "1", "--by", "ana", "--reason", "nap", "--json"), 2) == (
        "deskapp: There is no pause reason 'nap'. Reasons: break, lunch, back_office, training.")
    missing = cli("queue", "pause", "--counter", "1", "--by", "ana")
    assert missing.returncode == 2 and "Missing option '--reason'" in missing.stderr
    assert ok_json(cli("queue", "pause", "--counter", "1", "--by", "ana", "--reason", "Lunch", "--json")) == {
        "counter": "1", "state": "paused", "reason": "lunch", "label": "Lunch"}
    assert failed(cli("queue", "pause", "--counter", "1", "--by", "rita", "--reason", "lunch", "--json"), 1).startswith(
        "deskapp: Only")
    status = ok_json(cli("queue", "status", "--json"))
    assert next(c for c in status["counters"] if c["counter"] == "1")["state"] == "paused"
    assert ok_json(cli("queue", "resume", "--counter", "1", "--by", "ana", "--json"))["state"] == "open"
    assert cli("queue", "pause", "--counter", "1", "--by", "ana", "--reason", "break").stdout == (
        "Counter 1 paused: Break.\n")
    database.connect(db_url)
    counter = Counter.select().join(Branch).where((Branch.code == "LIS01") & (Counter.code == "1")).get()
    assert [(e.kind, e.reason) for e in CounterEvent.select().where(CounterEvent.counter == counter)
            .order_by(CounterEvent.id)] == [("opened", None), ("paused", "lunch"), ("resumed", None), ("paused", "break")]
    assert q.COUNTER_STATES[1] == counter.state
    database.close()
