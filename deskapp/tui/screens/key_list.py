"""The key list (`?` or F1 on any staff screen): every key of the screen beneath, what it does, and
whether it applies now or why not. Escape, `?`, F1 or q close it.

It is the same answer the footer and the toasts give (deskapp.tui.keys): the footer shows only the
keys that apply and as many as fit; this list shows them all, this screen's own first.
"""
from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from deskapp.i18n import _, lazy_gettext
from deskapp.tui.format import SCREEN_TITLES, plain, screen_title
from deskapp.tui.keys import Key, screen_keys


class KeyList(ModalScreen[None]):
    """The keys of one screen, as a table that wraps to the terminal's width."""

    BINDINGS = [Binding("escape,question_mark,f1,q", "dismiss(None)", lazy_gettext("Close"), id="keys_close")]
    DEFAULT_CSS = """
    KeyList { align: center middle; }
    KeyList > Vertical { width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $panel; padding: 0 1; }
    KeyList #keys-scroll { height: auto; max-height: 80vh; scrollbar-gutter: stable; }
    KeyList #keys-title { text-style: bold; }
    """

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.keys = screen_keys(screen)
        self.title_text = _("Keys of the {screen} screen · Esc closes this list").format(screen=_title(screen))

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(plain(self.title_text), id="keys-title")
            with VerticalScroll(id="keys-scroll"):
                yield Static(id="keys-table")

    def on_mount(self) -> None:
        self.query_one("#keys-table", Static).update(_table(self.keys))
        self.query_one("#keys-scroll").focus()


def _title(screen: Screen) -> str:
    if screen.name in SCREEN_TITLES:
        return screen_title(screen.name)
    return type(screen).__name__.removesuffix("Screen")  # i18n: not words (a screen of no title)


def _table(keys: list[Key]) -> Table:
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column(_("Key"), no_wrap=True)
    table.add_column(_("Does"), no_wrap=True)
    table.add_column(_("Applies now?"), ratio=1)
    everywhere = False
    for key in keys:
        if key.everywhere and not everywhere:
            everywhere = True
            table.add_section()
        now = plain(_("yes")) if key.applies else plain(key.why_not or "")
        if not key.applies:
            now.stylize("dim")
        table.add_row(plain(key.display), plain(key.description), now)
    return table
