"""Recording that a customer declined an offer, with why (optional): a manager reads it later."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from deskapp.tui.format import escape
from deskapp.tui.screens.followup_dialogs import DIALOG_CSS
from deskapp.tui.widgets.inputs import Input

REASONS_HINT = "e.g. has one elsewhere, not now, too expensive"


class DeclineDialog(ModalScreen[str | None]):
    """Dismisses with the note (possibly empty) to record the decline, or None to record nothing."""

    DEFAULT_CSS = DIALOG_CSS.format(name="DeclineDialog")
    BINDINGS = [Binding("escape", "dismiss(None)", "Back")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.offer_title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]Declined: {escape(self.offer_title)}[/b]")
            yield Label(f"Why not? (optional; {REASONS_HINT})")
            yield Input(id="decline-note", max_length=500)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record decline", variant="warning", classes="dialog-save")
                yield Button("Back", classes="dialog-back")

    @on(Input.Submitted)
    @on(Button.Pressed, ".dialog-save")
    def _save(self) -> None:
        self.dismiss(self.query_one("#decline-note", Input).value.strip())

    @on(Button.Pressed, ".dialog-back")
    def _back(self) -> None:
        self.dismiss(None)
