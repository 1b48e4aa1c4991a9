"""Transfers to a named counter or colleague, and the note that goes with a transfer.

A teller may send the customer on to a service (a new ticket in that service's line), or hand them
to a named counter or to a colleague logged in at a counter, with a note ("wants to raise the card
limit; ID checked"). The new ticket then carries `for_counter_id` or `for_staff_id`: only that
counter, or that person at whatever counter they sit, calls it, before anything else it serves
(ordering rule 0); no other counter sees it among its candidates. Whoever receives it may serve it
or transfer it on.

The note and the names are kept in the events of both tickets (`transferred` on the old one,
`issued` on the new one), and shown at the receiving desk: with the ticket in hand, and, while it
waits, as "handed to you". A supervisor's move of such a ticket (queue.edits) returns it to its
service's ordinary line, for when the named colleague has left.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from peewee import JOIN

from deskapp.core.context import Context
from deskapp.core.queue.tickets import HELD_STATES, WAITING, NotFound, QueueError
from deskapp.db.models import Counter, Service, Staff, Ticket, TicketEvent
from deskapp.errors import BadInput
from deskapp.i18n import _

NOTE_LIMIT = 500  # characters: a line or two for the colleague, not a file


def clean_note(note: str | None) -> str | None:
    """The note as kept: trimmed, None when empty; a note too long is refused (bad input)."""
    if note is None or not note.strip():
        return None
    note = " ".join(note.split())
    if len(note) > NOTE_LIMIT:
        raise BadInput(_("A transfer note holds at most {limit} characters ({n} given).").format(limit=NOTE_LIMIT, n=len(note)))
    return note


@dataclass(frozen=True)
class Named:
    """Where a transferred ticket goes by name: the counter's or the person's id, and its event detail."""

    counter_id: int | None
    staff_id: int | None
    detail: dict = field(default_factory=dict)


def recipient(ctx: Context, sender: Counter, to_counter: str | None, to_staff: str | None,
              sender_staff_id: int | None) -> Named | None:
    """The counter or colleague a ticket is transferred to, checked (in the transfer's transaction):
    an active counter of this branch other than the sender's and not closed, or an active staff
    member other than the sender who sits at such a counter now."""
    if to_counter is not None:
        target = Counter.get_or_none((Counter.branch == ctx.branch_id) & (Counter.code == to_counter.strip())
                                     & Counter.active)
        if target is None:
            codes = ", ".join(c.code for c in ctx.config.counters)
            raise NotFound(_("There is no counter '{counter}'. Counters: {codes}.").format(counter=to_counter, codes=codes))
        if target.id == sender.id:
            raise QueueError(_("The customer is already at {target}: transfer to another counter, a colleague or a service.").format(target=ctx.config.counter_name(target.code, target.name)))
        if target.state == "closed":
            raise QueueError(_("{target} is closed: transfer to an open counter, a colleague at one, or a service.").format(target=ctx.config.counter_name(target.code, target.name)))
        return Named(target.id, None, {"to_counter": target.code})
    if to_staff is not None:
        person = Staff.get_or_none((Staff.login == to_staff.strip().lower()) & Staff.active)
        if person is None:
            raise NotFound(_("There is no active staff member '{login}'.").format(login=to_staff))
        if person.id in (sender_staff_id, sender.staff_id):
            raise QueueError(_("You hold the ticket already: transfer to a colleague, a counter or a service."))
        seat = Counter.get_or_none((Counter.branch == ctx.branch_id) & (Counter.staff == person.id)
                                   & (Counter.state != "closed") & Counter.active)
        if seat is None:
            raise QueueError(_("{person} is not at a counter now: transfer to a colleague at one, a counter or a service.").format(person=person.name))
        return Named(None, person.id, {"to_staff": person.login})
    return None


@dataclass(frozen=True)
class CounterTarget:
    code: str
    name: str
    state: str
    staff_name: str | None


@dataclass(frozen=True)
class Colleague:
    login: str
    name: str
    counter_name: str


@dataclass(frozen=True)
class Targets:
    """Where a desk may transfer its customer: services (code, name), counters, colleagues at counters."""

    services: tuple[tuple[str, str], ...]
    counters: tuple[CounterTarget, ...]
    colleagues: tuple[Colleague, ...]


def transfer_targets(ctx: Context, counter_code: str) -> Targets:
    """Every service, and the counters other than this one that are not closed, with the colleagues
    sitting at them (the transfer dialog's choices)."""
    services = tuple((s.code, s.name) for s in Service.select(Service.code, Service.name)
                     .where((Service.branch == ctx.branch_id) & Service.active).order_by(Service.id))
    rows = list(Counter.select(Counter, Staff).join(Staff, JOIN.LEFT_OUTER)
                .where((Counter.branch == ctx.branch_id) & Counter.active & (Counter.state != "closed")
                       & (Counter.code != counter_code))
                .order_by(Counter.id))
    here = Counter.select(Counter.staff).where((Counter.branch == ctx.branch_id) & (Counter.code == counter_code)).scalar()
    counters = tuple(CounterTarget(c.code, ctx.config.counter_name(c.code, c.name), c.state, c.staff.name if c.staff_id else None) for c in rows)
    colleagues = tuple(Colleague(c.staff.login, c.staff.name, ctx.config.counter_name(c.code, c.name)) for c in rows
                       if c.staff_id is not None and c.staff_id != here)
    return Targets(services, counters, colleagues)


@dataclass(frozen=True)
class Handover:
    """A ticket handed on by a colleague: its number, who sent it and from where, to whom, and the note."""

    number: str
    service_name: str
    from_name: str | None
    from_counter: str | None
    to_counter: str | None  # the counter's code when sent to a counter
    to_staff: str | None  # the login when sent to a colleague
    note: str | None


@dataclass(frozen=True)
class DeskHandovers:
    """What the receiving desk shows: the handover of the ticket in hand, and those waiting for it."""

    in_hand: Handover | None
    waiting: tuple[Handover, ...]


_SENDER = Staff.alias("sender")
_FROM = Counter.alias("from_counter")


def _handovers(condition) -> list[Handover]:
    rows = (TicketEvent.select(Ticket.number, Service.name, TicketEvent.detail, _SENDER.name, _FROM.name)
            .join(Ticket).join(Service)
            .switch(TicketEvent).join(_SENDER, JOIN.LEFT_OUTER, on=(TicketEvent.staff == _SENDER.id))
            .switch(TicketEvent).join(_FROM, JOIN.LEFT_OUTER, on=(TicketEvent.counter == _FROM.id))
            .where(condition & (TicketEvent.kind == "issued") & (Ticket.channel == "transfer"))
            .order_by(Ticket.queued_at, Ticket.id)
            .tuples())
    found = []
    for number, service_name, detail, sender, from_counter in rows:
        data = json.loads(detail) if detail else {}
        found.append(Handover(number, service_name, sender, from_counter, data.get("to_counter"),
                              data.get("to_staff"), data.get("note")))
    return found


def desk_handovers(ctx: Context, counter_code: str, person: str | None) -> DeskHandovers:
    """The handover of the ticket this counter holds (when it came by transfer), and the tickets
    waiting for this counter or for `person` (a login) by name, oldest first."""
    counter = Counter.get_or_none((Counter.branch == ctx.branch_id) & (Counter.code == counter_code))
    if counter is None:
        raise NotFound(_("There is no counter '{counter}'.").format(counter=counter_code))
    in_hand = _handovers((Ticket.counter == counter.id) & Ticket.status.in_(HELD_STATES))
    for_me = Ticket.for_counter_id == counter.id
    if person:
        staff_id = Staff.select(Staff.id).where(Staff.login == person).scalar()
        if staff_id is not None:
            for_me = for_me | (Ticket.for_staff_id == staff_id)
    waiting = _handovers((Ticket.branch == ctx.branch_id) & (Ticket.status == WAITING) & for_me)
    return DeskHandovers(in_hand[0] if in_hand else None, tuple(waiting))


def describe(h: Handover) -> str:
    """One line for the receiving desk: "From Ana Costa (Counter 1): wants a new card"."""
    source = h.from_name or _("a script")
    if h.from_counter:
        source = _("{staff} ({counter})").format(staff=source, counter=h.from_counter)
    if h.note:
        return _("From {source}: {note}").format(source=source, note=h.note)
    return _("From {source}, no note").format(source=source)
