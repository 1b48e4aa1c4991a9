"""Calling and serving: the calling order, the atomic call-next claim, and every change to a held ticket."""
from __future__ import annotations

import datetime as dt

from deskapp import logs
from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.core.customers.records import record_service
from deskapp.core.notify import outbox
from deskapp.core.queue.booked import arrange
from deskapp.core.queue.counters import _take_counter
from deskapp.core.queue.day import ensure_day
from deskapp.core.queue.ordering import PriorityRule, Waiting, next_ticket
from deskapp.core.queue.tickets import (
    CALLED,
    CANCELLED,
    DONE,
    NO_SHOW,
    SERVING,
    TRANSFERRED,
    WAITING,
    NotFound,
    QueueError,
    TicketInfo,
    _acting,
    _counter,
    _describe,
    _event,
    _held,
    _next_number,
    _service,
    ticket_info,
)
from deskapp.core.security import audit
from deskapp.core.security.permissions import acts_as, require
from deskapp.db import statements
from deskapp.db.database import transaction
from deskapp.db.models import (
    Counter,
    CounterService,
    Staff,
    Ticket,
)


def waiting_for(ctx: Context, service_ids: list[int]) -> list[Waiting]:
    rows = (
        Ticket.select(Ticket.id, Ticket.service, Ticket.priority, Ticket.issued_at, Ticket.queued_at, Ticket.front)
        .where((Ticket.branch == ctx.branch_id) & (Ticket.status == WAITING) & Ticket.service.in_(service_ids))
        .order_by(Ticket.id).tuples()  # one order on every database (the estimator's simulation is seeded)
    )
    return [Waiting(id=r[0], service=r[1], priority=r[2], issued_at=r[3], queued_at=r[4], front=bool(r[5])) for r in rows]


def recent_classes(ctx: Context, service_id: int, limit: int) -> list[str]:
    """Priority classes of the service's latest calls today, newest first."""
    start, end = day_bounds(ctx.today(), ctx.timezone)
    return [
        r[0]
        for r in Ticket.select(Ticket.priority)
        .where((Ticket.service == service_id) & (Ticket.called_at >= start) & (Ticket.called_at < end))
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(limit)
        .tuples()
    ]


def priority_rules(ctx: Context) -> list[PriorityRule]:
    return [PriorityRule(p.code, p.weight) for p in ctx.config.priority_classes]


def profile(counter_id: int) -> list[int]:
    return [
        r[0]
        for r in CounterService.select(CounterService.service)
        .where(CounterService.counter == counter_id)
        .order_by(CounterService.position)
        .tuples()
    ]


CANDIDATES = 8  # tickets tried in calling order before deciding again from a fresh read


def calling_order(waiting: list[Waiting], services: list[int], rules: list[PriorityRule],
                  recent: dict[int, list[str]], now: dt.datetime, max_wait: dt.timedelta,
                  limit: int = CANDIDATES) -> list[Waiting]:
    """The next `limit` tickets this counter would call, each pick counted in the recent calls."""
    remaining = list(waiting)
    history = {service: list(classes) for service, classes in recent.items()}
    order: list[Waiting] = []
    while remaining and len(order) < limit:
        pick = next_ticket(remaining, services, rules, history, now, max_wait)
        if pick is None:
            break
        order.append(pick)
        remaining.remove(pick)
        history.setdefault(pick.service, []).insert(0, pick.priority)
    return order


