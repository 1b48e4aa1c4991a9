"""The ticket life cycle: issue, call, recall, start, complete, requeue, no-show, cancel, transfer.

Every change is one transaction that checks the ticket's state, writes the new state, appends a
TicketEvent and bumps the change marker; an illegal change raises QueueError with words a teller
understands. Call-next is one atomic claim across processes: SQLite runs every transaction as
BEGIN IMMEDIATE; PostgreSQL locks the counter row and claims the ticket FOR UPDATE SKIP LOCKED.

Allowed changes (DESIGN.md): waiting -> called -> serving -> done; called -> waiting (requeue);
called -> no_show; waiting or called -> cancelled; serving -> transferred (a new linked ticket
waits in the target service); any open ticket -> removed_by_reset at the end of the day.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from peewee import JOIN, fn

from deskapp.core import changes, counter_events
from deskapp.core.auth import SCREENS, require_supervisor
from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.core.customer_records import record_service
from deskapp.core.ordering import PriorityRule, Waiting, next_ticket
from deskapp.db import statements
from deskapp.db.database import is_postgres, transaction
from deskapp.db.models import Branch, Counter, CounterService, Customer, Service, Staff, Ticket, TicketEvent

WAITING, CALLED, SERVING, DONE = "waiting", "called", "serving", "done"
NO_SHOW, CANCELLED, TRANSFERRED, REMOVED = "no_show", "cancelled", "transferred", "removed_by_reset"
OPEN_STATES = (WAITING, CALLED, SERVING)
HELD_STATES = (CALLED, SERVING)
COUNTER_STATES = ("open", "paused", "closed")


class QueueError(Exception):
    """A queue action that cannot be done now, said the way a teller would say it."""


class NotFound(QueueError):
    """A service, counter, staff member or ticket that does not exist (bad input)."""


@dataclass(frozen=True)
class TicketInfo:
    id: int
    number: str
    service: str
    service_name: str
    priority: str
    status: str
    counter: str | None
    customer_id: int | None
    customer_name: str | None
    issued_at: dt.datetime
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    recall_count: int
    parent_number: str | None


_PARENT = Ticket.alias("parent")
_INFO_COLUMNS = (
    Ticket.id, Ticket.number, Service.code, Service.name, Ticket.priority, Ticket.status, Counter.code,
    Ticket.customer, Customer.name, Ticket.issued_at, Ticket.called_at, Ticket.started_at, Ticket.ended_at,
    Ticket.recall_count, _PARENT.number,
)


def _info_query(condition):
    return (
        Ticket.select(*_INFO_COLUMNS)
        .join(Service)
        .switch(Ticket).join(Counter, JOIN.LEFT_OUTER)
        .switch(Ticket).join(Customer, JOIN.LEFT_OUTER)
        .switch(Ticket).join(_PARENT, JOIN.LEFT_OUTER, on=(Ticket.parent == _PARENT.id))
        .where(condition)
        .order_by(Ticket.id)
        .tuples()
    )


def ticket_infos(condition) -> list[TicketInfo]:
    """Snapshots of the tickets matching `condition`, names included, in one narrow query."""
    return [TicketInfo(*row) for row in _info_query(condition)]


_ONE_TICKET = statements.Prepared(lambda ticket_id: _info_query(Ticket.id == ticket_id), 1)


def ticket_info(ticket_id: int) -> TicketInfo:
    found = [TicketInfo(*row) for row in _ONE_TICKET.rows(ticket_id)]
    if not found:
        raise NotFound(f"There is no ticket {ticket_id}.")
    return found[0]


def _event(ticket: Ticket | int, kind: str, now: dt.datetime, staff_id=None, counter_id=None, **detail) -> None:
    ticket_id = ticket if isinstance(ticket, int) else ticket.id
    statements.insert_event(ticket_id, kind, now, staff_id, counter_id,
                            json.dumps(detail, sort_keys=True) if detail else "")


def _service(ctx: Context, code: str) -> Service:
    service = Service.get_or_none((Service.branch == ctx.branch_id) & (Service.code == code) & Service.active)
    if service is None:
        codes = ", ".join(s.code for s in ctx.config.services)
        raise NotFound(f"There is no service '{code}'. Services: {codes}.")
    return service


def _counter(ctx: Context, code: str, *, lock: bool = False) -> Counter:
    query = Counter.select().where((Counter.branch == ctx.branch_id) & (Counter.code == code) & Counter.active)
    if lock and is_postgres():
        query = query.for_update()
    counter = query.first()
    if counter is None:
        raise NotFound(f"There is no counter '{code}'.")
    return counter


def _staff(login: str) -> Staff:
    staff = Staff.get_or_none((Staff.login == login) & Staff.active)
    if staff is None:
        raise NotFound(f"There is no active staff member '{login}'.")
    return staff


def _supervisor(login: str, action: str) -> Staff:
    """An unknown login is bad input (NotFound); a known one that is not a supervisor is Forbidden."""
    _staff(login)
    return require_supervisor(login, action)


def _desk_staff(login: str) -> Staff:
    """Only roles that work a desk may open a counter or call tickets (checked here, not in screens)."""
    staff = _staff(login)
    if "desk" not in SCREENS.get(staff.role, ()):
        raise QueueError(f"{staff.name} ({staff.role}) does not serve at a counter.")
    return staff


def _held(counter: Counter, *, lock: bool = False) -> Ticket | None:
    query = Ticket.select().where((Ticket.counter == counter) & Ticket.status.in_(HELD_STATES))
    if lock and is_postgres():
        # The end-of-day reset may be removing it right now: wait for it, then see it gone.
        query = query.for_update()
    return query.first()


def _describe(t: Ticket) -> str:
    where = f" at {t.counter.name}" if t.counter_id else ""
    return {
        WAITING: f"{t.number} is waiting",
        CALLED: f"{t.number} has been called{where}",
        SERVING: f"{t.number} is already being served{where}",
        DONE: f"{t.number} has already been served",
        NO_SHOW: f"{t.number} was marked as a no-show",
        CANCELLED: f"{t.number} was cancelled",
        TRANSFERRED: f"{t.number} was transferred",
        REMOVED: f"{t.number} was removed at the end of its day",
    }.get(t.status, f"{t.number} is {t.status}")


def ensure_day(ctx: Context) -> int:
    """At the first use on a new branch-local day, close the previous days. Returns tickets removed."""
    today = ctx.today()
    if getattr(ctx, "_day_checked", None) == today:
        return 0

    def work() -> int:
        branch = _lock_branch(ctx)
        removed = 0
        if branch.current_day != today:
            removed = _close_days_before(ctx, today, "new branch day")
            Branch.update(current_day=today).where(Branch.id == branch.id).execute()
            changes.bump(ctx.branch_id)
        return removed

    removed = transaction(work)
    ctx._day_checked = today  # type: ignore[attr-defined]
    return removed


def close_day(ctx: Context) -> int:
    """End of day by hand (`deskapp queue close-day`): every open ticket is removed, counters close."""

    def work() -> int:
        _lock_branch(ctx)
        removed = _close_days_before(ctx, ctx.today() + dt.timedelta(days=1), "close-day")
        changes.bump(ctx.branch_id)
        return removed

    return transaction(work)


def _lock_branch(ctx: Context) -> Branch:
    """The branch row, locked on PostgreSQL so that only one desk closes a day (SQLite's BEGIN
    IMMEDIATE already serialises writers); otherwise two desks starting the day at once would
    both remove the same tickets and write two "removed" events for each."""
    query = Branch.select().where(Branch.id == ctx.branch_id)
    if is_postgres():
        query = query.for_update()
    return query.get()


def _close_days_before(ctx: Context, day: dt.date, reason: str) -> int:
    now = ctx.now()
    query = Ticket.select().where(
        (Ticket.branch == ctx.branch_id) & (Ticket.day < day) & Ticket.status.in_(OPEN_STATES)
    )
    if is_postgres():
        # A desk may be completing one of them right now: wait, and leave it out if it closed.
        query = query.for_update()
    stale = list(query)
    _close_counters_before(ctx, day, now)
    for ticket in stale:
        _event(ticket, "removed", now, counter_id=ticket.counter_id, previous=ticket.status, reason=reason)
    if stale:
        Ticket.update(status=REMOVED, ended_at=now).where(Ticket.id.in_([t.id for t in stale])).execute()
    return len(stale)


def _close_counters_before(ctx: Context, day: dt.date, now: dt.datetime) -> None:
    """Close the counters opened before `day`: a teller who sat down this morning, before the day's
    first ticket started the branch day, keeps the counter. Each close is a counter event at the
    midnight that ended the counter's day (deskapp.core.counter_events), or now if that is sooner."""
    from deskapp.core.clock import local_day

    stale = Counter.select().where(
        (Counter.branch == ctx.branch_id) & (Counter.state != "closed")
        & (Counter.state_since.is_null() | (Counter.state_since < day_bounds(day, ctx.timezone)[0]))
    )
    for counter in stale:
        at = now
        if counter.state_since is not None:
            at = min(now, day_bounds(local_day(counter.state_since, ctx.timezone), ctx.timezone)[1])
        counter_events.record(counter.id, "closed", at, staff_id=counter.staff_id, by=None)
        Counter.update(state="closed", staff=None, state_since=now).where(Counter.id == counter.id).execute()


