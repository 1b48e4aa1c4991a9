"""A ticket's history as a modal: every event, who, where, when, what was noted (queue.ticket_history).

Opened from the desk (the ticket in hand or a chosen waiting one), reception and the supervisor
(`h`); where no ticket is chosen, AskTicket asks for its number first. Escape closes either.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from deskapp.core import queue as q
from deskapp.core.clock import to_local
from deskapp.i18n import N_, _, lazy_gettext
from deskapp.tui.format import escape, ticket_number, ticket_state
from deskapp.tui.widgets.fit_table import Column, FitTable, clip
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.work import call_core, show_failure

if TYPE_CHECKING:
    from deskapp.core.context import Context

TICKET = re.compile(r"^([A-Z]{1,4}[0-9]{1,6}|[0-9]+)$")
# At 80 columns the event, who and note are cut (the chosen event's note is shown in full below).
EVENTS = (Column(N_("Time")), Column(N_("Event"), shorten=clip(22)), Column(N_("Who"), shorten=clip(12)),
          Column(N_("Note"), shorten=clip(20)))


class TicketHistoryScreen(ModalScreen[None]):
    """Every event of one ticket, oldest first."""

    DEFAULT_CSS = """
    TicketHistoryScreen { align: center middle; }
    TicketHistoryScreen #history-box { width: 96%; max-width: 120; height: 90%; max-height: 30;
        border: round $primary; background: $panel; padding: 0 1; }
    TicketHistoryScreen #history-head { height: auto; }
    TicketHistoryScreen #history-events { height: 1fr; }
    TicketHistoryScreen #history-note { height: auto; max-height: 4; color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Close"), id="history_close")]

    def __init__(self, number_or_id: str | int, ctx: Context | None = None) -> None:
        """`ctx`: the branch the ticket is in (a supervisor's view of another branch); None: this desk's."""
        super().__init__()
        self.number_or_id = number_or_id
        self.branch = ctx
        self.history: q.TicketHistory | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="history-box"):
            yield Static(_("Loading…"), id="history-head")
            yield FitTable(EVENTS, id="history-events", cursor_type="row", zebra_stripes=True)
            yield Static("", id="history-note")
            yield Footer()

    def on_mount(self) -> None:
        ctx = self.branch or self.app.ctx  # type: ignore[attr-defined]
        call_core(self, q.ticket_history, ctx, self.number_or_id, then=self._show, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        show_failure(self, exc, lambda text: self.query_one("#history-head", Static).update(escape(text)))

    def _show(self, history: q.TicketHistory) -> None:
        self.history = history
        t = history.ticket
        timezone = (self.branch or self.app).config.branch.timezone  # type: ignore[attr-defined]
        chain = " · " + _("transferred from {number}").format(number=escape(t.parent_number)) if t.parent_number else ""
        self.query_one("#history-head", Static).update(
            f"[b]{escape(ticket_number(t.number, t.former_number))}[/b] · {escape((self.branch or self.app).config.service_name(t.service, t.service_name))} · "
            f"{escape(t.priority)} · {escape(ticket_state(t.status))}{chain}")
        table = self.query_one(FitTable)
        table.clear()
        for i, e in enumerate(history.events):
            who = e.staff_name or "-"
            table.add_row(to_local(e.at, timezone).strftime("%H:%M:%S"), e.what, who, e.note or "-", key=str(i))
        if table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)  # the latest event, its note in full below
        table.focus()
        self._show_note()

    @on(FitTable.RowHighlighted, "#history-events")
    def _highlighted(self, _event: FitTable.RowHighlighted) -> None:
        self._show_note()

    def _show_note(self) -> None:
        """The chosen event in full (the table may cut its note at 80 columns)."""
        table = self.query_one(FitTable)
        if self.history is None or not self.history.events or not table.row_count:
            return
        e = self.history.events[min(table.cursor_row, len(self.history.events) - 1)]
        where = e.counter_name if e.counter_name and e.counter_name not in e.what else None
        if e.staff_name and where:
            said = _("{event} by {name} at {counter}")
        elif e.staff_name:
            said = _("{event} by {name}")
        elif where:
            said = _("{event} at {counter}")
        else:
            said = "{event}"
        said = said.format(event=escape(e.what), name=escape(e.staff_name or ""), counter=escape(where or ""))
        note = f": {escape(e.note)}" if e.note else ""
        self.query_one("#history-note", Static).update(f"{said}{note}")


class AskTicket(ModalScreen[str | None]):
    """Ask for a ticket's number (as printed), to show its history."""

    DEFAULT_CSS = """
    AskTicket { align: center middle; }
    AskTicket #ask-ticket { width: 50; height: auto; border: round $primary; background: $panel; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Cancel"))]

    def __init__(self, prefill: str = "") -> None:
        super().__init__()
        self.prefill = prefill

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-ticket"):
            yield Static(_("History of which ticket?"), classes="section-title")
            yield Input(self.prefill, placeholder=_("Ticket number, e.g. A014"), id="ask-number",
                        restrict=r"[0-9A-Za-z]*", max_length=8)
            yield Static(_("Enter shows its history; Escape goes back."), id="ask-message")

    @on(Input.Submitted, "#ask-number")
    def _submit(self, event: Input.Submitted) -> None:
        number = event.value.strip().upper()
        if not TICKET.match(number):
            self.query_one("#ask-message", Static).update(_("Type the number printed on the ticket, e.g. A014."))
            return
        self.dismiss(number)


def show_history(screen, number_or_id: str | int | None, prefill: str = "", ctx: Context | None = None) -> None:
    """The history of `number_or_id`, or of the ticket whose number the user gives first (in `ctx`'s
    branch, this desk's by default)."""
    if number_or_id is not None:
        screen.app.push_screen(TicketHistoryScreen(number_or_id, ctx))
        return

    def chosen(number: str | None) -> None:
        if number:
            screen.app.push_screen(TicketHistoryScreen(number, ctx))

    screen.app.push_screen(AskTicket(prefill), chosen)
