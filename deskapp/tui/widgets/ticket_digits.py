"""Ticket numbers and counters in a block font whose size follows the room the widget is given.

A waiting room reads the display from five metres: Textual's `Digits` draws every number three
thin lines high whatever the window, about 40 px in a 1400x900 browser, and its 8 (`╭─╮ ├─┤ ╰─╯`)
reads as a boxed minus. Here each character is a 5x7 grid of pixels drawn with half blocks
(`▀ ▄ █`, two pixels a cell, so a pixel is about square), scaled by the largest whole factor
that fits the widget's width and height: give the widget `height: 1fr` and the number grows with
the window. Where even one pixel a cell does not fit (a small terminal), it falls back to three-line
glyphs, then to plain text, so the value is always shown. With `height: auto` the widget takes the
rows of `max_scale` (default 1: four rows; 0: the three-line glyphs, for a staff screen).
"""
from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

# 5 columns x 7 rows; "#" is ink. The 8 has a waist, the 0 no bar, so neither reads as a box.
FONT: dict[str, tuple[str, ...]] = {
    "0": (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "1": ("..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."),
    "2": (".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),
    "3": ("#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."),
    "4": ("...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."),
    "5": ("#####", "#....", "####.", "....#", "....#", "#...#", ".###."),
    "6": ("..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."),
    "7": ("#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."),
    "8": (".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."),
    "9": (".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."),
    "A": (".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),  # i18n: not words (a font)
    "B": ("####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."),  # i18n: not words (a font)
    "C": (".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."),  # i18n: not words (a font)
    "D": ("####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."),  # i18n: not words (a font)
    "E": ("#####", "#....", "#....", "####.", "#....", "#....", "#####"),  # i18n: not words (a font)
    "F": ("#####", "#....", "#....", "####.", "#....", "#....", "#...."),  # i18n: not words (a font)
    "G": (".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"),  # i18n: not words (a font)
    "H": ("#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),  # i18n: not words (a font)
    "I": (".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."),  # i18n: not words (a font)
    "J": ("..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."),  # i18n: not words (a font)
    "K": ("#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"),  # i18n: not words (a font)
    "L": ("#....", "#....", "#....", "#....", "#....", "#....", "#####"),  # i18n: not words (a font)
    "M": ("#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"),  # i18n: not words (a font)
    "N": ("#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"),  # i18n: not words (a font)
    "O": (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),  # i18n: not words (a font)
    "P": ("####.", "#...#", "#...#", "####.", "#....", "#....", "#...."),  # i18n: not words (a font)
    "Q": (".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"),  # i18n: not words (a font)
    "R": ("####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"),  # i18n: not words (a font)
    "S": (".####", "#....", "#....", ".###.", "....#", "....#", "####."),  # i18n: not words (a font)
    "T": ("#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."),  # i18n: not words (a font)
    "U": ("#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),  # i18n: not words (a font)
    "V": ("#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."),  # i18n: not words (a font)
    "W": ("#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."),  # i18n: not words (a font)
    "X": ("#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"),  # i18n: not words (a font)
    "Y": ("#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."),  # i18n: not words (a font)
    "Z": ("#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"),  # i18n: not words (a font)
    "-": (".....", ".....", ".....", "#####", ".....", ".....", "....."),
    ":": (".....", "..#..", "..#..", ".....", "..#..", "..#..", "....."),
    ".": (".....", ".....", ".....", ".....", ".....", "..#..", "..#.."),
    "→": (".....", "..#..", "...#.", "#####", "...#.", "..#..", "....."),
    " ": (".....", ".....", ".....", ".....", ".....", ".....", "....."),
}
GLYPH_WIDTH, GLYPH_HEIGHT = 5, 7

# Three-line glyphs for a terminal too small for the block font (Digits' strokes; the 8 pinched).
THIN: dict[str, tuple[str, str, str]] = {
    "0": ("╭─╮", "│ │", "╰─╯"), "1": ("╶╮ ", " │ ", "╶┴╴"), "2": ("╶─╮", "┌─┘", "╰─╴"),
    "3": ("╶─╮", " ─┤", "╶─╯"), "4": ("╷ ╷", "╰─┤", "  ╵"), "5": ("╭─╴", "╰─╮", "╶─╯"),
    "6": ("╭─╴", "├─╮", "╰─╯"), "7": ("╶─┐", "  │", "  ╵"), "8": ("╭─╮", ")─(", "╰─╯"),
    "9": ("╭─╮", "╰─┤", "╶─╯"), "A": ("╭─╮", "├─┤", "╵ ╵"), "B": ("┌─╮", "├─┤", "└─╯"),  # i18n: not words (a font)
    "C": ("╭─╮", "│  ", "╰─╯"), "D": ("┌─╮", "│ │", "└─╯"), "E": ("╭─╴", "├─ ", "╰─╴"),  # i18n: not words (a font)
    "F": ("╭─╴", "├─ ", "╵  "), "G": ("╭─╴", "│╶╮", "╰─╯"), "H": ("╷ ╷", "├─┤", "╵ ╵"),  # i18n: not words (a font)
    "I": ("╶┬╴", " │ ", "╶┴╴"), "J": ("  ╷", "  │", "╰─╯"), "K": ("╷ ╷", "├┬╯", "╵╰╴"),  # i18n: not words (a font)
    "L": ("╷  ", "│  ", "╰─╴"), "M": ("╭┬╮", "│╵│", "╵ ╵"), "N": ("╭─╮", "│ │", "╵ ╵"),  # i18n: not words (a font)
    "O": ("╭─╮", "│ │", "╰─╯"), "P": ("┌─╮", "├─╯", "╵  "), "Q": ("╭─╮", "│ │", "╰─┼"),  # i18n: not words (a font)
    "R": ("┌─╮", "├┬╯", "╵╰╴"), "S": ("╭─╴", "╰─╮", "╶─╯"), "T": ("╶┬╴", " │ ", " ╵ "),  # i18n: not words (a font)
    "U": ("╷ ╷", "│ │", "╰─╯"), "V": ("╷ ╷", "│ │", "╰┬╯"), "W": ("╷ ╷", "│╷│", "╰┴╯"),  # i18n: not words (a font)
    "X": ("╮ ╭", "╰┼╯", "╯ ╰"), "Y": ("╷ ╷", "╰┬╯", " ╵ "), "Z": ("╶─┐", "┌─┘", "└─╴"),  # i18n: not words (a font)
    "-": ("   ", "╶─╴", "   "), ":": ("   ", " : ", "   "), ".": ("   ", "   ", " . "),
    "→": ("   ", "╶─>", "   "), " ": ("   ", "   ", "   "),
}


def block_width(text: str, scale: int) -> int:
    """Columns the block font takes: each glyph 5 pixels wide, one pixel between glyphs."""
    return max(0, len(text) * (GLYPH_WIDTH + 1) * scale - scale)


def block_rows(scale: int) -> int:
    """Terminal rows the block font takes: 7 pixels high, two pixels a row."""
    return (GLYPH_HEIGHT * scale + 1) // 2


def fitting_scale(text: str, width: int, height: int, max_scale: int | None = None) -> int:
    """The largest scale, up to `max_scale`, at which `text` fits `width` x `height` cells (0: none)."""
    if not text:
        return 0
    scale = min(width // max(block_width(text, 1), 1), (2 * height) // GLYPH_HEIGHT)
    return scale if max_scale is None else min(scale, max_scale)


def block_lines(text: str, scale: int) -> list[str]:
    """`text` drawn in the block font at `scale`, one string per terminal row."""
    glyphs = [FONT.get(c, FONT[" "]) for c in text.upper()]
    pixels: list[str] = []  # pixel rows, each scaled horizontally
    for row in range(GLYPH_HEIGHT):
        gap = "." * scale
        line = gap.join("".join(p * scale for p in glyph[row]) for glyph in glyphs)
        pixels.extend([line] * scale)
    if len(pixels) % 2:
        pixels.append("." * len(pixels[0]))
    cells = {("#", "#"): "█", ("#", "."): "▀", (".", "#"): "▄", (".", "."): " "}
    return ["".join(cells[pair] for pair in zip(top, bottom)) for top, bottom in zip(pixels[::2], pixels[1::2])]


def thin_lines(text: str) -> list[str]:
    glyphs = [THIN.get(c, THIN[" "]) for c in text.upper()]
    return ["".join(g[row] for g in glyphs) for row in range(3)]


def fitted_lines(text: str, width: int, height: int, max_scale: int | None = None) -> list[str]:
    """What a widget of `width` x `height` shows for `text`: block font, else thin glyphs, else plain."""
    scale = fitting_scale(text, width, height, max_scale)
    if scale:
        return block_lines(text, scale)
    if height >= 3 and 3 * len(text) <= width:
        return thin_lines(text)
    return [text] if text else []


class _Lines:
    """The lines, aligned in the widget's content area (horizontally and vertically)."""

    def __init__(self, lines: list[str], style: Style, align: str, width: int, height: int):
        self.lines, self.style, self.align, self.width, self.height = lines, style, align, width, height

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        top = max(0, (self.height - len(self.lines)) // 2)
        for _ in range(top):
            yield Segment(" " * width, self.style)
            yield Segment.line()
        for line in self.lines[: max(self.height, 1)]:
            line = line[:width]
            spare = width - len(line)
            left = {"left": 0, "right": spare}.get(self.align, spare // 2)
            yield Segment(" " * left + line + " " * (spare - left), self.style)
            yield Segment.line()


class TicketDigits(Widget):
    """A ticket number (A001, L012) or a counter code, as large as the widget's room allows."""

    DEFAULT_CSS = """
    TicketDigits {
        width: 1fr;
        height: auto;
    }
    """

    value: reactive[str] = reactive("", layout=True)

    def __init__(self, value: str = "", *, max_scale: int = 1, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.max_scale = max_scale
        self.set_reactive(TicketDigits.value, value)

    def update(self, value: str) -> None:
        self.value = value

    @property
    def scale(self) -> int:
        """The block font's scale at the widget's present size (0: thin glyphs or plain text)."""
        return fitting_scale(self.value, self.size.width, self.size.height, self._cap)

    @property
    def _cap(self) -> int | None:
        """max_scale with `height: auto`; with a set height, as large as fits."""
        return self.max_scale if self.styles.height is None or self.styles.height.is_auto else None

    def lines(self) -> list[str]:
        """The rows as shown now (a test or a screen reader can read them)."""
        return fitted_lines(self.value, self.size.width, self.size.height, self._cap)

    def render(self) -> _Lines:
        align = self.styles.text_align
        return _Lines(self.lines(), self.rich_style, align if align in {"left", "right"} else "center",
                      self.size.width, self.size.height)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return block_width(self.value, max(self.max_scale, 1))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self.value:  # the room of a number, so that the layout does not jump when one comes
            return block_rows(self.max_scale) if self.max_scale else 3
        scale = fitting_scale(self.value, width, 10_000, self.max_scale)
        if scale:
            return block_rows(scale)
        return 3 if 3 * len(self.value) <= width else 1