@dataclass(frozen=True)
class Issued:
    ticket: TicketInfo
    position: int
    estimated_wait_minutes: float | None


def issue(ctx: Context, service_code: str, priority: str | None = None, *, customer_id: int | None = None,
          channel: str = "reception", staff: str | None = None, with_estimate: bool = True) -> Issued:
    """A new numbered ticket in a service, with its place in line and expected wait."""
    from deskapp.core.waits import position_and_wait

    priority = priority or ctx.config.priority_classes[-1].code
    if priority not in {p.code for p in ctx.config.priority_classes}:
        names = ", ".join(p.code for p in ctx.config.priority_classes)
        raise NotFound(f"There is no priority class '{priority}'. Classes: {names}.")
    ensure_day(ctx)

    service = _service(ctx, service_code)
    if customer_id is not None and not Customer.select().where(Customer.id == customer_id).exists():
        raise NotFound(f"There is no customer {customer_id}.")
    staff_id = _staff(staff).id if staff else None

    def work() -> int:
        now, day = ctx.now(), ctx.today()
        seq, number = _next_number(ctx, service, day)
        ticket_id = statements.insert_ticket({
            "branch_id": ctx.branch_id, "service_id": service.id, "day": day, "seq": seq, "number": number,
            "priority": priority, "status": WAITING, "channel": channel, "customer_id": customer_id,
            "issued_at": now, "queued_at": now, "front": False, "recall_count": 0,
        })
        statements.insert_event(ticket_id, "issued", now, staff_id, None, json.dumps({"channel": channel}))
        statements.bump_marker(ctx.branch_id)
        return ticket_id

    ticket_id = transaction(work)
    position, wait = position_and_wait(ctx, ticket_id) if with_estimate else (0, None)
    return Issued(ticket=ticket_info(ticket_id), position=position, estimated_wait_minutes=wait)


