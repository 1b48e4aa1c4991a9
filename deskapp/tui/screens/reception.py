"""Reception: issue a ticket for a walk-in client, tell them their place and expected wait.

The greeter picks the service (1-9), the priority class (p), optionally identifies the customer
(c), and issues (i). The last ticket is shown large for the client to read; the waiting counts
per service stay live, and so does the list of tickets a supervisor moved to another service
("A005 (was C001)"), so a client holding the paper C001 can be told their new number. A client who
gave up waiting is taken out of the line with w (the number on their paper finds a moved ticket too).
Appointments: b books a slot (for the customer identified, if any), a checks a booked customer in (their
code, or the last digits of their phone or ID); who is expected in the next hour is listed on the side.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Header, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from deskapp.core import appointments as ap
from deskapp.core import notify
from deskapp.core import queue as q
from deskapp.core.context import Context
from deskapp.core.customers.directory import ReceptionMatch
from deskapp.core.queue import floor
from deskapp.core.queue.waits import WaitEstimate, estimate_ticket, wait_range
from deskapp.core.queue.words import event_words, status_words
from deskapp.i18n import _, lazy_gettext
from deskapp.tui.format import escape, minutes, plain, ticket_number, when
from deskapp.tui.screens.appointment_dialogs import BookDialog, CheckInDialog, checked_in_text, expected_text
from deskapp.tui.screens.base import AppScreen
from deskapp.tui.widgets.customer_finder import CustomerFinder
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.widgets.key_footer import KeyFooter
from deskapp.tui.widgets.ticket_digits import TicketDigits
from deskapp.tui.widgets.waiting_table import WaitingTable
from deskapp.tui.work import call_core, show_failure

TICKET_NUMBER = re.compile(r"^[A-Za-z]{1,2}[0-9]{1,6}$")


@dataclass(frozen=True)
class LastTicket:
    """The last ticket issued here, as it stands now: its place in line while it waits."""

    ticket: q.TicketInfo
    estimate: WaitEstimate | None = None


@dataclass(frozen=True)
class Floor:
    status: floor.QueueStatus
    moved: list[q.TicketInfo]
    expected: list[ap.AppointmentInfo] = field(default_factory=list)
    last: LastTicket | None = None


def reception_floor(ctx: Context, last_id: int | None = None) -> Floor:
    """The side panel's live part, read in one worker: waiting per service, the moved tickets, the
    bookings expected in the next hour, and the last ticket issued here as it stands now (it may have
    been called or served since: the panel never goes stale)."""
    last = None
    if last_id is not None:
        ticket = q.ticket_info(last_id)
        last = LastTicket(ticket, estimate_ticket(ctx, last_id) if ticket.status == q.WAITING else None)
    return Floor(floor.queue_status(ctx), floor.moved_waiting(ctx), ap.expected(ctx), last)


class WalkedAway(ModalScreen[q.TicketInfo | None]):
    """Ask for the number of a waiting ticket whose client left, and cancel it."""

    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Cancel"))]

    def __init__(self, by: str) -> None:
        super().__init__()
        self.by = by

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal", id="walked-away"):
            yield Static(_("Which ticket walked away?"), classes="section-title")
            yield Input(placeholder=_("Ticket number, e.g. A014"), id="walked-number", restrict=r"[0-9A-Za-z]*",
                        max_length=8)
            yield Static(_("Enter cancels the ticket; Escape goes back."), id="walked-message")
            yield Footer()

    @on(Input.Submitted, "#walked-number")
    def _submit(self, event: Input.Submitted) -> None:
        number = event.value.strip().upper()
        if not TICKET_NUMBER.match(number):
            self._say(_("Type the number printed on the ticket, e.g. A014."))
            return
        self._say(_("Cancelling…"))
        call_core(self, q.cancel_waiting, self.app.ctx, number, by=self.by, then=self.dismiss,
                  on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        show_failure(self, exc, self._say)

    def _say(self, text: str) -> None:
        self.query_one("#walked-message", Static).update(text)


class ReceptionScreen(AppScreen):
    BINDINGS = [
        # Labels translated each time they are drawn: the language is the staff member's, known at login.
        *[Binding(str(n), f"choose({n})", lazy_gettext("Service"), show=n == 1, key_display="1-9", id=f"service_{n}")
          for n in range(1, 10)],
        Binding("p", "next_priority", lazy_gettext("Priority"), id="priority"),
        Binding("c", "find_customer", lazy_gettext("Customer"), id="find_customer"),
        Binding("x", "clear_customer", lazy_gettext("Clear"), id="clear_customer"),
        Binding("i", "issue", lazy_gettext("Issue"), id="issue"),
        Binding("w", "walked_away", lazy_gettext("Walked away"), id="walked_away"),
        Binding("b", "book", lazy_gettext("Book"), id="reception_book"),
        Binding("a", "check_in", lazy_gettext("Check in"), id="reception_check_in"),
        Binding("h", "history", lazy_gettext("Ticket history"), id="reception_history"),
    ]

    def __init__(self) -> None:
        super().__init__(name="reception")
        self.service: str | None = None
        self.customer: ReceptionMatch | None = None
        self._issuing = False
        self._contact = None
        self._last: q.Issued | None = None  # the last ticket issued here; the panel follows it
        self._told: str = ""  # where it is told when near (a contact), as said at issue
        self.last_number = ""  # the last ticket issued here, offered when `h` asks for a number

    @property
    def services(self):
        return self.config.services

    def compose(self) -> ComposeResult:
        classes = self.config.priority_classes
        yield Header()
        with Horizontal(id="reception-body"):
            with VerticalScroll(id="reception-form"):
                yield Static(_("1 · Service"), classes="section-title")
                yield OptionList(*[Option(plain(f"{n}  {s.name}  ({s.code})"), id=s.code)
                                   for n, s in enumerate(self.services, start=1)], id="reception-services")
                yield Static(_("2 · Priority (p)"), classes="section-title")
                with RadioSet(id="reception-priority"):
                    for p in classes:
                        yield RadioButton(plain(p.name), value=p.code == self.default_priority, id=f"priority-{p.code}")
                yield Static(_("3 · Customer, optional (c)"), classes="section-title")
                yield CustomerFinder(id="reception-finder")
                phone, email = notify.offered(self.config)
                if phone or email:
                    hint = (_("their mobile number or e-mail, for this ticket only") if phone and email else
                            _("their mobile number, for this ticket only") if phone else
                            _("their e-mail, for this ticket only"))
                    yield Static(_("4 · Tell them when it's their turn, optional"), classes="section-title")
                    yield Input(id="reception-notify", max_length=80, placeholder=hint)
                yield Static("", id="reception-choice")
                with Horizontal(id="reception-actions"):
                    yield Button(_("Issue ticket (i)"), variant="primary", id="reception-issue")
                    yield Button(_("Walked away (w)"), id="reception-walked")
            with Vertical(id="reception-side"):
                with Vertical(id="reception-ticket"):
                    yield Static(_("Last ticket"), classes="section-title")
                    yield TicketDigits("", id="reception-number", max_scale=0)
                    yield Static(_("No ticket issued yet."), id="reception-ticket-info")
                yield Static(_("Waiting now"), classes="section-title")
                yield WaitingTable(id="reception-waiting")
                moved = Static("", id="reception-moved")
                moved.display = False  # until a move: most days have none
                yield moved
                expected = Static("", id="reception-expected")
                expected.display = False  # until someone is booked for the next hour
                yield expected
        yield KeyFooter()

    @property
    def default_priority(self) -> str:
        return self.config.priority_classes[-1].code

    def on_mount(self) -> None:
        self.query_one("#reception-services", OptionList).focus()
        self._show_choice()

    def reload(self) -> None:
        last_id = self._last.ticket.id if self._last is not None else None
        call_core(self, reception_floor, self.ctx, last_id, then=self._show_status, group="reception-load",
                  exclusive=True)

    def _show_status(self, data: Floor) -> None:
        self.query_one(WaitingTable).show(data.status.services)
        moved = self.query_one("#reception-moved", Static)
        moved.display = bool(data.moved)
        moved.update("\n".join([_("[b]Moved to another service[/b]")] + [
            f"[b]{escape(t.number)}[/b] " + _("(was {number})").format(number=escape(t.former_number or ""))
            + f" · {escape(self.config.service_name(t.service, t.service_name))}" for t in data.moved]))
        expected = self.query_one("#reception-expected", Static)
        expected.display = bool(data.expected)
        expected.update(expected_text(data.expected))
        if data.last is not None and self._last is not None and data.last.ticket.id == self._last.ticket.id:
            names = {c.code: c.name for c in data.status.counters}
            self._show_last(data.last.ticket, data.last.estimate, names.get(data.last.ticket.counter or ""))

    def refusal(self, action: str, parameters: tuple) -> str | None:
        if action == "clear_customer" and self.customer is None:
            return _("No customer chosen for this ticket: press c to find one.")
        return None

    # -- the form -------------------------------------------------------------------------------
    @property
    def priority(self) -> str:
        pressed = self.query_one("#reception-priority", RadioSet).pressed_button
        return pressed.id.removeprefix("priority-") if pressed and pressed.id else self.default_priority

    def action_choose(self, n: int) -> None:
        if n > len(self.services):
            return
        options = self.query_one("#reception-services", OptionList)
        options.highlighted = n - 1
        self._choose(self.services[n - 1].code)

    @on(OptionList.OptionSelected, "#reception-services")
    def _service_selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def _choose(self, code: str | None) -> None:
        self.service = code
        self._show_choice()

    def action_next_priority(self) -> None:
        buttons = list(self.query_one("#reception-priority", RadioSet).query(RadioButton))
        codes = [p.code for p in self.config.priority_classes]
        index = (codes.index(self.priority) + 1) % len(codes)
        buttons[index].value = True

    @on(RadioSet.Changed, "#reception-priority")
    def _priority_changed(self) -> None:
        self._show_choice()

    def action_find_customer(self) -> None:
        self.query_one(CustomerFinder).focus_input()

    def action_clear_customer(self) -> None:
        self.query_one(CustomerFinder).clear()

    @on(CustomerFinder.Chosen)
    def _customer_chosen(self, event: CustomerFinder.Chosen) -> None:
        self.customer = event.match
        self._show_choice()
        self.refresh_bindings()
        if event.match is not None:
            self.query_one("#reception-services", OptionList).focus()

    @on(CustomerFinder.Left)
    def _left_finder(self) -> None:
        self.query_one("#reception-services", OptionList).focus()

    def _show_choice(self) -> None:
        service = next((s for s in self.services if s.code == self.service), None)
        priority = escape(self.config.class_name(self.priority))
        who = escape(_("{name} (no. {number})").format(name=self.customer.name, number=self.customer.number)) \
            if self.customer else _("not identified")
        what = f"[b]{escape(self.config.service_name(service.code))}[/b]" if service else _("[i]choose a service (1-9)[/i]")
        self.query_one("#reception-choice", Static).update(
            _("Service: {service}\nClass: {priority}\nCustomer: {customer}").format(service=what, priority=priority,
                                                                                  customer=who))

    # -- issuing and walk-aways -----------------------------------------------------------------
    @on(Button.Pressed, "#reception-issue")
    def action_issue(self) -> None:
        if self._issuing:
            return
        if self.service is None:
            self.notify(_("Choose a service first: its number key, or Enter on the list."), severity="warning")
            return
        contact = None
        for box in self.query("#reception-notify").results(Input):
            try:
                contact = notify.contact_from_text(self.ctx, box.value)
                notify.check_reachable(self.ctx, contact)
            except notify.ContactInvalid as exc:
                self.notify(plain(_("{problem}. Correct it, or clear it to issue without messages.").format(problem=exc)),
                            severity="warning")
                box.focus()
                return
        self._contact = contact
        self._issuing = True
        call_core(self, q.issue, self.ctx, self.service, self.priority,
                  customer_id=self.customer.id if self.customer else None, channel="reception",
                  staff=self.session.login, contact=contact, then=self._issued, on_error=self._issue_failed)

    def _issued(self, issued: q.Issued) -> None:
        self._issuing = False
        t = issued.ticket
        self._last = issued
        self._told = notify.told_where(self._contact) if self._contact else ""
        self.last_number = t.number
        self.query_one("#reception-number", TicketDigits).update(t.number)
        self._show_last(t, WaitEstimate(t.id, issued.position, issued.estimated_wait_minutes,
                                        issued.estimated_wait_range))
        for box in self.query("#reception-notify").results(Input):
            box.value = ""
        self._contact = None
        self.query_one("#reception-ticket").add_class("issued")
        self.service = None
        self.query_one(f"#priority-{self.default_priority}", RadioButton).value = True
        self.query_one(CustomerFinder).clear()
        self.query_one("#reception-services", OptionList).focus()
        self._show_choice()
        self.reload()

    def _show_last(self, t: q.TicketInfo, estimate: WaitEstimate | None, counter_name: str | None = None) -> None:
        """The last ticket as it stands now: its place and expected wait while it waits, then where it
        was called, served, or what became of it."""
        # One phrase a line, so that the narrow panel at 80 columns breaks nowhere else.
        if t.status == q.WAITING and estimate is not None:
            point = estimate.minutes
            span = wait_range(point, estimate.range)
            if point is None:
                wait = _("Expected wait: no counter open for it yet")
            else:
                wait = _("Expected wait [b]{time}[/b]").format(time=minutes(point))
                if span is not None and span[0] != span[1]:
                    wait += "\n" + _("most waits {low}-{high} min").format(low=span[0], high=span[1])
            where = _("Position [b]{position}[/b] in line").format(position=estimate.position) + f"\n{wait}"
        else:
            where = _("Now: [b]{status}[/b]").format(status=escape(status_words(t, counter_name)))
        who = "\n" + _("Customer: {customer}").format(customer=escape(t.customer_name)) if t.customer_name else ""
        told = "\n" + _("Told when near: {where}").format(where=escape(self._told)) \
            if self._told and t.status == q.WAITING else ""
        self.query_one("#reception-ticket-info", Static).update(
            f"[b]{escape(ticket_number(t.number, t.former_number))}[/b] · "
            f"{escape(self.config.service_name(t.service, t.service_name))}\n"
            f"{escape(self.config.class_name(t.priority))}\n{where}{who}{told}")

    def _issue_failed(self, exc: BaseException) -> None:
        self._issuing = False
        self.app.report_error(exc)

    @on(Button.Pressed, "#reception-walked")
    def action_walked_away(self) -> None:
        def done(ticket: q.TicketInfo | None) -> None:
            if ticket is not None:
                self.notify(event_words("cancelled", ticket_number(ticket.number, ticket.former_number)) + ".")
                self.reload()

        self.app.push_screen(WalkedAway(self.session.login), done)

    def action_history(self) -> None:
        """A ticket's history: every event, who, where, when (the number asked, the last issued offered)."""
        from deskapp.tui.screens.ticket_history import show_history

        show_history(self, None, prefill=self.last_number)

    # -- appointments ---------------------------------------------------------------------------
    def action_book(self) -> None:
        def done(booked: ap.AppointmentInfo | None) -> None:
            if booked is not None:
                self.notify(_("Booked {code}: {when}, {service}.").format(
                    code=booked.code, when=when(booked.starts_at, self.config, local=True), service=booked.service_name))
                self.reload()

        self.app.push_screen(BookDialog(self.customer.number if self.customer else ""), done)

    def action_check_in(self) -> None:
        def done(checked: ap.CheckedIn | None) -> None:
            if checked is None or checked.issued is None:
                return
            t = checked.issued.ticket
            self._last = None  # the panel now tells the check-in
            self.query_one("#reception-number", TicketDigits).update(t.number)
            self.query_one("#reception-ticket-info", Static).update(escape(checked_in_text(checked)))
            self.query_one("#reception-ticket").add_class("issued")
            self.reload()

        self.app.push_screen(CheckInDialog("reception"), done)
