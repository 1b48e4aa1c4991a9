"""The waiting-room display follows calls made at other desks, through the change marker."""
from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Digits, Static

from deskapp.core import queue as q
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.display import DisplayScreen
from deskapp.tui.widgets.ticket_digits import TicketDigits


def text(app: DeskApp, selector: str) -> str:
    return app.screen.query_one(selector, Static).visual.plain


async def wait_until(app: DeskApp, pilot, condition, timeout: float = 5.0) -> None:
    """Poll like a viewer would: the app notices other desks' changes on its 1 s tick."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the display did not follow the change in time"
        await pilot.pause(0.1)
        await app.workers.wait_for_complete()


async def test_display_shows_a_call_made_at_another_desk(ctx, clock):
    q.issue(ctx, "CASH", channel="kiosk")
    q.issue(ctx, "LOAN", channel="kiosk")
    app = DeskApp(ctx, config=ctx.config, mode="display", clock=clock)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(app, pilot, lambda: "No calls yet" in text(app, "#display-calls"))
        assert isinstance(app.screen, DisplayScreen)
        assert app.screen.query_one("#display-clock", Digits).value == "10:00"  # Lisbon, on UTC in March
        waiting = app.screen.query_one("#display-waiting", DataTable)
        assert str(waiting.get_row("CASH")[1]) == "1" and str(waiting.get_row("LOAN")[1]) == "1"
        assert not app.screen.query_one("#display-now").has_class("flash")

        # Another desk, another process as far as the display knows: straight through core.
        q.call_next(ctx, "1", "ana")
        await wait_until(app, pilot, lambda: "A001" in text(app, "#display-calls"))
        assert app.screen.query_one("#display-number", TicketDigits).value == "A001"
        assert app.screen.query_one("#display-counter", TicketDigits).value == "1"
        assert text(app, "#display-now-text") == "A001 → Counter 1"
        assert app.screen.query_one("#display-now").has_class("flash")
        assert bells == [1]
        await wait_until(app, pilot, lambda: str(waiting.get_row("CASH")[1]) == "0")

        clock.advance(minutes=1)
        q.recall(ctx, "1")
        await wait_until(app, pilot, lambda: "(again)" in text(app, "#display-calls"))
        assert bells == [1, 1]
        # The clock ticks once a second on its own timer, not with the calls.
        await wait_until(app, pilot, lambda: app.screen.query_one("#display-clock", Digits).value == "10:01")


async def test_display_calls_a_moved_ticket_with_the_number_printed_for_it(ctx, clock):
    """Issue 14, finding 7: the customer holding C001 must recognise the call of A001."""
    q.issue(ctx, "CARD", channel="kiosk")  # C001
    q.move_waiting(ctx, "C001", to_service="CASH", by="sofia")  # now A001
    app = DeskApp(ctx, config=ctx.config, mode="display", clock=clock)
    app.bell = lambda: None  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(app, pilot, lambda: "No calls yet" in text(app, "#display-calls"))
        q.call_next(ctx, "1", "ana")
        await wait_until(app, pilot, lambda: "A001" in text(app, "#display-calls"))
        assert app.screen.query_one("#display-number", TicketDigits).value == "A001"
        assert text(app, "#display-now-text") == "A001 (was C001) → Counter 1"
        assert " ".join(text(app, "#display-calls").split()) == "A001 → Counter 1 10:00 (was C001)"
