"""The ticket kiosk: a walk-in client picks a service and gets a number and an expected wait.

Only the service keys (1-9) and the service buttons do anything here, the branch's languages (buttons
at the top: every word of the kiosk, the ticket's screen, and later the survey and the
messages speak the one chosen, kept with the ticket), "I have an appointment" (a),
which checks a booking in by its code or the last digits of a phone or ID and prints its ticket, and,
when the branch sends notifications, the "tell me when it's my turn" field (a phone number or an
e-mail address, for this ticket only). The app's staff keys are
inactive (no session), the command palette and ctrl+q are off in kiosk mode (DeskApp), and the
only way out is a supervisor's login and PIN (ctrl+x, or the small "Staff" button).
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, ContentSwitcher, Footer, Label, Static

from deskapp import i18n
from deskapp.core import notify
from deskapp.core import queue as q
from deskapp.core.queue.waits import wait_range
from deskapp.core.security import auth
from deskapp.tui.format import escape, literal, minutes, plain
from deskapp.tui.screens.appointment_dialogs import CheckInDialog
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.widgets.ticket_digits import TicketDigits
from deskapp.tui.work import call_core, show_failure

_ = i18n._

SHOW_TICKET_SECONDS = 8.0
EXIT_IDLE_SECONDS = 30.0


def supervisor_exit(ctx, login: str, pin: str) -> auth.Session:
    """The supervisor's Session if login and PIN are right and the role may close the kiosk."""
    session = auth.check_pin(ctx, login, pin, purpose="kiosk_exit")
    if session.role != "supervisor":
        raise auth.Forbidden(_("{name} ({role}) may not close the kiosk: a supervisor must.").format(
            name=session.name, role=session.role))
    return session


class ServiceButton(Button):
    """A big button for one service; pressing it reports `ServiceButton.Chosen`."""

    class Chosen(Message):
        def __init__(self, code: str) -> None:
            super().__init__()
            self.code = code

    def __init__(self, n: int, code: str, name: str) -> None:
        super().__init__(plain(f"{n}   {name}"), id=f"kiosk-service-{code}", classes="kiosk-service")
        self.code = code

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Chosen(self.code))


