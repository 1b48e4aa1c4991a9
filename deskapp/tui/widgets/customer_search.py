"""One search box and its results, updated as the user types: the heart of customer lookup.

One long-lived search thread per box (`Searcher`, started on mount, stopped on unmount) runs the
queries: a keystroke hands it the newest query and returns at once. While a query runs, newer
keystrokes only replace the waiting query, so a burst of keys costs one search for the text as it
stands when the thread is free again, never one thread per key. Every query carries a number: a
result that comes back after a newer query was asked is dropped, so stale results are never
painted, and the newest query always wins. The rows shown stay until the newest query's page
arrives, and are then updated in place (changed cells rewritten, rows added or removed at the end),
never cleared and refilled; the status line says which text the rows are for. Enter while the
newest query is still running waits for its page and then opens its top row (nothing typed is
lost or acted on against an older list). Reaching the end of the list (arrows, page-down,
scrolling) fetches the next page. Enter or a click on a row posts `CustomerSearch.Chosen`.
Customers found by a similar name (a typo, another spelling) are marked "~" and counted in the
status line.
"""
from __future__ import annotations

import threading
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.message import Message
from textual.widgets import Static

from deskapp.core.customers import directory as customers
from deskapp.i18n import N_, _, ngettext
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.widgets.table import DataTable

PAGE = 25
MORE_WHEN_WITHIN = 3  # rows from the end at which the next page is fetched
QUOTED_UP_TO = 40  # characters of the query the status line repeats
# Fixed column widths: a new page rewrites cells without measuring them and without a new layout (Textual
# re-measures a whole auto-width column whenever one of its cells gets shorter). Longer names end in "…".
COLUMNS = ((N_("Number"), 8), (N_("Name"), 36), (N_("ID"), 12), (N_("Born"), 10), (N_("Phone"), 16), (N_("Segment"), 12))
NAME_WIDTHS = (20, 40)  # the Name column takes the width the others leave, within these bounds


class SearchBox(Input):
    """The search box: its size is fixed, so a keystroke repaints the box alone. (Textual's Input sets its
    virtual size, a layout-refreshing reactive, on every change: the whole screen, results table included,
    was laid out and painted again for each key before the results even arrived.)"""

    def _watch_value(self, value: str) -> None:
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))  # stored, without a new layout
        self.refresh()
        super()._watch_value(value)  # suggestions; the virtual size it sets again is unchanged now


class Searcher:
    """The search box's own thread: waits for a query, runs it, posts the page back to the box.

    Only the newest query waits: `ask` replaces one not yet started. The thread borrows a pooled
    connection per query (deskapp.db.pool) and lives until `stop`."""

    def __init__(self, box: CustomerSearch) -> None:
        self._box = box
        self._wake = threading.Condition()
        self._waiting: tuple[Any, ...] | None = None
        self._stopped = False
        self.asked = 0  # queries handed over, and run: for tests and benchmarks
        self.ran = 0
        self._thread = threading.Thread(target=self._run, name="customer-search", daemon=True)
        self._thread.start()

    def ask(self, seq: int, ctx: Any, session: Any, text: str, offset: int) -> None:
        with self._wake:
            self.asked += 1
            self._waiting = (seq, ctx, session, text, offset)
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._waiting = None
            self._wake.notify()

    def _run(self) -> None:
        from deskapp.db.pool import borrowed

        while True:
            with self._wake:
                while self._waiting is None and not self._stopped:
                    self._wake.wait()
                if self._stopped:
                    return
                seq, ctx, session, text, offset = self._waiting
                self._waiting = None
            try:
                with borrowed():
                    found = customers.search(ctx, session, text, PAGE, offset)
            except Exception as exc:  # noqa: BLE001  reported on screen, never raised in the thread
                self._box.post_message(CustomerSearch.Failed(seq, exc))
            else:
                self._box.post_message(CustomerSearch.Found(seq, offset, found))
            self.ran += 1


