"""Staffing advice per service: Erlang C on the last hour's arrivals, beside the counters open now.

For each active service: arrivals = tickets issued in it in the last hour (transfers in
included: they are arrivals of this service); service minutes = the recent mean the wait
estimates use (deskapp.core.waits.service_minutes: EWMA of recent services, else the configured
typical time); needed = estimate.counters_needed(arrivals, minutes, target, 0.8), the fewest
counters that would answer 80 % within the service's target. Open = open counters whose work
profile includes the service (a counter serving several services counts for each of them, which
is why "could close" is advice to weigh, not an order).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from deskapp.core.context import Context
from deskapp.core.queue import estimate
from deskapp.core.queue.floor import ServiceStatus, queue_status
from deskapp.core.queue.waits import service_minutes
from deskapp.db.models import Service, Ticket

TARGET_LEVEL = 0.8
WINDOW_MINUTES = 60


@dataclass(frozen=True)
class Advice:
    service: str
    arrivals_last_hour: int
    service_minutes: float
    target_wait_minutes: int
    needed: int | None  # None: more than estimate.counters_needed searches
    open_counters: int
    text: str


def advice_text(service: str, needed: int | None, open_counters: int) -> str:
    if needed is None:
        return f"{service}: far more counters needed than the branch has"
    if needed > open_counters:
        more = needed - open_counters
        return f"{service}: open {more} more counter{'s' if more != 1 else ''}"
    if needed < open_counters:
        return f"{service}: could close {open_counters - needed}"
    return f"{service}: enough"


def advise(arrivals: int, minutes: float, target: float, open_counters: int, service: str) -> tuple[int | None, str]:
    try:
        needed: int | None = estimate.counters_needed(arrivals, minutes, target, TARGET_LEVEL)
    except estimate.EstimateInvalid:
        needed = None
    return needed, advice_text(service, needed, open_counters)


def recent_arrivals(ctx: Context, service_id: int, minutes: float = WINDOW_MINUTES) -> int:
    """Tickets issued in a service in the last `minutes` (today's rows only, by the day index)."""
    since = ctx.now() - dt.timedelta(minutes=minutes)
    return (Ticket.select()
            .where((Ticket.branch == ctx.branch_id) & (Ticket.day == ctx.today()) & (Ticket.service == service_id)
                   & (Ticket.issued_at >= since))
            .count())


def staffing_advice(ctx: Context, floor: Iterable[ServiceStatus] | None = None) -> list[Advice]:
    """One piece of advice per active service, in the configuration's order (`floor`: the services'
    status now, when the caller has just read it)."""
    open_now = {s.code: s.open_counters for s in (floor if floor is not None else queue_status(ctx).services)}
    result = []
    for s in Service.select().where((Service.branch == ctx.branch_id) & Service.active).order_by(Service.id):
        arrivals = recent_arrivals(ctx, s.id, WINDOW_MINUTES)
        minutes = service_minutes(ctx, s)
        opened = open_now.get(s.code, 0)
        needed, text = advise(arrivals, minutes, s.target_wait_minutes, opened, s.code)
        result.append(Advice(s.code, arrivals, minutes, s.target_wait_minutes, needed, opened, text))
    return result
