"""Calling a chosen waiting ticket (from the desk's waiting list), in or out of the calling order.

A chosen ticket is claimed the way call-next claims one: one short locked transaction (the counter's
lock, then the ticket only while it is still waiting; on PostgreSQL FOR UPDATE SKIP LOCKED), so when
two desks choose the same ticket at once one of them gets it and the other is told. When the ticket
is not the one call-next would take now, the call is out of order: a reason is required, and its
`called` event carries `{"out_of_order": true, "reason": ..., "next": the number that was next}`,
which the ticket's history shows and deskapp.core.stats.out_of_order counts.
"""
from __future__ import annotations

import json

from deskapp import logs
from deskapp.core.context import Context
from deskapp.core.notify import outbox
from deskapp.core.queue.calling import _desk, callable_candidates
from deskapp.core.queue.counters import _take_counter
from deskapp.core.queue.day import ensure_day
from deskapp.core.queue.tickets import WAITING, NotFound, QueueError, TicketInfo, _describe, find_today, ticket_info
from deskapp.core.security.permissions import acts_as, require
from deskapp.db import statements
from deskapp.db.database import transaction
from deskapp.db.models import Counter, Ticket
from deskapp.errors import BadInput
from deskapp.i18n import _

REASON_MAX = 200


def _next_in_order(ctx: Context, services: list[int], counter_id: int, staff_id: int) -> int | None:
    """The id of the ticket call-next would take now at this counter serving `services`."""
    order = callable_candidates(ctx, services, counter_id, staff_id, ctx.now(), limit=1).order
    return order[0].id if order else None


@acts_as("queue.serve")
def call_ticket(ctx: Context, counter_code: str, number: str | int, reason: str | None = None, *,
                by: str) -> TicketInfo:
    """Call the waiting ticket `number` (as printed, or its id) to the counter, before its turn if need be.

    Out of its turn, `reason` is required (BadInput without it) and noted in the ticket's history.
    Opens the counter for `by` when it was not theirs and open, as call-next does."""
    counter, staff, services, _holds = _desk(ctx, counter_code, by)
    require(staff, "queue.serve")
    if getattr(ctx, "_day_checked", None) != ctx.today():
        ensure_day(ctx)
        counter, staff, services, _holds = _desk(ctx, counter_code, by)
    reason = " ".join((reason or "").split())
    if len(reason) > REASON_MAX:
        raise BadInput(_("The reason is {n} characters long; say it in at most {limit}.").format(n=len(reason), limit=REASON_MAX))
    ticket = find_today(ctx, number)
    if ticket.branch_id != ctx.branch_id:
        raise NotFound(_("There is no ticket {ticket} today.").format(ticket=number))
    if ticket.status != WAITING:
        raise QueueError(_("{ticket}; only a waiting ticket can be called.").format(ticket=_describe(ticket, ctx)))
    if ticket.service_id not in services:
        raise QueueError(_("{number} waits for {service}, which {counter} does not serve.").format(number=ticket.number, service=ticket.service.name, counter=ctx.config.counter_name(counter.code, counter.name)))
    next_id = _next_in_order(ctx, services, counter.id, staff.id)
    out_of_order = next_id is not None and next_id != ticket.id
    detail: dict = {"chosen": True}
    if out_of_order:
        if not reason:
            raise BadInput(_("{number} is not next in line: say why it is called before its turn.").format(number=ticket.number))
        next_number = Ticket.select(Ticket.number).where(Ticket.id == next_id).scalar()
        detail.update(out_of_order=True, reason=reason, next=next_number)
    elif reason:
        detail["reason"] = reason

    def work() -> int:
        now = ctx.now()
        opened = statements.lock_counter(counter.id) != ("open", staff.id)
        held = statements.held_ticket(counter.id)
        if held is not None:
            raise QueueError(_("{counter} already holds {held}; complete, requeue or mark it a no-show first.").format(counter=ctx.config.counter_name(counter.code, counter.name), held=held[1]))
        if opened:
            _take_counter(ctx, Counter.get_by_id(counter.id), staff, now)
        if not statements.claim(ticket.id, counter.id, staff.id, now):
            raise QueueError(_("{number} is no longer waiting: another desk called it first.").format(number=ticket.number))
        statements.insert_event(ticket.id, "called", now, staff.id, counter.id, json.dumps(detail, sort_keys=True))
        outbox.on_call(ctx, ticket.id, counter.name, now=now)
        statements.bump_marker(ctx.branch_id)
        return ticket.id

    called = ticket_info(transaction(work))
    logs.action(staff.login, "ticket_called_out_of_order" if out_of_order else "ticket_called",
                ticket=called.number, counter=counter.code)
    return called
