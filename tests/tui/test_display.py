"""The waiting-room display follows calls made at other desks, through the change marker."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from textual.geometry import Region
from textual.widgets import DataTable, Digits, Static

from deskapp.config.schema import Display
from deskapp.core import queue as q
from deskapp.tui.app import DeskApp
from deskapp.tui.screens.display import DisplayScreen, RecentCalls
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


def ink_rows(widget) -> list[str]:
    """The widget's rows as drawn, keeping those with block-font ink (half and full blocks)."""
    width, height = widget.size
    lines = [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]
    return [line for line in lines if any(c in line for c in "█▀▄")]


async def test_the_number_and_counter_fill_a_large_window(ctx, clock):
    """Issue 19, part 8: at 1400x900 in a browser (145x47 cells at textual-serve's 16 px font) the
    number was three thin rows, about 40 px; now it is at least a quarter of the window high, and the
    last calls and waiting counts are drawn in the block font too."""
    q.issue(ctx, "CASH", channel="kiosk")
    q.issue(ctx, "CASH", channel="kiosk")
    app = DeskApp(ctx, config=ctx.config, mode="display", clock=clock)
    app.bell = lambda: None  # type: ignore[method-assign]
    async with app.run_test(size=(145, 47)) as pilot:
        await wait_until(app, pilot, lambda: "No calls yet" in text(app, "#display-calls"))
        q.call_next(ctx, "1", "ana")
        await wait_until(app, pilot, lambda: "A001" in text(app, "#display-calls"))
        await pilot.pause()
        number = app.screen.query_one("#display-number", TicketDigits)
        counter = app.screen.query_one("#display-counter", TicketDigits)
        assert len(ink_rows(number)) >= 47 / 4
        assert len(ink_rows(counter)) >= 47 / 4
        assert number.scale >= 4 and counter.scale >= 4
        calls = app.screen.query_one(RecentCalls)
        assert len([row for row in calls.big_lines() if row.strip()]) >= 4  # A001→1 in the block font
        cash = app.screen.query_one("#display-tile-CASH")
        assert cash.query_one(TicketDigits).value == "1" and len(ink_rows(cash.query_one(TicketDigits))) >= 3


async def test_a_small_terminal_still_shows_the_whole_call(ctx, clock):
    q.issue(ctx, "CASH", channel="kiosk")
    app = DeskApp(ctx, config=ctx.config, mode="display", clock=clock)
    app.bell = lambda: None  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(app, pilot, lambda: "No calls yet" in text(app, "#display-calls"))
        q.call_next(ctx, "1", "ana")
        await wait_until(app, pilot, lambda: "A001" in text(app, "#display-calls"))
        await pilot.pause()
        number = app.screen.query_one("#display-number", TicketDigits)
        assert number.region.height == 3 and len(number.lines()) == 3  # three-line glyphs
        assert text(app, "#display-now-text") == "A001 → Counter 1"
        assert app.screen.query_one("#display-waiting", DataTable).display


async def test_a_recall_blinks_the_panel_and_says_so(ctx, clock):
    """Issue 19, part 8: a recall flashes, even one within the same second as the call."""
    q.issue(ctx, "CASH", channel="kiosk")
    app = DeskApp(ctx, config=ctx.config, mode="display", clock=clock)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(app, pilot, lambda: "No calls yet" in text(app, "#display-calls"))
        q.call_next(ctx, "1", "ana")
        await wait_until(app, pilot, lambda: "A001" in text(app, "#display-calls"))
        q.recall(ctx, "1")  # the fixed clock: the same instant as the call
        await wait_until(app, pilot, lambda: "(again)" in text(app, "#display-calls"))
        assert bells == [1, 1]
        assert text(app, "#display-now-text") == "A001 → Counter 1 · called again"
        panel = app.screen.query_one("#display-now")
        seen = set()
        for _ in range(14):
            seen.add(panel.has_class("blink"))
            assert panel.has_class("flash")
            await pilot.pause(0.1)
        assert seen == {True, False}  # it blinks, not only changes colour


def fake_espeak(tmp_path: Path, monkeypatch, *, delay: float = 0.0) -> Path:
    """An espeak-ng on PATH that writes its arguments, one a line, then takes `delay` seconds to speak."""
    folder = tmp_path / "bin"
    folder.mkdir()
    said = tmp_path / "said"
    script = folder / "espeak-ng"
    script.write_text(f"#!{sys.executable}\nimport sys, time\n"
                      f"open({str(said)!r}, 'a').write('\\n'.join(sys.argv[1:]) + '\\n---\\n')\n"
                      f"time.sleep({delay})\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return said


async def test_a_call_is_spoken_when_announce_is_on(ctx, clock, tmp_path, monkeypatch):
    said = fake_espeak(tmp_path, monkeypatch, delay=3.0)
    config = ctx.config.model_copy(update={"display": Display(announce=True, voice="pt")})
    q.issue(ctx, "CASH", channel="kiosk")
    q.issue(ctx, "CASH", channel="kiosk")
    app = DeskApp(ctx, config=config, mode="display", clock=clock)
    app.bell = lambda: None  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(app, pilot, lambda: "No calls yet" in text(app, "#display-calls"))
        q.call_next(ctx, "1", "ana")
        await wait_until(app, pilot, lambda: "A001" in text(app, "#display-calls"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while not said.exists() or "---" not in said.read_text():
            assert loop.time() < deadline, "espeak-ng was not started"
            await pilot.pause(0.05)
        assert said.read_text() == "-v\npt\nTicket A 0 0 1, counter 1\n---\n"
        # The voice takes 3 s; the display follows the next call meanwhile.
        started = loop.time()
        q.call_next(ctx, "2", "joao")
        while "A002" not in text(app, "#display-calls"):
            await pilot.pause(0.05)
        assert loop.time() - started < 2.5


async def test_the_display_is_silent_by_default(ctx, clock, tmp_path, monkeypatch):
    said = fake_espeak(tmp_path, monkeypatch)
    assert ctx.config.display.announce is False
    q.issue(ctx, "CASH", channel="kiosk")
    app = DeskApp(ctx, config=ctx.config, mode="display", clock=clock)
    app.bell = lambda: None  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(app, pilot, lambda: "No calls yet" in text(app, "#display-calls"))
        q.call_next(ctx, "1", "ana")
        await wait_until(app, pilot, lambda: "A001" in text(app, "#display-calls"))
        await pilot.pause(0.5)
    assert not said.exists()


async def test_a_portuguese_display_says_the_counter_s_name_in_each_of_its_languages(portuguese, db_url, clock):
    """'please go to' named the counter in English data ("Counter 1") whatever the display spoke: the
    shipped names are per language, and the display says the one of its language(s) now."""
    from deskapp.core.startup import open_context
    from deskapp.db import database

    ctx = open_context(portuguese, db_url, clock)
    try:
        q.issue(ctx, "CASH", channel="kiosk")
        q.call_next(ctx, "1", "ana")
        for lang, said in ((None, "A001 → Balcão 1"), ("en", "A001 → Counter 1")):
            app = DeskApp(ctx, config=ctx.config, mode="display", clock=clock)
            app.lang = lang  # --lang: the display speaks that language alone
            async with app.run_test(size=(120, 36)) as pilot:
                await wait_until(app, pilot, lambda app=app: "A001" in text(app, "#display-calls"))
                assert text(app, "#display-now-text") == said
                assert said.split(" → ")[1] in text(app, "#display-calls")
    finally:
        from deskapp import i18n

        i18n.set_default("en")
        database.close()
