"""The waiting-room display: the ticket being called and where, the last calls, the queues, the time.

Nothing to press (ctrl+q quits). It reloads when another desk changes the queue (the app's
`changes` signal). The number and the counter are drawn in a block font as large as the window
allows (TicketDigits), the last calls and the waiting counts too where there is room, so the room
reads them from five metres; a small terminal gets the same screen in text. A new call or a recall
blinks the "now serving" panel, rings the bell and, when `display.announce` is on and espeak-ng
is installed, is spoken. A branch of several languages (branch.languages) has its captions in each,
or in one at a time (display.languages).
"""
from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Digits, Static

from deskapp import i18n
from deskapp.core.clock import to_local
from deskapp.core.context import Context
from deskapp.core.queue import floor
from deskapp.tui import announce
from deskapp.tui.format import escape, plain, ticket_number
from deskapp.tui.screens.base import AppScreen
from deskapp.tui.widgets.ticket_digits import TicketDigits, block_lines, block_rows, block_width
from deskapp.tui.widgets.waiting_table import WaitingTable
from deskapp.tui.work import call_core

_ = i18n._
N_ = i18n.N_

RECENT_CALLS = 6
FLASH_SECONDS = 5.0
BLINK_SECONDS = 0.5


@dataclass(frozen=True)
class Board:
    calls: list[floor.Call]
    status: floor.QueueStatus


def board(ctx: Context) -> Board:
    """Everything the display shows, read in one worker."""
    return Board(floor.recent_calls(ctx, RECENT_CALLS), floor.queue_status(ctx))