def _next_number(ctx: Context, service: Service, day: dt.date) -> tuple[int, str]:
    """The next (seq, number) of `service` on `day`, for a ticket created in this transaction.

    Issue, transfer and move all number through here: on PostgreSQL the service row is locked
    so that desks numbering in the same service at once wait for each other (SQLite's BEGIN
    IMMEDIATE already serialises writers); without it two of them pick the same seq and one
    fails on the unique index.
    """
    if is_postgres():
        statements.execute("SELECT id FROM service WHERE id = ? FOR UPDATE", (service.id,))
    seq = statements.next_seq(ctx.branch_id, service.id, day)
    width = ctx.config.queue.number_width
    if seq >= 10**width:
        raise QueueError(f"Service {service.code} has issued all {10**width - 1} numbers for today.")
    return seq, f"{service.prefix}{seq:0{width}d}"


def _take_counter(ctx: Context, counter: Counter, staff: Staff, now: dt.datetime) -> None:
    """Open `counter` for `staff`, refusing to take it from a colleague who still holds a ticket."""
    if counter.state == "open" and counter.staff_id == staff.id:
        return
    if counter.staff_id not in (None, staff.id) and counter.state != "closed":
        holder = _held(counter)
        if holder is not None:
            raise QueueError(f"{counter.name} is serving {holder.number} for {counter.staff.name}; "
                             "they must finish or requeue it first.")
    elsewhere = Counter.select().where(
        (Counter.staff == staff) & (Counter.id != counter.id) & (Counter.state != "closed")
    )
    for other in elsewhere:
        held = _held(other)
        if held is not None:
            raise QueueError(f"You still hold {held.number} at {other.name}; finish or requeue it first.")
        counter_events.record(other.id, "closed", now, staff_id=staff.id, by=staff.login)
        other.state, other.staff, other.state_since = "closed", None, now
        other.save()
    if counter.state != "open" or counter.staff_id != staff.id:
        counter_events.state_change(counter.id, counter.state, "open", now, staff_id=staff.id, by=staff.login,
                                    handover=counter.staff_id != staff.id)
        counter.state, counter.staff, counter.state_since = "open", staff, now
        counter.save()


