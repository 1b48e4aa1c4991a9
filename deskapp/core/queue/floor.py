"""What the floor looks like now: queues, counters and the latest calls, for screens and the CLI."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from peewee import JOIN, fn

from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.core.queue import HELD_STATES, WAITING, TicketInfo, ticket_infos
from deskapp.core.queue.counters import pause_label
from deskapp.core.queue.tickets import branch_services
from deskapp.db.models import (
    Counter,
    CounterService,
    Service,
    Staff,
    Ticket,
    TicketEvent,
)
from deskapp.i18n import _


@dataclass(frozen=True)
class ServiceStatus:
    code: str
    name: str  # in the viewer's language (Config.service_name), read from the configuration once, here
    prefix: str
    waiting: int
    longest_wait_minutes: float | None
    open_counters: int
    target_wait_minutes: int
    # Of `waiting`, the tickets handed to a named counter or colleague (a transfer's rule 0): only
    # there are they called, so a teller's line of the service leaves them out.
    directed: int = 0
    for_you: int = 0  # of `directed`, those handed to the desk's counter or its teller (desk_view only)
    directed_to: tuple[tuple[str | None, int | None, int], ...] = ()  # (counter code, staff id, count)

    @property
    def line(self) -> int:
        """The walk-in line: waiting, less the tickets handed to a named counter or colleague."""
        return self.waiting - self.directed


@dataclass(frozen=True)
class CounterStatus:
    code: str
    name: str
    state: str
    staff: str | None
    staff_name: str | None
    services: tuple[str, ...]
    since: dt.datetime | None
    ticket: TicketInfo | None
    pause_reason: str | None = None  # the label of a paused counter's reason (config pause_reasons)


@dataclass(frozen=True)
class Catalogue:
    """What queue_status read of the branch's set-up, for the readers that follow it in one refresh (the
    supervisor's: the period's figures, the staffing advice and the day's plan), so that they do not
    read it again: every service of the branch (active or not, by id), its active counters (by id) and
    each open counter's work profile (service ids in position order)."""

    services: tuple[Service, ...]
    open_profiles: tuple[tuple[int, ...], ...]
    counters: tuple[Counter, ...] = ()

    @property
    def active(self) -> list[Service]:
        return [s for s in self.services if s.active]


@dataclass(frozen=True)
class QueueStatus:
    services: tuple[ServiceStatus, ...]
    counters: tuple[CounterStatus, ...]
    catalogue: Catalogue | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Call:
    number: str
    counter: str
    counter_name: str
    service: str
    at: dt.datetime
    recall: bool
    former_number: str | None = None  # the number printed, when a move renumbered the ticket


def queue_status(ctx: Context) -> QueueStatus:
    now = ctx.now()
    every = tuple(branch_services(ctx))
    services = [s for s in every if s.active]
    waiting: dict[int, tuple[int, object]] = {}
    directed: dict[int, list[tuple[int | None, int | None, int]]] = {}
    for sid, to_counter, to_staff, count, oldest in (
        Ticket.select(Ticket.service, Ticket.for_counter_id, Ticket.for_staff_id, fn.COUNT(Ticket.id),
                      fn.MIN(Ticket.issued_at))
        # Today's only: until the day's first ticket or call removes them, yesterday's leftovers
        # are still "waiting" in the table, but nobody will call them.
        .where((Ticket.branch == ctx.branch_id) & (Ticket.status == WAITING) & (Ticket.day == ctx.today()))
        .group_by(Ticket.service, Ticket.for_counter_id, Ticket.for_staff_id)  # the few handed tickets: a few more rows
        .tuples()
    ):
        total, first = waiting.get(sid, (0, None))
        oldest = _as_datetime(oldest) if oldest else None
        waiting[sid] = (total + count, oldest if first is None or (oldest is not None and oldest < first) else first)
        if to_counter is not None or to_staff is not None:
            directed.setdefault(sid, []).append((to_counter, to_staff, count))
    counters = list(
        Counter.select(Counter, Staff)
        .join(Staff, JOIN.LEFT_OUTER)
        .where((Counter.branch == ctx.branch_id) & Counter.active)
        .order_by(Counter.id)
    )
    # By the (counter, status) index from the branch's counters: the tickets they hold, not every
    # held ticket of the network (which grows with the other branches' work) nor, as the branch
    # index would give on SQLite, the branch's whole history.
    mine = [c.id for c in counters]
    held_ids = [tid for tid, in Ticket.select(Ticket.id)
                .where(Ticket.counter.in_(mine) & Ticket.status.in_(HELD_STATES)).tuples()] if mine else []
    held = {t.counter: t for t in ticket_infos(Ticket.id.in_(held_ids))} if held_ids else {}
    codes = {s.id: s.code for s in services}
    profiles: dict[int, list[int]] = {}
    for counter_id, service_id in (
        CounterService.select(CounterService.counter, CounterService.service)
        .where(CounterService.counter.in_(mine))
        .order_by(CounterService.counter, CounterService.position)
        .tuples()
    ) if mine else ():
        profiles.setdefault(counter_id, []).append(service_id)
    open_profiles = tuple(tuple(profiles.get(c.id, ())) for c in counters if c.state == "open")
    open_per_service: dict[int, int] = {}
    for profile in open_profiles:
        for sid in profile:
            open_per_service[sid] = open_per_service.get(sid, 0) + 1
    counter_codes = {c.id: c.code for c in counters}
    service_rows = []
    for s in services:
        count, oldest = waiting.get(s.id, (0, None))
        longest = (now - _as_datetime(oldest)).total_seconds() / 60 if oldest else None
        handed = tuple((counter_codes.get(c), st, n) for c, st, n in directed.get(s.id, ()))
        service_rows.append(ServiceStatus(s.code, ctx.config.service_name(s.code, s.name), s.prefix, count, longest, open_per_service.get(s.id, 0),
                                          s.target_wait_minutes, directed=sum(n for *_, n in handed),
                                          directed_to=handed))
    counter_rows = []
    for c in counters:
        counter_rows.append(CounterStatus(
            code=c.code, name=ctx.config.counter_name(c.code, c.name), state=c.state,
            staff=c.staff.login if c.staff_id else None, staff_name=c.staff.name if c.staff_id else None,
            services=tuple(codes.get(sid, "?") for sid in profiles.get(c.id, ())),
            since=c.state_since, ticket=held.get(c.code),
            pause_reason=pause_label(ctx, c.pause_reason) if c.state == "paused" else None,
        ))
    return QueueStatus(tuple(service_rows), tuple(counter_rows), Catalogue(every, open_profiles, tuple(counters)))