@acts_as("queue.serve")
def call_next(ctx: Context, counter_code: str, staff_login: str) -> TicketInfo | None:
    """Claim the next ticket for a counter, or None when nothing it serves is waiting.

    Decide, then claim: the calling order is worked out from ordinary reads, then one short
    locked transaction claims the first candidate still waiting (guarded UPDATE; on PostgreSQL
    FOR UPDATE SKIP LOCKED). Only when every candidate was taken by other desks meanwhile is the
    decision made again, from a fresh read.
    """
    staff = _acting(staff_login, "queue.serve")
    ensure_day(ctx)
    rules = priority_rules(ctx)
    window = sum(r.weight for r in rules)
    max_wait = dt.timedelta(minutes=ctx.config.queue.max_wait_minutes)
    counter = _counter(ctx, counter_code)
    services = profile(counter.id)
    taken = object()

    for _attempt in range(20):
        now = ctx.now()
        waiting = [Waiting(*row) for row in
                   statements.waiting_candidates(ctx.branch_id, services, CANDIDATES, now - max_wait)]
        waiting = arrange(ctx, waiting, services, staff.id, now)  # checked-in bookings: due, for this staff
        recent = {s: recent_classes(ctx, s, window) for s in {w.service for w in waiting}}
        candidates = calling_order(waiting, services, rules, recent, now, max_wait)

        def work():
            held = statements.held_ticket(counter.id, lock=True)
            if held is not None:
                raise QueueError(f"{counter.name} already holds {held[1]}; complete, requeue or mark it a no-show first.")
            # The counter as it is now, not as read before the decision: a colleague may have sat
            # down at it meanwhile, and a claim for a counter someone else holds open mismatches
            # the ticket's staff and the counter's.
            opened = tuple(statements.execute("SELECT state, staff_id FROM counter WHERE id = ?",
                                              (counter.id,)).fetchone()) != ("open", staff.id)
            if opened:
                _take_counter(ctx, Counter.get_by_id(counter.id), staff, now)  # noqa: B023  work() runs at once, inside this iteration
                counter.state, counter.staff_id = "open", staff.id
            for candidate in candidates:  # noqa: B023  work() runs at once, inside this iteration
                if statements.claim(candidate.id, counter.id, staff.id, now):  # noqa: B023  work() runs at once, inside this iteration
                    statements.insert_event(candidate.id, "called", now, staff.id, counter.id)  # noqa: B023  work() runs at once, inside this iteration
                    outbox.on_call(ctx, candidate.id, counter.name, now=now)  # noqa: B023  work() runs at once, inside this iteration
                    statements.bump_marker(ctx.branch_id)
                    return candidate.id
            if opened:
                statements.bump_marker(ctx.branch_id)
            return taken if candidates else None  # noqa: B023  work() runs at once, inside this iteration

        claimed = transaction(work)
        if claimed is None:
            return None
        if claimed is not taken:
            called = ticket_info(claimed)
            logs.action(staff.login, "ticket_called", ticket=called.number, counter=counter.code)
            return called
    raise QueueError("Other desks kept taking the next tickets first; press call next again.")


def acting_at(ctx: Context, counter_code: str, by: str | None) -> Staff | None:
    """Who acts on the ticket a counter holds: None for an unnamed action (a script without --staff),
    else the active staff member `by`, who may serve (queue.serve) and holds the counter, or may act
    at another person's counter (queue.counter_others). Checked before anything changes."""
    if not by:
        return None
    staff = _acting(by, "queue.serve")
    _check_holder(_counter(ctx, counter_code), staff)
    return staff


def _check_holder(counter: Counter, staff: Staff | None) -> None:
    if staff is not None and counter.staff_id != staff.id:
        require(staff, "queue.counter_others", doing="act on the ticket of another person's counter")


def _act(ctx: Context, counter_code: str, allowed: tuple[str, ...], change, kind: str, by: str | None,
         channel: str | None) -> TicketInfo:
    """Apply `change(ticket, counter, now, staff_id, detail)` to the ticket the counter holds, if its state
    allows and `by` may (see _at_counter). The events name `by`, or nobody when nobody was named: never
    the counter's holder for them. A change from the command line (`channel`) or at another person's
    counter is audited under `by` (or no login)."""

    staff = acting_at(ctx, counter_code, by)
    counter = _counter(ctx, counter_code)

    def work() -> int:
        held = statements.held_ticket(counter.id, lock=True)  # locks the counter on PostgreSQL
        now_counter = Counter.get_by_id(counter.id)
        _check_holder(now_counter, staff)  # the counter as it is now: it may have changed hands meanwhile
        ticket = _held(now_counter, lock=True) if held is not None else None
        if ticket is None:
            raise QueueError(f"{counter.name} holds no ticket; call the next one first.")
        if ticket.status not in allowed:
            raise QueueError(_describe(ticket) + ".")
        now = ctx.now()
        detail = {"channel": channel} if channel else {}
        result = change(ticket, now_counter, now, staff.id if staff else None, detail)
        others = staff is not None and now_counter.staff_id != staff.id
        if channel or others:
            holder = now_counter.staff.login if now_counter.staff_id else "-"
            audit.record(now, staff.login if staff else None, f"ticket_{kind}", "ticket", ticket.number,
                         f"counter={counter.code} holder={holder} channel={channel or 'desk'}"
                         + ("" if staff else " unnamed"))
        statements.bump_marker(ctx.branch_id)
        return result or ticket.id

    return ticket_info(transaction(work))


