"""Issue 19, the floor (second half), at the desk: transfer to a colleague with a note that the
receiving desk reads, and pause with a reason that the supervisor's counters show.

Findings: "transfer cannot go to a named counter or colleague nor carry a note; pause has no reason".
"""
from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Input, OptionList, Static

from deskapp.core import queue as q
from deskapp.core import startup as sync
from deskapp.core.security.auth import Session
from deskapp.db.models import Counter, CounterEvent, Staff, Ticket, TicketEvent
from deskapp.tui.screens.floor_dialogs import PauseDialog, TransferDialog
from deskapp.tui.screens.supervisor import SupervisorScreen
from tests.tui.helpers import log_in, make_app, set_pins, settle, until

NOTE = "Wants to raise the card limit [urgent]; ID checked"


def plain_branch(ctx):
    """The demo branch with no workflows, so start and complete act directly."""
    services = [s.model_copy(update={"workflow": None}) for s in ctx.config.services]
    ctx.config = ctx.config.model_copy(update={"services": services, "workflows": {}, "workflow_files": []})
    sync.sync_from_config(ctx)
    set_pins(ctx)
    return ctx


def current(app) -> str:
    return str(app.screen.query_one("#desk-current", Static).render())


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, 0.1)


async def test_a_transfer_to_a_colleague_carries_a_note_to_their_desk(ctx, clock):
    plain_branch(ctx)
    q.open_counter(ctx, "2", "joao")
    q.issue(ctx, "CASH")
    q.issue(ctx, "CASH")  # A002: waits for counter 2 in the ordinary line
    app = make_app(ctx, clock)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        await press(pilot, "n", "s", "t")
        assert isinstance(app.screen, TransferDialog)
        choices = app.screen.query_one(OptionList)
        ids = [choices.get_option_at_index(i).id for i in range(choices.option_count)]
        assert "staff:joao" in ids and "counter:2" in ids and "service:CASH" not in ids  # its own service: no
        choices.highlighted = ids.index("staff:joao")
        await press(pilot, "enter")  # the colleague chosen, the note next
        assert app.screen.focused is app.screen.query_one("#transfer-note", Input)
        await pilot.press(*NOTE)
        await press(pilot, "enter")
        assert not isinstance(app.screen, TransferDialog)
    old = Ticket.get(Ticket.number == "A001")
    new = Ticket.get(Ticket.parent == old.id)
    assert (old.status, new.number, new.status) == ("transferred", "A003", "waiting")
    assert new.for_staff_id == Staff.get(Staff.login == "joao").id
    events = [e.kind for e in TicketEvent.select().where(TicketEvent.ticket == old.id).order_by(TicketEvent.id)]
    assert events[-1] == "transferred" and NOTE in TicketEvent.get(
        (TicketEvent.ticket == new.id) & (TicketEvent.kind == "issued")).detail

    # At João's desk: the ticket waits for him by name, comes before A002, and the note is on screen.
    app = make_app(ctx, clock)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await log_in(pilot, "joao", counter="2")
        await until(pilot, lambda: "Handed to you" in current(app))
        assert "A003 (Ana Costa)" in current(app)
        await press(pilot, "n")
        await until(pilot, lambda: "Transfer note" in current(app))
        shown = current(app)
        assert "A003" in shown and f"From Ana Costa (Counter 1): {NOTE}" in shown  # the brackets shown as typed


async def test_a_refused_transfer_says_why_in_the_dialog(ctx, clock):
    plain_branch(ctx)
    q.open_counter(ctx, "2", "joao")
    q.issue(ctx, "CASH")
    app = make_app(ctx, clock)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        await press(pilot, "n", "s", "t")
        dialog = app.screen
        await press(pilot, "tab", "enter")  # Enter in the note with nothing chosen
        assert "Choose where the customer goes" in str(dialog.query_one(".dialog-message", Static).render())
        q.set_counter_state(ctx, "2", "closed", by="joao")  # João leaves while Ana chooses him
        choices = dialog.query_one(OptionList)
        choices.focus()
        choices.highlighted = [choices.get_option_at_index(i).id for i in range(choices.option_count)].index("staff:joao")
        await press(pilot, "enter", "enter")
        assert app.screen is dialog
        assert "is not at a counter now" in str(dialog.query_one(".dialog-message", Static).render())
        await press(pilot, "escape")
    assert Ticket.get(Ticket.number == "A001").status == "serving"


async def test_pause_asks_the_reason_and_the_supervisor_sees_it(ctx, clock):
    plain_branch(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="1")
        await press(pilot, "p")
        assert isinstance(app.screen, PauseDialog)
        reasons = app.screen.query_one(OptionList)
        assert [str(reasons.get_option_at_index(i).prompt) for i in range(reasons.option_count)] == [
            "Break", "Lunch", "Back office", "Training"]
        await press(pilot, "down", "enter")
        counter = Counter.get(Counter.code == "1")
        assert (counter.state, counter.pause_reason) == ("paused", "lunch")
        await until(pilot, lambda: "paused: Lunch" in current(app))
        clock.advance(minutes=30)
        await press(pilot, "p")  # resumes at once: no dialog
        assert Counter.get(Counter.code == "1").state == "open"
        await press(pilot, "p", "escape")  # Escape: not paused after all
        assert Counter.get(Counter.code == "1").state == "open"
    kinds = [(e.kind, e.reason) for e in CounterEvent.select().where(CounterEvent.counter == counter)
             .order_by(CounterEvent.id)]
    assert kinds[-2:] == [("paused", "lunch"), ("resumed", None)]

    q.set_counter_state(ctx, "1", "paused", by="ana", reason="back_office")
    clock.set(dt.datetime(2026, 3, 10, 10, 45))
    app = make_app(ctx, clock)
    async with app.run_test(size=(160, 60)) as pilot:
        app.logged_in(Session("sofia", "Sofia Almeida", "supervisor"), None)
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        assert str(app.screen.query_one("#sup-counters", DataTable).get_row("1")[1]) == "paused: Back office"
