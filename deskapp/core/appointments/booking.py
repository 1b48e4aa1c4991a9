"""Booking, moving and cancelling: a seat in the slot's hour that two desks can never both take.

Each service takes `capacity` bookings per branch-local hour (config appointments); a booking holds
one seat 0 .. capacity - 1 of its hour, and the unique index on (branch, service, hour_start, seat)
refuses a second booking of the same seat. Two desks taking the last seat at once: on SQLite the
transactions run one after the other (BEGIN IMMEDIATE), so the second sees no free seat; on
PostgreSQL both may pick it, the second insert waits for the first and fails on the index, and that
desk decides again from a fresh read (then: SlotFull). A named staff member's time is checked under a
lock of their staff row (FOR UPDATE on PostgreSQL), so two bookings of them cannot overlap either.
"""
from __future__ import annotations

import datetime as dt
import random

import peewee

from deskapp import logs
from deskapp.core.appointments.records import (
    ACTIVE,
    BOOKED,
    CANCELLED,
    AppointmentInfo,
    BookingError,
    BookingInvalid,
    BookingNotFound,
    Place,
    Slot,
    SlotFull,
    by_code,
    info,
    new_code,
    parse_at,
    place_of,
    slot_of,
    status_words,
)
from deskapp.core.clock import to_local
from deskapp.core.context import Context
from deskapp.core.notify import enqueue_booking, parse_contact
from deskapp.core.security import audit
from deskapp.core.security.permissions import acts_as, require
from deskapp.db import statements
from deskapp.db.database import is_postgres, transaction
from deskapp.db.models import Appointment, Branch, Customer, Service, Staff
from deskapp.i18n import _

ATTEMPTS = 12  # fresh decisions after losing a seat or a code to another desk


def _branch(ctx: Context, code: str | None) -> Branch:
    if not code:
        return Branch.get_by_id(ctx.branch_id)
    row = Branch.get_or_none(Branch.code == code)
    if row is None:
        raise BookingNotFound(_("There is no branch '{code}'.").format(code=code))
    return row


def _service(branch: Branch, code: str) -> Service:
    row = Service.get_or_none((Service.branch == branch.id) & (Service.code == code.upper()) & Service.active)
    if row is None:
        raise BookingNotFound(_("There is no service '{code}' at {branch}.").format(code=code, branch=branch.code))
    return row


def _customer(number: str) -> Customer:
    row = Customer.get_or_none(Customer.number == number.strip())
    if row is None or not row.active or row.erased_at is not None:
        raise BookingNotFound(_("There is no active customer {number}.").format(number=number))
    return row


def _named(login: str | None) -> Staff | None:
    if not login:
        return None
    row = Staff.get_or_none((Staff.login == login) & Staff.active)
    if row is None:
        raise BookingNotFound(_("There is no active staff member '{login}'.").format(login=login))
    return row


def _actor(by: str, action: str) -> Staff:
    require(by, action)
    return Staff.get(Staff.login == (by if isinstance(by, str) else by.login))


def _capacity(ctx: Context, branch: Branch, service: Service) -> int:
    capacity = ctx.config.appointments.capacity_for(branch.code, service.code)
    if capacity <= 0:
        raise BookingInvalid(_("{service} takes no bookings at {branch} (config appointments.capacity).").format(service=service.name, branch=branch.code))
    return capacity


def _check_future(ctx: Context, slot: Slot) -> None:
    if slot.starts_at < ctx.now():
        raise BookingInvalid(_("That slot has already begun; choose a later one."))


def _take_seat(branch: Branch, service: Service, slot: Slot, capacity: int, staff: Staff | None,
               keep: int | None = None) -> int:
    """The lowest free seat of the slot's hour (in the caller's transaction), after checking the named
    staff member is free then; `keep` is the booking being moved (its own seat and time do not count)."""
    if staff is not None:
        if is_postgres():
            statements.execute("SELECT id FROM staff WHERE id = ? FOR UPDATE", (staff.id,))
        clash = (Appointment.select(Appointment.code)
                 .where((Appointment.staff == staff.id) & Appointment.status.in_(ACTIVE)
                        & (Appointment.starts_at < slot.ends_at) & (Appointment.ends_at > slot.starts_at)
                        & (Appointment.id != (keep or 0)))
                 .first())
        if clash is not None:
            raise SlotFull(_("{staff} already has a booking then ({code}).").format(staff=staff.name, code=clash.code))
    taken = {r[0] for r in Appointment.select(Appointment.seat)
             .where((Appointment.branch == branch.id) & (Appointment.service == service.id)
                    & (Appointment.hour_start == slot.hour_start) & Appointment.seat.is_null(False)
                    & (Appointment.id != (keep or 0)))
             .tuples()}
    free = [seat for seat in range(capacity) if seat not in taken]
    if not free:
        raise SlotFull(_("{service} is fully booked in that hour; choose another time.").format(service=service.name))
    return free[0]


