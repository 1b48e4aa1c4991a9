"""A table that keeps its most important columns on screen when the terminal is small.

A dashboard's full set of columns is wider than an 80-column terminal, and a plain DataTable then
hides the right-hand ones behind a horizontal scroll: the supervisor saw "Open count" and "Do...",
reception only the service names. A FitTable knows each column's shorter form (a short header, a
shorter cell) and the order in which columns may be left out. Whenever its width or its rows change
it shows the fullest form that fits: every column in full, then every column short, then short with
the least important columns left out, one step at a time.

Screens add rows with every value, as to any DataTable (its columns are the table's own: no
`add_columns`); the table keeps them so that it can redraw in another form after a resize.
`get_row` returns the cells shown, in the form shown; `form` says which that is.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets.data_table import CellType, RowKey

from deskapp.i18n import _
from deskapp.tui.widgets.table import DataTable


@dataclass(frozen=True)
class Column:
    """One column: its header, and what it becomes when space is short."""

    label: str
    """The header, marked N_() where the column is declared and translated here, each time it is drawn."""
    short: str | None = None
    """The header in the short form (the label when None), translated likewise."""
    shorten: Callable[[str], str] | None = None
    """The cell in the short form (the cell unchanged when None)."""
    drop: int = 0
    """0: always shown; otherwise left out when space is short, those with 1 first, then 2, and so on."""


class Cell(str):
    """A cell that carries its own short form, made from the data rather than by cutting its words
    (the supervisor's staffing advice: core says both, in the viewer's language)."""

    short: str

    def __new__(cls, text: str, short: str | None = None) -> Cell:
        made = super().__new__(cls, text)
        made.short = text if short is None else short
        return made


def clip(width: int) -> Callable[[str], str]:
    """A shortener that cuts a cell to `width` characters, an ellipsis marking the cut."""
    def shorten(text: str) -> str:
        return text if cell_len(text) <= width else text[:width - 1].rstrip() + "…"
    return shorten


def before(separator: str) -> Callable[[str], str]:
    """A shortener that keeps what comes before `separator` ("CASH · Cash deposit" -> "CASH")."""
    return lambda text: text.split(separator, 1)[0]


def after(separator: str) -> Callable[[str], str]:
    """A shortener that keeps what comes after `separator` ("LOAN: open 1 more counter" -> "open 1 more counter")."""
    return lambda text: text.split(separator, 1)[-1]


Form = tuple[bool, int]  # (short, columns dropped up to this step)


class FitTable(DataTable):
    """A DataTable showing the fullest form of its columns that fits its width."""

    def __init__(self, columns: Sequence[Column], *, id: str | None = None, classes: str | None = None,
                 **options) -> None:
        super().__init__(id=id, classes=classes, **options)
        self.specs = tuple(columns)
        self.form: Form = (False, 0)
        self._rows: list[tuple[tuple, str | None]] = []
        self._width = 0
        self._fit_pending = False

    def on_mount(self) -> None:
        self._add_columns()

    def on_resize(self, event: events.Resize) -> None:
        if self.size.width != self._width:
            self._width = self.size.width
            self._fit()

    def add_row(self, *cells: CellType, height: int | None = 1, key: str | None = None,
                label: str | Text | None = None) -> RowKey:
        self._rows.append((cells, key))
        if not self._fit_pending:  # once after a batch of rows, before the screen is painted
            self._fit_pending = True
            self.call_next(self._fit)
        return super().add_row(*self._cells(cells, self.form), height=height, key=key, label=label)

    def clear(self, columns: bool = False, *, keep_cursor: bool = True) -> FitTable:
        self._rows.clear()
        super().clear(columns, keep_cursor=keep_cursor)
        if columns:  # the columns are the table's own: they come back, in the form shown
            self._add_columns()
        return self

    # -- forms -------------------------------------------------------------------------------------
    def _forms(self) -> Iterator[Form]:
        yield (False, 0)
        yield (True, 0)
        for step in sorted({c.drop for c in self.specs if c.drop}):
            yield (True, step)

    def _shown(self, form: Form) -> list[int]:
        _, step = form
        return [i for i, c in enumerate(self.specs) if not c.drop or c.drop > step]

    def _cells(self, values: tuple, form: Form) -> list:
        short, _ = form
        cells = []
        for i in self._shown(form):
            value, spec = values[i], self.specs[i]
            if short and isinstance(value, Cell):
                value = value.short
            elif short and spec.shorten is not None and isinstance(value, str):
                value = spec.shorten(value)
            cells.append(value)
        return cells

    def _header(self, i: int, form: Form) -> str:
        spec = self.specs[i]
        header = spec.short if form[0] and spec.short is not None else spec.label
        return _(header) if header else header  # in the language of the staff member logged in now

    def _needed(self, form: Form) -> int:
        """Cells across the table in this form, padding included."""
        shown = self._shown(form)
        widths = {i: cell_len(self._header(i, form)) for i in shown}
        for values, _key in self._rows:
            for i, cell in zip(shown, self._cells(values, form), strict=True):
                widths[i] = max(widths[i], cell_len(str(cell)))
        return sum(widths.values()) + 2 * self.cell_padding * len(shown)

    def _available(self) -> int:
        """The width for columns: the table's, less a vertical scrollbar when there are more rows than fit."""
        scrollbar = self.styles.scrollbar_size_vertical if self.virtual_size.height > self.size.height else 0
        return self.size.width - scrollbar

    def _fit(self) -> None:
        self._fit_pending = False
        width = self._available()
        if width <= 0 or not self.specs:
            return
        forms = list(self._forms())
        form = next((f for f in forms if self._needed(f) <= width), forms[-1])
        if form != self.form:
            self.form = form
            self._redraw()

    def _redraw(self) -> None:
        rows, keep = list(self._rows), self.cursor_row
        super().clear(columns=True)
        self._add_columns()
        for values, key in rows:
            super().add_row(*self._cells(values, self.form), key=key)
        if self.row_count and self.cursor_type == "row":
            self.move_cursor(row=min(keep, self.row_count - 1))

    def _add_columns(self) -> None:
        self.add_columns(*(self._header(i, self.form) for i in self._shown(self.form)))
