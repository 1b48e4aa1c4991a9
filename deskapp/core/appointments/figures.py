"""Bookings in figures: the report's `appointments` table and the booked load of the coming hours.

Per service and named staff member ("anyone" for bookings with anyone) over bookings whose slot lies in the period
(cancelled ones left out): booked; checked_in (on time, in the appointment class); late (came after the
grace: a walk-in); no_shows (never came; a past booking not yet swept counts too); started_on_time
(checked in and started within the grace of the slot); no_show_rate = no_shows / (checked_in + late +
no_shows), the bookings whose outcome is known; on_time_rate = started_on_time / checked_in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import JOIN

from deskapp.core.appointments.records import BOOKED, CANCELLED, CHECKED_IN, LATE, NO_SHOW
from deskapp.core.clock import day_bounds, to_local
from deskapp.core.context import Context
from deskapp.core.queue.booked import booking_outcome
from deskapp.db.models import Appointment, Service, Staff, Ticket


@dataclass(frozen=True)
class BookingFigures:
    service: str
    staff: str
    booked: int
    checked_in: int
    late: int
    no_shows: int
    started_on_time: int

    @property
    def no_show_rate(self) -> float | None:
        known = self.checked_in + self.late + self.no_shows
        return self.no_shows / known if known else None

    @property
    def on_time_rate(self) -> float | None:
        return self.started_on_time / self.checked_in if self.checked_in else None


def by_service_and_staff(ctx: Context, since: dt.date, until: dt.date) -> list[BookingFigures]:
    """One row per (service, named staff) with bookings in since..until, then ("ALL", "")."""
    start, _ = day_bounds(since, ctx.timezone)
    _start, end = day_bounds(until, ctx.timezone)
    now = ctx.now()
    grace = dt.timedelta(minutes=ctx.config.appointments.grace_minutes)
    rows = (Appointment.select(Service.code, Staff.login, Appointment.status, Appointment.starts_at, Ticket.started_at)
            .join(Service, on=(Appointment.service == Service.id))
            .join_from(Appointment, Staff, JOIN.LEFT_OUTER, on=(Appointment.staff == Staff.id))
            .join_from(Appointment, Ticket, JOIN.LEFT_OUTER, on=(Appointment.ticket == Ticket.id))
            .where((Appointment.branch == ctx.branch_id) & (Appointment.starts_at >= start)
                   & (Appointment.starts_at < end) & (Appointment.status != CANCELLED))
            .tuples())
    sums: dict[tuple[str, str], list[int]] = {}
    for service, login, status, starts_at, started_at in rows:
        status = booking_outcome(status, starts_at, grace, now)
        for key in ((service, login or "anyone"), ("ALL", "")):  # i18n: not words
            s = sums.setdefault(key, [0, 0, 0, 0, 0])
            s[0] += 1
            s[1] += status == CHECKED_IN
            s[2] += status == LATE
            s[3] += status == NO_SHOW
            s[4] += status == CHECKED_IN and started_at is not None and started_at <= starts_at + grace
    ordered = sorted(k for k in sums if k[0] != "ALL")  # i18n: not words
    if sums:
        ordered.append(("ALL", ""))  # i18n: not words
    return [BookingFigures(k[0], k[1], *sums[k]) for k in ordered]


def booked_by_hour(ctx: Context, day: dt.date) -> dict[tuple[int, int], int]:
    """Bookings still to come (booked, not yet checked in: a checked-in one is a ticket already) per
    (service id, branch-local hour of the slot) on `day`."""
    start, end = day_bounds(day, ctx.timezone)
    result: dict[tuple[int, int], int] = {}
    for service, starts_at in (Appointment.select(Appointment.service, Appointment.starts_at)
                               .where((Appointment.branch == ctx.branch_id) & (Appointment.status == BOOKED)
                                      & (Appointment.starts_at >= start) & (Appointment.starts_at < end))
                               .tuples()):
        key = (service, to_local(starts_at, ctx.timezone).hour)
        result[key] = result.get(key, 0) + 1
    return result
