"""Dialogs for bookings: book a slot, move or cancel a booking, check a customer in.

Opened from reception (b book, i check in), the customer 360 (b book for that customer) and the manager's
agenda (b book, m move, k cancel). Like deskapp.tui.screens.followup_dialogs, each calls core itself and
stays open with core's reason on screen when it refuses (a full slot, a time that is not a slot), so the
user fixes it where they typed; it dismisses with the booking (or ticket) once saved, None on Back.
"""
from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

from deskapp.core import appointments as ap
from deskapp.core.fields import date_time_shown, input_formats, parse_date, parse_date_time
from deskapp.i18n import _, lazy_gettext
from deskapp.tui.format import escape, plain, role_name, when
from deskapp.tui.screens.followup_dialogs import DIALOG_CSS
from deskapp.tui.widgets.inputs import Input
from deskapp.tui.work import call_core, show_failure

ANYONE = "-"
# Compact fields and labels without a gap above, so the booking form and its buttons fit 80x24.
BOOKING_CSS = DIALOG_CSS + """/* # i18n: not words (CSS) */
{name} Label {{ margin-top: 0; }}
{name} Input, {name} Select {{ margin-bottom: 1; }}
"""


class _BookingDialog(ModalScreen):
    BINDINGS = [Binding("escape", "dismiss(None)", lazy_gettext("Back"))]

    def _say(self, text: str) -> None:
        self.query_one(".dialog-message", Static).update(escape(text))

    def _refused(self, exc: BaseException) -> None:
        show_failure(self, exc, self._say)

    @on(Button.Pressed, ".dialog-back")
    def _back(self) -> None:
        self.dismiss(None)

    def _buttons(self, label: str, variant: str = "primary") -> Horizontal:
        return Horizontal(Button(plain(label), variant=variant, classes="dialog-save"),
                          Button(_("Back"), classes="dialog-back"), classes="dialog-buttons")

    @property
    def login(self) -> str:
        return self.app.session.login  # type: ignore[attr-defined]

    def _staff_choices(self) -> list[tuple[str, str]]:
        return [(_("Anyone"), ANYONE)] + [(plain(f"{s.name} ({role_name(s.role)})"), s.login)
                                          for s in self.app.config.staff]



class _SlotDialog(_BookingDialog):
    """A booking's date and time (typed the branch's way, config `input.date_order`), the free slots of
    the day typed, and with whom: what booking and moving share."""

    def _service_code(self) -> str | None:  # pragma: no cover - each dialog says
        raise NotImplementedError

    def _when_fields(self, label: str, value: str) -> ComposeResult:
        fmt = input_formats(self.app.config)  # type: ignore[attr-defined]
        yield Label(plain(f"{label} ({fmt.date_example(dt.date(2026, 3, 10))} 14:30)"))
        yield Input(value, id="book-at", max_length=20, compact=True, select_on_focus=False)
        yield Static("", id="book-slots")

    def _staff_field(self, staff: str | None) -> ComposeResult:
        yield Label(_("With"))
        choices = self._staff_choices()
        chosen = staff if staff in {login for _label, login in choices} else ANYONE
        yield Select(choices, value=chosen, allow_blank=False, id="book-staff", compact=True)

    def _named(self) -> str | None:
        value = self.query_one("#book-staff", Select).value
        return None if value in (ANYONE, Select.NULL) else str(value)

    def _typed_day(self) -> dt.date | None:
        """The day typed so far (a time is not needed yet to show that day's slots)."""
        fmt = input_formats(self.app.config)  # type: ignore[attr-defined]
        text = self.query_one("#book-at", Input).value.strip().replace("T", " ")
        for candidate in (text, text.rpartition(" ")[0]):
            try:
                return parse_date(candidate, fmt)
            except ValueError:
                continue
        return None

    def _at(self) -> dt.datetime | None:
        """The date and time typed, or None with the reason on screen."""
        try:
            return parse_date_time(self.query_one("#book-at", Input).value,
                                   input_formats(self.app.config))  # type: ignore[attr-defined]
        except ValueError as exc:
            self._say(_("Date and time: {problem}.").format(problem=exc))
            return None

    @on(Select.Changed)
    @on(Input.Changed, "#book-at")
    def _hint(self) -> None:
        """Show the free slots of the day chosen (read in a worker)."""
        service, day = self._service_code(), self._typed_day()
        if not service or day is None:
            return
        call_core(self, ap.free_slots, self.app.ctx, service, day, named=self._named(),  # type: ignore[attr-defined]
                  then=self._show_slots, on_error=lambda _exc: None, group="slots", exclusive=True)

    def _show_slots(self, free) -> None:
        text = "  ".join(f"{at:%H:%M}" for at, _seats in free)
        said = _("Free: {times}").format(times=text) if text else _("Free: no free slot that day")
        self.query_one("#book-slots", Static).update(escape(said))


