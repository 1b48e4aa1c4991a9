"""The waiting tickets a counter would call, in the order it would call them, for the teller's desk.

The order is call-next's own (calling.calling_order over the counter's work profile, the services'
recent calls and the checked-in bookings that are due), simulated pick by pick, so the first row is
the ticket `n` takes. Bookings not yet callable at this counter (early, or named for a colleague)
come after the ordered tickets, without a place.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from deskapp.core.context import Context
from deskapp.core.queue.booked import arrange
from deskapp.core.queue.calling import calling_order, priority_rules, profile, recent_classes
from deskapp.core.queue.ordering import Waiting
from deskapp.core.queue.tickets import WAITING, _counter
from deskapp.db.models import Service, Ticket

SHOWN = 100  # tickets put in calling order; a longer queue shows its first SHOWN and says how many wait


@dataclass(frozen=True)
class WaitingTicket:
    id: int
    number: str
    service: str
    service_name: str
    priority: str
    issued_at: dt.datetime
    waited_minutes: float
    place: int | None  # 1: the ticket call-next takes now; None: not callable here yet (a booking)
    former_number: str | None = None


@dataclass(frozen=True)
class WaitingList:
    tickets: tuple[WaitingTicket, ...]
    total: int  # every ticket waiting for the counter's services, shown or not


def waiting_list(ctx: Context, counter_code: str, limit: int = SHOWN) -> WaitingList:
    """Today's waiting tickets of the counter's services, in the order the counter would call them."""
    counter = _counter(ctx, counter_code)
    services = profile(counter.id)
    if not services:
        return WaitingList((), 0)
    rows = list(
        Ticket.select(Ticket.id, Ticket.service, Ticket.priority, Ticket.issued_at, Ticket.queued_at, Ticket.front,
                      Ticket.number, Ticket.former_number, Service.code, Service.name)
        .join(Service)
        .where((Ticket.branch == ctx.branch_id) & (Ticket.status == WAITING) & (Ticket.day == ctx.today())
               & Ticket.service.in_(services))
        .order_by(Ticket.id)
        .tuples()
    )
    now = ctx.now()
    by_id = {r[0]: r for r in rows}
    waiting = [Waiting(id=r[0], service=r[1], priority=r[2], issued_at=r[3], queued_at=r[4], front=bool(r[5]))
               for r in rows]
    callable_here = arrange(ctx, waiting, services, counter.staff_id, now)
    rules = priority_rules(ctx)
    window = sum(r.weight for r in rules)
    recent = {service: recent_classes(ctx, service, window) for service in services}
    max_wait = dt.timedelta(minutes=ctx.config.queue.max_wait_minutes)
    order = calling_order(callable_here, services, rules, recent, now, max_wait, limit=limit)
    placed = {w.id for w in order}
    later = sorted((i for i in by_id if i not in placed and i not in {w.id for w in callable_here}),
                   key=lambda i: (by_id[i][4], i))

    def shown(ticket_id: int, place: int | None) -> WaitingTicket:
        r = by_id[ticket_id]
        return WaitingTicket(id=r[0], number=r[6], service=r[8], service_name=r[9], priority=r[2], issued_at=r[3],
                             waited_minutes=max(0.0, (now - r[3]).total_seconds() / 60), place=place,
                             former_number=r[7])

    tickets = [shown(w.id, i) for i, w in enumerate(order, 1)]
    tickets += [shown(i, None) for i in later[:max(0, limit - len(tickets))]]
    return WaitingList(tuple(tickets), len(rows))