def open_counter(ctx: Context, counter_code: str, staff_login: str) -> None:
    """A teller sits down at a counter (login at a desk)."""
    ensure_day(ctx)  # first: a new day's reset must not close the counter just opened

    def work() -> None:
        counter = _counter(ctx, counter_code, lock=True)
        _take_counter(ctx, counter, _desk_staff(staff_login), ctx.now())
        changes.bump(ctx.branch_id)

    transaction(work)


def set_counter_state(ctx: Context, counter_code: str, state: str, *, by: str) -> None:
    """Pause, close or reopen a counter. Closing or pausing with a ticket in hand is refused."""
    if state not in COUNTER_STATES:
        raise QueueError(f"A counter is open, paused or closed, not '{state}'.")

    def work() -> None:
        counter = _counter(ctx, counter_code, lock=True)
        now = ctx.now()
        held = _held(counter)
        if state != "open" and held is not None:
            raise QueueError(f"{counter.name} holds {held.number}; finish or requeue it first.")
        if state != "open" and counter.state != state and counter.staff_id != _staff(by).id:
            require_supervisor(by, f"{'pause' if state == 'paused' else 'close'} another person's counter")
        if state == "open":
            _take_counter(ctx, counter, _desk_staff(by), now)
        else:
            counter_events.state_change(counter.id, counter.state, state, now, staff_id=counter.staff_id, by=by)
            counter.state, counter.state_since = state, now
            if state == "closed":
                counter.staff = None
            counter.save()
        from deskapp.core import audit

        audit.record(now, by, f"counter_{state}", "counter", counter.code)
        changes.bump(ctx.branch_id)

    transaction(work)


