"""Issue 19, part 5 "The floor" (first half), at the screens.

Findings: "tellers see only counts, not the waiting tickets, and cannot call a specific ticket";
"nothing shows a ticket's history although every event is stored". At 80x24 the desk now lists its
waiting tickets in calling order, `enter` calls the chosen one (asking why when it is not next), `h`
shows a ticket's history; reception and the supervisor open the same history with `h`.
"""
from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, OptionList, Static

from deskapp.core import queue as q
from deskapp.core import startup as sync
from deskapp.db.models import Ticket
from deskapp.tui.screens.desk import DeskScreen
from deskapp.tui.screens.out_of_order import OutOfOrderReason
from deskapp.tui.screens.supervisor import SupervisorScreen
from deskapp.tui.screens.ticket_history import AskTicket, TicketHistoryScreen
from tests.tui.helpers import log_in, make_app, set_pins, settle, until
from tests.tui.test_supervisor import SOFIA, text


@pytest.fixture
def plain(ctx):
    """The demo branch with no workflows, so start and complete act directly."""
    services = [s.model_copy(update={"workflow": None}) for s in ctx.config.services]
    ctx.config = ctx.config.model_copy(update={"services": services, "workflows": {}, "workflow_files": []})
    sync.sync_from_config(ctx)
    set_pins(ctx)
    return ctx


def waiting_rows(app) -> list[list[str]]:
    table = app.screen.query_one("#desk-waiting", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def history_rows(app) -> list[list[str]]:
    table = app.screen.query_one("#history-events", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def at_desk(pilot, counter: str = "1") -> None:
    await settle(pilot)
    await log_in(pilot, "ana", counter=counter)
    await until(pilot, lambda: isinstance(pilot.app.screen, DeskScreen) and pilot.app.screen.waiting is not None)


async def test_the_desk_at_80x24_shows_the_waiting_tickets_and_calls_one_out_of_turn(plain, clock):
    for priority in (None, None, "priority", None):
        q.issue(plain, "CASH", priority)
        clock.advance(minutes=1)
    q.issue(plain, "INFO")
    clock.advance(minutes=2)
    app = make_app(plain, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_desk(pilot)
        rows = waiting_rows(app)
        # Calling order: the priority ticket first, then the normal ones by arrival, then INFO.
        assert [r[:2] for r in rows] == [["1", "A003"], ["2", "A001"], ["3", "A002"], ["4", "A004"], ["5", "E001"]]
        assert rows[1][3:] == ["normal", "6 min"]
        table = app.screen.query_one("#desk-waiting", DataTable)
        assert table.has_focus and table.region.bottom <= 23 and table.region.height >= 4  # on screen, scrolling
        assert "Waiting, in calling order: 5" in str(app.screen.query_one("#desk-waiting-title", Static).render())

        await pilot.press("down", "down", "down")  # A004
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, OutOfOrderReason))
        assert "Why call A004 before its turn? (A003 is next)" in str(app.screen.query_one(".section-title").render())
        await pilot.press("escape")  # changed their mind: nothing called
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen) and Ticket.get(Ticket.number == "A004").status == "waiting"

        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, OutOfOrderReason))
        options = app.screen.query_one(OptionList)
        options.highlighted = options.option_count - 1  # "Other…"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#reason-other", Input).has_focus
        await pilot.press(*"Came back with the form", "enter")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen) and Ticket.get(Ticket.number == "A004").status
                    == "called")
        await until(pilot, lambda: "A004" not in [r[1] for r in waiting_rows(app)])

        await pilot.press("h")  # the history of the ticket in hand
        await until(pilot, lambda: isinstance(app.screen, TicketHistoryScreen) and app.screen.history is not None)
        events = history_rows(app)
        assert [e[1] for e in events] == ["Issued at reception", "Called to Counter 1"]
        assert events[1][2] == "Ana Costa"
        assert events[1][3] == "called out of order…"  # cut at 80 columns; in full below
        assert str(app.screen.query_one("#history-note", Static).render()) == (
            "Called to Counter 1 by Ana Costa: called out of order by Ana Costa (A003 was next): "
            "Came back with the form")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)

        await pilot.press("enter")  # a ticket in hand: enter says why it does nothing
        await settle(pilot)
        assert any("You hold A004" in str(n.message) for n in app._notifications)


async def test_the_next_ticket_is_called_without_a_reason_and_a_picked_reason_is_kept(plain, clock):
    q.issue(plain, "CASH")
    q.issue(plain, "CASH")
    app = make_app(plain, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_desk(pilot)
        await pilot.press("enter")  # the first row: its turn, no question
        await until(pilot, lambda: Ticket.get(Ticket.number == "A001").status == "called")
        assert isinstance(app.screen, DeskScreen)
        q.no_show(plain, "1")
        await until(pilot, lambda: [r[1] for r in waiting_rows(app)] == ["A002"])
        q.issue(plain, "CASH")
        await until(pilot, lambda: [r[1] for r in waiting_rows(app)] == ["A002", "A003"])
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, OutOfOrderReason))
        app.screen.query_one(OptionList).highlighted = 1  # the second configured reason
        await pilot.press("enter")
        await until(pilot, lambda: Ticket.get(Ticket.number == "A003").status == "called")
    call = q.ticket_history(plain, "A003").events[-1]
    assert call.detail["reason"] == plain.config.queue.out_of_order_reasons[1]


async def test_reception_and_the_supervisor_open_a_tickets_history(plain, clock):
    t = q.issue(plain, "CASH", channel="kiosk").ticket
    q.call_next(plain, "1", "ana")
    app = make_app(plain, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "rita")
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, AskTicket))
        await pilot.press(*t.number, "enter")
        await until(pilot, lambda: isinstance(app.screen, TicketHistoryScreen) and app.screen.history is not None)
        assert [e[1] for e in history_rows(app)] == ["Issued at the kiosk", "Called to Counter 1"]
        await pilot.press("escape")

    info = q.issue(plain, "INFO").ticket
    q.issue(plain, "CASH")
    q.call_ticket(plain, "2", q.issue(plain, "CASH").ticket.number, "Needs assistance", by="joao")
    app = make_app(plain, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        app.logged_in(SOFIA, None)
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        assert ("Called out of order today: 1 of 2 calls (50%) · why: Needs assistance 1 · who: João Ferreira 1 of 1"
                in text(app, "#sup-staff"))
        table = app.screen.query_one("#sup-waiting", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(str(info.id)))
        await settle(pilot)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, TicketHistoryScreen) and app.screen.history is not None)
        assert app.screen.history.ticket.number == info.number
        assert [e[1] for e in history_rows(app)] == ["Issued at reception"]