def _retrying(work):
    """Run `work` in a transaction, deciding again when another desk took the seat (or the code) first."""
    for _attempt in range(ATTEMPTS):
        try:
            return transaction(work)
        except peewee.IntegrityError:
            continue
    raise SlotFull(_("Other desks kept taking this slot first; look at the free slots again."))


def _wanted(ctx: Context, branch: Branch, service: Service, at: str | dt.datetime) -> tuple[int, Place, Slot]:
    """The slot asked for (`at`: branch-local, ISO text or a datetime), checked to be bookable: the
    service's capacity there, the branch's place (time zone, hours) and the slot."""
    capacity = _capacity(ctx, branch, service)
    place = place_of(ctx, branch)
    local = parse_at(at, place.timezone) if isinstance(at, str) else at
    slot = slot_of(ctx, service, local, place)
    _check_future(ctx, slot)
    return capacity, place, slot


@acts_as("appointments.book")
def book(ctx: Context, customer_number: str, service_code: str, at: str | dt.datetime, *, by: str,
         named: str | None = None, branch_code: str | None = None, phone: str | None = None,
         email: str | None = None, code_rng: random.Random | None = None) -> AppointmentInfo:
    """Book a slot for a customer (`at`: branch-local, ISO text or a datetime), with `named` or anyone.

    `phone` / `email`: where the customer wants this booking's messages (confirmed, reminders, moved,
    cancelled), written to the notification outbox in the booking's transaction; none: no message.
    `code_rng`: see records.new_code (the demo's seeded generator; never for real bookings)."""
    actor = _actor(by, "appointments.book")
    contact = parse_contact(ctx, phone, email)
    branch = _branch(ctx, branch_code)
    service = _service(branch, service_code)
    customer = _customer(customer_number)
    staff = _named(named)
    capacity, place, slot = _wanted(ctx, branch, service, at)

    def work() -> int:
        now = ctx.now()
        seat = _take_seat(branch, service, slot, capacity, staff)
        row = Appointment.create(
            branch=branch.id, service=service.id, customer=customer.id, staff=staff.id if staff else None,
            code=new_code(code_rng), starts_at=slot.starts_at, ends_at=slot.ends_at, hour_start=slot.hour_start, seat=seat,
            status=BOOKED, created_at=now, created_by=actor.id,
            notify_phone=contact.phone if contact else None, notify_email=contact.email if contact else None)
        _tell(ctx, "booking_confirmed", row, service, branch, customer, now)
        audit.record(now, actor.login, "appointment_booked", "appointment", row.code,
                     f"service={service.code} at={to_local(slot.starts_at, place.timezone):%Y-%m-%dT%H:%M} "
                     f"staff={staff.login if staff else '-'} customer={customer.number}")
        statements.bump_marker(branch.id)
        return row.id

    booked = info(_retrying(work), place.timezone)
    logs.action(actor.login, "appointment_booked", appointment=booked.code)
    return booked


def _tell(ctx: Context, kind: str, row: Appointment, service: Service, branch: Branch, customer: Customer,
          now: dt.datetime, previous_at: dt.datetime | None = None, at: dt.datetime | None = None) -> None:
    """The booking's message in the outbox, inside the booking's transaction (nothing without a contact);
    `at`: the slot it now has, when it is moving."""
    if row.notify_phone or row.notify_email:
        enqueue_booking(ctx, kind, code=row.code, at=at or row.starts_at, service=service.name, phone=row.notify_phone,
                        email=row.notify_email, branch=branch.name, customer=customer.name, previous_at=previous_at,
                        now=now, timezone=place_of(ctx, branch).timezone)


def _open(code: str) -> Appointment:
    row = by_code(code)
    if row.status != BOOKED:
        raise BookingError(_("Booking {code} is {status}; only a booked one can change.").format(
            code=row.code, status=status_words(row.status)))
    return row