class SupervisorExit(ModalScreen[bool]):
    """A supervisor's login and PIN close the kiosk; anyone else is refused."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal", id="kiosk-exit"):
            yield Static("[b]" + escape(_("Close the kiosk")) + "[/b]\n"
                         + escape(_("A supervisor's login and PIN are needed.")))
            yield Label(plain(_("Login")))
            yield Input(id="exit-login", max_length=32)
            yield Label(plain(_("PIN")))
            yield Input(id="exit-pin", password=True, restrict=r"[0-9]*", max_length=12)
            yield Static("", id="exit-message")
            with Horizontal(id="exit-buttons"):
                yield Button(plain(_("Close kiosk")), variant="error", id="exit-submit")
                yield Button(plain(_("Back")), id="exit-back")

    def on_mount(self) -> None:
        self.query_one("#exit-login", Input).focus()
        self._idle = self.set_timer(EXIT_IDLE_SECONDS, lambda: self.dismiss(False))

    def on_input_changed(self) -> None:
        self._idle.reset()

    @on(Input.Submitted, "#exit-login")
    def _to_pin(self) -> None:
        self.query_one("#exit-pin", Input).focus()

    @on(Input.Submitted, "#exit-pin")
    @on(Button.Pressed, "#exit-submit")
    def _submit(self) -> None:
        login = self.query_one("#exit-login", Input).value.strip()
        pin = self.query_one("#exit-pin", Input).value
        if not login or not pin or self.app.ctx is None:
            self._say(_("Enter a supervisor's login and PIN."))
            return
        self._say(_("Checking…"))
        call_core(self, supervisor_exit, self.app.ctx, login, pin, then=lambda _: self.dismiss(True),
                  on_error=self._refused)

    @on(Button.Pressed, "#exit-back")
    def _back(self) -> None:
        self.dismiss(False)

    def _refused(self, exc: BaseException) -> None:
        self.query_one("#exit-pin", Input).value = ""
        show_failure(self, exc, self._say)

    def _say(self, text: str) -> None:
        self.query_one("#exit-message", Static).update(text)


class KioskScreen(Screen):
    BINDINGS = [Binding("ctrl+x", "staff_exit", "Staff", show=False, id="kiosk_exit"),
                Binding("enter,escape", "start_over", "Done", show=False, id="kiosk_done"),
                Binding("a", "appointment", "I have an appointment", show=False, id="kiosk_appointment"),
]

    def __init__(self) -> None:
        super().__init__(name="kiosk")
        # The customer's language: the branch's own until someone chooses another, again after each ticket.
        start = self.app.customer_language()
        self.languages = [start, *(x for x in self.app.config.branch.languages if x != start)]
        self.language = start
        self._bind_services()
        self._busy = False
        self._showing = False
        self._back_timer = None
        self._contact = None

    def _bind_services(self) -> None:
        for n, service in enumerate(self.app.config.services[:9], start=1):
            self._bindings.key_to_bindings.pop(str(n), None)  # bind() adds: the footer would keep the old words
            self._bindings.bind(str(n), f"take({n})", literal(i18n.text(service.name, self.language)))

    def compose(self) -> ComposeResult:
        config = self.app.config
        with ContentSwitcher(initial="kiosk-start", id="kiosk-switcher"):
            with Vertical(id="kiosk-start", classes="with-notify" if any(notify.offered(config)) else ""):
                if len(self.languages) > 1:
                    with Horizontal(id="kiosk-languages"):
                        for tag in self.languages:
                            yield Button(plain(i18n.native_name(tag)), id=f"kiosk-lang-{tag}", compact=True,
                                         classes="kiosk-language")
                yield Static("", id="kiosk-welcome")
                with Grid(id="kiosk-services"):
                    for n, s in enumerate(config.services[:9], start=1):
                        yield ServiceButton(n, s.code, i18n.text(s.name, self.language))
                phone, email = notify.offered(config)
                if phone or email:
                    with Horizontal(id="kiosk-notify-row"):
                        yield Label("", id="kiosk-notify-label")
                        yield Input(id="kiosk-notify", max_length=80, compact=True)
                with Horizontal(id="kiosk-bottom"):
                    yield Static("", id="kiosk-message")
                    yield Button("", id="kiosk-appointment", compact=True)
                    yield Button("", id="kiosk-staff", compact=True)
            with Vertical(id="kiosk-ticket"):
                yield Static("", id="kiosk-your-number", classes="kiosk-caption")
                yield TicketDigits("", id="kiosk-number")
                yield Static("", id="kiosk-service-name")
                yield Static("", id="kiosk-wait-caption", classes="kiosk-caption")
                yield TicketDigits("", id="kiosk-wait")
                yield Static("", id="kiosk-position")
                told = Static("", id="kiosk-told", classes="kiosk-caption")
                told.display = False  # only when the customer left a contact
                yield told
                yield Static("", id="kiosk-seat", classes="kiosk-caption")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self._show_words()
        if self.query(ServiceButton):
            self.query_one(ServiceButton).focus()

    def _show_words(self) -> None:
        """Every word of the kiosk in the customer's language (at the start, and when they choose one)."""
        config = self.app.config
        with i18n.use(self.language):
            branch = escape(i18n.text(config.branch.name))
            welcome, choose = escape(_("Welcome to {branch}")).format(branch=branch), escape(
                _("Choose a service to take your ticket"))
            self.query_one("#kiosk-welcome", Static).update(f"[b]{welcome}[/b]\n{choose}")
            for n, button in enumerate(self.query(ServiceButton).results(ServiceButton), start=1):
                service = next(s for s in config.services if s.code == button.code)
                button.label = plain(f"{n}   {i18n.text(service.name)}")
            phone, email = notify.offered(config)
            if phone or email:
                what = (_("your mobile number or e-mail") if phone and email else
                        _("your mobile number") if phone else _("your e-mail"))
                self.query_one("#kiosk-notify-label", Label).update(plain(_("Tell me when it's my turn (optional):")))
                self.query_one("#kiosk-notify", Input).placeholder = what
            self.query_one("#kiosk-appointment", Button).label = plain(_("I have an appointment (a)"))
            self.query_one("#kiosk-staff", Button).label = plain(_("Staff"))
            self.query_one("#kiosk-your-number", Static).update(plain(_("Your number")))
            self.query_one("#kiosk-wait-caption", Static).update(plain(_("Expected wait, minutes")))
            self.query_one("#kiosk-seat", Static).update(
                plain(_("Please take a seat; your number will be called on the screen.")))
        for button in self.query(".kiosk-language").results(Button):
            button.set_class(button.id == f"kiosk-lang-{self.language}", "-chosen")
        for button in self.query("#kiosk-bottom Button").results(Button):
            button.refresh(layout=True)  # a label's width changes with its language
        self._bind_services()
        self.refresh_bindings()

    def choose_language(self, tag: str) -> None:
        if tag in self.languages and tag != self.language:
            self.language = tag
            self._show_words()

    @on(Button.Pressed, ".kiosk-language")
    def _language_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.choose_language((event.button.id or "").removeprefix("kiosk-lang-"))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "take":
            if self._showing:
                return False
            return None if self._busy else True  # greyed, not hidden, while a ticket prints
        if action == "start_over":
            return self._showing
        if action == "appointment":
            return not self._showing and not self._busy
        return True

    @on(Button.Pressed, "#kiosk-appointment")
    def action_appointment(self) -> None:
        if self.app.ctx is None or not self.check_action("appointment", ()):
            return

        def done(checked) -> None:
            if checked is not None and checked.issued is not None:
                self._show_ticket(checked.issued)

        self.app.push_screen(CheckInDialog("kiosk"), done)

    def action_take(self, n: int) -> None:
        services = self.app.config.services
        if 1 <= n <= min(len(services), 9):
            self._issue(services[n - 1].code)

    @on(ServiceButton.Chosen)
    def _chosen(self, event: ServiceButton.Chosen) -> None:
        if self.check_action("take", ()):
            self._issue(event.code)

    def _issue(self, code: str) -> None:
        if self.app.ctx is None:
            self._say(self._("The kiosk is starting; please try again in a moment."))
            return
        contact = None
        field = self.query("#kiosk-notify")
        if field:
            try:
                contact = notify.contact_from_text(self.app.ctx, field.first(Input).value)
                notify.check_reachable(self.app.ctx, contact)
            except notify.ContactInvalid as exc:
                self._say(self._("{problem}. Correct it, or clear it to go without a message.").format(problem=exc))
                field.first(Input).focus()
                return
        self._contact = contact
        self._busy = True
        self._say(self._("Printing your ticket…"))
        self.refresh_bindings()
        call_core(self, q.issue, self.app.ctx, code, channel="kiosk", contact=contact, language=self.language,
                  then=self._show_ticket, on_error=self._failed)

    def _(self, message: str) -> str:
        """One of the kiosk's messages in the customer's language."""
        with i18n.use(self.language):
            return _(message)

    def _show_ticket(self, issued: q.Issued) -> None:
        self._busy = False
        self._say("")
        t = issued.ticket
        self.query_one("#kiosk-number", TicketDigits).update(t.number)
        wait = issued.estimated_wait_minutes
        self.query_one("#kiosk-wait", TicketDigits).update(minutes(wait).split()[0])
        service = next((s.name for s in self.app.config.services if s.code == t.service), t.service_name)
        with i18n.use(t.language or self.language):
            self.query_one("#kiosk-service-name", Static).update(escape(f"{t.number} · {i18n.text(service)}"))
            ahead = max(issued.position - 1, 0)
            position = (_("You are next in line.") if ahead == 0 else
                        i18n.ngettext("{n} person ahead of you.", "{n} people ahead of you.", ahead).format(n=ahead))
            span = wait_range(wait, issued.estimated_wait_range)
            if wait is None:
                position += " " + _("No counter is serving this yet; a colleague will be with you soon.")
            elif span is not None and span[0] != span[1]:
                position += " " + _("Most waits like yours: {low}-{high} min.").format(low=span[0], high=span[1])
            told = "" if not self._contact else _("We will send a message to {where} when your turn is near.").format(
                where=notify.told_where(self._contact))
        self.query_one("#kiosk-position", Static).update(plain(position))
        self.query_one("#kiosk-told", Static).update(plain(told))
        self.query_one("#kiosk-told", Static).display = bool(told)
        self._show("kiosk-ticket")
        self._back_timer = self.set_timer(SHOW_TICKET_SECONDS, self.action_start_over)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.refresh_bindings()
        self._say(self._("Sorry, no ticket could be printed. Please ask at reception."))
        self.app.report_error(exc)

    def action_start_over(self) -> None:
        if self._back_timer is not None:
            self._back_timer.stop()
            self._back_timer = None
        for field in self.query("#kiosk-notify").results(Input):
            field.value = ""  # the next customer never sees this one's number
        self._contact = None
        if self.language != self.languages[0]:
            self.language = self.languages[0]  # the next customer starts in the branch's language
            self._show_words()
        self._show("kiosk-start")

    @on(Input.Submitted, "#kiosk-notify")
    def _notify_done(self) -> None:
        self.query_one(ServiceButton).focus()

    def _show(self, pane: str) -> None:
        self._showing = pane == "kiosk-ticket"
        self.query_one(ContentSwitcher).current = pane
        if self._showing:
            self.set_focus(None)
        else:
            self.query_one(ServiceButton).focus()
        self.refresh_bindings()

    def on_click(self) -> None:
        """A tap anywhere on the ticket view goes back to the start."""
        if self._showing:
            self.action_start_over()

    @on(Button.Pressed, "#kiosk-staff")
    def action_staff_exit(self) -> None:
        def closed(ok: bool | None) -> None:
            if ok:
                self.app.exit()

        self.app.push_screen(SupervisorExit(), closed)

    def _say(self, text: str) -> None:
        self.query_one("#kiosk-message", Static).update(plain(text))