class CustomerSearch(Vertical):
    DEFAULT_CSS = """
    CustomerSearch { height: 1fr; }
    CustomerSearch #customer-query { margin: 0 1; width: 1fr; height: 3; }  /* fixed: a keystroke repaints the box alone, no new layout */
    CustomerSearch #customer-status { color: $text-muted; margin: 0 2; height: 1; width: 1fr; }
    CustomerSearch DataTable { height: 1fr; margin: 0 1; }
    """

    class Chosen(Message):
        def __init__(self, customer_id: int, name: str) -> None:
            super().__init__()
            self.customer_id = customer_id
            self.name = name

    class Found(Message):
        """A page of results from the search thread (for the query numbered `seq`)."""

        def __init__(self, seq: int, offset: int, found: list[customers.CustomerSummary]) -> None:
            super().__init__()
            self.seq = seq
            self.offset = offset
            self.found = found

    class Failed(Message):
        def __init__(self, seq: int, exc: BaseException) -> None:
            super().__init__()
            self.seq = seq
            self.exc = exc

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.query_text = ""  # the newest query typed
        self.shown_text = ""  # the query whose results the rows are
        self.results: list[customers.CustomerSummary] = []
        self._seq = 0
        self._loading = False
        self._exhausted = True
        self._choose_when_shown = False
        self.searcher: Searcher | None = None

    def compose(self) -> ComposeResult:
        yield SearchBox(placeholder=_("Name, phone, national ID or customer number"), id="customer-query")
        yield Static(_("Type to search."), id="customer-status")
        yield DataTable(id="customer-results", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in COLUMNS:
            table.add_column(_(label), width=width)
        self.query_one(Input).focus()
        self.searcher = Searcher(self)

    def on_resize(self) -> None:
        """The Name column takes what the window leaves (fixed widths otherwise: see COLUMNS)."""
        table = self.query_one(DataTable)
        others = sum(width + 2 * table.cell_padding for label, width in COLUMNS if label != COLUMNS[1][0])
        name = max(NAME_WIDTHS[0], min(NAME_WIDTHS[1], self.size.width - 4 - others - 2 * table.cell_padding))
        column = table.ordered_columns[1]
        if column.width != name:
            column.width = name
            column.content_width = name
            table._require_update_dimensions = True  # Textual has no public setter for a column width
            table.refresh()

    def on_unmount(self) -> None:
        if self.searcher is not None:
            self.searcher.stop()

    @property
    def searching(self) -> bool:
        """True while the newest query's page is not shown yet."""
        return self._loading

    @on(Input.Changed, "#customer-query")
    def _typed(self, event: Input.Changed) -> None:
        self.search(event.value)

    def search(self, text: str) -> None:
        self.query_text = text
        self._seq += 1
        self._exhausted = False
        self._choose_when_shown = False
        if not text.strip():
            self._loading = False
            self._exhausted = True
            self.results = []
            self.shown_text = ""
            self.query_one(DataTable).clear(keep_cursor=False)
            self._status(_("Type to search."))
            return
        self._fetch(0)  # the rows shown stay until this query's page replaces them

    def _fetch(self, offset: int) -> None:
        app = self.app
        if app.ctx is None or app.session is None or self.searcher is None:
            return
        self._loading = True
        self.searcher.ask(self._seq, app.ctx, app.session, self.query_text, offset)

    @on(Found)
    def _found(self, event: Found) -> None:
        event.stop()
        self._show(event.seq, event.offset, event.found)

    @on(Failed)
    def _failed_message(self, event: Failed) -> None:
        event.stop()
        self._failed(event.seq, event.exc)

    @staticmethod
    def _cells(c: customers.CustomerSummary) -> tuple[str, ...]:
        return (c.number, ("~ " if c.rank >= customers.SIMILAR else "") + c.name + ("" if c.active else " " + _("(inactive)")),
                c.national_id or "-", c.birth_date.isoformat() if c.birth_date else "-", c.phone or "-",
                c.segment or "-")

    def _show(self, seq: int, offset: int, found: list[customers.CustomerSummary]) -> None:
        if seq != self._seq:
            return  # an older query: never painted
        if offset and offset != len(self.results):
            return  # a page already shown
        self._loading = False
        self._exhausted = len(found) < PAGE
        table = self.query_one(DataTable)
        if offset == 0:
            self._replace_rows(table, found)
            self.results = list(found)
            self.shown_text = self.query_text
        else:
            for c in found:
                table.add_row(*self._cells(c))
            self.results.extend(found)
        count = len(self.results)
        quoted = self.query_text.strip()
        quoted = quoted if len(quoted) <= QUOTED_UP_TO else quoted[:QUOTED_UP_TO - 1] + "…"
        if count == 0:
            self._status(_("No customer matches “{query}”. Try fewer letters, a phone number or an ID.").format(
                query=quoted))
        else:
            similar = sum(c.rank >= customers.SIMILAR for c in self.results)
            shown = f"{count}{'' if self._exhausted else '+'}"
            said = ngettext("{count} match for “{query}”", "{count} matches for “{query}”", count).format(
                count=shown, query=quoted)
            if similar:
                said += " " + ngettext("({n} ~ similar name)", "({n} ~ similar names)", similar).format(n=similar)
            self._status(said + " · " + _("Enter opens · ↓ to the list"))
        if self._choose_when_shown:
            self._choose_when_shown = False
            self._choose(table.cursor_row)

    def _replace_rows(self, table: DataTable, found: list[customers.CustomerSummary]) -> None:
        """Another query's first page over the rows shown: cells rewritten where they differ, rows added or
        removed at the end only, the cursor back on the first row (a new list)."""
        shown = table.row_count
        for row, c in enumerate(found[:shown]):
            old = table.get_row_at(row)
            for column, value in enumerate(self._cells(c)):
                if str(old[column]) != value:
                    table.update_cell_at(Coordinate(row, column), value)
        for c in found[shown:]:
            table.add_row(*self._cells(c))
        for row in range(shown - 1, len(found) - 1, -1):
            table.remove_row(table.ordered_rows[row].key)
        if found:
            table.move_cursor(row=0, column=0, scroll=True)

    def _failed(self, seq: int, exc: BaseException) -> None:
        if seq == self._seq:
            self._loading = False
            self._choose_when_shown = False
            self.app.report_error(exc)

    def _status(self, text: str) -> None:
        # One line of a fixed size: repainted alone, without laying the screen out again for every key.
        self.query_one("#customer-status", Static).update(text, layout=False)

    @on(DataTable.RowHighlighted, "#customer-results")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if self._loading or self._exhausted:
            return
        if event.cursor_row >= len(self.results) - MORE_WHEN_WITHIN:
            self._fetch(len(self.results))

    @on(DataTable.RowSelected, "#customer-results")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._enter(event.cursor_row)

    @on(Input.Submitted, "#customer-query")
    def _enter_in_box(self) -> None:
        self._enter(self.query_one(DataTable).cursor_row)

    def _enter(self, row: int) -> None:
        if self._loading and self.shown_text != self.query_text:
            self._choose_when_shown = True  # the rows are an older query's: open from the newest one's
            return
        self._choose(row)

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.results):
            chosen = self.results[row]
            self.post_message(self.Chosen(chosen.id, chosen.name))

    def key_down(self) -> None:
        if self.query_one(Input).has_focus and self.results:
            self.query_one(DataTable).focus()
