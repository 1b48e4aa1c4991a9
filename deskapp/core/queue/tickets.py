"""A ticket as screens see it, its states, and the lookups every queue change starts from.

The life cycle itself is told in deskapp.core.queue's docstring; this module holds what all of its
steps share: states, QueueError, TicketInfo and the row lookups that turn codes into locked rows.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from peewee import JOIN

from deskapp import logs
from deskapp.core import changes
from deskapp.core.context import Context
from deskapp.core.security.permissions import acts_as, require
from deskapp.db import statements
from deskapp.db.database import is_postgres, transaction
from deskapp.db.models import (
    Counter,
    Customer,
    Service,
    Staff,
    Ticket,
)
from deskapp.errors import EXIT_BAD_INPUT, DeskappError
from deskapp.i18n import _

WAITING, CALLED, SERVING, DONE = "waiting", "called", "serving", "done"
NO_SHOW, CANCELLED, TRANSFERRED, REMOVED = "no_show", "cancelled", "transferred", "removed_by_reset"
OPEN_STATES = (WAITING, CALLED, SERVING)
HELD_STATES = (CALLED, SERVING)
COUNTER_STATES = ("open", "paused", "closed")


class QueueError(DeskappError):
    """A queue action that cannot be done now, said the way a teller would say it."""


class NotFound(QueueError):
    """A service, counter, staff member or ticket that does not exist (bad input)."""

    exit_code = EXIT_BAD_INPUT


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
    former_number: str | None = None  # the number printed for it, when a move renumbered it
    language: str | None = None  # the customer's, chosen at the kiosk (None: the branch's)


_PARENT = Ticket.alias("parent")
_INFO_COLUMNS = (
    Ticket.id, Ticket.number, Service.code, Service.name, Ticket.priority, Ticket.status, Counter.code,
    Ticket.customer, Customer.name, Ticket.issued_at, Ticket.called_at, Ticket.started_at, Ticket.ended_at,
    Ticket.recall_count, _PARENT.number, Ticket.former_number, Ticket.language,
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
        raise NotFound(_("There is no ticket {id}.").format(id=ticket_id))
    return found[0]


def _event(ticket: Ticket | int, kind: str, now: dt.datetime, staff_id=None, counter_id=None, **detail) -> None:
    ticket_id = ticket if isinstance(ticket, int) else ticket.id
    statements.insert_event(ticket_id, kind, now, staff_id, counter_id,
                            json.dumps(detail, sort_keys=True) if detail else "")
    _log_event(ticket, kind, staff_id, counter_id)


# A staff member's login and a counter's code never change for their id (config sync keys them so):
# looked up once per process for the log lines.
_LOGINS: dict[int, str] = {}
_COUNTER_CODES: dict[int, str] = {}


def _log_event(ticket: Ticket | int, kind: str, staff_id: int | None, counter_id: int | None) -> None:
    if not logs.log.isEnabledFor(logging.INFO):  # the lookups cost a little, so only when the line is wanted
        return
    number = ticket.number if isinstance(ticket, Ticket) else \
        Ticket.select(Ticket.number).where(Ticket.id == ticket).scalar()
    if staff_id and staff_id not in _LOGINS:
        _LOGINS[staff_id] = Staff.select(Staff.login).where(Staff.id == staff_id).scalar()
    if counter_id and counter_id not in _COUNTER_CODES:
        _COUNTER_CODES[counter_id] = Counter.select(Counter.code).where(Counter.id == counter_id).scalar()
    logs.action(_LOGINS.get(staff_id) if staff_id else None, f"ticket_{kind}", ticket=number,
                counter=_COUNTER_CODES.get(counter_id) if counter_id else None)


def _change(ctx: Context, ticket: Ticket, values: dict, kind: str, now: dt.datetime, staff_id=None,
            counter_id=None, **detail) -> None:
    """Set `values` on the ticket, write its event and bump the branch's change marker (one statement
    on PostgreSQL)."""
    statements.change_ticket(ctx.branch_id, ticket.id, values, (
        kind, now, staff_id, counter_id, json.dumps(detail, sort_keys=True) if detail else ""))
    _log_event(ticket, kind, staff_id, counter_id)


_TICKET_FIELDS = tuple(Ticket._meta.sorted_fields)
_TICKET_COLUMNS = tuple(f.column_name for f in _TICKET_FIELDS)


def _held_ticket(counter_id: int, *, lock: bool = False) -> Ticket | None:
    """_held in one plain statement (no query built): the ticket a counter holds, locked on PostgreSQL."""
    row = statements.held_row(counter_id, _TICKET_COLUMNS, lock=lock)
    if row is None:
        return None
    ticket = Ticket(**{f.name: (f.python_value(row[f.column_name]) if row[f.column_name] is not None else None)
                       for f in _TICKET_FIELDS})
    ticket._dirty.clear()
    return ticket


_BRANCH_SERVICES = statements.Prepared(
    lambda branch: Service.select().where(Service.branch == branch).order_by(Service.id), 1)


def branch_services(ctx: Context) -> list[Service]:
    """Every service of the branch, active or not, in id order (read for every estimate: prepared)."""
    return _BRANCH_SERVICES.rows(ctx.branch_id)


def _service(ctx: Context, code: str) -> Service:
    service = next((s for s in branch_services(ctx) if s.code == code and s.active), None)
    if service is None:
        codes = ", ".join(s.code for s in ctx.config.services)
        raise NotFound(_("There is no service '{code}'. Services: {codes}.").format(code=code, codes=codes))
    return service


def _counter(ctx: Context, code: str, *, lock: bool = False) -> Counter:
    query = Counter.select().where((Counter.branch == ctx.branch_id) & (Counter.code == code) & Counter.active)
    if lock and is_postgres():
        query = query.for_update()
    counter = query.first()
    if counter is None:
        raise NotFound(_("There is no counter '{code}'.").format(code=code))
    return counter


def _staff(login: str) -> Staff:
    staff = Staff.get_or_none((Staff.login == login) & Staff.active)
    if staff is None:
        raise NotFound(_("There is no active staff member '{login}'.").format(login=login))
    return staff


def _acting(login: str, action: str) -> Staff:
    """The active staff member `login` if the role table lets them do `action`: an unknown login is
    bad input (NotFound), a role outside the action's row is Forbidden."""
    staff = _staff(login)
    require(staff, action)
    return staff