class RecentCalls(Static):
    """The last calls, newest first: as text (also what a screen reader or a test reads), drawn in the
    block font ("A001→1") when the panel has room for at least three of them."""

    def __init__(self, content: str = "", *, id: str | None = None) -> None:
        super().__init__(content, id=id)
        self.big: list[str] = []

    def show(self, calls: list[floor.Call], timezone: str, words=_, counter=None) -> None:
        """`words`: the screen's messages in the display's language(s); `counter`: a call's counter's
        name in the display's language (default: the name the call carries)."""
        self.big = [f"{call.number}→{call.counter}" for call in calls]
        if not calls:
            self.update(escape(words(N_("No calls yet today."))))
            return
        lines = []
        for call in calls:
            at = to_local(call.at, timezone).strftime("%H:%M")
            again = "  " + escape(words(N_("(again)"))) if call.recall else ""
            number = escape(f"{call.number:<6}")
            was = ("  " + escape(words(N_("(was {number})"))).format(number=escape(call.former_number))
                   if call.former_number else "")
            lines.append(f"[b]{number}[/b] → {escape(f'{counter(call) if counter else call.counter_name:<16}')} {at}{again}{was}")
        self.update("\n".join(lines))

    def big_lines(self) -> list[str]:
        """The block-font rows shown now, or [] when the panel is too small and shows text."""
        width, height = self.size
        if not self.big or not width:
            return []
        wanted = 3  # the same layout whatever the number of calls so far
        longest = max(self.big, key=len)
        scale = min(width // block_width(longest, 1), 8)
        while scale and wanted * (block_rows(scale) + 1) - 1 > height:
            scale -= 1
        if not scale:
            return []
        rows: list[str] = []
        for line in self.big:
            if len(rows) + block_rows(scale) > height:
                break
            rows.extend(block_lines(line, scale))
            rows.append("")
        return rows[:-1]

    def render(self):
        rows = self.big_lines()
        return "\n".join(rows) if rows else super().render()


class WaitingTile(Vertical):
    """One service on the waiting board: its name, and how many wait in the block font."""

    def __init__(self, code: str, name: str, label: str) -> None:
        super().__init__(id=f"display-tile-{code}", classes="display-tile")
        self.service_name = name  # a configured text, whose words in the display's language(s) are `label`
        self.label = label

    def compose(self) -> ComposeResult:
        yield Static(escape(self.label), classes="display-tile-name")
        yield TicketDigits("", classes="display-tile-count")


class DisplayScreen(AppScreen):
    def __init__(self) -> None:
        super().__init__(name="display")
        self.latest: tuple | None = None
        self._loaded = False
        self._unflash = None
        self._blink = None
        self._call: floor.Call | None = None
        self._calls: list[floor.Call] = []
        self.shown_language = 0  # which of the branch's languages shows now (display.languages: alternate)

    def words(self, message: object, *, one: bool = False) -> str:
        """A message of the display (or a configured text) as display.languages says: in each of the
        branch's languages joined by " · ", in its first only, or in the one whose turn it is. `one`: a
        word inside a line (a call's "again"), in the one language whose turn it is."""
        languages = self.config.branch.languages
        mode = self.config.display.languages
        if self.app.lang:  # --lang: the display speaks that language alone
            chosen = [self.app.lang]
        elif mode == "first" or len(languages) == 1:
            chosen = languages[:1]
        elif mode == "alternate":
            chosen = [languages[self.shown_language % len(languages)]]
        else:
            chosen = languages[:1] if one else languages
        said: list[str] = []
        for lang in chosen:
            text = i18n.say(message, lang)
            if text not in said:
                said.append(text)
        return " · ".join(said)

    def one_word(self, message: object) -> str:
        return self.words(message, one=True)

    def counter_words(self, call: floor.Call) -> str:
        """The called counter's name as configured (one per language), in the display's language now."""
        return self.one_word(self.config.counter_text(call.counter, call.counter_name))

    def compose(self) -> ComposeResult:
        config = self.config
        with Horizontal(id="display-top"):
            yield Static(f"[b]{escape(config.branch.name)}[/b]", id="display-branch")
            yield Digits("--:--", id="display-clock")
        with Vertical(id="display-now"):
            with Horizontal(id="display-now-row"):
                with Vertical(id="display-now-ticket"):
                    yield Static(escape(self.words(N_("Now serving"))), classes="display-caption",
                                 id="display-now-caption")
                    yield TicketDigits("", id="display-number")
                with Vertical(id="display-now-counter"):
                    yield Static(escape(self.words(N_("Go to counter"))), classes="display-caption",
                                 id="display-counter-caption")
                    yield TicketDigits("", id="display-counter")
            yield Static(escape(self.words(N_("Waiting for the first call."))), id="display-now-text")
        with Horizontal(id="display-main"):
            with Vertical(id="display-recent"):
                yield Static(escape(self.words(N_("Last calls"))), classes="display-caption",
                             id="display-recent-caption")
                yield RecentCalls("", id="display-calls")
            with Vertical(id="display-queues"):
                yield Static(escape(self.words(N_("Waiting now"))), classes="display-caption",
                             id="display-waiting-title")
                with Grid(id="display-board"):
                    for service in config.services:
                        yield WaitingTile(service.code, service.name, self.words(service.name))
                yield WaitingTable(public=True, id="display-waiting")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._show_clock)
        self._show_clock()
        settings = self.config.display
        if settings.languages == "alternate" and len(self.config.branch.languages) > 1:
            self.set_interval(settings.alternate_seconds, self.next_language)

    def next_language(self) -> None:
        """The next of the branch's languages on every caption (display.languages: alternate)."""
        self.shown_language += 1
        for caption, message in (("#display-now-caption", N_("Now serving")),
                                 ("#display-counter-caption", N_("Go to counter")),
                                 ("#display-recent-caption", N_("Last calls")),
                                 ("#display-waiting-title", N_("Waiting now"))):
            self.query_one(caption, Static).update(escape(self.words(message)))
        for tile in self.query(WaitingTile).results(WaitingTile):
            tile.query_one(".display-tile-name", Static).update(escape(self.words(tile.service_name)))
        if self._loaded:
            self.query_one(RecentCalls).show(self._calls, self.config.branch.timezone, self.one_word)
            self._show_now(self._call, announce=False)

    def _show_clock(self) -> None:
        local = to_local(self.state.now(), self.config.branch.timezone)
        self.query_one("#display-clock", Digits).update(local.strftime("%H:%M"))

    def reload(self) -> None:
        call_core(self, board, self.ctx, then=self._show, group="display-load", exclusive=True)

    def _show(self, data: Board) -> None:
        timezone = self.config.branch.timezone
        self._calls = data.calls
        self.query_one(RecentCalls).show(data.calls, timezone, self.one_word, self.counter_words)
        self.query_one(WaitingTable).show(data.status.services)
        for service in data.status.services:
            for tile in self.query(f"#display-tile-{service.code}"):
                tile.query_one(TicketDigits).update(str(service.waiting))
        latest = data.calls[0] if data.calls else None
        key = (latest.number, latest.counter, latest.at, latest.recall) if latest else None
        if key != self.latest or not self._loaded:
            self._show_now(latest, announce=self._loaded and latest is not None)
        self.latest = key
        self._loaded = True

    def _show_now(self, call: floor.Call | None, *, announce: bool) -> None:
        self.query_one("#display-number", TicketDigits).update(call.number if call else "")
        self.query_one("#display-counter", TicketDigits).update(call.counter if call else "")
        self._call = call
        text = f"{ticket_number(call.number, call.former_number)} → {self.counter_words(call)}" if call \
            else self.words(N_("Waiting for the first call."))
        if call is not None and call.recall:
            text += " · " + self.words(N_("called again"), one=True)
        self.query_one("#display-now-text", Static).update(plain(text))
        if announce and call is not None:
            self.app.bell()
            self._flash()
            self._speak(call)

    def _flash(self) -> None:
        """Blink the panel for FLASH_SECONDS (the class `flash` stays on, `blink` toggles)."""
        panel = self.query_one("#display-now")
        panel.add_class("flash", "blink")
        for timer in (self._unflash, self._blink):
            if timer is not None:
                timer.stop()
        self._blink = self.set_interval(BLINK_SECONDS, lambda: panel.toggle_class("blink"))

        def unflash() -> None:
            if self._blink is not None:
                self._blink.stop()
            panel.remove_class("flash", "blink")

        self._unflash = self.set_timer(FLASH_SECONDS, unflash)

    def _speak(self, call: floor.Call) -> None:
        settings = self.config.display
        if not settings.announce:
            return
        text = announce.spoken(call.number, call.counter)
        self.run_worker(lambda: announce.speak(text, settings.voice), thread=True, group="announce",
                        exit_on_error=False, description="announce")
