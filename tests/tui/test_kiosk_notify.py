"""The kiosk's "tell me when it's my turn": a customer leaves a phone number or e-mail for this ticket."""
from __future__ import annotations

from textual.widgets import ContentSwitcher, Input, Static

from deskapp.config.notify_schema import Notifications, Webhook
from deskapp.db.models import NotificationOutbox, Ticket, TicketContact
from deskapp.tui.app import DeskApp
from deskapp.tui.screens import kiosk
from deskapp.tui.screens.kiosk import KioskScreen
from tests.tui.helpers import until


async def settle(app: DeskApp, pilot) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def with_notifications(ctx):
    section = Notifications(enabled=True, phone_channel="webhook",
                            webhook=Webhook(url="http://127.0.0.1:9/hook", secret_env="DESKAPP_HOOK_SECRET"))
    ctx.config = ctx.config.model_copy(update={"notifications": section})
    return ctx


async def test_a_customer_leaves_a_phone_number_and_the_ticket_says_so(ctx, clock, monkeypatch):
    # Long enough for the checks below on a loaded machine (0.5 s ran out before them under load).
    monkeypatch.setattr(kiosk, "SHOW_TICKET_SECONDS", 3.0)
    with_notifications(ctx)
    app = DeskApp(ctx, config=ctx.config, mode="kiosk", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, KioskScreen)
        assert "mobile number" in app.screen.query_one("#kiosk-notify", Input).placeholder
        await pilot.click("#kiosk-notify")
        await pilot.press("1", "2")  # typed into the field, not taken as service key 1
        await pilot.click("#kiosk-service-CASH")
        await settle(app, pilot)
        assert Ticket.select().count() == 0
        assert "not a phone number" in app.screen.query_one("#kiosk-message", Static).visual.plain

        app.screen.query_one("#kiosk-notify", Input).value = "912 345 678"
        await pilot.click("#kiosk-service-CASH")
        await settle(app, pilot)
        assert app.screen.query_one(ContentSwitcher).current == "kiosk-ticket"
        told = app.screen.query_one("#kiosk-told", Static).visual.plain
        assert "the phone number ending 678" in told and "912" not in told
        # Back at the start by itself, after SHOW_TICKET_SECONDS: nothing left for the next customer.
        await until(pilot, lambda: app.screen.query_one(ContentSwitcher).current == "kiosk-start")
        assert app.screen.query_one("#kiosk-notify", Input).value == ""

    ticket = Ticket.get()
    assert TicketContact.get(TicketContact.ticket == ticket).phone == "351912345678"
    assert [(m.kind, m.channel) for m in NotificationOutbox.select()] == [("ticket_issued", "webhook")]


async def test_without_notifications_the_kiosk_offers_nothing(ctx, clock):
    app = DeskApp(ctx, config=ctx.config, mode="kiosk", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.screen.query("#kiosk-notify")


async def test_reception_takes_a_contact_for_the_ticket(ctx, clock):
    from deskapp.core.security import auth
    from deskapp.tui.screens.reception import ReceptionScreen

    auth.set_pin(ctx, "rita", "2468")
    with_notifications(ctx)
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press(*"rita", "enter", *"2468", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReceptionScreen)
        await pilot.press("1")
        field = app.screen.query_one("#reception-notify", Input)
        field.value = "rosa@example.com"  # no e-mail server: refused, nothing issued
        await pilot.click("#reception-issue")
        await settle(app, pilot)
        assert Ticket.select().count() == 0 and app.focused is field
        field.value = "+44 7911 123456"
        await pilot.click("#reception-issue")
        await settle(app, pilot)
        info = app.screen.query_one("#reception-ticket-info", Static).visual.plain
        assert "Told when near: the phone number ending 456" in info
        assert field.value == ""
    assert TicketContact.get().phone == "447911123456"
