"""The DataTable every screen uses: text cells are shown as text, never read as markup.

Textual parses a plain string cell as content markup, so a customer named `Zorba [/] Markup` or a login
typed as `[/]` would end the app with a MarkupError. Screens import `DataTable` from here, and every
string cell (and row label) becomes a literal `rich.text.Text`; read a cell back with `str(cell)`.
"""
from __future__ import annotations

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
    """A DataTable whose string cells never go through the markup parser."""

    def add_row(self, *cells: CellType, height: int | None = 1, key: str | None = None,
                label: str | Text | None = None) -> RowKey:
        return super().add_row(*(literal_cell(c) for c in cells), height=height, key=key,  # type: ignore[misc]
                               label=literal_cell(label) if label is not None else None)  # type: ignore[arg-type]

    def update_cell(self, row_key: RowKey | str, column_key: ColumnKey | str, value: CellType, *,
                    update_width: bool = False) -> None:
        super().update_cell(row_key, column_key, literal_cell(value), update_width=update_width)  # type: ignore[arg-type]

    def update_cell_at(self, coordinate: Coordinate, value: CellType, *, update_width: bool = False) -> None:
        super().update_cell_at(coordinate, literal_cell(value), update_width=update_width)  # type: ignore[arg-type]
