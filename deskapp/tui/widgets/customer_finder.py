"""Identify the customer at reception: type a name, phone digits, a national ID or a customer number.

Enter asks the ranked customer search (in a worker; inactive customers are not offered); the
matches appear below, IDs and phones masked; Enter or a click chooses one, which the
finder reports up with `CustomerFinder.Chosen`. Escape leaves the finder.
"""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from deskapp.core.customers import directory as customers
from deskapp.i18n import _, ngettext
from deskapp.tui.format import escape, plain
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.work import call_core


class CustomerFinder(Vertical):
    class Chosen(Message):
        """A customer was chosen (or None: the choice was cleared)."""

        def __init__(self, match: customers.ReceptionMatch | None) -> None:
            super().__init__()
            self.match = match

    class Left(Message):
        """The user pressed escape in the finder: focus should go back to the form."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.matches: list[customers.ReceptionMatch] = []
        self.chosen: customers.ReceptionMatch | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder=_("Name, phone, national ID or customer number, then Enter"), id="finder-input",
                    restrict=r"[\w .,'’\-/+()]*", max_length=64)
        yield OptionList(id="finder-results")
        yield Static("", id="finder-status")

    def on_mount(self) -> None:
        self.query_one("#finder-results").display = False

    def focus_input(self) -> None:
        self.query_one("#finder-input", Input).focus()

    @on(Input.Submitted, "#finder-input")
    def search(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self._say(_("Type a name, phone digits, a national ID or a customer number."))
            return
        self._say(_("Searching…"))
        call_core(self, customers.identify, self.app.ctx, self.app.session, text, then=self._found, group="finder",
                  exclusive=True)

    def _found(self, matches: list[customers.ReceptionMatch]) -> None:
        self.matches = matches
        results = self.query_one("#finder-results", OptionList)
        results.set_options([Option(self._label(m), id=str(m.id)) for m in matches])
        results.display = bool(matches)
        if not matches:
            self._say(_("No customer found. Try the start of a name, at least 4 digits of a phone or ID, "
                        "or issue without a customer."))
            return
        self._say(ngettext("{n} found: choose with ↑ ↓ and Enter.", "{n} found: choose with ↑ ↓ and Enter.",
                           len(matches)).format(n=len(matches)))
        results.highlighted = 0
        results.focus()

    @staticmethod
    def _label(m: customers.ReceptionMatch) -> Text:
        extra = " · ".join(x for x in (_("ID {id}").format(id=m.national_id) if m.national_id else "",
                                       _("phone {phone}").format(phone=m.phone) if m.phone else "") if x)
        return plain(f"{m.name} · " + _("no. {number}").format(number=m.number) + (f" · {extra}" if extra else ""))

    @on(OptionList.OptionSelected, "#finder-results")
    def _choose(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.chosen = self.matches[event.option_index]
        self._hide_results()
        self.query_one("#finder-input", Input).value = ""
        self._say(_("Customer: [b]{name}[/b] (no. {number}) · x clears").format(
            name=escape(self.chosen.name), number=self.chosen.number))
        self.post_message(self.Chosen(self.chosen))

    def clear(self) -> None:
        """Forget the search and the chosen customer (after a ticket is issued, or on x)."""
        self.chosen = None
        self.matches = []
        self.query_one("#finder-input", Input).value = ""
        self._hide_results()
        self._say("")
        self.post_message(self.Chosen(None))

    def _hide_results(self) -> None:
        results = self.query_one("#finder-results", OptionList)
        results.clear_options()
        results.display = False

    def key_escape(self) -> None:
        self._hide_results()
        self.post_message(self.Left())

    def _say(self, text: str) -> None:
        self.query_one("#finder-status", Static).update(text)
