"""The DataTable every screen uses: text cells are shown as text, never read as markup.

Textual parses a plain string cell as content markup, so a customer named `Zorba [/] Markup` or a login
typed as `[/]` would end the app with a MarkupError. Screens import `DataTable` from here, and every
string cell (and row label) becomes a literal `rich.text.Text`; read a cell back with `str(cell)`.

A reload keeps the cursor where the user left it. Screens refill a table by `clear()` and `add_row`, and
Textual's `clear` puts the cursor back on row 1: after an action on row 5 of the follow-ups the next key
acted on another follow-up. Here the cursor returns to the row with the same key once the rows are back,
or, when that row left the list, to the row now in its place (the next one). A table whose new rows are
another list altogether (a new search) clears with `keep_cursor=False`.
"""
from __future__ import annotations

from typing import Self

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable as TextualDataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from deskapp.tui.format import literal, plain


def literal_cell(value: object) -> object:
    """A string as a literal Text (no markup, no control characters), a styled Text with its control
    characters shown (each is replaced by one character: the styles stay in place); anything else
    unchanged."""
    if isinstance(value, str):
        return plain(value)
    if isinstance(value, Text):
        shown = value.copy()
        shown.plain = literal(value.plain)
        return shown
    return value


class DataTable(TextualDataTable[CellType]):
    """A DataTable whose string cells never go through the markup parser, and whose cursor stays on its
    row across a reload."""

    _kept: tuple[str | None, int, int] | None = None  # the cursor's row key, row and column before a clear
    _restore_pending = False

    def clear(self, columns: bool = False, *, keep_cursor: bool = True) -> Self:
        if not keep_cursor:
            self._kept = None
        elif self._kept is None and self.row_count and self.is_valid_coordinate(self.cursor_coordinate):
            row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
            self._kept = (row_key.value, self.cursor_row, self.cursor_column)
        return super().clear(columns)

    def add_row(self, *cells: CellType, height: int | None = 1, key: str | None = None,
                label: str | Text | None = None) -> RowKey:
        row = super().add_row(*(literal_cell(c) for c in cells), height=height, key=key,  # type: ignore[misc]
                              label=literal_cell(label) if label is not None else None)  # type: ignore[arg-type]
        if self._kept is not None and not self._restore_pending:  # once, after the batch of rows
            self._restore_pending = True
            self.call_next(self._restore_cursor)
        return row

    def _restore_cursor(self) -> None:
        self._restore_pending = False
        if self._kept is None or not self.row_count:
            return
        key, row, column = self._kept
        self._kept = None
        if key is not None and key in self.rows:
            row = self.get_row_index(key)
        self.move_cursor(row=min(row, self.row_count - 1), column=min(column, max(len(self.columns) - 1, 0)))

    def update_cell(self, row_key: RowKey | str, column_key: ColumnKey | str, value: CellType, *,
                    update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, literal_cell(value), update_width=update_width)  # type: ignore[arg-type]

    def update_cell_at(self, coordinate: Coordinate, value: CellType, *, update_width: bool = False) -> None:
        super().update_cell_at(coordinate, literal_cell(value), update_width=update_width)  # type: ignore[arg-type]