def _held(counter: Counter, *, lock: bool = False) -> Ticket | None:
    query = Ticket.select().where((Ticket.counter == counter) & Ticket.status.in_(HELD_STATES))
    if lock and is_postgres():
        # The end-of-day reset may be removing it right now: wait for it, then see it gone.
        query = query.for_update()
    return query.first()


def _describe(t: Ticket, ctx: Context) -> str:
    """What became of a ticket, as a clause a message goes on from ("A014 has been called at Counter 2"),
    the counter named in the reader's language."""
    at = ctx.config.counter_name(t.counter.code, t.counter.name) if t.counter_id else None
    if t.status == CALLED and at:
        return _("{number} has been called at {counter}").format(number=t.number, counter=at)
    if t.status == SERVING and at:
        return _("{number} is already being served at {counter}").format(number=t.number, counter=at)
    said = {
        WAITING: _("{number} is waiting"),
        CALLED: _("{number} has been called"),
        SERVING: _("{number} is already being served"),
        DONE: _("{number} has already been served"),
        NO_SHOW: _("{number} was marked as a no-show"),
        CANCELLED: _("{number} was cancelled"),
        TRANSFERRED: _("{number} was transferred"),
        REMOVED: _("{number} was removed at the end of its day"),
    }.get(t.status)
    if said is None:
        return _("{number} is {status}").format(number=t.number, status=t.status)
    return said.format(number=t.number)


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
        raise QueueError(_("Service {service} has issued all {n} numbers for today.").format(
            service=service.code, n=10**width - 1))
    return seq, f"{service.prefix}{seq:0{width}d}"


def find_today(ctx: Context, number_or_id: str | int) -> Ticket:
    """Today's ticket by its number (A014), the number printed for it before a move, or its id."""
    query = Ticket.select().join(Service).switch(Ticket).join(Counter, JOIN.LEFT_OUTER)
    if isinstance(number_or_id, int) or str(number_or_id).isdigit():
        ticket = query.where(Ticket.id == int(number_or_id)).first()
    else:
        number = str(number_or_id).upper()
        today = (Ticket.branch == ctx.branch_id) & (Ticket.day == ctx.today())
        ticket = query.where(today & (Ticket.number == number)).first() \
            or query.where(today & (Ticket.former_number == number)).first()
    if ticket is None:
        raise NotFound(_("There is no ticket {ticket} today.").format(ticket=number_or_id))
    return ticket


def held_by(ctx: Context, counter_code: str) -> TicketInfo | None:
    """The ticket a counter holds (called or being served), if any."""
    ticket = _held(_counter(ctx, counter_code))
    return ticket_info(ticket.id) if ticket else None


@acts_as("queue.attach_customer")
def attach_customer(ctx: Context, ticket_id: int, customer_id: int | None, *, by: str) -> TicketInfo:
    def work() -> int:
        staff = _acting(by, "queue.attach_customer")
        t = Ticket.get_by_id(ticket_id)
        if t.status not in OPEN_STATES:
            raise QueueError(_("{ticket}; its customer can no longer change.").format(ticket=_describe(t, ctx)))
        Ticket.update(customer=customer_id).where(Ticket.id == t.id).execute()
        _event(t, "customer", ctx.now(), staff.id, customer=customer_id)
        changes.bump(ctx.branch_id)
        return t.id

    return ticket_info(transaction(work))
