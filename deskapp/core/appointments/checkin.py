"""Check-in and no-shows: a booking becomes a ticket, or a walk-in when late, or a no-show when nobody came.

On time (from any time that day up to slot + grace): a ticket of the service in the appointments'
class (deskapp.core.queue.booked), called from slot - early margin before the walk-ins. Later than the
grace: `late_policy` walk_in issues an ordinary ticket and marks the booking late; refuse issues none.
A booking still not checked in at slot + grace is a no-show: `sweep` marks them (run by `appointments
sweep`, and lazily before a check-in or a listing).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from deskapp import logs
from deskapp.core.appointments.records import (
    BOOKED,
    CHECKED_IN,
    LATE,
    NO_SHOW,
    AppointmentInfo,
    BookingError,
    BookingInvalid,
    BookingNotFound,
    info,
    normal_code,
    status_words,
)
from deskapp.core.clock import day_bounds, local_day, to_local
from deskapp.core.context import Context
from deskapp.core.queue.booked import issue_booked
from deskapp.core.queue.issuing import Issued, issue
from deskapp.core.queue.tickets import WAITING, ticket_info
from deskapp.core.security import audit
from deskapp.core.security.permissions import acts_as, require
from deskapp.db import statements
from deskapp.db.database import transaction
from deskapp.db.models import Appointment, Customer, CustomerPhone, Staff, Ticket
from deskapp.i18n import _

MIN_DIGITS = 4  # last digits of a phone or ID that may find a booking


@dataclass(frozen=True)
class CheckedIn:
    booking: AppointmentInfo
    issued: Issued | None  # None: late and refused
    late: bool


def sweep(ctx: Context) -> list[str]:
    """Mark as no-shows the bookings of this branch not checked in by slot + grace; returns their codes."""
    limit = ctx.now() - dt.timedelta(minutes=ctx.config.appointments.grace_minutes)
    due = [r[0] for r in Appointment.select(Appointment.id)
           .where((Appointment.branch == ctx.branch_id) & (Appointment.status == BOOKED)
                  & (Appointment.starts_at < limit)).tuples()]
    if not due:
        return []

    def work() -> list[str]:
        now = ctx.now()
        codes = []
        for row in Appointment.select().where(Appointment.id.in_(due) & (Appointment.status == BOOKED)):
            changed = Appointment.update(status=NO_SHOW).where(
                (Appointment.id == row.id) & (Appointment.status == BOOKED)).execute()
            if changed:
                audit.record(now, None, "appointment_no_show", "appointment", row.code, "")
                codes.append(row.code)
        if codes:
            statements.bump_marker(ctx.branch_id)
        return codes

    return transaction(work)


def find_for_check_in(ctx: Context, key: str) -> Appointment:
    """Today's booking by its code, or by the last digits (at least 4) of the customer's phone or ID."""
    text = key.strip()
    row = Appointment.get_or_none(Appointment.code == normal_code(text)) if text else None
    if row is not None:
        return row
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < MIN_DIGITS or digits != text.replace(" ", ""):
        shown = normal_code(text)
        raise BookingNotFound(
            (_("There is no booking {code}; give the booking code, or the last {n} or more digits of your phone or ID.")
             if shown else _("There is no booking (empty); give the booking code, or the last {n} or more digits of "
                             "your phone or ID.")).format(code=shown, n=MIN_DIGITS))
    start, end = day_bounds(ctx.today(), ctx.timezone)
    phones = CustomerPhone.select(CustomerPhone.customer).where(CustomerPhone.digits.endswith(digits))
    ids = Customer.select(Customer.id).where(Customer.national_id.endswith(digits))
    rows = list(Appointment.select().where(
        (Appointment.branch == ctx.branch_id) & (Appointment.status == BOOKED)
        & (Appointment.starts_at >= start) & (Appointment.starts_at < end)
        & (Appointment.customer.in_(phones) | Appointment.customer.in_(ids))))
    if not rows:
        raise BookingNotFound(_("No booking today for a phone or ID ending in {digits}.").format(digits=digits))
    if len(rows) > 1:
        raise BookingInvalid(_("{n} bookings today match {digits}; give the booking code.").format(n=len(rows), digits=digits))
    return rows[0]


@acts_as("appointments.check_in")
def check_in(ctx: Context, key: str, *, channel: str = "kiosk", staff: str | None = None) -> CheckedIn:
    """Check a customer in by booking code (or phone / ID last digits): their ticket, as `queue issue` gives it."""
    require(staff, "appointments.check_in")
    staff_row = Staff.get(Staff.login == staff) if staff else None
    sweep(ctx)
    row = find_for_check_in(ctx, key)
    if row.branch_id != ctx.branch_id:
        raise BookingError(_("Booking {code} is at another branch ({branch}).").format(code=row.code, branch=row.branch.code))
    now = ctx.now()
    grace = dt.timedelta(minutes=ctx.config.appointments.grace_minutes)
    if local_day(row.starts_at, ctx.timezone) != ctx.today():
        raise BookingError(_("Booking {code} is for {day}, not today.").format(code=row.code, day=f"{local_day(row.starts_at, ctx.timezone):%Y-%m-%d}"))
    late = now > row.starts_at + grace or row.status == NO_SHOW
    if row.status not in (BOOKED, NO_SHOW) or (row.status == NO_SHOW and not late):
        raise BookingError(_("Booking {code} is {status}.").format(code=row.code, status=status_words(row.status)))
    if late:
        return _late(ctx, row, channel, staff)

    def work() -> int:
        current = Appointment.get_by_id(row.id)
        if current.status != BOOKED:
            raise BookingError(_("Booking {code} is {status}.").format(code=row.code, status=status_words(current.status)))
        ticket_id = issue_booked(ctx, row.service, row.customer_id, channel, staff_row.id if staff_row else None)
        Appointment.update(status=CHECKED_IN, ticket=ticket_id, checked_in_at=now).where(
            Appointment.id == row.id).execute()
        audit.record(now, staff, "appointment_checked_in", "appointment", row.code, f"channel={channel}")
        statements.bump_marker(ctx.branch_id)
        return ticket_id

    ticket_id = transaction(work)
    logs.action(staff, "appointment_checked_in", appointment=row.code)
    return CheckedIn(info(row.id, ctx.timezone), _issued(ctx, ticket_id, row), late=False)


def _issued(ctx: Context, ticket_id: int, row: Appointment) -> Issued:
    """The booked ticket with its place among the service's due bookings and the wait until its slot."""
    ahead = (Appointment.select().join(Ticket, on=(Appointment.ticket == Ticket.id)).where(
        (Appointment.branch == ctx.branch_id) & (Appointment.service == row.service_id)
        & (Appointment.status == CHECKED_IN) & (Appointment.starts_at < row.starts_at)
        & (Ticket.status == WAITING)).count())
    early = dt.timedelta(minutes=ctx.config.appointments.early_minutes)
    wait = max(0.0, (row.starts_at - early - ctx.now()).total_seconds() / 60)
    return Issued(ticket=ticket_info(ticket_id), position=ahead + 1, estimated_wait_minutes=wait,
                  estimated_wait_range=None)