def _as_datetime(value) -> dt.datetime:
    """MIN() over a datetime column comes back as text on SQLite."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def recent_calls(ctx: Context, limit: int = 8) -> list[Call]:
    """Today's latest calls and recalls, newest first, for the waiting-room display."""
    start, end = day_bounds(ctx.today(), ctx.timezone)
    rows = (
        TicketEvent.select(TicketEvent, Ticket, Counter, Service)
        .join(Ticket)
        .join(Service)
        .switch(TicketEvent)
        .join(Counter)
        .where((Ticket.branch == ctx.branch_id) & TicketEvent.kind.in_(("called", "recalled"))
               & (TicketEvent.at >= start) & (TicketEvent.at < end))
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .limit(limit)
    )
    return [
        Call(e.ticket.number, e.counter.code, ctx.config.counter_name(e.counter.code, e.counter.name), e.ticket.service.code, e.at, e.kind == "recalled",
             e.ticket.former_number)
        for e in rows
    ]


def moved_waiting(ctx: Context) -> list[TicketInfo]:
    """Today's waiting tickets that a supervisor's move renumbered, for reception to tell their holders."""
    return ticket_infos((Ticket.branch == ctx.branch_id) & (Ticket.day == ctx.today()) & (Ticket.status == WAITING)
                        & Ticket.former_number.is_null(False))


@dataclass(frozen=True)
class DeskView:
    """What a teller's screen shows: the counter, the ticket it holds, and its queues in order."""

    counter: CounterStatus
    queues: tuple[ServiceStatus, ...]


def desk_view(ctx: Context, counter_code: str, viewer: str | None = None) -> DeskView:
    """The counter and its queues; each queue's `for_you` counts its tickets handed to this counter or
    to the login `viewer` (else the person holding the counter), which call-next takes first here. A
    read for a screen, not an action: `viewer` only says whose "for you" it is."""
    status = queue_status(ctx)
    counter = next((c for c in status.counters if c.code == counter_code), None)
    if counter is None:
        from deskapp.core.queue import NotFound

        raise NotFound(_("There is no counter '{counter}'.").format(counter=counter_code))
    by_code = {s.code: s for s in status.services}
    queues = tuple(by_code[code] for code in counter.services if code in by_code)
    viewer = viewer or counter.staff
    if viewer and any(any(st is not None for _c, st, _n in s.directed_to) for s in queues):
        me = Staff.select(Staff.id).where(Staff.login == viewer).scalar()  # only when a ticket was handed to a person
    else:
        me = None
    queues = tuple(replace(s, for_you=sum(n for c, st, n in s.directed_to
                                          if c == counter_code or (st is not None and st == me)))
                   for s in queues)
    return DeskView(counter, queues)
