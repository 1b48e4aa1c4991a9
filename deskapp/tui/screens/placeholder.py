"""A screen whose capability is still to come: it says what it will hold, nothing more."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from deskapp.core.auth import SCREEN_TITLES

PLANNED = {
    # Every other screen exists; this one waits for the relationship-manager issue.
    "manager": "The relationship manager's portfolio, follow-ups, needs and next-best offers.",
}


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
        yield Footer()