class BookDialog(_SlotDialog):
    """Book a slot: customer number, service, date and time (branch-local), with whom."""

    DEFAULT_CSS = BOOKING_CSS.format(name="BookDialog")

    def __init__(self, customer_number: str = "", staff: str | None = None) -> None:
        super().__init__()
        self.customer_number = customer_number
        self.staff = staff

    def compose(self) -> ComposeResult:
        config = self.app.config  # type: ignore[attr-defined]
        services = [(plain(f"{s.code} {s.name}"), s.code) for s in config.services
                    if config.appointments.capacity_for(config.branch.code, s.code) > 0]
        today = self.app.ctx.today()  # type: ignore[attr-defined]
        with Vertical():
            yield Static(_("[b]Book an appointment[/b]"))
            yield Label(_("Customer number"))
            yield Input(self.customer_number, id="book-customer", max_length=20, compact=True)
            yield Label(_("Service"))
            yield Select(services, value=services[0][1] if services else Select.NULL, allow_blank=not services,
                         id="book-service", compact=True)
            yield from self._when_fields(_("Date and time"), input_formats(config).date_example(today) + " ")
            yield from self._staff_field(self.staff)
            yield Static("", classes="dialog-message")
            yield self._buttons(_("Book"))

    def on_mount(self) -> None:
        self._hint()
        self.query_one("#book-customer" if not self.customer_number else "#book-at", Input).focus()

    def _service_code(self) -> str | None:
        service = self.query_one("#book-service", Select).value
        return None if service is Select.NULL else str(service)

    @on(Input.Submitted)
    @on(Button.Pressed, ".dialog-save")
    def _save(self) -> None:
        service = self._service_code()
        if service is None:
            self._say(_("No service takes bookings (config appointments.capacity)."))
            return
        at = self._at()
        if at is None:
            return
        call_core(self, ap.book, self.app.ctx, self.query_one("#book-customer", Input).value,  # type: ignore[attr-defined]
                  service, at, by=self.login, named=self._named(), then=self.dismiss, on_error=self._refused)


class MoveDialog(_SlotDialog):
    """Move a booking to another date and time (and staff member)."""

    DEFAULT_CSS = BOOKING_CSS.format(name="MoveDialog")

    def __init__(self, booking: ap.AppointmentInfo) -> None:
        super().__init__()
        self.booking = booking

    def compose(self) -> ComposeResult:
        b = self.booking
        fmt = input_formats(self.app.config)  # type: ignore[attr-defined]
        with Vertical():
            yield Static(_("[b]Move booking {code}[/b]").format(code=escape(b.code))
                         + f"\n{escape(b.customer_name)} · {escape(self.app.config.service_name(b.service, b.service_name))} · "
                         f"{escape(when(b.starts_at, self.app.config, local=True))}")
            yield from self._when_fields(_("New date and time"), date_time_shown(b.starts_at, fmt))
            yield from self._staff_field(b.staff)
            yield Static("", classes="dialog-message")
            yield self._buttons(_("Move"))

    def _service_code(self) -> str | None:
        return self.booking.service

    @on(Input.Submitted)
    @on(Button.Pressed, ".dialog-save")
    def _save(self) -> None:
        at = self._at()
        if at is None:
            return
        named = self._named()
        call_core(self, ap.move, self.app.ctx, self.booking.code, at,  # type: ignore[attr-defined]
                  by=self.login, named=named, keep_staff=named is not None, then=self.dismiss,
                  on_error=self._refused)


