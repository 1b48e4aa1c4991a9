"""The demo's booked visits: the coming week's agenda, so the desk's "expected in the next hour",
reception's check-in, the managers' agenda and the staffing advice's booked load have something to show.

Called at the end of demo.build with a random generator of its own (the rest of the demo stays as it
was for a seed). Everything goes through core (appointments.book, as the customer's relationship
manager), so each booking is audited and takes a real seat: meetings (loans, accounts) named for the
customer's manager, the rest for anyone, on today's remaining slots and the next five weekdays.
"""
from __future__ import annotations

import datetime as dt
import random

from deskapp.core import appointments as ap
from deskapp.core.context import Context
from deskapp.db.models import Customer, Staff

MEETINGS = ("LOAN", "ACCT")  # with the customer's own manager  # i18n: not words (service codes)
DESK_VISITS = ("CARD", "INFO")  # with whoever is free  # i18n: not words (service codes)
PER_DAY = 6


def populate(ctx: Context, rng: random.Random) -> int:
    """Book the coming week; returns how many bookings were made."""
    rules = ctx.config.appointments
    services = {s.code for s in ctx.config.services}
    bookable = [code for code in (*MEETINGS, *DESK_VISITS)
                if code in services and rules.capacity_for(ctx.config.branch.code, code) > 0]
    managed = list(Customer.select(Customer.number, Staff.login).join(Staff, on=Customer.manager == Staff.id)
                   .where(Customer.active & Staff.active).order_by(Customer.id).tuples())
    if not bookable or not managed:
        return 0
    made = 0
    day, weekdays = ctx.today(), 0
    while weekdays < 6:
        if day.weekday() < 5:
            weekdays += 1
            for _ in range(PER_DAY // 2 if day == ctx.today() else PER_DAY):  # today: what is left of it
                made += _book_one(ctx, rng, day, bookable, managed)
        day += dt.timedelta(days=1)
    return made


def _book_one(ctx: Context, rng: random.Random, day: dt.date, bookable: list[str],
              managed: list[tuple[str, str]]) -> int:
    number, manager = rng.choice(managed)
    service = rng.choice(bookable)
    named = manager if service in MEETINGS else None
    free = ap.free_slots(ctx, service, day, named=named)
    if not free:
        return 0
    local, _seats = rng.choice(free)
    try:
        ap.book(ctx, number, service, local, by=manager, named=named, code_rng=rng)
    except (ap.BookingError, ap.BookingInvalid):  # taken meanwhile by an earlier draw of the same generator: skip it
        return 0
    return 1