@acts_as("queue.serve", "queue.counter_others")
def recall(ctx: Context, counter_code: str, *, by: str | None = None, channel: str | None = None) -> TicketInfo:
    """Call the held ticket again (counted)."""
    limit = ctx.config.queue.recall_limit

    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> None:
        if t.recall_count >= limit:
            raise QueueError(f"{t.number} has been recalled {t.recall_count} times; start it or mark it a no-show.")
        Ticket.update(recall_count=Ticket.recall_count + 1).where(Ticket.id == t.id).execute()
        _event(t, "recalled", now, staff_id, counter.id, count=t.recall_count + 1, **detail)

    return _act(ctx, counter_code, (CALLED,), change, "recalled", by, channel)


@acts_as("queue.serve", "queue.counter_others")
def start(ctx: Context, counter_code: str, *, by: str | None = None, channel: str | None = None) -> TicketInfo:
    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> None:
        Ticket.update(status=SERVING, started_at=now).where(Ticket.id == t.id).execute()
        _event(t, "started", now, staff_id, counter.id, **detail)

    return _act(ctx, counter_code, (CALLED,), change, "started", by, channel)


@acts_as("queue.serve", "queue.counter_others")
def complete(ctx: Context, counter_code: str, *, by: str | None = None, channel: str | None = None) -> TicketInfo:
    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> None:
        Ticket.update(status=DONE, ended_at=now).where(Ticket.id == t.id).execute()
        _event(t, "completed", now, staff_id, counter.id, **detail)
        record_service(t.id)

    return _act(ctx, counter_code, (SERVING,), change, "completed", by, channel)


@acts_as("queue.serve", "queue.counter_others")
def no_show(ctx: Context, counter_code: str, *, by: str | None = None, channel: str | None = None) -> TicketInfo:
    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> None:
        Ticket.update(status=NO_SHOW, ended_at=now).where(Ticket.id == t.id).execute()
        _event(t, "no_show", now, staff_id, counter.id, **detail)

    return _act(ctx, counter_code, (CALLED,), change, "no_show", by, channel)


@acts_as("queue.serve", "queue.counter_others")
def requeue(ctx: Context, counter_code: str, *, front: bool = False, by: str | None = None,
            channel: str | None = None) -> TicketInfo:
    """Put the called ticket back in line: at the front of its service, or at the back."""

    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> None:
        Ticket.update(status=WAITING, counter=None, staff=None, front=front, queued_at=now).where(
            Ticket.id == t.id
        ).execute()
        _event(t, "requeued", now, staff_id, counter.id, front=front, **detail)

    return _act(ctx, counter_code, (CALLED,), change, "requeued", by, channel)


@acts_as("queue.serve", "queue.counter_others")
def cancel(ctx: Context, counter_code: str, *, by: str | None = None, channel: str | None = None) -> TicketInfo:
    """The called customer walked away."""

    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> None:
        Ticket.update(status=CANCELLED, ended_at=now).where(Ticket.id == t.id).execute()
        _event(t, "cancelled", now, staff_id, counter.id, **detail)

    return _act(ctx, counter_code, (CALLED,), change, "cancelled", by, channel)


def _walk_in_class(ctx: Context, priority: str) -> str:
    """The class a transferred ticket keeps: its own, but a booked ticket's becomes an ordinary one
    (its booking was for the service it leaves)."""
    return ctx.config.priority_classes[-1].code if priority == ctx.config.appointments.priority_class else priority


@acts_as("queue.serve", "queue.counter_others")
def transfer(ctx: Context, counter_code: str, to_service: str, priority: str | None = None, *,
             by: str | None = None, channel: str | None = None) -> TicketInfo:
    """End service here and put the customer in line for another service; returns the new ticket."""
    if priority is not None and priority not in {p.code for p in ctx.config.priority_classes}:
        names = ", ".join(p.code for p in ctx.config.priority_classes)
        raise NotFound(f"There is no priority class '{priority}'. Classes: {names}.")

    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> int:
        target = _service(ctx, to_service)
        if target.id == t.service_id:
            raise QueueError(f"{t.number} is already in {target.name}.")
        Ticket.update(status=TRANSFERRED, ended_at=now).where(Ticket.id == t.id).execute()
        seq, number = _next_number(ctx, target, t.day)
        new = Ticket.create(
            branch=ctx.branch_id, service=target, day=t.day, seq=seq, number=number,
            priority=priority or _walk_in_class(ctx, t.priority), status=WAITING, channel="transfer",
            customer=t.customer_id,
            issued_at=now, queued_at=now, parent=t,
        )
        _event(t, "transferred", now, staff_id, counter.id, to=target.code, new=new.number, **detail)
        record_service(t.id)
        _event(new, "issued", now, staff_id, counter.id, channel="transfer", parent=t.number)
        return new.id

    return _act(ctx, counter_code, (SERVING,), change, "transferred", by, channel)
