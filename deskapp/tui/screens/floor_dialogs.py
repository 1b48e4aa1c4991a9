"""The desk's floor dialogs: transfer the customer (to a service, a counter or a colleague, with a
note) and pause the counter with a reason.

The transfer dialog calls core itself and stays open with the reason on screen when core refuses
(the colleague just left their counter, a note too long), so the teller fixes it where they typed
it; it dismisses with the new ticket once the transfer is done. The pause dialog only chooses: it
dismisses with the reason's code, or None.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from deskapp.core import queue as q
from deskapp.core.queue.handover import NOTE_LIMIT, Targets
from deskapp.i18n import _, lazy_gettext
from deskapp.tui.format import escape, plain
from deskapp.tui.screens.followup_dialogs import DIALOG_CSS
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.work import call_core, show_failure


def _heading(text: str) -> Option:
    return Option(plain(f"— {text} —"), disabled=True)


class TransferDialog(ModalScreen[q.TicketInfo | None]):
    """Where the customer goes next: a service's line, a named counter or a colleague at a counter;
    then an optional note for whoever receives them (Enter transfers)."""

    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Back"))]
    DEFAULT_CSS = DIALOG_CSS.format(name="TransferDialog") + """/* # i18n: not words (CSS) */
    TransferDialog OptionList { height: auto; max-height: 14; }
    """

    def __init__(self, ticket: q.TicketInfo, targets: Targets, counter: str) -> None:
        super().__init__()
        self.ticket = ticket
        self.targets = targets
        self.counter = counter
        self.chosen: tuple[str, str, str] | None = None  # (kind, code, what it reads as)

    def compose(self) -> ComposeResult:
        options: list[Option] = [_heading(_("A service (its line)"))]
        options += [Option(plain(f"{code} · {name}"), id=f"service:{code}")
                    for code, name in self.targets.services if code != self.ticket.service]
        if self.targets.counters:
            options.append(_heading(_("A counter (only it calls the ticket)")))
            options += [Option(plain(f"{c.name} · {c.staff_name or _('nobody at it')}"
                                     + (" " + _("(paused)") if c.state == "paused" else "")), id=f"counter:{c.code}")
                        for c in self.targets.counters]
        if self.targets.colleagues:
            options.append(_heading(_("A colleague (only they call it)")))
            options += [Option(plain(_("{name} · at {counter}").format(name=p.name, counter=p.counter_name)),
                               id=f"staff:{p.login}") for p in self.targets.colleagues]
        with Vertical():
            yield Static(_("[b]Transfer {number}[/b] ({service}): to a service, a counter or a colleague").format(
                number=escape(self.ticket.number), service=escape(self.app.config.service_name(self.ticket.service, self.ticket.service_name))))
            yield OptionList(*options, id="transfer-to")
            yield Label(_("Note for whoever receives the customer (optional)"))
            yield Input(id="transfer-note", max_length=NOTE_LIMIT, placeholder=_("e.g. wants to raise the card limit"))
            yield Static(_("Choose where the customer goes, then Enter."), id="transfer-chosen")
            yield Static("", classes="dialog-message")
            yield Horizontal(Button(_("Transfer"), variant="primary", id="transfer-save"),
                             Button(_("Back"), id="transfer-back"), classes="dialog-buttons")

    def on_mount(self) -> None:
        targets = self.query_one(OptionList)
        targets.focus()
        targets.action_first()  # the first choice, not the heading above it

    def on_resize(self) -> None:
        # The rest of the dialog takes about 18 rows: at 80x24 the list scrolls in what is left, so
        # the note and the buttons stay on screen.
        self.query_one(OptionList).styles.max_height = max(3, min(14, self.size.height - 18))

    @on(OptionList.OptionSelected)
    def _target(self, event: OptionList.OptionSelected) -> None:
        kind, code = str(event.option.id).split(":", 1)
        self.chosen = (kind, code, str(event.option.prompt))
        self.query_one("#transfer-chosen", Static).update(_("To: [b]{target}[/b]").format(target=escape(self.chosen[2])))
        self.query_one("#transfer-note", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#transfer-save")
    def _save(self) -> None:
        if self.chosen is None:
            self._say(_("Choose where the customer goes: a service, a counter or a colleague."))
            self.query_one(OptionList).focus()
            return
        kind, code, _shown = self.chosen
        note = self.query_one("#transfer-note", Input).value
        where = {"service": {"to_service": code}, "counter": {"to_counter": code}, "staff": {"to_staff": code}}[kind]
        call_core(self, q.transfer, self.app.ctx, self.counter, **where, note=note, by=self.app.session.login,
                  then=self.dismiss, on_error=lambda exc: show_failure(self, exc, self._say))

    @on(Button.Pressed, "#transfer-back")
    def _back(self) -> None:
        self.dismiss(None)

    def _say(self, text: str) -> None:
        self.query_one(".dialog-message", Static).update(escape(text))


class PauseDialog(ModalScreen[str | None]):
    """Why the counter pauses: one of the configuration's pause reasons."""

    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Back"))]
    DEFAULT_CSS = DIALOG_CSS.format(name="PauseDialog") + """/* # i18n: not words (CSS) */
    PauseDialog > Vertical { width: 50; }
    PauseDialog OptionList { height: auto; max-height: 12; }
    """

    def __init__(self, reasons: list[tuple[str, str]], counter_name: str) -> None:
        super().__init__()
        self.reasons = reasons
        self.counter_name = counter_name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("[b]Pause {counter}[/b]: why?").format(counter=escape(self.counter_name)))
            yield OptionList(*[Option(plain(label), id=code) for code, label in self.reasons], id="pause-reason")
            yield Static(_("Enter pauses; Escape goes back. Press p again to resume."))

    def on_mount(self) -> None:
        reasons = self.query_one(OptionList)
        reasons.focus()
        reasons.action_first()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
