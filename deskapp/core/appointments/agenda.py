"""Bookings listed: a day or a week for the manager's agenda and `appointments list`, the coming hour
for the desks and reception."""
from __future__ import annotations

import datetime as dt

from deskapp.core.appointments.checkin import sweep
from deskapp.core.appointments.records import ACTIVE, AppointmentInfo, BookingNotFound, infos, joined
from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.db.models import Appointment, Counter, CounterService, Staff
from deskapp.i18n import _


def agenda(ctx: Context, first: dt.date, days: int = 1, *, with_staff: str | None = None,
           include_cancelled: bool = False) -> list[AppointmentInfo]:
    """Bookings of this branch from `first` for `days` branch-local days (of `with_staff` only, if given),
    in time order; past bookings nobody checked in are marked no-shows first."""
    sweep(ctx)
    start, _end = day_bounds(first, ctx.timezone)
    _start, end = day_bounds(first + dt.timedelta(days=days - 1), ctx.timezone)
    where = (Appointment.branch == ctx.branch_id) & (Appointment.starts_at >= start) & (Appointment.starts_at < end)
    if with_staff:
        staff = Staff.get_or_none(Staff.login == with_staff)
        if staff is None:
            raise BookingNotFound(_("There is no staff member '{login}'.").format(login=with_staff))
        where &= Appointment.staff == staff.id
    if not include_cancelled:
        where &= Appointment.status != "cancelled"
    return infos(joined().where(where).order_by(Appointment.starts_at, Appointment.id), ctx.timezone)


def expected(ctx: Context, *, minutes: int = 60, with_staff: str | None = None,
             counter_code: str | None = None) -> list[AppointmentInfo]:
    """Who is expected from now (less the grace) to `minutes` ahead, not yet checked in or checked in
    and waiting; with `with_staff`, their own bookings and those for anyone; with `counter_code`, only
    the services that counter serves."""
    sweep(ctx)
    now = ctx.now()
    grace = dt.timedelta(minutes=ctx.config.appointments.grace_minutes)
    where = ((Appointment.branch == ctx.branch_id) & Appointment.status.in_(ACTIVE)
             & (Appointment.starts_at >= now - grace) & (Appointment.starts_at < now + dt.timedelta(minutes=minutes)))
    if with_staff:
        staff = Staff.get_or_none(Staff.login == with_staff)
        where &= (Appointment.staff.is_null()) | (Appointment.staff == (staff.id if staff else 0))
    if counter_code is not None:
        counter = Counter.get_or_none((Counter.branch == ctx.branch_id) & (Counter.code == counter_code))
        served = CounterService.select(CounterService.service).where(CounterService.counter == (counter.id if counter else 0))
        where &= Appointment.service.in_(served)
    return infos(joined().where(where).order_by(Appointment.starts_at, Appointment.id), ctx.timezone)


def of_customer(ctx: Context, customer_id: int, *, since: dt.date | None = None) -> list[AppointmentInfo]:
    """A customer's bookings from `since` (default: today) on, at every branch, in time order."""
    sweep(ctx)
    start, _end = day_bounds(since or ctx.today(), ctx.timezone)
    return infos(joined().where((Appointment.customer == customer_id) & (Appointment.starts_at >= start))
                 .order_by(Appointment.starts_at, Appointment.id), ctx.timezone)