def _late(ctx: Context, row: Appointment, channel: str, staff: str | None) -> CheckedIn:
    if ctx.config.appointments.late_policy == "refuse":
        raise BookingError(_("Booking {code} was for {time} and its grace has passed; the customer may take an ordinary ticket.").format(code=row.code, time=f"{to_local(row.starts_at, ctx.timezone):%H:%M}"))
    def work() -> Issued:
        # One transaction: the ordinary ticket and the booking marked late, or neither (two kiosks
        # checking the same late booking in: the second finds it late already).
        current = Appointment.get_by_id(row.id)
        if current.status not in (BOOKED, NO_SHOW):
            raise BookingError(_("Booking {code} is {status}.").format(code=row.code, status=status_words(current.status)))
        issued = issue(ctx, row.service.code, customer_id=row.customer_id, channel=channel, staff=staff)
        Appointment.update(status=LATE, ticket=issued.ticket.id, checked_in_at=ctx.now()).where(
            Appointment.id == row.id).execute()
        audit.record(ctx.now(), staff, "appointment_late", "appointment", row.code,
                     f"channel={channel} ticket={issued.ticket.number}")
        statements.bump_marker(ctx.branch_id)
        return issued

    issued = transaction(work)
    return CheckedIn(info(row.id, ctx.timezone), issued, late=True)
