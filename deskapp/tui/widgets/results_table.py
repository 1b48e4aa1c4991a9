"""ResultsTable: rows of text under a fixed header, drawn line by line, for lists rewritten as the user types.

Textual's DataTable repaints every visible cell when one changes: a new page of the customer search (25
rows, 6 cells each) cost more than the search itself at a million customers. Here (Textual's Line API, a
ScrollView with `render_line`) a row is drawn as one styled strip, kept until its cells or its look change
(cursor, hover, zebra stripe, focus, theme); `replace` rewrites the rows and repaints only the lines whose
cells changed, plus the cursor's, without a new layout (the widget's size does not depend on its rows).

The keys are DataTable's with a row cursor: up, down, page up and down, home and end (ctrl+home, ctrl+end
too) move the cursor, left and right scroll a table wider than the window, Enter selects. A click puts
the cursor on a row; a click on the cursor's row selects it. Cells are data: shown as literal text (no
markup, control characters replaced, see deskapp/tui/format.py `literal`), cut with "…" at the column's
width. Column labels are message ids, translated where drawn.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from deskapp.i18n import _
from deskapp.tui.format import literal
from deskapp.tui.widgets.inputs import KeysInOrder

PAD = 1  # blank cells on each side of a column


def fit(text: str, width: int) -> str:
    """The text in exactly `width` cells: padded with spaces, or cut with "…"."""
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    return set_cell_size(text, max(width - 1, 0)) + ("…" if width else "")


class ResultsTable(KeysInOrder, ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"results-table--header", "results-table--even-row", "results-table--cursor",
                         "results-table--hover"}
    DEFAULT_CSS = """
    ResultsTable {
        background: $surface;
        color: $foreground;
        &:focus {
            background-tint: $foreground 5%;
            & > .results-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .results-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .results-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .results-table--even-row { background: $surface-lighten-1 50%; }
        &:dark > .results-table--even-row { background: $surface-darken-1 40%; }
        & > .results-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .results-table--hover { background: $block-hover-background; }
    }
    """
    BINDINGS = [
        Binding("enter", "select", show=False),
        Binding("up", "cursor_up", show=False),
        Binding("down", "cursor_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home,ctrl+home", "first", show=False),
        Binding("end,ctrl+end", "last", show=False),
        Binding("left", "scroll_left", show=False),
        Binding("right", "scroll_right", show=False),
    ]

    class RowMessage(Message):
        """What the table tells of one of its rows: `table` (the control) and the row's index `row`."""

        def __init__(self, table: ResultsTable, row: int) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> ResultsTable:
            return self.table

    class Highlighted(RowMessage):
        """The cursor moved to `row`, or the rows were scrolled down to `row` (the last one in view)."""

    class Selected(RowMessage):
        """Enter, or a click on the cursor's row."""

    def __init__(self, columns: Sequence[tuple[str, int]], *, id: str | None = None,
                 zebra_stripes: bool = True) -> None:
        super().__init__(id=id)
        self.labels = [label for label, _width in columns]  # message ids: translated where drawn
        self.widths = [width for _label, width in columns]
        self._widths_key = tuple(self.widths)
        self._row_width = self.row_width
        self.zebra_stripes = zebra_stripes
        self.rows: list[tuple[str, ...]] = []
        self.cursor_row = 0
        self.hover_row = -1
        self._strips: dict[int, tuple[tuple[object, ...], Strip, str]] = {}  # row -> (what it shows, strip, text)
        self._header: tuple[tuple[object, ...], Strip] | None = None
        self._look: tuple | None = None  # the styles, width and scroll of the pass being drawn
        self.strips_drawn = 0  # row strips made (a cache miss): for tests and benchmarks
        self.last_changed: list[int] = []  # the rows the last `replace` rewrote

    # -- the rows ---------------------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.rows)

    def get_row_at(self, row: int) -> tuple[str, ...]:
        return self.rows[row]

    def replace(self, rows: Iterable[Sequence[object]]) -> None:
        """Another list: rows rewritten where their cells differ, added or removed at the end; the cursor
        back on the first row, scrolled to the top. Only the lines that changed are repainted."""
        new = [self._row(cells) for cells in rows]
        old = self.rows
        changed = [i for i in range(max(len(old), len(new))) if i >= len(old) or i >= len(new) or old[i] != new[i]]
        self.rows = new
        self.last_changed = changed
        for i in range(len(new), len(old)):
            self._strips.pop(i, None)
        self._resize_virtual()
        moved = self.cursor_row != 0
        scrolled = round(self.scroll_y) != 0
        self.cursor_row = 0
        if scrolled:
            self.scroll_to(y=0, animate=False)
            self.refresh()
        else:
            for i in changed:
                self._refresh_row(i)
        if moved:
            self._refresh_row(0)
        if new:
            self.post_message(self.Highlighted(self, 0))

    def extend(self, rows: Iterable[Sequence[object]]) -> None:
        """More rows at the end (the next page)."""
        start = len(self.rows)
        self.rows.extend(self._row(cells) for cells in rows)
        self._resize_virtual()
        for i in range(start, len(self.rows)):
            self._refresh_row(i)

    def clear(self) -> None:
        self.replace([])

    @staticmethod
    def _row(cells: Sequence[object]) -> tuple[str, ...]:
        return tuple(literal(str(c)) for c in cells)

    def set_width(self, column: int, width: int) -> None:
        """A column's width (e.g. the one that takes what the window leaves); repaints when it changes."""
        if self.widths[column] != width:
            self.widths[column] = width
            self._widths_key = tuple(self.widths)
            self._row_width = self.row_width
            self._strips.clear()
            self._header = None
            self._resize_virtual()
            self.refresh()

    @property
    def row_width(self) -> int:
        return sum(width + 2 * PAD for width in self.widths)

    def _resize_virtual(self) -> None:
        """The scrollable size, stored without a new layout (the widget's size does not depend on it); the
        scrollbars follow, and only a scrollbar appearing or going lays the screen out again."""
        size = Size(self._row_width, len(self.rows) + 1)
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)

    # -- the cursor -------------------------------------------------------------------------------------
    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        if not self.rows:
            return
        row = max(0, min(row, len(self.rows) - 1))
        old, self.cursor_row = self.cursor_row, row
        if old != row:
            self._refresh_row(old)
            self._refresh_row(row)
        if scroll:
            self._scroll_to_row(row)
        self.post_message(self.Highlighted(self, row))

    @property
    def _page(self) -> int:
        """Rows in view (the header takes one line)."""
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_row(self, row: int) -> None:
        top = round(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + self._page:
            self.scroll_to(y=row - self._page + 1, animate=False)

    def action_cursor_up(self) -> None:
        self._no_hover()
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._no_hover()
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self._no_hover()
        self.move_cursor(row=self.cursor_row - self._page)

    def action_page_down(self) -> None:
        self._no_hover()
        self.move_cursor(row=self.cursor_row + self._page)

    def action_first(self) -> None:
        self._no_hover()
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self._no_hover()
        self.move_cursor(row=len(self.rows) - 1)

    def action_select(self) -> None:
        if 0 <= self.cursor_row < len(self.rows):
            self.post_message(self.Selected(self, self.cursor_row))

    # -- the mouse --------------------------------------------------------------------------------------
    def _row_under(self, event: events.MouseEvent) -> int:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return -1
        row = offset.y - 1 + round(self.scroll_y)
        return row if row < len(self.rows) else -1

    def _on_click(self, event: events.Click) -> None:
        row = self._row_under(event)
        if row < 0:
            return
        event.stop()
        if row == self.cursor_row:
            self.post_message(self.Selected(self, row))
        else:
            self.move_cursor(row=row)

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover(self._row_under(event))

    def _on_leave(self, event: events.Leave) -> None:
        self._no_hover()

    def _hover(self, row: int) -> None:
        if row != self.hover_row:
            old, self.hover_row = self.hover_row, row
            self._refresh_row(old)
            self._refresh_row(row)

    def _no_hover(self) -> None:
        self._hover(-1)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if round(new) > round(old) and self.rows:
            self.post_message(self.Highlighted(self, min(len(self.rows) - 1, round(new) + self._page - 1)))

    # -- drawing ----------------------------------------------------------------------------------------
    def _refresh_row(self, row: int) -> None:
        """Repaint one row's line, when it is in view (line 0 is the header)."""
        line = row + 1 - round(self.scroll_y)
        if row >= 0 and 1 <= line < self.size.height:
            self.refresh(Region(0, line, self.size.width, 1))

    def render_lines(self, crop: Region) -> list[Strip]:
        """One look for the whole pass: the widget's style and its rows' (reading a style walks the DOM, which
        cost more than drawing a row when done for every line)."""
        self._look = self._look_now()
        return super().render_lines(crop)

    def _look_now(self) -> tuple:
        """The base and header styles, each row's style by (even row, cursor or hover), the width, the scroll."""
        base = self.rich_style
        even = base + self.get_component_rich_style("results-table--even-row") if self.zebra_stripes else base
        cursor = self.get_component_rich_style("results-table--cursor")
        hover = self.get_component_rich_style("results-table--hover")
        styles = {(False, None): base, (True, None): even, (False, "cursor"): base + cursor,
                  (True, "cursor"): even + cursor, (False, "hover"): base + hover, (True, "hover"): even + hover}
        return (base, base + self.get_component_rich_style("results-table--header"), styles,
                self.size.width, round(self.scroll_x), round(self.scroll_y))

    def render_line(self, y: int) -> Strip:
        base, header, styles, width, scroll_x, top = self._look or self._look_now()
        if y == 0:
            return self._header_strip(header).crop_extend(scroll_x, scroll_x + width, base)
        row = y - 1 + top
        if row >= len(self.rows):
            return Strip.blank(width, base)
        mark = "cursor" if row == self.cursor_row else "hover" if row == self.hover_row else None
        style = styles[row % 2 == 0, mark]
        return self._row_strip(row, style).crop_extend(scroll_x, scroll_x + width, style)

    def _row_strip(self, row: int, style: Style) -> Strip:
        """The row's strip, kept while its cells, the widths and its style stay (its text kept while the
        cells and widths stay: the cursor passing by only restyles it)."""
        cells = self.rows[row]
        kept = self._strips.get(row)
        if kept is not None and kept[0] == (cells, self._widths_key, style):
            return kept[1]
        if kept is not None and kept[0][:2] == (cells, self._widths_key):
            text = kept[2]
        else:
            text = "".join(" " * PAD + fit(cell, width) + " " * PAD for cell, width in zip(cells, self.widths))
        strip = Strip([Segment(text, style)], self._row_width)
        self._strips[row] = ((cells, self._widths_key, style), strip, text)
        self.strips_drawn += 1
        return strip

    def _header_strip(self, style: Style) -> Strip:
        labels = tuple(_(label) for label in self.labels)
        key = (labels, style, self._widths_key)
        if self._header is None or self._header[0] != key:
            text = "".join(" " * PAD + fit(label, width) + " " * PAD for label, width in zip(labels, self.widths))
            self._header = (key, Strip([Segment(text, style)], self._row_width))
        return self._header[1]