class CancelDialog(_BookingDialog):
    """Cancel a booking, with an optional reason (kept in the audit)."""

    DEFAULT_CSS = BOOKING_CSS.format(name="CancelDialog")

    def __init__(self, booking: ap.AppointmentInfo) -> None:
        super().__init__()
        self.booking = booking

    def compose(self) -> ComposeResult:
        b = self.booking
        with Vertical():
            yield Static(_("[b]Cancel booking {code}[/b]").format(code=escape(b.code))
                         + f"\n{escape(b.customer_name)} · "
                         f"{escape(self.app.config.service_name(b.service, b.service_name))} · {escape(when(b.starts_at, self.app.config, local=True))}")
            yield Label(_("Reason (optional)"))
            yield Input(id="cancel-reason", max_length=200, compact=True)
            yield Static("", classes="dialog-message")
            yield self._buttons(_("Cancel booking"), "error")

    @on(Input.Submitted)
    @on(Button.Pressed, ".dialog-save")
    def _save(self) -> None:
        call_core(self, ap.cancel, self.app.ctx, self.booking.code,  # type: ignore[attr-defined]
                  by=self.login, reason=self.query_one("#cancel-reason", Input).value, then=self.dismiss,
                  on_error=self._refused)


class CheckInDialog(_BookingDialog):
    """Check a booked customer in by their booking code, or the last digits of their phone or ID."""

    DEFAULT_CSS = BOOKING_CSS.format(name="CheckInDialog")

    def __init__(self, channel: str = "reception") -> None:
        super().__init__()
        self.channel = channel

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("[b]Check in a booking[/b]"))
            yield Label(_("Booking code, or the last 4+ digits of the phone or ID"))
            yield Input(id="checkin-key", max_length=32, compact=True)
            yield Static("", classes="dialog-message")
            yield self._buttons(_("Check in"))

    @on(Input.Submitted)
    @on(Button.Pressed, ".dialog-save")
    def _save(self) -> None:
        session = getattr(self.app, "session", None)
        call_core(self, ap.check_in, self.app.ctx, self.query_one("#checkin-key", Input).value,  # type: ignore[attr-defined]
                  channel=self.channel, staff=session.login if session else None, then=self.dismiss,
                  on_error=self._refused)


def checked_in_text(done: ap.CheckedIn) -> str:
    """What the person at reception or the kiosk is told after a check-in (plain text)."""
    ticket = done.issued.ticket if done.issued else None
    if ticket is None:
        return _("Booking {code}: no ticket.").format(code=done.booking.code)
    if done.late:
        return _("{number}: the booking's time has passed, so this is an ordinary ticket for {service}.").format(
            number=ticket.number, service=ticket.service_name)
    return _("{number}: booked for {time}, {service}; called from the slot.").format(
        number=ticket.number, time=f"{done.booking.starts_at:%H:%M}", service=ticket.service_name)


def expected_text(bookings: list[ap.AppointmentInfo]) -> str:
    """The "expected in the next hour" panel (markup, data escaped); empty when nobody is expected."""
    if not bookings:
        return ""
    lines = [_("[b]Expected (next hour)[/b]")]
    for b in bookings:
        state = f" · {escape(b.ticket)}" if b.ticket else ""
        lines.append(f"{b.starts_at:%H:%M} {escape(b.customer_name)} · {escape(b.service)} · "
                     f"{escape(b.staff or _('anyone'))}{state}")
    return "\n".join(lines)

