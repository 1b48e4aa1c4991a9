"""Recording that a customer declined an offer, with why (optional): a manager reads it later."""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from deskapp.i18n import N_, _, lazy_gettext
from deskapp.tui.format import escape
from deskapp.tui.screens.followup_dialogs import DIALOG_CSS
from deskapp.tui.widgets.inputs import Input

REASONS_HINT = N_("e.g. has one elsewhere, not now, too expensive")


class DeclineDialog(ModalScreen[str | None]):
    """Dismisses with the note (possibly empty) to record the decline, or None to record nothing."""

    DEFAULT_CSS = DIALOG_CSS.format(name="DeclineDialog")
    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Back"))]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.offer_title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("[b]Declined: {offer}[/b]").format(offer=escape(self.offer_title)))
            yield Label(_("Why not? (optional; {hint})").format(hint=_(REASONS_HINT)))
            yield Input(id="decline-note", max_length=500)
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Record decline"), variant="warning", classes="dialog-save")
                yield Button(_("Back"), classes="dialog-back")

    @on(Input.Submitted)
    @on(Button.Pressed, ".dialog-save")
    def _save(self) -> None:
        self.dismiss(self.query_one("#decline-note", Input).value.strip())

    @on(Button.Pressed, ".dialog-back")
    def _back(self) -> None:
        self.dismiss(None)
