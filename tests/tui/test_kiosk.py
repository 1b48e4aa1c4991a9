"""The kiosk as a walk-in client and a supervisor meet it: take a ticket; nothing else is reachable."""
from __future__ import annotations

from textual.command import CommandPalette
from textual.geometry import Region
from textual.widgets import ContentSwitcher, Input, Static

from deskapp.core.security import auth
from deskapp.db.models import AuditEvent, Ticket
from deskapp.tui.app import DeskApp
from deskapp.tui.screens import kiosk
from deskapp.tui.screens.kiosk import KioskScreen, SupervisorExit
from deskapp.tui.widgets.ticket_digits import TicketDigits
from tests.tui.helpers import until


async def settle(app: DeskApp, pilot) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def pane(app: DeskApp) -> str | None:
    return app.screen.query_one(ContentSwitcher).current


def footer_keys(app: DeskApp) -> set[str]:
    return {key for key, active in app.screen.active_bindings.items() if active.binding.show}


async def test_a_client_takes_a_ticket_and_the_kiosk_returns_to_the_start(ctx, clock, monkeypatch):
    # Long enough for the checks below on a loaded machine (0.5 s ran out before them under CI's load).
    monkeypatch.setattr(kiosk, "SHOW_TICKET_SECONDS", 3.0)
    app = DeskApp(ctx, config=ctx.config, mode="kiosk", clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, KioskScreen)
        # Only the service keys are offered: no staff screens, no lock, no quit, no palette.
        assert footer_keys(app) == {str(n) for n in range(1, len(ctx.config.services) + 1)}

        await pilot.press("3")
        await settle(app, pilot)
        assert pane(app) == "kiosk-ticket"
        assert app.screen.query_one("#kiosk-number", TicketDigits).value == "C001"
        assert app.screen.query_one("#kiosk-wait", TicketDigits).value == "-"  # no counter open yet
        assert "You are next in line" in app.screen.query_one("#kiosk-position", Static).visual.plain
        await pilot.press("1")  # ignored while the ticket is shown: no second ticket by accident
        await settle(app, pilot)
        assert Ticket.select().count() == 1

        await until(pilot, lambda: pane(app) == "kiosk-start")  # by itself, after SHOW_TICKET_SECONDS

        await pilot.click("#kiosk-service-CASH")
        await settle(app, pilot)
        assert app.screen.query_one("#kiosk-number", TicketDigits).value == "A001"

    tickets = {t.number: t for t in Ticket.select()}
    assert set(tickets) == {"C001", "A001"}
    assert all(t.channel == "kiosk" and t.status == "waiting" and t.priority == "normal" for t in tickets.values())


async def test_ctrl_q_and_the_palette_do_nothing_at_a_kiosk(ctx, clock):
    app = DeskApp(ctx, config=ctx.config, mode="kiosk", clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q", "ctrl+p", "f2", "f6", "ctrl+l")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert not CommandPalette.is_open(app)
        assert isinstance(app.screen, KioskScreen)


async def test_only_a_supervisor_closes_the_kiosk(ctx, clock):
    auth.set_pin(ctx, "ana", "1357")
    auth.set_pin(ctx, "sofia", "8642")
    app = DeskApp(ctx, config=ctx.config, mode="kiosk", clock=clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+x")
        await pilot.pause()
        assert isinstance(app.screen, SupervisorExit)

        await pilot.press(*"ana", "enter", *"1357", "enter")  # a teller's right PIN
        await settle(app, pilot)
        assert isinstance(app.screen, SupervisorExit) and app.is_running
        assert "may not close the kiosk" in app.screen.query_one("#exit-message", Static).visual.plain

        login = app.screen.query_one("#exit-login", Input)
        login.value = ""
        login.focus()
        await pilot.press(*"sofia", "enter", *"0000", "enter")  # a supervisor's wrong PIN
        await settle(app, pilot)
        assert "Wrong login or PIN" in app.screen.query_one("#exit-message", Static).visual.plain
        assert app.is_running

        await pilot.press("escape")  # back to the kiosk, still running
        await pilot.pause()
        assert isinstance(app.screen, KioskScreen)

        await pilot.click("#kiosk-staff")
        await pilot.pause()
        await pilot.press(*"sofia", "enter", *"8642", "enter")
        await settle(app, pilot)
        assert app.return_code == 0

    actions = [(e.staff, e.action) for e in AuditEvent.select().where(AuditEvent.action.startswith("kiosk_exit"))]
    assert ("ana", "kiosk_exit") in actions and ("sofia", "kiosk_exit_failed") in actions
    assert actions[-1] == ("sofia", "kiosk_exit")


def left_edge_pixels(rows: list[str]) -> list[bool]:
    """The ink of a glyph's first column, pixel by pixel (a half block is two pixels, a line one)."""
    halves = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}
    pixels: list[bool] = []
    for row in rows:
        cell = row[0] if row else " "
        pixels.extend(halves.get(cell, (cell != " ",)))
    return pixels


async def test_the_wait_digit_8_has_a_waist(ctx, clock):
    """Issue 19, part 8: the kiosk's 8 (`╭─╮ ├─┤ ╰─╯`) read as a boxed minus; an 8 is two loops,
    so its left edge is broken at the middle."""
    app = DeskApp(ctx, config=ctx.config, mode="kiosk", clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("1")
        await settle(app, pilot)
        wait = app.screen.query_one("#kiosk-wait", TicketDigits)
        wait.update("8")
        await pilot.pause()
        rows = [strip.text for strip in wait.render_lines(Region(0, 0, *wait.size))]
        ink = [row for row in rows if row.strip()]
        start = min(len(row) - len(row.lstrip()) for row in ink)
        edge = left_edge_pixels([row[start:] for row in ink])
        top, bottom = edge.index(True), len(edge) - 1 - edge[::-1].index(True)
        assert not all(edge[top:bottom + 1]), f"the 8 is a closed box: {ink}"
        assert edge[top + 1] and edge[bottom - 1]  # ...while both loops are closed
