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
from deskapp.core.queue.calling import callable_candidates, profile
from deskapp.core.queue.tickets import WAITING, _counter
from deskapp.db.models import Service, Ticket

SHOWN = 40  # tickets put in calling order; a longer queue shows its first SHOWN and says how many wait


@dataclass(frozen=True)
class WaitingTicket:
    id: int
    number: str
    service: str
    service_name: str  # in the viewer's language (Config.service_name), once, here
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
    """Today's waiting tickets of the counter's services, in the order the counter would call them.

    Only the first `limit` of each line (service, class, front) and the `limit` longest-waiting
    overdue ones can be among the first `limit` calls: those are read (call-next's own candidate
    query), not the whole queue, so a long queue costs what a short one does."""
    counter = _counter(ctx, counter_code)
    services = profile(counter.id)
    if not services:
        return WaitingList((), 0)
    now = ctx.now()
    mine = ((Ticket.branch == ctx.branch_id) & (Ticket.status == WAITING) & (Ticket.day == ctx.today())
            & Ticket.service.in_(services))
    total = Ticket.select().where(mine).count()
    if not total:
        return WaitingList((), 0)
    # call-next's own candidates: tickets handed to this counter or the person at it (rule 0) come first,
    # those handed to another counter or colleague are not this counter's to call
    found = callable_candidates(ctx, services, counter.id, counter.staff_id, now, per_line=limit, limit=limit)
    order = found.order
    later = sorted({w.id for w in found.read} - {w.id for w in found.callable})  # bookings not callable here yet
    ids = [w.id for w in order] + later[:max(0, limit - len(order))]
    rows = {r[0]: r for r in (
        Ticket.select(Ticket.id, Ticket.number, Ticket.former_number, Ticket.priority, Ticket.issued_at,
                      Service.code, Service.name)
        .join(Service)
        .where(Ticket.id.in_(ids) & mine)  # today's only: yesterday's leftovers wait for the day's reset
        .tuples())}
    places = {w.id: i for i, w in enumerate(order, 1)}
    tickets = tuple(
        WaitingTicket(id=i, number=rows[i][1], service=rows[i][5], service_name=ctx.config.service_name(rows[i][5], rows[i][6]), priority=rows[i][3],
                      issued_at=rows[i][4], waited_minutes=max(0.0, (now - rows[i][4]).total_seconds() / 60),
                      place=places.get(i), former_number=rows[i][2])
        for i in ids if i in rows)
    return WaitingList(tickets, total)
