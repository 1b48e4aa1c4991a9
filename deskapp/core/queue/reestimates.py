"""A waiting ticket's expected wait shown again after its issue, kept when what is shown changes.

current_wait answers `deskapp queue ticket NUMBER`: the ticket's place and its expected wait now
(point and 10-90 % range, as waits.estimate_ticket works them out) and records it as a re-estimate
(wait_reestimate) when it differs by at least CHANGE_MINUTES from the last one kept for the ticket,
or from the promise made at issue when none was kept: asking every few seconds adds no rows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from deskapp.core.context import Context
from deskapp.core.queue.tickets import WAITING, NotFound, find_today
from deskapp.core.queue.waits import WaitEstimate, estimate_ticket, wait_range
from deskapp.db.database import transaction
from deskapp.db.models import Service, Ticket, WaitReestimate
from deskapp.i18n import _

CHANGE_MINUTES = 1.0
"""A re-estimate is kept when its point or either end of its range moved this much since the last."""


@dataclass(frozen=True)
class TicketWait:
    number: str
    service: str
    status: str
    position: int  # 0: not waiting
    minutes: int | None  # as shown: whole minutes, rounded up, at least 1
    range: tuple[int, int] | None  # as shown: whole minutes
    kept: bool  # stored as a re-estimate now

    def as_dict(self) -> dict[str, object]:
        return {"number": self.number, "service": self.service, "status": self.status, "position": self.position,
                "estimated_wait_minutes": self.minutes,
                "estimated_wait_range": None if self.range is None else list(self.range)}


def current_wait(ctx: Context, number: str, *, shown_in: str = "queue ticket") -> TicketWait:  # i18n: not words
    """Today's ticket by its number: where it stands and its expected wait now (kept when it changed)."""
    ticket = find_today(ctx, number)
    if ticket.day != ctx.today() or ticket.branch_id != ctx.branch_id:
        raise NotFound(_("There is no ticket {ticket} today.").format(ticket=number))
    code = Service.get_by_id(ticket.service_id).code
    if ticket.status != WAITING:
        return TicketWait(ticket.number, code, ticket.status, 0, None, None, False)
    found = estimate_ticket(ctx, ticket.id)
    kept = keep(ctx, ticket, found, shown_in)
    shown = None if found.minutes is None else max(1, math.ceil(found.minutes - 1e-9))
    return TicketWait(ticket.number, code, ticket.status, found.position, shown,
                      wait_range(found.minutes, found.range), kept)


def keep(ctx: Context, ticket: Ticket, found: WaitEstimate, shown_in: str) -> bool:
    """Store the estimate shown for a waiting ticket if it moved CHANGE_MINUTES since the last one kept."""
    if found.minutes is None:
        return False
    low, high = found.range if found.range is not None else (None, None)

    def work() -> bool:
        last = (WaitReestimate.select(WaitReestimate.point, WaitReestimate.low, WaitReestimate.high)
                .where(WaitReestimate.ticket == ticket.id).order_by(WaitReestimate.at.desc(), WaitReestimate.id.desc())
                .tuples().first())
        if last is None and ticket.estimated_wait_minutes is not None:
            last = (ticket.estimated_wait_minutes, ticket.estimated_wait_low, ticket.estimated_wait_high)
        if last is not None and not _moved(last, (found.minutes, low, high)):
            return False
        WaitReestimate.create(ticket=ticket.id, at=ctx.now(), point=found.minutes, low=low, high=high,
                              shown_in=shown_in[:16])
        return True

    return transaction(work)


def _moved(before: tuple, now: tuple) -> bool:
    for a, b in zip(before, now):
        if (a is None) != (b is None) or (a is not None and abs(a - b) >= CHANGE_MINUTES):
            return True
    return False
