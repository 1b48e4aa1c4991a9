"""Reception as the greeter uses it: log in, pick service and class, identify, issue, walk-away."""
from __future__ import annotations

from textual.widgets import DataTable, Input, OptionList, Static

from deskapp.core import queue as q
from deskapp.core.customers import edit as customer_edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.security import auth
from deskapp.db.models import Customer, CustomerPhone, Staff, Ticket, TicketEvent
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.reception import ReceptionScreen, WalkedAway
from deskapp.tui.widgets.ticket_digits import TicketDigits
from tests.conftest import T0


def text(app: DeskApp, selector: str) -> str:
    return app.screen.query_one(selector, Static).visual.plain


async def settle(app: DeskApp, pilot) -> None:
    """Let workers finish and their results reach the screen."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def log_in_as_rita(app: DeskApp, pilot) -> None:
    await pilot.pause()
    await pilot.press(*"rita", "enter", *"2468", "enter")
    await settle(app, pilot)
    assert isinstance(app.screen, ReceptionScreen), app.screen


def maria() -> Customer:
    customer = Customer.create(number="00000042", name="Maria Silva", national_id="123456789", created_at=T0)
    CustomerPhone.create(customer=customer, digits="351912345678")
    return customer


async def test_greeter_issues_a_priority_ticket_for_an_identified_customer(ctx, clock):
    auth.set_pin(ctx, "rita", "2468")
    q.ensure_day(ctx)  # (the first use of a day closes every counter)
    q.open_counter(ctx, "4", "joao")  # ACCT is served: the wait has an estimate
    customer = maria()
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await log_in_as_rita(app, pilot)
        await pilot.press("2", "p")
        assert "Open an account" in text(app, "#reception-choice")
        assert "Priority: elderly" in text(app, "#reception-choice")

        await pilot.press("c", *"5678", "enter")  # the last digits of her mobile
        await settle(app, pilot)
        results = app.screen.query_one("#finder-results", OptionList)
        assert results.option_count == 1 and "Maria Silva" in str(results.get_option_at_index(0).prompt)
        # Masked as everywhere else (masking.mask: the last four characters).
        assert "ID •••••6789 · phone ••••••••5678" in str(results.get_option_at_index(0).prompt)
        await pilot.press("enter")
        assert "Maria Silva" in text(app, "#reception-choice")

        await pilot.press("i")
        await settle(app, pilot)
        assert app.screen.query_one("#reception-number", TicketDigits).value == "B001"
        info = text(app, "#reception-ticket-info")
        # An idle counter still has to notice and call it: never "0 min" (#16).
        assert "B001" in info and "Position 1 in line" in info and "Expected wait 1 min" in info
        assert "Maria Silva" in info
        waiting = app.screen.query_one("#reception-waiting", DataTable)
        assert str(waiting.get_row("ACCT")[1]) == "1"
        # The form is ready for the next client.
        assert "choose a service" in text(app, "#reception-choice")
        assert "not identified" in text(app, "#reception-choice")

    ticket = Ticket.get(Ticket.number == "B001")
    assert (ticket.channel, ticket.priority, ticket.customer_id, ticket.status) == (
        "reception", "priority", customer.id, "waiting")
    issued = TicketEvent.get((TicketEvent.ticket == ticket) & (TicketEvent.kind == "issued"))
    assert issued.staff_id == Staff.get(Staff.login == "rita").id


async def test_issue_needs_a_service_and_an_unknown_customer_is_said_so(ctx, clock):
    auth.set_pin(ctx, "rita", "2468")
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await log_in_as_rita(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        assert any("Choose a service" in str(n.message) for n in app._notifications)
        assert Ticket.select().count() == 0

        await pilot.press("c", *"99999", "enter")
        await settle(app, pilot)
        assert "No customer found" in text(app, "#finder-status")
        await pilot.press("escape")  # back to the form, where number keys choose a service
        await pilot.press("1", "i")
        await settle(app, pilot)
    ticket = Ticket.get()
    assert (ticket.number, ticket.customer_id, ticket.priority) == ("A001", None, "normal")


async def test_greeter_finds_a_customer_by_the_start_of_the_name_inactive_ones_not_offered(ctx, clock):
    auth.set_pin(ctx, "rita", "2468")
    boss = auth.Session("sofia", "Sofia Almeida", "supervisor")
    jose = customer_edit.create(ctx, boss, CustomerDraft(name="José Müller", phones=["912 345 678"]))
    customer_edit.create(ctx, boss, CustomerDraft(name="Josué [/ Müller\\"))  # text from data, never markup
    customer_edit.create(ctx, boss, CustomerDraft(name="Josefa Müller", active=False))
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await log_in_as_rita(app, pilot)
        await pilot.press("c", *"jo mü", "enter")
        await settle(app, pilot)
        results = app.screen.query_one("#finder-results", OptionList)
        assert results.option_count == 2
        assert "José Müller" in str(results.get_option_at_index(0).prompt)
        assert "Josué [/ Müller\\" in results._get_visual(results.get_option_at_index(1)).plain
        await pilot.press("enter", "1", "i")
        await settle(app, pilot)
    assert Ticket.get().customer_id == jose.id


async def test_walked_away_cancels_a_waiting_ticket_and_explains_refusals(ctx, clock):
    auth.set_pin(ctx, "rita", "2468")
    first = q.issue(ctx, "CASH", channel="kiosk").ticket
    second = q.issue(ctx, "CASH", channel="kiosk").ticket
    q.call_next(ctx, "1", "ana")  # A001 is called: no longer "waiting"
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await log_in_as_rita(app, pilot)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WalkedAway)
        await pilot.press(*"001", "enter")
        assert "e.g. A014" in text(app, "#walked-message")
        app.screen.query_one("#walked-number", Input).value = ""
        await pilot.press(*"a001", "enter")
        await settle(app, pilot)
        assert "only a waiting ticket" in text(app, "#walked-message")
        app.screen.query_one("#walked-number", Input).value = ""
        await pilot.press(*"A002", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReceptionScreen)
        assert any("A002 walked away" in str(n.message) for n in app._notifications)
        assert str(app.screen.query_one("#reception-waiting", DataTable).get_row("CASH")[1]) == "0"
    assert Ticket.get_by_id(second.id).status == "cancelled"
    assert Ticket.get_by_id(first.id).status == "called"


async def test_a_moved_ticket_shows_its_printed_number_and_is_found_by_it(ctx, clock):
    """Issue 14, finding 7: the greeter sees "A002 (was C001)" and cancels it by the number on the paper."""
    auth.set_pin(ctx, "rita", "2468")
    q.issue(ctx, "CASH", channel="kiosk")  # A001
    printed = q.issue(ctx, "CARD", channel="kiosk").ticket  # C001
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await log_in_as_rita(app, pilot)
        assert not app.screen.query_one("#reception-moved").display
        q.move_waiting(ctx, "C001", to_service="CASH", by="sofia")  # at the supervisor's desk
        for _ in range(50):
            await settle(app, pilot)
            if app.screen.query_one("#reception-moved").display:
                break
            await pilot.pause(0.1)
        assert text(app, "#reception-moved") == "Moved to another service\nA002 (was C001) · Cash deposit and withdrawal"

        await pilot.press("w")
        await pilot.pause()
        await pilot.press(*"C001", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReceptionScreen)
        assert any("A002 (was C001) walked away" in str(n.message) for n in app._notifications)
        await settle(app, pilot)
        assert not app.screen.query_one("#reception-moved").display
    assert Ticket.get_by_id(printed.id).status == "cancelled"
