"""Appointments: customers' booked visits beside the walk-in queue (issue 17).

An identified customer books a service at a branch for a slot, with a named staff member or anyone
(booking: book, move, cancel, free_slots); at the kiosk or reception the booking becomes a ticket that
is called before the service's walk-ins once its slot has come (checkin: check_in, find_for_check_in;
the calling order itself is deskapp.core.queue.booked); a booking nobody checked in by its slot plus
the grace becomes a no-show (checkin.sweep); the day's and the coming hour's bookings are listed for the
desks, reception and the manager's agenda (agenda). Every booking event (booked, moved, cancelled,
checked_in, no_show) is an AuditEvent `appointment_<kind>`: the one place a notifier takes them from.

May import: deskapp.core's kernel (clock, context, changes), queue, customers, security, db and config.
"""
from __future__ import annotations

from deskapp.core.appointments.agenda import agenda, expected, of_customer
from deskapp.core.appointments.booking import book, cancel, free_slots, move
from deskapp.core.appointments.checkin import CheckedIn, check_in, sweep
from deskapp.core.appointments.records import (
    BOOKED,
    CANCELLED,
    CHECKED_IN,
    LATE,
    NO_SHOW,
    AppointmentInfo,
    BookingError,
    BookingInvalid,
    BookingNotFound,
    SlotFull,
)

__all__ = [
    "BOOKED", "CANCELLED", "CHECKED_IN", "LATE", "NO_SHOW", "AppointmentInfo", "BookingError", "BookingInvalid", "BookingNotFound",  # i18n: not words
    "CheckedIn", "SlotFull", "agenda", "book", "cancel", "check_in", "expected", "free_slots", "move", "of_customer", "sweep",  # i18n: not words
]
