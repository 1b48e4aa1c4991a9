"""One search box and its results, updated as the user types: the heart of customer lookup.

One long-lived search thread per box (`Searcher`, started on mount, stopped on unmount) runs the
queries: a keystroke hands it the newest query and returns at once. While a query runs, newer
keystrokes only replace the waiting query, so a burst of keys costs one search for the text as it
stands when the thread is free again, never one thread per key. Every query carries a number: a
result that comes back after a newer query was asked is dropped, so stale results are never
painted, and the newest query always wins. The rows shown stay until the newest query's page
arrives, and are then updated in place (changed rows rewritten, rows added or removed at the end),
never cleared and refilled: only the lines whose cells changed are drawn again (ResultsTable, on
Textual's Line API; a DataTable repainted every visible cell for each new page). The status line says
which text the rows are for. Enter while the newest query is still running waits for its page and then
opens its top row (nothing typed is lost or acted on against an older list). Reaching the end of the
list (arrows, page-down, scrolling) fetches the next page. Enter, or a click on the highlighted row (a
first click highlights it), posts `CustomerSearch.Chosen`.
Customers found by a similar name (a typo, another spelling) are marked "~" and counted in the
status line.
"""
from __future__ import annotations

import threading
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.widgets import Static

from deskapp.core.customers import directory as customers
from deskapp.i18n import N_, _, ngettext
from deskapp.tui.format import plain
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.widgets.results_table import PAD, ResultsTable

PAGE = 25
MORE_WHEN_WITHIN = 3  # rows from the end at which the next page is fetched
QUOTED_UP_TO = 40  # characters of the query the status line repeats
# Fixed column widths: a new page rewrites cells without measuring them and without a new layout. Longer
# names end in "…". The labels are translated where drawn.
COLUMNS = ((N_("Number"), 8), (N_("Name"), 36), (N_("ID"), 12), (N_("Born"), 10), (N_("Phone"), 16),
           (N_("Segment"), 12))
NAME = 1  # the column that takes the width the others leave
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
    CustomerSearch ResultsTable { height: 1fr; margin: 0 1; }
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
        self._status_line = Static(plain(_("Type to search.")), id="customer-status")
        self.table = ResultsTable(COLUMNS, id="customer-results")

    def compose(self) -> ComposeResult:
        yield SearchBox(placeholder=_("Name, phone, national ID or customer number"), id="customer-query")
        yield self._status_line
        yield self.table

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.searcher = Searcher(self)

    def on_resize(self) -> None:
        """The Name column takes what the window leaves (fixed widths otherwise: see COLUMNS)."""
        others = sum(width + 2 * PAD for i, (_label, width) in enumerate(COLUMNS) if i != NAME)
        name = max(NAME_WIDTHS[0], min(NAME_WIDTHS[1], self.size.width - 4 - others - 2 * PAD))
        self.table.set_width(NAME, name)

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
            self.table.clear()
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
        name = c.name if c.active else _("{name} (inactive)").format(name=c.name)
        return (c.number, ("~ " if c.rank >= customers.SIMILAR else "") + name,
                c.national_id or "-", c.birth_date.isoformat() if c.birth_date else "-", c.phone or "-",
                c.segment or "-")

    def _show(self, seq: int, offset: int, found: list[customers.CustomerSummary]) -> None:
        if seq != self._seq:
            return  # an older query: never painted
        if offset and offset != len(self.results):
            return  # a page already shown
        self._loading = False
        self._exhausted = len(found) < PAGE
        if offset == 0:
            # Another list: rows rewritten where they differ (only those lines repainted), added or removed at
            # the end, the cursor back on the first row.
            self.table.replace(self._cells(c) for c in found)
            self.results = list(found)
            self.shown_text = self.query_text
        else:
            self.table.extend(self._cells(c) for c in found)
            self.results.extend(found)
        self._status(self._summary())
        if self._choose_when_shown:
            self._choose_when_shown = False
            self._choose(self.table.cursor_row)

    def _summary(self) -> str:
        """The status line: how many rows, for which text, how many by a similar name, and the keys."""
        count = len(self.results)
        quoted = self.query_text.strip()
        quoted = quoted if len(quoted) <= QUOTED_UP_TO else quoted[:QUOTED_UP_TO - 1] + "…"
        if count == 0:
            return _("No customer matches “{query}”. Try fewer letters, a phone number or an ID.").format(query=quoted)
        if self._exhausted:
            found = ngettext("{count} match for “{query}”", "{count} matches for “{query}”", count)
        else:  # more pages to come
            found = ngettext("{count}+ match for “{query}”", "{count}+ matches for “{query}”", count)
        parts = [found.format(count=count, query=quoted)]
        similar = sum(c.rank >= customers.SIMILAR for c in self.results)
        if similar:
            parts.append(ngettext("({count} ~ similar name)", "({count} ~ similar names)", similar).format(count=similar))
        return " ".join(parts) + " · " + _("Enter opens · ↓ to the list")

    def _failed(self, seq: int, exc: BaseException) -> None:
        if seq == self._seq:
            self._loading = False
            self._choose_when_shown = False
            self.app.report_error(exc)

    def _status(self, text: str) -> None:
        # One line of a fixed size: repainted alone, without laying the screen out again for every key.
        self._status_line.update(plain(text), layout=False)

    @on(ResultsTable.Highlighted, "#customer-results")
    def _near_end(self, event: ResultsTable.Highlighted) -> None:
        event.stop()
        if self._loading or self._exhausted:
            return
        if event.row >= len(self.results) - MORE_WHEN_WITHIN:
            self._fetch(len(self.results))

    @on(ResultsTable.Selected, "#customer-results")
    def _selected(self, event: ResultsTable.Selected) -> None:
        event.stop()
        self._enter(event.row)

    @on(Input.Submitted, "#customer-query")
    def _enter_in_box(self) -> None:
        self._enter(self.table.cursor_row)

    def _enter(self, row: int) -> None:
        if self._loading and self.shown_text != self.query_text:
            self._choose_when_shown = True  # the rows are an older query's: open from the newest one's
            return
        self._choose(row)

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.results):
            chosen = self.results[row]
            self.post_message(self.Chosen(chosen.id, chosen.name))

    def on_key(self, event: events.Key) -> None:
        """↓ in the box goes to the list, its cursor on the first row (the key does not move it on)."""
        if event.key == "down" and self.query_one(Input).has_focus and self.results:
            event.stop()
            event.prevent_default()
            self.table.focus()
