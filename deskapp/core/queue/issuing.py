"""Issuing tickets: a number unique per service and branch day, also when several desks issue at once."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deskapp import logs
from deskapp.core.context import Context
from deskapp.core.notify import outbox
from deskapp.core.notify.contacts import Contact
from deskapp.core.queue.day import ensure_day
from deskapp.core.queue.tickets import (
    WAITING,
    NotFound,
    TicketInfo,
    _acting,
    _next_number,
    _service,
    ticket_info,
)
from deskapp.core.security.permissions import acts_as
from deskapp.db import statements
from deskapp.db.database import transaction
from deskapp.db.models import Customer
from deskapp.i18n import _

if TYPE_CHECKING:
    from deskapp.core.queue.waits import HistorySource


@dataclass(frozen=True)
class Issued:
    ticket: TicketInfo
    position: int
    estimated_wait_minutes: float | None
    estimated_wait_range: tuple[float, float] | None = None  # 10th and 90th percentile


def segment_priority(ctx: Context, chosen: str, segment: str | None) -> str:
    """The more urgent of the class chosen and the one customers.segment_priority gives the segment
    (classes are listed most urgent first); the segment itself goes no further than this choice."""
    mapped = ctx.config.customers.segment_priority.get(segment or "")
    if mapped is None:
        return chosen
    order = [p.code for p in ctx.config.priority_classes]
    return min((chosen, mapped), key=lambda code: order.index(code) if code in order else len(order))


@acts_as("queue.issue")
def issue(ctx: Context, service_code: str, priority: str | None = None, *, customer_id: int | None = None,
          channel: str = "reception", staff: str | None = None, with_estimate: bool = True,
          contact: Contact | None = None, language: str | None = None,
          history: HistorySource | None = None) -> Issued:
    """A new numbered ticket in a service, with its place in line and expected wait.

    `language`: the customer's, when they chose one at the kiosk (their survey and messages speak it).
    `history`: where the estimate's history figures come from (waits.estimate_ticket; None: read now, as
    the app always does; the demo passes its cache, demo.promises.RecentHistory).

    `contact` (deskapp.core.notify.parse_contact): where the customer asked to be told when their
    turn comes; kept with the ticket and its "ticket issued" message written in the same transaction."""
    from deskapp.core.queue.waits import estimate_ticket

    priority = priority or ctx.config.priority_classes[-1].code
    if priority not in {p.code for p in ctx.config.priority_classes}:
        names = ", ".join(p.code for p in ctx.config.priority_classes)
        raise NotFound(_("There is no priority class '{priority}'. Classes: {names}.").format(priority=priority,
                                                                                              names=names))
    ensure_day(ctx)

    service = _service(ctx, service_code)
    if customer_id is not None:
        segment = Customer.select(Customer.segment).where(Customer.id == customer_id).tuples().first()
        if segment is None:
            raise NotFound(_("There is no customer {id}.").format(id=customer_id))
        priority = segment_priority(ctx, priority, segment[0])
    staff_id = _acting(staff, "queue.issue").id if staff else None

    written: list = []

    def work() -> int:
        now, day = ctx.now(), ctx.today()
        seq, number = _next_number(ctx, service, day)
        ticket_id = statements.insert_ticket({
            "branch_id": ctx.branch_id, "service_id": service.id, "day": day, "seq": seq, "number": number,
            "priority": priority, "status": WAITING, "channel": channel, "customer_id": customer_id,
            "issued_at": now, "queued_at": now, "front": False, "recall_count": 0, "language": language,
            "has_contact": outbox.keeps_contact(ctx, contact),
        })
        statements.insert_event(ticket_id, "issued", now, staff_id, None, json.dumps({"channel": channel}))
        written[:] = outbox.on_issue(ctx, ticket_id, contact, now=now, number=number, service_id=service.id,
                                     service_name=service.name, hold=with_estimate, language=language)
        logs.action(staff, "ticket_issued", ticket=number, channel=channel)
        statements.bump_marker(ctx.branch_id)
        return ticket_id

    ticket_id = transaction(work)
    if not with_estimate:
        return Issued(ticket=ticket_info(ticket_id), position=0, estimated_wait_minutes=None)
    promise = estimate_ticket(ctx, ticket_id, history=history)

    def keep_promise() -> None:
        if promise.minutes is not None and promise.range is not None:
            # The promise is kept with the ticket (deskapp.core.stats.accuracy compares it with the wait).
            statements.set_promise(ticket_id, promise.minutes, *promise.range)
        if written:  # the "ticket issued" messages get the wait as shown (whole minutes, rounded up)
            minutes = None if promise.minutes is None else max(1, math.ceil(promise.minutes - 1e-9))
            outbox.after_estimate(ctx, ticket_id, written, promise.position, minutes, ctx.now())

    if written:
        transaction(keep_promise)
    else:
        keep_promise()
    return Issued(ticket=ticket_info(ticket_id), position=promise.position, estimated_wait_minutes=promise.minutes,
                  estimated_wait_range=promise.range)
