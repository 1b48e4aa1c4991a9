"""Issue 19 (Build 1 and 5) at the supervisor's screen: a key that does not apply says why in one line,
and pausing a counter asks the reason, as at the desk.

Findings: the supervisor's action keys did nothing, or failed in core with an error, when no counter or
ticket was chosen, when the counter held a ticket or was paused already, or when the role could not act;
the supervisor's `p` paused a counter with no reason, so the pauses report counted it as "no reason given".
"""
from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, OptionList

from deskapp.core import queue as q
from deskapp.core.security.auth import Session
from deskapp.core.stats.pauses import paused_by_reason
from deskapp.db.models import Counter, CounterEvent
from deskapp.tui import keys
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.floor_dialogs import PauseDialog
from deskapp.tui.screens.supervisor import SupervisorScreen
from tests.tui.helpers import settle, until

SOFIA = Session("sofia", "Sofia Almeida", "supervisor")


def said(app, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


async def on_counter(app, pilot, code: str) -> None:
    table = app.screen.query_one("#sup-counters", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(code))
    await settle(pilot)


async def test_the_supervisor_pauses_a_counter_with_a_reason_counted_in_the_report(ctx, clock):
    q.open_counter(ctx, "2", "joao")
    clock.set(dt.datetime(2026, 3, 10, 10, 0))
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 60)) as pilot:
        app.logged_in(SOFIA, None)
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        await on_counter(app, pilot, "2")
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PauseDialog))
        reasons = app.screen.query_one(OptionList)
        assert [str(reasons.get_option_at_index(i).prompt) for i in range(reasons.option_count)] == [
            "Break", "Lunch", "Back office", "Training"]
        await pilot.press("down", "down", "enter")  # Back office
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen)
                    and Counter.get(Counter.code == "2").state == "paused")
        assert Counter.get(Counter.code == "2").pause_reason == "back_office"
        await until(pilot, lambda: str(app.screen.query_one("#sup-counters", DataTable).get_row("2")[1])
                    == "paused: Back office")
        await on_counter(app, pilot, "2")
        await pilot.press("p")  # paused already: said, no dialog
        await settle(pilot)
        assert not isinstance(app.screen, PauseDialog)
        assert said(app, "Counter 2 is paused already.")
    event = CounterEvent.select().where(CounterEvent.kind == "paused").order_by(CounterEvent.id.desc()).get()
    assert event.reason == "back_office"
    clock.advance(minutes=20)
    figures = [f for f in paused_by_reason(ctx, clock.now().date(), clock.now().date()) if f.counter == "2"]
    assert [(f.reason, f.label, f.pauses) for f in figures] == [("back_office", "Back office", 1)]


async def test_the_supervisors_keys_say_why_they_do_not_apply(ctx, clock):
    q.issue(ctx, "CASH", with_estimate=False)
    q.call_next(ctx, "1", "ana")  # counter 1 holds A001; nobody else waits
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 60)) as pilot:
        app.logged_in(SOFIA, None)
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        screen = app.screen
        await on_counter(app, pilot, "1")
        await pilot.press("p")
        await settle(pilot)
        assert not isinstance(app.screen, PauseDialog)
        assert said(app, "Counter 1 holds A001: it can pause once that ticket is finished or requeued.")
        await on_counter(app, pilot, "4")  # closed
        assert keys.refusal(screen, "counter_state", ("paused",)) == "Counter 4 is closed: only an open counter can pause."
        assert keys.refusal(screen, "counter_state", ("closed",)) == "Counter 4 is closed already."
        await pilot.press("k")
        await settle(pilot)
        assert said(app, "Counter 4 is closed already.")
        for key, words in (("f", "No waiting ticket to move: nobody is waiting now."),
                           ("m", "No waiting ticket to move: nobody is waiting now."),
                           ("u", "No account is locked.")):
            await pilot.press(key)
            await settle(pilot)
            assert said(app, words), key
        assert screen.refusal("history", ()) is None  # asks for a number when nothing is chosen


async def test_a_role_that_cannot_act_is_told_so(ctx, clock):
    app = DeskApp(ctx, config=ctx.config, clock=clock)
    async with app.run_test(size=(160, 60)) as pilot:
        app.logged_in(Session("pedro", "Pedro Nunes", "manager"), None)
        await settle(pilot)
        app.push_screen(SupervisorScreen(ctx))
        await until(pilot, lambda: isinstance(app.screen, SupervisorScreen) and app.screen.data is not None)
        await on_counter(app, pilot, "1")
        await pilot.press("p")
        await settle(pilot)
        assert said(app, "Your role (manager) may not pause or close another person's counter.")
        assert app.screen.refusal("move_front", ()) == "Your role (manager) may not move waiting tickets."
        read_only = SupervisorScreen(ctx, read_only=True)
        app.push_screen(read_only)
        await until(pilot, lambda: read_only.data is not None)
        assert read_only.refusal("unlock", ()).startswith("Read-only: you do not supervise")
