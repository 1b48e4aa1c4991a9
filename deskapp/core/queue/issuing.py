"""Issuing tickets: a number unique per service and branch day, also when several desks issue at once."""
from __future__ import annotations

import json
from dataclasses import dataclass

from deskapp import logs
from deskapp.core.context import Context
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
from deskapp.db.models import (
    Customer,
)


@dataclass(frozen=True)
class Issued:
    ticket: TicketInfo
    position: int
    estimated_wait_minutes: float | None


@acts_as("queue.issue")
def issue(ctx: Context, service_code: str, priority: str | None = None, *, customer_id: int | None = None,
          channel: str = "reception", staff: str | None = None, with_estimate: bool = True) -> Issued:
    """A new numbered ticket in a service, with its place in line and expected wait."""
    from deskapp.core.queue.waits import position_and_wait

    priority = priority or ctx.config.priority_classes[-1].code
    if priority not in {p.code for p in ctx.config.priority_classes}:
        names = ", ".join(p.code for p in ctx.config.priority_classes)
        raise NotFound(f"There is no priority class '{priority}'. Classes: {names}.")
    ensure_day(ctx)

    service = _service(ctx, service_code)
    if customer_id is not None and not Customer.select().where(Customer.id == customer_id).exists():
        raise NotFound(f"There is no customer {customer_id}.")
    staff_id = _acting(staff, "queue.issue").id if staff else None

    def work() -> int:
        now, day = ctx.now(), ctx.today()
        seq, number = _next_number(ctx, service, day)
        ticket_id = statements.insert_ticket({
            "branch_id": ctx.branch_id, "service_id": service.id, "day": day, "seq": seq, "number": number,
            "priority": priority, "status": WAITING, "channel": channel, "customer_id": customer_id,
            "issued_at": now, "queued_at": now, "front": False, "recall_count": 0,
        })
        statements.insert_event(ticket_id, "issued", now, staff_id, None, json.dumps({"channel": channel}))
        logs.action(staff, "ticket_issued", ticket=number, channel=channel)
        statements.bump_marker(ctx.branch_id)
        return ticket_id

    ticket_id = transaction(work)
    position, wait = position_and_wait(ctx, ticket_id) if with_estimate else (0, None)
    return Issued(ticket=ticket_info(ticket_id), position=position, estimated_wait_minutes=wait)