@acts_as("appointments.book")
def move(ctx: Context, code: str, at: str | dt.datetime, *, by: str, named: str | None = None,
         keep_staff: bool = True) -> AppointmentInfo:
    """Move a booking to another slot (and, given `named`, to another staff member)."""
    actor = _actor(by, "appointments.book")
    row = _open(code)
    branch, service = row.branch, row.service
    staff = _named(named) if named else (row.staff if keep_staff and row.staff_id else None)
    capacity, place, slot = _wanted(ctx, branch, service, at)
    was = to_local(row.starts_at, place.timezone)

    def work() -> int:
        now = ctx.now()
        current = Appointment.get_by_id(row.id)
        if current.status != BOOKED:
            raise BookingError(_("Booking {code} is {status}; it cannot move.").format(
                code=current.code, status=status_words(current.status)))
        seat = _take_seat(branch, service, slot, capacity, staff, keep=row.id)
        # Give the old seat back first: the new one may be the same key in the same hour.
        Appointment.update(seat=None).where(Appointment.id == row.id).execute()
        Appointment.update(starts_at=slot.starts_at, ends_at=slot.ends_at, hour_start=slot.hour_start, seat=seat,
                           staff=staff.id if staff else None).where(Appointment.id == row.id).execute()
        _tell(ctx, "booking_moved", row, service, branch, row.customer, now, previous_at=row.starts_at,
              at=slot.starts_at)
        audit.record(now, actor.login, "appointment_moved", "appointment", row.code,
                     f"from={was:%Y-%m-%dT%H:%M} to={to_local(slot.starts_at, place.timezone):%Y-%m-%dT%H:%M} "
                     f"staff={staff.login if staff else '-'}")
        statements.bump_marker(branch.id)
        return row.id

    moved = info(_retrying(work), place.timezone)
    logs.action(actor.login, "appointment_moved", appointment=moved.code)
    return moved


@acts_as("appointments.book")
def cancel(ctx: Context, code: str, *, by: str, reason: str = "") -> AppointmentInfo:
    """Cancel a booking; its seat is free again at once."""
    actor = _actor(by, "appointments.book")
    row = _open(code)

    def work() -> int:
        now = ctx.now()
        changed = (Appointment.update(status=CANCELLED, seat=None)
                   .where((Appointment.id == row.id) & (Appointment.status == BOOKED)).execute())
        if changed != 1:
            raise BookingError(_("Booking {code} changed meanwhile; look at it again.").format(code=row.code))
        _tell(ctx, "booking_cancelled", row, row.service, row.branch, row.customer, now)
        audit.record(now, actor.login, "appointment_cancelled", "appointment", row.code,
                     f"reason={reason}" if reason else "")
        statements.bump_marker(row.branch_id)
        return row.id

    cancelled = info(transaction(work), place_of(ctx, row.branch).timezone)
    logs.action(actor.login, "appointment_cancelled", appointment=cancelled.code)
    return cancelled


def free_slots(ctx: Context, service_code: str, day: dt.date, *, named: str | None = None,
               branch_code: str | None = None) -> list[tuple[dt.datetime, int]]:
    """The day's slots (branch-local start) still bookable for the service (and `named`), with seats left."""
    branch = _branch(ctx, branch_code)
    service = _service(branch, service_code)
    capacity = ctx.config.appointments.capacity_for(branch.code, service.code)
    staff = _named(named)
    if capacity <= 0:
        return []
    place = place_of(ctx, branch)
    hours = place.hours
    step = dt.timedelta(minutes=ctx.config.appointments.slot_minutes)
    local = dt.datetime.combine(day, dt.time.fromisoformat(hours.open))
    closing = dt.datetime.combine(day, dt.time.fromisoformat(hours.close))
    out = []
    while local < closing:
        slot = slot_of(ctx, service, local, place)
        if slot.starts_at >= ctx.now():
            used = (Appointment.select().where(
                (Appointment.branch == branch.id) & (Appointment.service == service.id)
                & (Appointment.hour_start == slot.hour_start) & Appointment.seat.is_null(False)).count())
            busy = staff is not None and Appointment.select().where(
                (Appointment.staff == staff.id) & Appointment.status.in_(ACTIVE)
                & (Appointment.starts_at < slot.ends_at) & (Appointment.ends_at > slot.starts_at)).exists()
            if used < capacity and not busy:
                out.append((local, capacity - used))
        local += step
    return out
