"""Why a teller calls a waiting ticket before its turn: the configured reasons, or "Other" typed in.

The list is config `queue.out_of_order_reasons`; the answer goes into the ticket's history
(queue.call_ticket). Escape calls nothing.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from deskapp.i18n import _, lazy_gettext
from deskapp.tui.format import escape, plain
from deskapp.tui.widgets.inputs import Input

OTHER = "other"


class OutOfOrderReason(ModalScreen[str | None]):
    """Pick the reason for calling `number` before `next_number` (the ticket whose turn it is)."""

    DEFAULT_CSS = """
    OutOfOrderReason { align: center middle; }
    OutOfOrderReason #reason-box { width: 60; max-width: 96%; height: auto; max-height: 22;
        border: round $primary; background: $panel; padding: 0 1; }
    OutOfOrderReason OptionList { height: auto; max-height: 14; }
    OutOfOrderReason #reason-other { display: none; }
    OutOfOrderReason #reason-other.shown { display: block; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Cancel"))]

    def __init__(self, number: str, next_number: str | None, reasons: list[str]) -> None:
        super().__init__()
        self.number = number
        self.next_number = next_number
        self.reasons = list(reasons)

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box"):
            yield Static((_("Why call {number} before its turn? ({next} is next)") if self.next_number
                          else _("Why call {number} before its turn?")).format(
                number=escape(self.number), next=escape(self.next_number or "")), classes="section-title")
            yield OptionList(*[Option(plain(r), id=str(i)) for i, r in enumerate(self.reasons)],
                             Option(plain(_("Other…")), id=OTHER), id="reason-list")
            yield Input(placeholder=_("The reason, in a few words"), id="reason-other", max_length=200)
            yield Static("", id="reason-message")
            yield Footer()

    @on(OptionList.OptionSelected, "#reason-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == OTHER:
            other = self.query_one("#reason-other", Input)
            other.add_class("shown")
            other.focus()
            return
        self.dismiss(self.reasons[int(event.option.id or 0)])

    @on(Input.Submitted, "#reason-other")
    def _typed(self, event: Input.Submitted) -> None:
        reason = " ".join(event.value.split())
        if not reason:
            self.query_one("#reason-message", Static).update(_("Say why, in a few words (or Escape to go back)."))
            return
        self.dismiss(reason)
