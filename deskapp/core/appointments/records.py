"""What a booking looks like to callers, its states, its errors, its code and its slot arithmetic."""
from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from dataclasses import dataclass

from peewee import JOIN

from deskapp.config.schema import OpeningHours
from deskapp.core.clock import to_local, to_utc
from deskapp.core.context import Context
from deskapp.db.models import Appointment, Branch, Customer, Service, Staff
from deskapp.errors import BadInput, DeskappError
from deskapp.i18n import N_, _

BOOKED, CHECKED_IN, LATE, NO_SHOW, CANCELLED = "booked", "checked_in", "late", "no_show", "cancelled"
ACTIVE = (BOOKED, CHECKED_IN)  # bookings that hold their seat and their staff member's time
_STATUS_WORDS = {BOOKED: N_("booked"), CHECKED_IN: N_("checked in"), LATE: N_("late"), NO_SHOW: N_("no show"),
                 CANCELLED: N_("cancelled")}


def status_words(status: str) -> str:
    """A booking's status as people read it, in the current language (the code stays in the database)."""
    words = _STATUS_WORDS.get(status)
    return _(words) if words else status.replace("_", " ")

# Letters and digits a customer reads out without doubt: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # i18n: not words
CODE_LENGTH = 6


class BookingError(DeskappError):
    """A booking that cannot be made, moved, cancelled or checked in as asked."""


class BookingNotFound(BadInput):
    """No booking, customer, service, branch or staff member by what was given."""


class BookingInvalid(BadInput):
    """A time, code or option that cannot be used as given (not a slot, outside opening hours, in the past)."""


class SlotFull(BookingError):
    """The slot has no seat left (another desk may just have taken the last)."""


@dataclass(frozen=True)
class AppointmentInfo:
    id: int
    code: str
    branch: str
    service: str
    service_name: str
    customer_number: str
    customer_name: str
    staff: str | None  # the named staff member's login; None: anyone
    staff_name: str | None
    starts_at: dt.datetime  # branch-local wall time
    ends_at: dt.datetime
    status: str
    ticket: str | None  # the number of the ticket a check-in issued

    def as_json(self) -> dict:
        return {"id": self.id, "code": self.code, "branch": self.branch, "service": self.service,
                "customer": self.customer_number, "customer_name": self.customer_name, "staff": self.staff,
                "starts_at": self.starts_at.isoformat(timespec="minutes"),
                "ends_at": self.ends_at.isoformat(timespec="minutes"), "status": self.status, "ticket": self.ticket}


def new_code(rng: random.Random | None = None) -> str:
    """A booking code from the system's secure source (a guessable code would let a stranger check in
    someone else's booking); `rng`: a seeded generator instead, for the demo's reproducible data only."""
    choice = rng.choice if rng is not None else secrets.choice
    return "".join(choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def normal_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


def infos(rows, timezone: str) -> list[AppointmentInfo]:
    """AppointmentInfo of Appointment rows selected with their service, branch, customer and staff."""
    out = []
    for a in rows:
        staff = a.staff if a.staff_id else None
        out.append(AppointmentInfo(
            id=a.id, code=a.code, branch=a.branch.code, service=a.service.code, service_name=a.service.name,
            customer_number=a.customer.number, customer_name=a.customer.name,
            staff=staff.login if staff else None, staff_name=staff.name if staff else None,
            starts_at=to_local(a.starts_at, timezone), ends_at=to_local(a.ends_at, timezone), status=a.status,
            ticket=a.ticket.number if a.ticket_id else None))
    return out


def joined():
    return (Appointment.select(Appointment, Service, Branch, Customer, Staff)
            .join(Service).switch(Appointment).join(Branch).switch(Appointment).join(Customer)
            .switch(Appointment).join(Staff, JOIN.LEFT_OUTER, on=(Appointment.staff == Staff.id)))


def info(appointment_id: int, timezone: str) -> AppointmentInfo:
    return infos(joined().where(Appointment.id == appointment_id), timezone)[0]


def by_code(code: str) -> Appointment:
    row = Appointment.get_or_none(Appointment.code == normal_code(code))
    if row is None:
        shown = normal_code(code)
        raise BookingNotFound(_("There is no booking {code}.").format(code=shown) if shown
                              else _("There is no booking (empty)."))
    return row


@dataclass(frozen=True)
class Slot:
    """Where a booking lies: its start and end (naive UTC) and the hour its seat counts in."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    hour_start: dt.datetime


@dataclass(frozen=True)
class Place:
    """Where a booking is kept: its branch's time zone and opening hours (another branch's, when a
    desk books there, come from that branch's section of the network configuration)."""

    timezone: str
    hours: OpeningHours


def place_of(ctx: Context, branch: Branch) -> Place:
    if branch.id == ctx.branch_id:
        return Place(ctx.timezone, ctx.config.branch.hours)
    found = ctx.config.network_branch(branch.code)
    return Place(branch.timezone, found.hours if found is not None else ctx.config.branch.hours)


def slot_of(ctx: Context, service: Service, local_start: dt.datetime, place: Place) -> Slot:
    """The slot starting at `local_start` (the branch's wall time), checked against the grid and opening hours."""
    rules = ctx.config.appointments
    hours = place.hours
    opening = dt.datetime.combine(local_start.date(), dt.time.fromisoformat(hours.open))
    closing = dt.datetime.combine(local_start.date(), dt.time.fromisoformat(hours.close))
    step = dt.timedelta(minutes=rules.slot_minutes)
    if local_start < opening or local_start >= closing:
        raise BookingInvalid(_("{time} is outside opening hours ({open}-{close}).").format(time=f"{local_start:%H:%M}", open=hours.open, close=hours.close))
    if (local_start - opening) % step or local_start.second or local_start.microsecond:
        raise BookingInvalid(_("Slots start every {minutes} minutes from {open}; {time} is not one.").format(minutes=rules.slot_minutes, open=hours.open, time=f"{local_start:%H:%M}"))
    slots = max(1, math.ceil(service.typical_service_minutes / rules.slot_minutes))
    local_end = min(local_start + slots * step, closing)
    hour = local_start.replace(minute=0)
    tz = place.timezone
    return Slot(to_utc(local_start, tz), to_utc(local_end, tz), to_utc(hour, tz))


def parse_at(text: str, timezone: str) -> dt.datetime:
    """An ISO date-time as branch-local wall time (one with an offset is converted)."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise BookingInvalid(_("'{text}' is not a date and time like 2026-03-10T14:30.").format(text=text)) from None
    if when.tzinfo is not None:
        when = to_local(when.astimezone(dt.UTC).replace(tzinfo=None), timezone)
    return when
