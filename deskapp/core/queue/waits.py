"""Honest expected waits for waiting tickets, from live data.

A ticket's wait follows from its place in its service's calling order, the open counters that
serve the service (each freeing when its current ticket should end), and the service's recent
service times (an exponentially weighted mean of the last `queue.recent_services` completed,
falling back to the configured typical time). No open counter serving it: no estimate (a dash).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from deskapp.core.context import Context
from deskapp.core.queue import estimate
from deskapp.core.queue.calling import priority_rules, recent_classes, waiting_for
from deskapp.core.queue.ordering import Waiting, service_order
from deskapp.core.queue.tickets import CALLED, SERVING, WAITING
from deskapp.db.models import Counter, CounterService, Service, Ticket


@dataclass(frozen=True)
class WaitEstimate:
    ticket_id: int
    position: int  # 1 = called next in its service
    minutes: float | None


def service_minutes(ctx: Context, service: Service) -> float:
    """The expected length of one service now (EWMA of recent service times, oldest first)."""
    rows = (
        Ticket.select(Ticket.started_at, Ticket.ended_at)
        .where((Ticket.service == service) & (Ticket.status == "done") & Ticket.started_at.is_null(False))
        .order_by(Ticket.ended_at.desc())
        .limit(ctx.config.queue.recent_services)
        .tuples()
    )
    minutes = [(end - begin).total_seconds() / 60 for begin, end in reversed(list(rows))]
    return estimate.service_minutes_estimate(minutes, service.typical_service_minutes)


def _counters_busy(ctx: Context, service: Service, per_service: float) -> list[float] | None:
    """Remaining minutes of each open counter serving `service` (0 when free), None when none."""
    open_counters = list(
        Counter.select(Counter.id)
        .join(CounterService)
        .where((CounterService.service == service) & (Counter.state == "open") & Counter.active
               & (Counter.branch == ctx.branch_id))
        .tuples()
    )
    if not open_counters:
        return None
    ids = [c[0] for c in open_counters]
    now = ctx.now()
    held = {
        row[0]: row
        for row in Ticket.select(Ticket.counter, Ticket.status, Ticket.started_at)
        .where(Ticket.counter.in_(ids) & Ticket.status.in_((CALLED, SERVING)))
        .tuples()
    }
    busy = []
    for counter_id in ids:
        row = held.get(counter_id)
        if row is None:
            busy.append(0.0)
        elif row[1] == SERVING and row[2] is not None:
            busy.append(max(0.0, per_service - (now - row[2]).total_seconds() / 60))
        else:
            busy.append(per_service)
    return busy


def service_waits(ctx: Context, service: Service) -> list[WaitEstimate]:
    """Position and expected wait of every waiting ticket of a service, in calling order."""
    rules = priority_rules(ctx)
    waiting: list[Waiting] = waiting_for(ctx, [service.id])
    order = service_order(waiting, rules, recent_classes(ctx, service.id, sum(r.weight for r in rules)),
                          ctx.now(), dt.timedelta(minutes=ctx.config.queue.max_wait_minutes))
    per_service = service_minutes(ctx, service)
    busy = _counters_busy(ctx, service, per_service)
    result = []
    for ahead, ticket in enumerate(order):
        minutes = None
        if busy is not None:
            minutes = estimate.wait_for_position(ahead, len(busy), per_service, busy)
        result.append(WaitEstimate(ticket.id, ahead + 1, minutes))
    return result


def position_and_wait(ctx: Context, ticket_id: int) -> tuple[int, float | None]:
    """(position in its service, expected minutes) of one waiting ticket; (0, 0.0) if not waiting."""
    ticket = Ticket.get_by_id(ticket_id)
    if ticket.status != WAITING:
        return 0, 0.0
    for estimate_ in service_waits(ctx, ticket.service):
        if estimate_.ticket_id == ticket_id:
            return estimate_.position, estimate_.minutes
    return 0, None
