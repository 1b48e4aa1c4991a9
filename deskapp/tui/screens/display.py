"""The waiting-room display: the ticket being called and where, the last calls, the queues, the time.

Nothing to press (ctrl+q quits). It reloads when another desk changes the queue (the app's
`changes` signal); a new call or recall flashes the "now serving" panel and rings the bell.
"""
from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from deskapp.core.clock import to_local
from deskapp.core.context import Context
from deskapp.core.queue import floor
from deskapp.tui.format import escape, plain, ticket_number
from deskapp.tui.screens.base import AppScreen
from deskapp.tui.widgets.ticket_digits import TicketDigits
from deskapp.tui.widgets.waiting_table import WaitingTable
from deskapp.tui.work import call_core

RECENT_CALLS = 6
FLASH_SECONDS = 5.0


@dataclass(frozen=True)
class Board:
    calls: list[floor.Call]
    status: floor.QueueStatus


def board(ctx: Context) -> Board:
    """Everything the display shows, read in one worker."""
    return Board(floor.recent_calls(ctx, RECENT_CALLS), floor.queue_status(ctx))


class RecentCalls(Static):
    """The last calls as plain text, newest first (also what a screen reader or a test can read)."""

    def show(self, calls: list[floor.Call], timezone: str) -> None:
        if not calls:
            self.update("No calls yet today.")
            return
        lines = []
        for call in calls:
            at = to_local(call.at, timezone).strftime("%H:%M")
            again = "  (again)" if call.recall else ""
            number = escape(f"{call.number:<6}")
            was = f"  (was {escape(call.former_number)})" if call.former_number else ""
            lines.append(f"[b]{number}[/b] → {escape(f'{call.counter_name:<16}')} {at}{again}{was}")
        self.update("\n".join(lines))


class DisplayScreen(AppScreen):
    def __init__(self) -> None:
        super().__init__(name="display")
        self.latest: tuple | None = None
        self._loaded = False
        self._unflash = None

    def compose(self) -> ComposeResult:
        config = self.config
        with Horizontal(id="display-top"):
            yield Static(f"[b]{escape(config.branch.name)}[/b]", id="display-branch")
            yield Digits("--:--", id="display-clock")
        with Horizontal(id="display-main"):
            with Vertical(id="display-now"):
                yield Static("Now serving", classes="display-caption")
                yield TicketDigits("", id="display-number")
                yield Static("please go to", classes="display-caption")
                yield TicketDigits("", id="display-counter")
                yield Static("Waiting for the first call.", id="display-now-text")
            with Vertical(id="display-recent"):
                yield Static("Last calls", classes="display-caption")
                yield RecentCalls("", id="display-calls")
        yield Static("Waiting now", classes="display-caption", id="display-waiting-title")
        yield WaitingTable(public=True, id="display-waiting")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._show_clock)
        self._show_clock()

    def _show_clock(self) -> None:
        local = to_local(self.state.now(), self.config.branch.timezone)
        self.query_one("#display-clock", Digits).update(local.strftime("%H:%M"))

    def reload(self) -> None:
        call_core(self, board, self.ctx, then=self._show, group="display-load", exclusive=True)

    def _show(self, data: Board) -> None:
        timezone = self.config.branch.timezone
        self.query_one(RecentCalls).show(data.calls, timezone)
        self.query_one(WaitingTable).show(data.status.services)
        latest = data.calls[0] if data.calls else None
        key = (latest.number, latest.counter, latest.at) if latest else None
        if key != self.latest or not self._loaded:
            self._show_now(latest, announce=self._loaded and latest is not None)
        self.latest = key
        self._loaded = True

    def _show_now(self, call: floor.Call | None, *, announce: bool) -> None:
        self.query_one("#display-number", TicketDigits).update(call.number if call else "")
        self.query_one("#display-counter", TicketDigits).update(call.counter if call else "")
        text = f"{ticket_number(call.number, call.former_number)} → {call.counter_name}" if call \
            else "Waiting for the first call."
        self.query_one("#display-now-text", Static).update(plain(text))
        if announce:
            self.app.bell()
            panel = self.query_one("#display-now")
            panel.add_class("flash")
            if self._unflash is not None:
                self._unflash.stop()
            self._unflash = self.set_timer(FLASH_SECONDS, lambda: panel.remove_class("flash"))
