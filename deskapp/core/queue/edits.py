"""A supervisor's edits of waiting tickets: cancel one, move one to the front or to another service."""
from __future__ import annotations

import json

from deskapp.core import changes
from deskapp.core.context import Context
from deskapp.core.queue.tickets import (
    CANCELLED,
    WAITING,
    QueueError,
    TicketInfo,
    _acting,
    _describe,
    _event,
    _next_number,
    _service,
    find_today,
    ticket_info,
)
from deskapp.core.security import audit
from deskapp.core.security.permissions import acts_as, require
from deskapp.db.database import transaction
from deskapp.db.models import (
    Ticket,
)
from deskapp.i18n import _


@acts_as("queue.cancel_waiting")
def cancel_waiting(ctx: Context, number_or_id: str | int, *, by: str | None = None) -> TicketInfo:
    """A waiting customer walked away (reception or supervisor)."""

    def work() -> int:
        staff = _acting(by, "queue.cancel_waiting") if by else require(None, "queue.cancel_waiting")
        t = find_today(ctx, number_or_id)
        if t.status != WAITING:
            raise QueueError(_("{ticket}; only a waiting ticket can be cancelled here.").format(ticket=_describe(t, ctx)))
        now = ctx.now()
        if not Ticket.update(status=CANCELLED, ended_at=now).where(
            (Ticket.id == t.id) & (Ticket.status == WAITING)
        ).execute():
            # A desk called it between our read and this write (PostgreSQL, READ COMMITTED).
            raise QueueError(_("{ticket}; only a waiting ticket can be cancelled here.").format(
                ticket=_describe(find_today(ctx, t.id), ctx)))
        _event(t, "cancelled", now, staff.id if staff else None)
        changes.bump(ctx.branch_id)
        return t.id

    return ticket_info(transaction(work))


@acts_as("queue.move")
def move_waiting(ctx: Context, number_or_id: str | int, *, to_service: str | None = None, front: bool = False,
                 by: str) -> TicketInfo:
    """A supervisor moves a waiting ticket to another service and/or the front of its line."""

    def work() -> int:
        staff = _acting(by, "queue.move")
        t = find_today(ctx, number_or_id)
        if t.status != WAITING:
            raise QueueError(_("{ticket}; only a waiting ticket can be moved.").format(ticket=_describe(t, ctx)))
        now = ctx.now()
        values: dict = {"front": front} if front else {}
        detail: dict = {"front": front}
        if to_service:
            target = _service(ctx, to_service)
            if target.id != t.service_id:
                # A number belongs to its service and day (unique index): the ticket gets the
                # target's next number, as after a transfer; keeping A014 among C tickets would
                # collide with C014. The number it leaves stays taken (_next_number never goes
                # back), and the one on the customer's paper is kept to show "was A014".
                seq, number = _next_number(ctx, target, t.day)
                values.update(service=target, seq=seq, number=number, former_number=t.former_number or t.number)
                detail.update(to=target.code, number=number, previous=t.number)
        if t.for_counter_id is not None or t.for_staff_id is not None:
            # Handed to a counter or colleague by name (queue.handover): moved, it is its service's again.
            values.update(for_counter_id=None, for_staff_id=None)
            detail.update(released=True)
        if not values:
            raise QueueError(_("{number} is already there; choose another service or the front of its line.").format(number=t.number))
        if not Ticket.update(**values).where((Ticket.id == t.id) & (Ticket.status == WAITING)).execute():
            raise QueueError(_("{ticket}; only a waiting ticket can be moved.").format(
                ticket=_describe(find_today(ctx, t.id), ctx)))
        _event(t, "moved", now, staff.id, **detail)
        audit.record(now, by, "ticket_moved", "ticket", t.number, json.dumps(detail, sort_keys=True))
        changes.bump(ctx.branch_id)
        return t.id

    return ticket_info(transaction(work))
