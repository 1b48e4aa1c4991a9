"""Calling and serving: the calling order, the atomic call-next claim, and every change to a held ticket."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from deskapp import logs
from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.core.customers.records import record_served, record_service
from deskapp.core.notify import outbox
from deskapp.core.queue import handover
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
    _change,
    _counter,
    _describe,
    _event,
    _held_ticket,
    _next_number,
    _service,
    _staff,
    ticket_info,
)
from deskapp.core.security import audit
from deskapp.core.security.permissions import acts_as, require
from deskapp.db import statements
from deskapp.db.database import is_postgres, transaction
from deskapp.db.models import (
    Counter,
    CounterService,
    Service,
    Staff,
    Ticket,
)
from deskapp.errors import BadInput
from deskapp.i18n import _


def waiting_for(ctx: Context, service_ids: list[int]) -> list[Waiting]:
    """The branch's waiting tickets of these services, in ticket order (one order on every database: the
    estimator's simulation is seeded). Read for every estimate and every call, in plain SQL, from the
    (status, service) index: SQLite, without statistics, would otherwise walk the branch's whole history
    by its branch index."""
    if not service_ids:
        return []
    from deskapp.db.database import db

    p = db.param
    indexed = "" if is_postgres() else " INDEXED BY ticket_status_service_id"  # i18n: not words
    rows = db.execute_sql(
        f"SELECT id, service_id, priority, issued_at, queued_at, front FROM ticket{indexed} "  # i18n: not words
        f"WHERE status = {p} AND service_id IN ({', '.join([p] * len(service_ids))}) AND branch_id = {p} "  # i18n: not words
        "ORDER BY id", [WAITING, *service_ids, ctx.branch_id]).fetchall()  # i18n: not words
    return [Waiting(id=r[0], service=r[1], priority=r[2], issued_at=_stored_time(r[3]), queued_at=_stored_time(r[4]),
                    front=bool(r[5])) for r in rows]


def _stored_time(value):
    """A stored time as a datetime: SQLite hands back text, PostgreSQL datetimes (as Peewee's field reads it)."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def recent_classes(ctx: Context, service_id: int, limit: int) -> list[str]:
    """Priority classes of the service's latest calls today, newest first."""
    return recent_classes_of(ctx, [service_id], limit)[service_id]


def recent_classes_of(ctx: Context, service_ids: list[int], limit: int) -> dict[int, list[str]]:
    """recent_classes of each of these services, in one statement (call-next reads the same with its candidates)."""
    start, end = day_bounds(ctx.today(), ctx.timezone)
    return statements.recent_classes(service_ids, limit, start, end)


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


@dataclass(frozen=True)
class Candidates:
    """What a counter could call now: the candidate rows read (`read`: the first `per_line` of each
    line, the overdue ones, the tickets handed to this counter or person, directed True), those callable
    here once the checked-in bookings are in their place (`callable`), and the first `limit` of those in
    calling order (`order`: order[0] is the ticket call-next takes)."""

    read: list[Waiting]
    callable: list[Waiting]
    order: list[Waiting]
    told: bool = False  # some ticket waiting at the branch left a contact: a call may have messages to write


def callable_candidates(ctx: Context, services: list[int], counter_id: int | None, staff_id: int | None,
                        now: dt.datetime, *, per_line: int = CANDIDATES, limit: int = CANDIDATES,
                        rules: list[PriorityRule] | None = None) -> Candidates:
    """The one assembly of call-next's candidates, shared by call-next, the out-of-order check of a
    chosen call and the desk's waiting list: one read (statements.candidates_and_recent), the bookings
    (booked.arrange, a read only when a booking is among the candidates), then calling_order."""
    rules = priority_rules(ctx) if rules is None else rules
    max_wait = dt.timedelta(minutes=ctx.config.queue.max_wait_minutes)
    start, end = day_bounds(ctx.today(), ctx.timezone)
    rows, recent, told = statements.candidates_and_recent(
        ctx.branch_id, services, per_line, now - max_wait, sum(r.weight for r in rules), start, end, counter_id,
        staff_id, contacts=ctx.config.notifications.enabled)
    read = [Waiting(*row[:6], directed=row[6]) for row in rows]
    here = arrange(ctx, read, services, staff_id, now)  # checked-in bookings
    return Candidates(read, here, calling_order(here, services, rules, recent, now, max_wait, limit=limit), told)


def _desk(ctx: Context, counter_code: str, login: str | None, action: str = "queue.serve",
          ) -> tuple[Counter, Staff | None, list[int], str | None]:
    """The active counter, the active staff member `login` (None for no login) and the counter's
    services in work-profile order and the number of the ticket it holds (None when none), from one
    read. Refusals in the order the lookups one by one
    gave them: an unknown login, a role that may not do `action`, an unknown counter."""
    row = statements.desk(ctx.branch_id, counter_code, login)
    if row is None:
        if login:
            require(_staff(login), action)  # an unknown login or a role refused comes first
        _counter(ctx, counter_code)  # raises NotFound
        raise NotFound(_("There is no counter '{counter}'.").format(counter=counter_code))
    counter = Counter(id=row[0], branch=ctx.branch_id, code=row[1], name=row[2], state=row[3], staff=row[4],
                      state_since=row[5], active=True)
    counter._dirty.clear()
    staff = None
    if login:
        if row[7] is None:
            _staff(login)  # raises NotFound
            raise NotFound(_("There is no active staff member '{login}'.").format(login=login))
        staff = Staff(id=row[7], login=row[8], name=row[9], role=row[10], branch=row[11], active=True)
        staff._dirty.clear()
    services = [int(x) for x in str(row[6]).split(",")] if row[6] else []
    return counter, staff, services, row[12]


@acts_as("queue.serve")
def call_next(ctx: Context, counter_code: str, staff_login: str) -> TicketInfo | None:
    """Claim the next ticket for a counter, or None when nothing it serves is waiting.

    Decide, then claim: the calling order is worked out from ordinary reads (the counter, its staff
    member and work profile in one; the candidates and the services' recent calls in another), then
    one short locked transaction claims the first candidate still waiting (on PostgreSQL the lock of
    the counter, then one statement: FOR UPDATE SKIP LOCKED, the update, its event and the change
    marker, returning the ticket). Only when every candidate was taken by other desks meanwhile is
    the decision made again, from a fresh read.
    """
    counter, staff, services, holds = _desk(ctx, counter_code, staff_login)
    require(staff, "queue.serve")
    if getattr(ctx, "_day_checked", None) != ctx.today():
        ensure_day(ctx)  # a new branch day closes counters and removes tickets: read them again after it
        counter, staff, services, holds = _desk(ctx, counter_code, staff_login)
    rules = priority_rules(ctx)
    taken = object()
    postgres = is_postgres()

    for _attempt in range(20):
        now = ctx.now()
        found = callable_candidates(ctx, services, counter.id, staff.id, now, rules=rules)
        candidates, told = found.order, found.told
        if not candidates and holds is None and (counter.state, counter.staff_id) == ("open", staff.id):
            return None  # nothing to claim and nothing to open: no transaction

        def work():
            opened = statements.lock_counter(counter.id) != ("open", staff.id)
            if opened or not postgres or not candidates:  # noqa: B023  work() runs at once, inside this iteration
                held = statements.held_ticket(counter.id)
                if held is not None:
                    raise QueueError(_("{counter} already holds {held}; complete, requeue or mark it a no-show first.").format(counter=ctx.config.counter_name(counter.code, counter.name), held=held[1]))
            if opened:
                # The counter as it is now, not as read before the decision: a colleague may have sat
                # down at it meanwhile, and a claim for a counter someone else holds open mismatches
                # the ticket's staff and the counter's.
                _take_counter(ctx, Counter.get_by_id(counter.id), staff, now)  # noqa: B023  work() runs at once, inside this iteration
                counter.state, counter.staff_id = "open", staff.id
            if postgres and candidates:  # noqa: B023  work() runs at once, inside this iteration
                held, row = statements.claim_first(ctx.branch_id, counter.id, staff.id, now,  # noqa: B023
                                                   [c.id for c in candidates],  # noqa: B023
                                                   outbox.on_call_in_claim(ctx, counter.name, now)  # noqa: B023
                                                   if told else None)  # noqa: B023
                if held is not None:
                    raise QueueError(_("{counter} already holds {held}; complete, requeue or mark it a no-show first.").format(counter=ctx.config.counter_name(counter.code, counter.name), held=held))
                if row is not None:
                    return TicketInfo(*row[:6], counter.code, *row[7:])
            elif not postgres:
                for candidate in candidates:  # noqa: B023  work() runs at once, inside this iteration
                    if statements.claim(candidate.id, counter.id, staff.id, now):  # noqa: B023
                        statements.insert_event(candidate.id, "called", now, staff.id, counter.id)  # noqa: B023
                        if told:  # noqa: B023  someone waiting left a contact: the call's messages
                            outbox.on_call(ctx, candidate.id, counter.name, now=now)  # noqa: B023
                        statements.bump_marker(ctx.branch_id)
                        return candidate.id
            if opened:
                statements.bump_marker(ctx.branch_id)
            return taken if candidates else None  # noqa: B023  work() runs at once, inside this iteration

        claimed = transaction(work)
        if claimed is None:
            return None
        if claimed is not taken:
            called = claimed if isinstance(claimed, TicketInfo) else ticket_info(claimed)
            logs.action(staff.login, "ticket_called", ticket=called.number, counter=counter.code)
            return called
    raise QueueError(_("Other desks kept taking the next tickets first; press call next again."))


def acting_at(ctx: Context, counter_code: str, by: str | None) -> Staff | None:
    """Who acts on the ticket a counter holds: None for an unnamed action (a script without --staff),
    else the active staff member `by`, who may serve (queue.serve) and holds the counter, or may act
    at another person's counter (queue.counter_others). Checked before anything changes."""
    return _acting_at(ctx, counter_code, by)[1]


def _acting_at(ctx: Context, counter_code: str, by: str | None) -> tuple[Counter, Staff | None]:
    counter, staff, _services, _holds = _desk(ctx, counter_code, by)
    if staff is not None:
        require(staff, "queue.serve")
        _check_holder(counter, staff)
    return counter, staff


def _check_holder(counter: Counter, staff: Staff | None) -> None:
    if staff is not None and counter.staff_id != staff.id:
        require(staff, "queue.counter_others", doing=_("act on the ticket of another person's counter"))


def _act(ctx: Context, counter_code: str, allowed: tuple[str, ...], change, kind: str, by: str | None,
         channel: str | None) -> TicketInfo:
    """Apply `change(ticket, counter, now, staff_id, detail)` to the ticket the counter holds, if its state
    allows and `by` may (see _at_counter). The events name `by`, or nobody when nobody was named: never
    the counter's holder for them. A change from the command line (`channel`) or at another person's
    counter is audited under `by` (or no login).

    `change` returns a Change (written with its event and the change marker in one statement on
    PostgreSQL), or the id of the ticket to show (having written its changes itself), or None."""

    counter, staff = _acting_at(ctx, counter_code, by)

    def work() -> int:
        state, holder_id = statements.lock_counter(counter.id)  # locks the counter on PostgreSQL
        now_counter = Counter(id=counter.id, branch=ctx.branch_id, code=counter.code, name=counter.name,
                              state=state, staff=holder_id, active=True)
        _check_holder(now_counter, staff)  # the counter as it is now: it may have changed hands meanwhile
        ticket = _held_ticket(counter.id, lock=True)
        if ticket is None:
            raise QueueError(_("{counter} holds no ticket; call the next one first.").format(counter=ctx.config.counter_name(counter.code, counter.name)))
        if ticket.status not in allowed:
            raise QueueError(_describe(ticket, ctx) + ".")
        now = ctx.now()
        detail = {"channel": channel} if channel else {}
        result = change(ticket, now_counter, now, staff.id if staff else None, detail)
        others = staff is not None and now_counter.staff_id != staff.id
        if channel or others:
            holder = now_counter.staff.login if now_counter.staff_id else "-"
            audit.record(now, staff.login if staff else None, f"ticket_{kind}", "ticket", ticket.number,
                         f"counter={counter.code} holder={holder} channel={channel or 'desk'}"
                         + ("" if staff else " unnamed"))
        if isinstance(result, Change):
            _change(ctx, ticket, result.values, result.kind, now, staff.id if staff else None, counter.id,
                    **result.detail, **detail)
            return ticket.id
        statements.bump_marker(ctx.branch_id)
        return result or ticket.id

    return ticket_info(transaction(work))


@dataclass(frozen=True)
class Change:
    """What a counter action sets on the held ticket, and its event."""

    values: dict
    kind: str
    detail: dict = field(default_factory=dict)


@acts_as("queue.serve", "queue.counter_others")
def recall(ctx: Context, counter_code: str, *, by: str | None = None, channel: str | None = None) -> TicketInfo:
    """Call the held ticket again (counted)."""
    limit = ctx.config.queue.recall_limit

    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> Change:
        if t.recall_count >= limit:
            raise QueueError(_("{number} has been recalled {recall_count} times; start it or mark it a no-show.").format(number=t.number, recall_count=t.recall_count))
        return Change({"recall_count": t.recall_count + 1}, "recalled", {"count": t.recall_count + 1})

    return _act(ctx, counter_code, (CALLED,), change, "recalled", by, channel)


@acts_as("queue.serve", "queue.counter_others")
def start(ctx: Context, counter_code: str, *, by: str | None = None, channel: str | None = None) -> TicketInfo:
    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> Change:
        return Change({"status": SERVING, "started_at": now}, "started")

    return _act(ctx, counter_code, (CALLED,), change, "started", by, channel)


@acts_as("queue.serve", "queue.counter_others")
def complete(ctx: Context, counter_code: str, *, by: str | None = None, channel: str | None = None) -> TicketInfo:
    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> int:
        statements.set_ticket(t.id, SERVING, None, {"status": DONE, "ended_at": now})
        _event(t, "completed", now, staff_id, counter.id, **detail)
        record_served(t, DONE, now)
        return t.id

    return _act(ctx, counter_code, (SERVING,), change, "completed", by, channel)


@acts_as("queue.serve", "queue.counter_others")
def no_show(ctx: Context, counter_code: str, *, by: str | None = None, channel: str | None = None) -> TicketInfo:
    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> Change:
        return Change({"status": NO_SHOW, "ended_at": now}, "no_show")

    return _act(ctx, counter_code, (CALLED,), change, "no_show", by, channel)


@acts_as("queue.serve", "queue.counter_others")
def requeue(ctx: Context, counter_code: str, *, front: bool = False, by: str | None = None,
            channel: str | None = None) -> TicketInfo:
    """Put the called ticket back in line: at the front of its service, or at the back."""

    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> Change:
        return Change({"status": WAITING, "counter_id": None, "staff_id": None, "front": front, "queued_at": now},
                      "requeued", {"front": front})

    return _act(ctx, counter_code, (CALLED,), change, "requeued", by, channel)


@acts_as("queue.serve", "queue.counter_others")
def cancel(ctx: Context, counter_code: str, *, by: str | None = None, channel: str | None = None) -> TicketInfo:
    """The called customer walked away."""

    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> Change:
        return Change({"status": CANCELLED, "ended_at": now}, "cancelled")

    return _act(ctx, counter_code, (CALLED,), change, "cancelled", by, channel)


def _walk_in_class(ctx: Context, priority: str) -> str:
    """The class a transferred ticket keeps: its own, but a booked ticket's becomes an ordinary one
    (its booking was for the service it leaves)."""
    return ctx.config.priority_classes[-1].code if priority == ctx.config.appointments.priority_class else priority


@acts_as("queue.serve", "queue.counter_others")
def transfer(ctx: Context, counter_code: str, to_service: str | None = None, priority: str | None = None, *,
             to_counter: str | None = None, to_staff: str | None = None, note: str | None = None,
             by: str | None = None, channel: str | None = None) -> TicketInfo:
    """End service here and put the customer in line again; returns the new ticket.

    In line for another service (`to_service`), or handed to a named counter (`to_counter`) or
    colleague at a counter (`to_staff`), in the same service unless `to_service` names another: such
    a ticket is called only there, or by that person (queue.handover). `note` goes with it, shown at
    the receiving desk and kept in both tickets' events."""
    if priority is not None and priority not in {p.code for p in ctx.config.priority_classes}:
        names = ", ".join(p.code for p in ctx.config.priority_classes)
        raise NotFound(_("There is no priority class '{priority}'. Classes: {names}.").format(priority=priority, names=names))
    note = handover.clean_note(note)
    if to_service is None and to_counter is None and to_staff is None:
        raise BadInput(_("Say where the customer goes: a service, a counter or a colleague."))
    if to_counter is not None and to_staff is not None:
        raise BadInput(_("Transfer to a counter or to a colleague, not both."))

    def change(t: Ticket, counter: Counter, now: dt.datetime, staff_id: int | None, detail: dict) -> int:
        target = _service(ctx, to_service) if to_service is not None else Service.get_by_id(t.service_id)
        named = handover.recipient(ctx, counter, to_counter, to_staff, staff_id)
        if target.id == t.service_id and named is None:
            raise QueueError(_("{number} is already in {target}.").format(number=t.number, target=target.name))
        Ticket.update(status=TRANSFERRED, ended_at=now).where(Ticket.id == t.id).execute()
        seq, number = _next_number(ctx, target, t.day)
        new = Ticket.create(
            branch=ctx.branch_id, service=target, day=t.day, seq=seq, number=number,
            priority=priority or _walk_in_class(ctx, t.priority), status=WAITING, channel="transfer",
            customer=t.customer_id,
            issued_at=now, queued_at=now, parent=t,
            for_counter_id=named.counter_id if named else None, for_staff_id=named.staff_id if named else None,
        )
        extra = {**(named.detail if named else {}), **({"note": note} if note else {})}
        _event(t, "transferred", now, staff_id, counter.id, to=target.code, new=new.number, **extra, **detail)
        record_service(t.id)
        _event(new, "issued", now, staff_id, counter.id, channel="transfer", parent=t.number, **extra)
        return new.id

    return _act(ctx, counter_code, (SERVING,), change, "transferred", by, channel)
