"""A screen whose capability is still to come: it says what it will hold, nothing more."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Static

from deskapp.core.security.auth import SCREEN_TITLES
from deskapp.tui.widgets.key_footer import KeyFooter

PLANNED: dict[str, str] = {}  # every screen exists now; kept for the next one that is announced early


class PlaceholderScreen(Screen):
    def __init__(self, name: str):
        super().__init__(name=name)
        self.screen_name = name

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            f"[b]{SCREEN_TITLES.get(self.screen_name, self.screen_name)}[/b]\n\n"
            f"{PLANNED.get(self.screen_name, '')}\n\n[dim]Not yet available in this version.[/dim]",
            classes="placeholder",
        )
        yield KeyFooter()
