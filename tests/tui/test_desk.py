"""The teller's Queue screen doing a real sequence with the keys, checked on screen and in the database."""
from __future__ import annotations

import pytest
from textual.widgets import Static

from deskapp.core import queue as q
from deskapp.core import startup as sync
from deskapp.db.models import Counter, Ticket, TicketEvent
from tests.tui.helpers import log_in, make_app, set_pins, settle


@pytest.fixture
def plain(ctx):
    """The demo branch with no workflows, so start and complete act directly."""
    services = [s.model_copy(update={"workflow": None}) for s in ctx.config.services]
    ctx.config = ctx.config.model_copy(update={"services": services, "workflows": {}, "workflow_files": []})
    sync.sync_from_config(ctx)
    set_pins(ctx)
    return ctx


def current(app) -> str:
    return str(app.screen.query_one("#desk-current", Static).render())


def status(number: str) -> str:
    return Ticket.get(Ticket.number == number).status


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, 0.1)


async def test_a_tellers_morning(plain, clock):
    for _ in range(3):
        q.issue(plain, "CASH")
    q.issue(plain, "CARD")
    app = make_app(plain, clock)
    app.config = plain.config
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="2")
        await settle(pilot, 0.3)
        assert "No ticket in hand" in current(app)

        await press(pilot, "n")
        assert "A001" in current(app) and status("A001") == "called"
        await press(pilot, "r")
        assert Ticket.get(Ticket.number == "A001").recall_count == 1
        clock.advance(minutes=2)
        await press(pilot, "b")  # requeue to the back: behind A002 and A003
        assert status("A001") == "waiting"

        await press(pilot, "n")
        assert "A002" in current(app)
        await press(pilot, "x")
        assert status("A002") == "no_show"

        await press(pilot, "n", "s")
        assert status("A003") == "serving" and "serving for" in current(app)
        await press(pilot, "c")
        assert status("A003") == "done"

        await press(pilot, "n")  # A001 again, from the back of the line
        assert "A001" in current(app)
        await press(pilot, "s", "t")
        # Services other than CASH, in config order: ACCT, then CARD; Enter chooses, Enter again sends
        # (with no note).
        await pilot.press("down", "enter")
        await settle(pilot, 0.1)
        await pilot.press("enter")
        await settle(pilot, 0.2)
        assert status("A001") == "transferred"
        new = Ticket.get(Ticket.parent == Ticket.get(Ticket.number == "A001").id)
        assert (new.service.code, new.number, new.status) == ("CARD", "C002", "waiting")

        await press(pilot, "n")
        assert "C001" in current(app)  # counter 2 serves CASH, CARD, INFO; C001 came before C002
        await press(pilot, "w")
        assert status("C001") == "cancelled"

        await press(pilot, "p", "enter")  # the first reason: a break
        assert (Counter.get(Counter.code == "2").state, Counter.get(Counter.code == "2").pause_reason) == (
            "paused", "break")
        await press(pilot, "p")
        assert Counter.get(Counter.code == "2").state == "open"
        await press(pilot, "k")
        assert Counter.get(Counter.code == "2").state == "closed"
    kinds = [e.kind for e in TicketEvent.select().join(Ticket).where(Ticket.number == "A001").order_by(TicketEvent.id)]
    assert kinds == ["issued", "called", "recalled", "requeued", "called", "started", "transferred"]


async def test_a_moved_ticket_shows_the_number_printed_for_it(plain, clock):
    """Issue 14, finding 7: the teller calls A001 and reads that the customer's paper says C001."""
    q.issue(plain, "CARD")  # C001
    q.move_waiting(plain, "C001", to_service="CASH", by="sofia")
    app = make_app(plain, clock)
    app.config = plain.config
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        await settle(pilot, 0.3)
        await press(pilot, "n")
        assert current(app).splitlines()[1].startswith(" A001  (was C001) Cash deposit and withdrawal · normal · called")


async def test_actions_the_state_does_not_allow_are_greyed_out(plain, clock):
    q.issue(plain, "CASH")
    app = make_app(plain, clock)
    app.config = plain.config
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        await settle(pilot, 0.3)
        screen = app.screen
        assert screen.check_action("act", ("call_next",)) is True
        assert screen.check_action("act", ("complete",)) is None
        await press(pilot, "c")  # nothing to complete: nothing happens
        assert status("A001") == "waiting"
        await press(pilot, "n")
        assert screen.check_action("act", ("call_next",)) is None
        assert screen.check_action("act", ("start",)) is True
