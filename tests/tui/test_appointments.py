"""Appointments on the screens (issue 17, item 5): reception books and checks in and sees who is expected,
the kiosk checks a booking in, a teller's desk lists its expected bookings, the manager's agenda (4)
books, moves, cancels and goes by day and week, the 360 books for its customer. At 80x24 and larger."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, Input, Static

from deskapp.core import appointments as ap
from deskapp.core import queue as q
from deskapp.core.customers import directory, edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.db.models import Appointment, Ticket
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.appointment_dialogs import BookDialog, CancelDialog, CheckInDialog, MoveDialog
from deskapp.tui.screens.customer360 import Customer360Screen
from deskapp.tui.screens.desk import DeskScreen
from deskapp.tui.screens.kiosk import KioskScreen
from deskapp.tui.screens.manager import ManagerScreen
from deskapp.tui.screens.reception import ReceptionScreen
from deskapp.tui.widgets.ticket_digits import TicketDigits
from tests.tui.helpers import log_in, make_app, set_pins, settle, until

SIZES = [(80, 24), (120, 36)]


def customer(ctx, name: str = "Rosa Dono", manager: str = "pedro") -> tuple[int, str]:
    made = edit.create(ctx, directory.session_for("sofia"), CustomerDraft(name=name, phones=["+351912345678"],
                                                                         manager=manager), force=True)
    return made.id, made.number


def text(app, selector: str) -> str:
    return app.screen.query_one(selector, Static).visual.plain


def rows(app, selector: str) -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.parametrize("size", SIZES)
async def test_reception_sees_who_is_expected_books_and_checks_in(ctx, clock, size):
    set_pins(ctx)
    _id, number = customer(ctx)
    soon = ap.book(ctx, number, "ACCT", "2026-03-10T10:30", by="rita", named="joao")
    app = make_app(ctx, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await log_in(pilot, "rita")
        await until(pilot, lambda: isinstance(app.screen, ReceptionScreen)
                    and app.screen.query_one("#reception-expected", Static).display)
        assert "10:30 Rosa Dono · ACCT · joao" in text(app, "#reception-expected")

        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, BookDialog))
        app.screen.query_one("#book-customer", Input).value = number
        app.screen.query_one("#book-at", Input).value = "2026-03-10 11:10"
        await pilot.press("enter")
        await until(pilot, lambda: "Slots start every 30 minutes" in text(app, ".dialog-message"))
        app.screen.query_one("#book-at", Input).value = "2026-03-10 11:30"
        app.screen.query_one("#book-at", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        assert Appointment.select().count() == 2

        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, CheckInDialog))
        await pilot.press(*soon.code.lower(), "enter")
        await until(pilot, lambda: isinstance(app.screen, ReceptionScreen)
                    and app.screen.query_one("#reception-number", TicketDigits).value.startswith("VB"))
        assert "booked for 10:30" in text(app, "#reception-ticket-info")
        assert Appointment.get(Appointment.code == soon.code).status == "checked_in"


async def test_the_kiosk_checks_a_booking_in_by_phone_digits(ctx, clock):
    _id, number = customer(ctx)
    ap.book(ctx, number, "LOAN", "2026-03-10T10:00", by="rita")
    app = DeskApp(ctx, config=ctx.config, mode="kiosk", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, KioskScreen)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, CheckInDialog))
        await pilot.press(*"0000", "enter")
        await until(pilot, lambda: "No booking today" in text(app, ".dialog-message"))
        app.screen.query_one("#checkin-key", Input).value = ""
        await pilot.press(*"5678", "enter")
        await until(pilot, lambda: isinstance(app.screen, KioskScreen)
                    and app.screen.query_one("#kiosk-number", TicketDigits).value.startswith("VL"))
        assert Ticket.get().channel == "kiosk"


async def test_the_desk_lists_its_expected_bookings(ctx, clock):
    set_pins(ctx)
    _id, number = customer(ctx)
    ap.book(ctx, number, "CARD", "2026-03-10T10:30", by="rita", named="ana")
    ap.book(ctx, number, "LOAN", "2026-03-10T10:30", by="rita")  # counter 2 does not serve LOAN
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "ana", counter="2")
        await until(pilot, lambda: isinstance(app.screen, DeskScreen)
                    and app.screen.query_one("#desk-expected", Static).display)
        shown = text(app, "#desk-expected")
        assert "10:30 Rosa Dono · CARD · ana" in shown and "LOAN" not in shown


@pytest.mark.parametrize("size", SIZES)
async def test_the_managers_agenda_books_moves_and_cancels_by_day_and_week(ctx, clock, size):
    set_pins(ctx)
    _id, number = customer(ctx)
    mine = ap.book(ctx, number, "LOAN", "2026-03-10T11:00", by="pedro", named="pedro")
    ap.book(ctx, number, "LOAN", "2026-03-12T09:00", by="pedro", named="pedro")
    app = make_app(ctx, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await log_in(pilot, "pedro")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen))
        await pilot.press("4")
        await until(pilot, lambda: app.screen.agenda_rows)
        assert [r[:2] for r in rows(app, "#mgr-agenda")] == [["11:00", mine.code]]
        assert "Tue 2026-03-10 · mine" in text(app, "#mgr-agenda-summary")
        footer = {key for key, active in app.screen.active_bindings.items() if active.binding.show and active.enabled}
        assert {"b", "m", "k", "w", "left_square_bracket", "right_square_bracket", "p"} <= footer

        await pilot.press("w")
        await until(pilot, lambda: len(app.screen.agenda_rows) == 2)
        assert "week 2026-03-09 to 2026-03-15" in text(app, "#mgr-agenda-summary")
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: "week 2026-03-16" in text(app, "#mgr-agenda-summary"))
        assert app.screen.agenda_rows == []
        await pilot.press("left_square_bracket", "w")
        await until(pilot, lambda: text(app, "#mgr-agenda-summary").startswith("Mon 2026-03-09"))
        await pilot.press("right_square_bracket")  # Monday -> Tuesday, the booking's day
        await until(pilot, lambda: len(app.screen.agenda_rows) == 1)

        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MoveDialog))
        app.screen.query_one("#book-at", Input).value = "2026-03-10 14:00"
        app.screen.query_one("#book-at", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and app.screen.agenda_rows
                    and app.screen.agenda_rows[0].starts_at.hour == 14)

        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, CancelDialog))
        await pilot.press(*"rang", "enter")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and not app.screen.agenda_rows)
        assert Appointment.get(Appointment.code == mine.code).status == "cancelled"

        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, BookDialog))
        app.screen.query_one("#book-customer", Input).value = number
        app.screen.query_one("#book-at", Input).value = "2026-03-10 13:00"
        app.screen.query_one("#book-at", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen) and len(app.screen.agenda_rows) == 1)
        assert app.screen.agenda_rows[0].staff == "pedro"  # a manager books with themself by default


async def test_the_360_books_for_its_customer_with_their_manager(ctx, clock):
    set_pins(ctx)
    customer_id, number = customer(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await log_in(pilot, "pedro")
        await until(pilot, lambda: isinstance(app.screen, ManagerScreen))
        app.push_screen(Customer360Screen(customer_id))
        await until(pilot, lambda: isinstance(app.screen, Customer360Screen) and app.screen.view is not None)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, BookDialog))
        assert app.screen.query_one("#book-customer", Input).value == number
        app.screen.query_one("#book-at", Input).value = "2026-03-10 12:00"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Customer360Screen) and app.screen.bookings)
        booked = app.screen.bookings[0]
        assert (booked.staff, booked.starts_at) == ("pedro", dt.datetime(2026, 3, 10, 12, 0))
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, CancelDialog))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Customer360Screen)
                    and app.screen.bookings and app.screen.bookings[0].status == "cancelled")
    assert q  # the queue is untouched by booking


async def test_the_booking_dialogs_take_the_date_the_branch_writes_it(ctx, clock):
    """Issue 19 (dates in the branch's usual format): the booking and moving dialogs took only ISO
    ("2026-03-10 12:00"); with `input.date_order: DMY` a greeter types 10/03/2026 12:00, sees that day's
    free slots from the date alone, is told what to write when the time is missing, and the move dialog
    shows the booking's time the same way."""
    set_pins(ctx)
    _id, number = customer(ctx)
    app = make_app(ctx, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, "rita")
        await until(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, BookDialog))
        assert app.screen.query_one("#book-at", Input).value.startswith("10/03/2026")
        app.screen.query_one("#book-customer", Input).value = number
        app.screen.query_one("#book-at", Input).value = "11/03/2026"
        await until(pilot, lambda: text(app, "#book-slots").startswith("Free: 08:30  09:00"))
        app.screen.query_one("#book-at", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: "Date and time: write a date and time like 10/03/2026 14:30"
                    in text(app, ".dialog-message"))
        app.screen.query_one("#book-at", Input).value = "11/03/2026 12:00"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReceptionScreen))
        booked = ap.agenda(ctx, dt.date(2026, 3, 11))
        assert [b.starts_at for b in booked] == [dt.datetime(2026, 3, 11, 12, 0)]

        app.push_screen(MoveDialog(booked[0]))
        await until(pilot, lambda: isinstance(app.screen, MoveDialog) and app.screen.query("#book-at"))
        assert app.screen.query_one("#book-at", Input).value == "11/03/2026 12:00"
