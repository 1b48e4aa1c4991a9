"""Issue 17: bookings not yet checked in count in the walk-ins' expected waits.

A booking due in a few minutes will be called before the walk-ins of its service once its customer
checks in (queue.booked.arrange), so a walk-in issued now waits for it too. The forecast knows the
branch's bookings still to come (callable from the slot minus the early margin, each coming with the
branch's measured share of booked customers who come) instead of treating checked-in bookings as
Poisson arrivals of the appointment class. Clock: 2026-03-10 10:00 UTC (Lisbon = UTC).
"""
from __future__ import annotations

import datetime as dt

import pytest

from deskapp.core import appointments as ap
from deskapp.core import queue as q
from deskapp.core.appointments.figures import by_service_and_staff
from deskapp.core.clock import day_bounds
from deskapp.core.queue import waits
from deskapp.core.queue.booked import booking_outcome
from deskapp.core.queue.forecast import Booking, Counter, Floor, ServiceModel, Ticket, forecast
from deskapp.core.queue.ordering import PriorityRule
from tests.unit.test_appointments import DAY, customer

CLASSES = (PriorityRule("appointment", 3), PriorityRule("normal", 1))


def _floor(bookings=()):
    return Floor(counters=[Counter((1,), held_service=1, serving=True, elapsed=1.0)],
                 waiting=[Ticket(7, 1, "normal", 1.0, 1.0)], services={1: ServiceModel(6.0, 0.2)},
                 classes=CLASSES, recent={}, max_wait=60.0, call_to_start=(0.5,), turnaround=(0.5,),
                 pickup=(0.3,), bookings=bookings)


def test_a_booking_due_before_the_counter_frees_is_called_before_the_walk_in():
    alone = forecast(_floor(), 7, seed=3).minutes
    booked = forecast(_floor([Booking(2.0, 1, 7.0)]), 7, seed=3).minutes
    assert 3.0 < alone < 8.0  # the rest of the service in hand, then the walk-in
    assert booked > alone + 4.0  # and a whole booked service before it
    # One that never comes, or one for another service, changes nothing.
    assert forecast(_floor([Booking(2.0, 1, 7.0, show=0.0)]), 7, seed=3).minutes == alone
    assert forecast(_floor([Booking(2.0, 2, 7.0)]), 7, seed=3).minutes == alone
    # Half of the booked customers come: the wait lies between.
    half = forecast(_floor([Booking(2.0, 1, 7.0, show=0.5)]), 7, runs=400, seed=3).minutes
    assert alone + 1.0 < half < booked - 1.0


def test_a_walk_in_s_expected_wait_counts_a_booking_due_not_yet_checked_in(ctx, clock):
    booked = ap.book(ctx, customer(ctx), "ACCT", f"{DAY}T10:30", by="rita")
    clock.advance(minutes=25)  # 10:25: callable from now, once its customer checks in
    q.issue(ctx, "ACCT", with_estimate=False)
    q.call_next(ctx, "4", "joao")
    q.start(ctx, "4")
    walk_in = q.issue(ctx, "ACCT")
    assert walk_in.position == 1  # nobody is in line ahead of them now
    with_booking = waits.estimate_ticket(ctx, walk_in.ticket.id).minutes
    ap.cancel(ctx, booked.code, by="rita")
    without = waits.estimate_ticket(ctx, walk_in.ticket.id).minutes
    assert walk_in.estimated_wait_minutes == with_booking  # the promise made at issue counted it
    assert with_booking > without + 2.0, (with_booking, without)


def test_the_share_of_booked_customers_who_come_is_one_minus_the_report_s_no_show_rate(ctx, clock):
    services = ["ACCT", "LOAN", "CARD", "INFO"]
    early = [ap.book(ctx, customer(ctx, f"Cliente {i}"), services[i % 4], f"{DAY}T10:30", by="rita") for i in range(8)]
    later = [ap.book(ctx, customer(ctx, f"Outro {i}"), services[i], f"{DAY}T11:30", by="rita") for i in range(4)]
    clock.advance(minutes=30)
    for booking in early[:5]:
        ap.check_in(ctx, booking.code)
    clock.advance(minutes=60)
    for booking in later[:2]:
        ap.check_in(ctx, booking.code)
    clock.advance(minutes=30)  # 12:00: the others are past their grace
    start, _ = day_bounds(dt.date.fromisoformat(DAY), ctx.timezone)
    every = next(f for f in by_service_and_staff(ctx, ctx.today(), ctx.today()) if f.service == "ALL")
    assert every.no_show_rate == 5 / 12  # the 3 early and 2 later ones past their grace, not swept
    assert waits._booking_show(ctx, start, ctx.now()) == pytest.approx(7 / 12)


def test_one_definition_of_a_no_show_counts_a_booking_past_its_grace():
    """queue.booked.booking_outcome, which the report's no_show_rate and the waits' share of booked customers
    who come both count by: a booking never checked in is a no-show once slot + grace is past, not before."""
    slot, grace = dt.datetime(2026, 3, 10, 10, 30), dt.timedelta(minutes=10)
    assert booking_outcome("booked", slot, grace, slot + grace) == "booked"
    assert booking_outcome("booked", slot, grace, slot + grace + dt.timedelta(seconds=1)) == "no_show"
    for status in ("checked_in", "late", "no_show", "cancelled"):
        assert booking_outcome(status, slot, grace, slot + dt.timedelta(hours=2)) == status
