"""Ticket numbers in large 3x3 glyphs: Textual's Digits, taught the letters of ticket prefixes.

`Digits` draws 0-9 and A-F; a prefix such as L or R would fall back to one small letter on the
bottom row. This widget keeps Digits' look and adds the rest of the alphabet in the same strokes.
"""
from __future__ import annotations

from rich.align import Align
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.renderables.digits import DIGITS, DIGITS3X3
from textual.widgets import Digits

LETTERS: dict[str, tuple[str, str, str]] = {
    "G": ("╭─╴", "│╶╮", "╰─╯"), "H": ("╷ ╷", "├─┤", "╵ ╵"), "I": ("╶┬╴", " │ ", "╶┴╴"),
    "J": ("  ╷", "  │", "╰─╯"), "K": ("╷ ╷", "├┬╯", "╵╰╴"), "L": ("╷  ", "│  ", "╰─╴"),
    "M": ("╭┬╮", "│╵│", "╵ ╵"), "N": ("╭─╮", "│ │", "╵ ╵"), "O": ("╭─╮", "│ │", "╰─╯"),
    "P": ("┌─╮", "├─╯", "╵  "), "Q": ("╭─╮", "│ │", "╰─┼"), "R": ("┌─╮", "├┬╯", "╵╰╴"),
    "S": ("╭─╴", "╰─╮", "╶─╯"), "T": ("╶┬╴", " │ ", " ╵ "), "U": ("╷ ╷", "│ │", "╰─╯"),
    "V": ("╷ ╷", "│ │", "╰┬╯"), "W": ("╷ ╷", "│╷│", "╰┴╯"), "X": ("╮ ╭", "╰┼╯", "╯ ╰"),
    "Y": ("╷ ╷", "╰┬╯", " ╵ "), "Z": ("╶─┐", "┌─┘", "└─╴"),
}


def glyph(character: str) -> tuple[str, str, str]:
    if character in LETTERS:
        return LETTERS[character]
    position = DIGITS.find(character)
    if position < 0:
        return ("   ", "   ", "   ")
    return tuple(DIGITS3X3[position * 3 + row].ljust(3) for row in range(3))  # type: ignore[return-value]


class _Glyphs:
    def __init__(self, text: str, style: Style):
        self.text = text
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = ["", "", ""]
        for character in self.text.upper():
            for row, piece in enumerate(glyph(character)):
                rows[row] += piece
        for row in rows:
            yield Segment(row, self.style)
            yield Segment.line()


class TicketDigits(Digits):
    """A ticket number (A001, L012) or a counter code, three lines high."""

    def render(self):
        text_align = self.styles.text_align
        align = text_align if text_align in {"left", "center", "right"} else "left"
        return Align(_Glyphs(self.value, self.rich_style), align, self.rich_style)  # type: ignore[arg-type]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return 3 * len(self.value)
