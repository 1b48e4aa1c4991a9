"""One search box and its results, updated as the user types: the heart of customer lookup.

Each keystroke starts a search in a thread worker of one exclusive group, and every query
carries a number: a result that comes back after a newer query started is dropped, so the
newest query always wins. Reaching the end of the list (arrows, page-down, scrolling) fetches
the next page. Enter or a click on a row posts `CustomerSearch.Chosen`. Customers found by a
similar name (a typo, another spelling) are marked "~" and counted in the status line.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from deskapp.core.customers import directory as customers
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.widgets.table import DataTable
from deskapp.tui.work import call_core

PAGE = 25
MORE_WHEN_WITHIN = 3  # rows from the end at which the next page is fetched


class CustomerSearch(Vertical):
    DEFAULT_CSS = """
    CustomerSearch { height: 1fr; }
    CustomerSearch #customer-query { margin: 0 1; }
    CustomerSearch #customer-status { color: $text-muted; margin: 0 2; height: 1; }
    CustomerSearch DataTable { height: 1fr; margin: 0 1; }
    """

    class Chosen(Message):
        def __init__(self, customer_id: int, name: str) -> None:
            super().__init__()
            self.customer_id = customer_id
            self.name = name

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.query_text = ""
        self.results: list[customers.CustomerSummary] = []
        self._seq = 0
        self._loading = False
        self._exhausted = True

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Name, phone, national ID or customer number", id="customer-query")
        yield Static("Type to search.", id="customer-status")
        yield DataTable(id="customer-results", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Number", "Name", "ID", "Born", "Phone", "Segment")
        self.query_one(Input).focus()

    @on(Input.Changed, "#customer-query")
    def _typed(self, event: Input.Changed) -> None:
        self.search(event.value)

    def search(self, text: str) -> None:
        self.query_text = text
        self._seq += 1
        self.results = []
        self._exhausted = False
        self.query_one(DataTable).clear(keep_cursor=False)  # another list: its first row
        if not text.strip():
            self._exhausted = True
            self._status("Type to search.")
            return
        self._status("Searching…")
        self._fetch(0)

    def _fetch(self, offset: int) -> None:
        app = self.app
        if app.ctx is None or app.session is None:
            return
        self._loading = True
        seq = self._seq
        call_core(self, customers.search, app.ctx, app.session, self.query_text, PAGE, offset,
                  then=lambda found: self._show(seq, offset, found), on_error=lambda exc: self._failed(seq, exc),
                  group="customer-search", exclusive=True)

    def _show(self, seq: int, offset: int, found: list[customers.CustomerSummary]) -> None:
        if seq != self._seq or offset != len(self.results):
            return  # an older query, or a page already shown
        self._loading = False
        self._exhausted = len(found) < PAGE
        table = self.query_one(DataTable)
        for c in found:
            table.add_row(
                c.number, ("~ " if c.rank >= customers.SIMILAR else "") + c.name + ("" if c.active else " (inactive)"),
                c.national_id or "-",
                c.birth_date.isoformat() if c.birth_date else "-", c.phone or "-", c.segment or "-",
                key=str(c.id),
            )
        self.results.extend(found)
        count = len(self.results)
        if count == 0:
            self._status("No customer matches. Try fewer letters, a phone number or an ID.")
        else:
            similar = sum(c.rank >= customers.SIMILAR for c in self.results)
            self._status(f"{count}{'' if self._exhausted else '+'} match{'es' if count != 1 else ''}"
                         + (f" ({similar} ~ similar name{'s' if similar != 1 else ''})" if similar else "")
                         + " · Enter opens · ↓ to the list")

    def _failed(self, seq: int, exc: BaseException) -> None:
        if seq == self._seq:
            self._loading = False
            self.app.report_error(exc)

    def _status(self, text: str) -> None:
        self.query_one("#customer-status", Static).update(text)

    @on(DataTable.RowHighlighted, "#customer-results")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if self._loading or self._exhausted:
            return
        if event.cursor_row >= len(self.results) - MORE_WHEN_WITHIN:
            self._fetch(len(self.results))

    @on(DataTable.RowSelected, "#customer-results")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._choose(event.cursor_row)

    @on(Input.Submitted, "#customer-query")
    def _enter_in_box(self) -> None:
        if self.results:
            self._choose(self.query_one(DataTable).cursor_row)

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.results):
            chosen = self.results[row]
            self.post_message(self.Chosen(chosen.id, chosen.name))

    def key_down(self) -> None:
        if self.query_one(Input).has_focus and self.results:
            self.query_one(DataTable).focus()