def waiting_for(ctx: Context, service_ids: list[int]) -> list[Waiting]:
    rows = (
        Ticket.select(Ticket.id, Ticket.service, Ticket.priority, Ticket.issued_at, Ticket.queued_at, Ticket.front)
        .where((Ticket.branch == ctx.branch_id) & (Ticket.status == WAITING) & Ticket.service.in_(service_ids))
        .tuples()
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


def call_next(ctx: Context, counter_code: str, staff_login: str) -> TicketInfo | None:
    """Claim the next ticket for a counter, or None when nothing it serves is waiting.

    Decide, then claim: the calling order is worked out from ordinary reads, then one short
    locked transaction claims the first candidate still waiting (guarded UPDATE; on PostgreSQL
    FOR UPDATE SKIP LOCKED). Only when every candidate was taken by other desks meanwhile is the
    decision made again, from a fresh read.
    """
    ensure_day(ctx)
    rules = priority_rules(ctx)
    window = sum(r.weight for r in rules)
    max_wait = dt.timedelta(minutes=ctx.config.queue.max_wait_minutes)
    counter = _counter(ctx, counter_code)
    staff = _desk_staff(staff_login)
    services = profile(counter.id)
    taken = object()

    for _attempt in range(20):
        now = ctx.now()
        waiting = [Waiting(*row) for row in
                   statements.waiting_candidates(ctx.branch_id, services, CANDIDATES, now - max_wait)]
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
                _take_counter(ctx, Counter.get_by_id(counter.id), staff, now)
                counter.state, counter.staff_id = "open", staff.id
            for candidate in candidates:
                if statements.claim(candidate.id, counter.id, staff.id, now):
                    statements.insert_event(candidate.id, "called", now, staff.id, counter.id)
                    statements.bump_marker(ctx.branch_id)
                    return candidate.id
            if opened:
                statements.bump_marker(ctx.branch_id)
            return taken if candidates else None

        claimed = transaction(work)
        if claimed is not taken:
            return ticket_info(claimed) if claimed is not None else None
    raise QueueError("Other desks kept taking the next tickets first; press call next again.")


def _act(ctx: Context, counter_code: str, allowed: tuple[str, ...], change) -> TicketInfo:
    """Apply `change(ticket, counter, now)` to the ticket the counter holds, if its state allows."""

    counter = _counter(ctx, counter_code)

    def work() -> int:
        held = statements.held_ticket(counter.id, lock=True)
        ticket = _held(counter, lock=True) if held is not None else None
        if ticket is None:
            raise QueueError(f"{counter.name} holds no ticket; call the next one first.")
        if ticket.status not in allowed:
            raise QueueError(_describe(ticket) + ".")
        result = change(ticket, counter, ctx.now())
        statements.bump_marker(ctx.branch_id)
        return result or ticket.id

    return ticket_info(transaction(work))


def recall(ctx: Context, counter_code: str) -> TicketInfo:
    limit = ctx.config.queue.recall_limit

    def change(t: Ticket, counter: Counter, now: dt.datetime) -> None:
        if t.recall_count >= limit:
            raise QueueError(f"{t.number} has been recalled {t.recall_count} times; start it or mark it a no-show.")
        Ticket.update(recall_count=Ticket.recall_count + 1).where(Ticket.id == t.id).execute()
        _event(t, "recalled", now, counter.staff_id, counter.id, count=t.recall_count + 1)

    return _act(ctx, counter_code, (CALLED,), change)


def start(ctx: Context, counter_code: str) -> TicketInfo:
    def change(t: Ticket, counter: Counter, now: dt.datetime) -> None:
        Ticket.update(status=SERVING, started_at=now).where(Ticket.id == t.id).execute()
        _event(t, "started", now, counter.staff_id, counter.id)

    return _act(ctx, counter_code, (CALLED,), change)


def complete(ctx: Context, counter_code: str) -> TicketInfo:
    def change(t: Ticket, counter: Counter, now: dt.datetime) -> None:
        Ticket.update(status=DONE, ended_at=now).where(Ticket.id == t.id).execute()
        _event(t, "completed", now, counter.staff_id, counter.id)
        record_service(t.id)

    return _act(ctx, counter_code, (SERVING,), change)


def no_show(ctx: Context, counter_code: str) -> TicketInfo:
    def change(t: Ticket, counter: Counter, now: dt.datetime) -> None:
        Ticket.update(status=NO_SHOW, ended_at=now).where(Ticket.id == t.id).execute()
        _event(t, "no_show", now, counter.staff_id, counter.id)

    return _act(ctx, counter_code, (CALLED,), change)


def requeue(ctx: Context, counter_code: str, *, front: bool = False) -> TicketInfo:
    """Put the called ticket back in line: at the front of its service, or at the back."""

    def change(t: Ticket, counter: Counter, now: dt.datetime) -> None:
        Ticket.update(status=WAITING, counter=None, staff=None, front=front, queued_at=now).where(
            Ticket.id == t.id
        ).execute()
        _event(t, "requeued", now, counter.staff_id, counter.id, front=front)

    return _act(ctx, counter_code, (CALLED,), change)


def cancel(ctx: Context, counter_code: str) -> TicketInfo:
    """The called customer walked away."""

    def change(t: Ticket, counter: Counter, now: dt.datetime) -> None:
        Ticket.update(status=CANCELLED, ended_at=now).where(Ticket.id == t.id).execute()
        _event(t, "cancelled", now, counter.staff_id, counter.id)

    return _act(ctx, counter_code, (CALLED,), change)


def transfer(ctx: Context, counter_code: str, to_service: str, priority: str | None = None) -> TicketInfo:
    """End service here and put the customer in line for another service; returns the new ticket."""
    if priority is not None and priority not in {p.code for p in ctx.config.priority_classes}:
        names = ", ".join(p.code for p in ctx.config.priority_classes)
        raise NotFound(f"There is no priority class '{priority}'. Classes: {names}.")

    def change(t: Ticket, counter: Counter, now: dt.datetime) -> int:
        target = _service(ctx, to_service)
        if target.id == t.service_id:
            raise QueueError(f"{t.number} is already in {target.name}.")
        Ticket.update(status=TRANSFERRED, ended_at=now).where(Ticket.id == t.id).execute()
        seq, number = _next_number(ctx, target, t.day)
        new = Ticket.create(
            branch=ctx.branch_id, service=target, day=t.day, seq=seq, number=number,
            priority=priority or t.priority, status=WAITING, channel="transfer", customer=t.customer_id,
            issued_at=now, queued_at=now, parent=t,
        )
        _event(t, "transferred", now, counter.staff_id, counter.id, to=target.code, new=new.number)
        record_service(t.id)
        _event(new, "issued", now, counter.staff_id, counter.id, channel="transfer", parent=t.number)
        return new.id

    return _act(ctx, counter_code, (SERVING,), change)


def cancel_waiting(ctx: Context, number_or_id: str | int, *, by: str | None = None) -> TicketInfo:
    """A waiting customer walked away (reception or supervisor)."""

    def work() -> int:
        t = find_today(ctx, number_or_id)
        if t.status != WAITING:
            raise QueueError(_describe(t) + "; only a waiting ticket can be cancelled here.")
        now = ctx.now()
        if not Ticket.update(status=CANCELLED, ended_at=now).where(
            (Ticket.id == t.id) & (Ticket.status == WAITING)
        ).execute():
            # A desk called it between our read and this write (PostgreSQL, READ COMMITTED).
            raise QueueError(_describe(find_today(ctx, t.id)) + "; only a waiting ticket can be cancelled here.")
        _event(t, "cancelled", now, _staff(by).id if by else None)
        changes.bump(ctx.branch_id)
        return t.id

    return ticket_info(transaction(work))


def move_waiting(ctx: Context, number_or_id: str | int, *, to_service: str | None = None, front: bool = False,
                 by: str) -> TicketInfo:
    """A supervisor moves a waiting ticket to another service and/or the front of its line."""
    from deskapp.core import audit

    def work() -> int:
        _supervisor(by, "move a waiting ticket")
        t = find_today(ctx, number_or_id)
        if t.status != WAITING:
            raise QueueError(_describe(t) + "; only a waiting ticket can be moved.")
        now = ctx.now()
        values: dict = {"front": front} if front else {}
        detail: dict = {"front": front}
        if to_service:
            target = _service(ctx, to_service)
            if target.id != t.service_id:
                # A number belongs to its service and day (unique index): the ticket gets the
                # target's next number, as after a transfer; keeping A014 among C tickets would
                # collide with C014 and let the A sequence hand out A014 again.
                seq, number = _next_number(ctx, target, t.day)
                values.update(service=target, seq=seq, number=number)
                detail.update(to=target.code, number=number, previous=t.number)
        if not values:
            raise QueueError(f"{t.number} is already there; choose another service or the front of its line.")
        if not Ticket.update(**values).where((Ticket.id == t.id) & (Ticket.status == WAITING)).execute():
            raise QueueError(_describe(find_today(ctx, t.id)) + "; only a waiting ticket can be moved.")
        _event(t, "moved", now, _staff(by).id, **detail)
        audit.record(now, by, "ticket_moved", "ticket", t.number, json.dumps(detail, sort_keys=True))
        changes.bump(ctx.branch_id)
        return t.id

    return ticket_info(transaction(work))


def find_today(ctx: Context, number_or_id: str | int) -> Ticket:
    """Today's ticket by its number (A014) or its id."""
    query = Ticket.select().join(Service).switch(Ticket).join(Counter, JOIN.LEFT_OUTER)
    if isinstance(number_or_id, int) or str(number_or_id).isdigit():
        ticket = query.where(Ticket.id == int(number_or_id)).first()
    else:
        ticket = query.where(
            (Ticket.branch == ctx.branch_id) & (Ticket.day == ctx.today()) & (Ticket.number == str(number_or_id).upper())
        ).first()
    if ticket is None:
        raise NotFound(f"There is no ticket {number_or_id} today.")
    return ticket


def held_by(ctx: Context, counter_code: str) -> TicketInfo | None:
    """The ticket a counter holds (called or being served), if any."""
    ticket = _held(_counter(ctx, counter_code))
    return ticket_info(ticket.id) if ticket else None


def attach_customer(ctx: Context, ticket_id: int, customer_id: int | None, *, by: str) -> TicketInfo:
    def work() -> int:
        t = Ticket.get_by_id(ticket_id)
        if t.status not in OPEN_STATES:
            raise QueueError(_describe(t) + "; its customer can no longer change.")
        Ticket.update(customer=customer_id).where(Ticket.id == t.id).execute()
        _event(t, "customer", ctx.now(), _staff(by).id, customer=customer_id)
        changes.bump(ctx.branch_id)
        return t.id

    return ticket_info(transaction(work))


def set_profile(ctx: Context, counter_code: str, services: list[str], *, by: str) -> None:
    """A supervisor changes which services a counter serves and in what order (audited)."""
    from deskapp.core import audit

    if not services:
        raise QueueError("A counter must serve at least one service.")
    if len(set(services)) != len(services):
        raise QueueError("A service may appear only once in a counter's work profile.")

    def work() -> None:
        _supervisor(by, "change a counter's services")
        counter = _counter(ctx, counter_code, lock=True)
        rows = [_service(ctx, code) for code in services]
        CounterService.delete().where(CounterService.counter == counter).execute()
        CounterService.insert_many(
            [{"counter": counter.id, "service": s.id, "position": i} for i, s in enumerate(rows)]
        ).execute()
        audit.record(ctx.now(), by, "counter_profile", "counter", counter.code, ",".join(services))
        changes.bump(ctx.branch_id)

    transaction(work)
