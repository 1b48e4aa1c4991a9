"""Checked-in bookings in the queue: their tickets, and where they stand in the calling order.

A booking checked in on time becomes a ticket of its service in the appointments' priority class
(config `appointments.priority_class`), numbered with the appointments' prefix before the service's
number (V + A012). In the calling order (`arrange`, used by call-next) such a ticket
- is not callable before its slot's start minus `appointments.early_minutes` (an early arrival waits);
- once callable, goes before the walk-ins of its service (ordering.Waiting.booked_for), at the desk
  and in every position and expected wait (`arrange` is the one definition of both);
- when the booking names a staff member, is called only at that person's counter (a transfer by them
  makes an ordinary ticket of another service).
Everything here reads the appointment table by ticket id; the walk-in queries are untouched.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

from deskapp.core.context import Context
from deskapp.core.queue.ordering import Waiting
from deskapp.core.queue.tickets import WAITING, _next_number
from deskapp.db import statements
from deskapp.db.models import Service


def _as_datetime(value):
    """SQLite hands datetimes back as ISO text; PostgreSQL as datetimes."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def booking_outcome(status: str, starts_at: dt.datetime, grace: dt.timedelta, now: dt.datetime) -> str:
    """A booking's status as its figures count it: one still "booked" when its slot plus the grace
    (appointments.grace_minutes) is past never came, so it is a "no_show" even before
    `appointments sweep` marks it; any other status is itself. The one definition of a no-show that
    the report's no_show_rate (appointments.figures) and the expected waits' share of booked
    customers who come (queue.waits) both count by."""
    return "no_show" if status == "booked" and starts_at + grace < now else status  # i18n: not words


def issue_booked(ctx: Context, service: Service, customer_id: int, channel: str, staff_id: int | None) -> int:
    """Write the ticket of a booking checked in on time, in the caller's transaction; returns its id."""
    rules = ctx.config.appointments
    now, day = ctx.now(), ctx.today()
    seq, number = _next_number(ctx, service, day)
    ticket_id = statements.insert_ticket({
        "branch_id": ctx.branch_id, "service_id": service.id, "day": day, "seq": seq,
        "number": f"{rules.prefix}{number}", "priority": rules.priority_class, "status": WAITING,
        "channel": channel, "customer_id": customer_id, "issued_at": now, "queued_at": now, "front": False,
        "recall_count": 0,
    })
    statements.insert_event(ticket_id, "issued", now, staff_id, None, json.dumps({"channel": channel, "booked": True}))
    return ticket_id


ANY_COUNTER = -1
"""arrange's staff_id for the service's own order (positions, expected waits): a booking named for a
staff member goes before the walk-ins too, as it does at that person's counter."""


def arrange(ctx: Context, waiting: list[Waiting], services: list[int], staff_id: int | None,
            now: dt.datetime, *, keep_not_due: bool = False) -> list[Waiting]:
    """The waiting tickets with the checked-in bookings in their place in the calling order: the one
    definition call-next (the candidates of a counter whose person is `staff_id`) and the positions
    and expected waits (waits.py, staff_id ANY_COUNTER) use.

    Every waiting booked ticket of these services is added (call-next's candidates hold only the first
    few of each line); those due (their slot's start minus appointments.early_minutes has come, and
    named for nobody or for `staff_id`) carry their slot (`booked_for`: before the walk-ins of their
    service, ordering.first_in_service); the others are left out, or with `keep_not_due` kept as
    ordinary tickets of the appointments' class (after the walk-ins: they are not called yet)."""
    early = dt.timedelta(minutes=ctx.config.appointments.early_minutes)
    if not services:
        return waiting
    # A checked-in booking waits as a ticket of the appointment class, and the candidates hold the first
    # few of every (service, class) line: with none among them, no booking waits (and no read is made).
    booked_class = ctx.config.appointments.priority_class
    if not any(w.priority == booked_class for w in waiting):
        return waiting
    # From the few checked-in bookings (index on status, starts_at) to their tickets: one short read
    # per call-next, whatever the length of the walk-in queue.
    marks = ", ".join("?" for _ in services)
    rows = statements.execute(
        "SELECT t.id, t.service_id, t.priority, t.issued_at, t.queued_at, t.front, a.starts_at, a.staff_id"
        " FROM appointment a JOIN ticket t ON t.id = a.ticket_id"
        f" WHERE a.status = 'checked_in' AND a.branch_id = ? AND t.status = 'waiting' AND t.service_id IN ({marks})",
        (ctx.branch_id, *services)).fetchall()
    if not rows:
        return waiting
    booked: dict[int, Waiting | None] = {}
    for tid, service, priority, issued, queued, front, starts_at, named in rows:
        starts_at = _as_datetime(starts_at)
        due = starts_at - early <= now and (named is None or staff_id == ANY_COUNTER or named == staff_id)
        ticket = Waiting(tid, service, priority, _as_datetime(issued), _as_datetime(queued), bool(front))
        booked[tid] = dataclasses.replace(ticket, booked_for=starts_at) if due else ticket if keep_not_due else None
    kept = [w for w in waiting if w.id not in booked]
    return kept + [w for w in booked.values() if w is not None]
