"""A ticket's history: every TicketEvent it has, in order, with who, where, when and what was noted.

One function, ticket_history, serves the desk, reception, the supervisor and `deskapp queue history`;
each event comes with its words (`what`, `note`) so that every place tells it the same way. An event
kind this module does not know is still shown, by its name and its details.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from peewee import JOIN

from deskapp.core.context import Context
from deskapp.core.queue.tickets import NotFound, TicketInfo, find_today, ticket_info
from deskapp.db.models import Counter, Staff, TicketEvent

_CHANNELS = {"kiosk": "at the kiosk", "reception": "at reception", "cli": "from the command line",
             "transfer": "by a transfer", "booking": "for a booking", "desk": "at a desk"}


@dataclass(frozen=True)
class HistoryEvent:
    at: dt.datetime
    kind: str
    what: str  # the event in words: "Called to Counter 1"
    note: str  # what was noted with it ("called out of order by Ana Silva: Needs assistance"), or ""
    staff: str | None  # login of who did it (None: nobody named, e.g. a kiosk)
    staff_name: str | None
    counter: str | None  # code of the counter where it happened
    counter_name: str | None
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TicketHistory:
    ticket: TicketInfo
    events: tuple[HistoryEvent, ...]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _words(kind: str, d: dict, counter_name: str | None, staff_name: str | None) -> tuple[str, str]:
    at = f" to {counter_name}" if counter_name else ""
    notes: list[str] = []
    if kind == "issued":
        what = "Issued" + (f" {_CHANNELS.get(d['channel'], d['channel'])}" if d.get("channel") else "")
        if d.get("parent"):
            what += f" from {d['parent']}"
        if d.get("booked"):
            notes.append("checked in for a booking")
    elif kind == "called":
        what = f"Called{at}"
        if d.get("out_of_order"):
            before = f" ({d['next']} was next)" if d.get("next") else ""
            notes.append(f"called out of order by {staff_name or 'somebody unnamed'}{before}: {d.get('reason', '')}")
        elif d.get("chosen"):
            notes.append("chosen from the waiting list" + (f": {d['reason']}" if d.get("reason") else ""))
    elif kind == "recalled":
        what = f"Recalled{at}" + (f" ({_ordinal(int(d['count']))} time)" if d.get("count") else "")
    elif kind == "started":
        what = "Service started" + (f" at {counter_name}" if counter_name else "")
    elif kind == "completed":
        what = "Completed" + (f" at {counter_name}" if counter_name else "")
    elif kind == "transferred":
        what = "Transferred" + (f" to {d['to']}" if d.get("to") else "") + (f" as {d['new']}" if d.get("new") else "")
    elif kind == "requeued":
        what = "Back in line " + ("at the front" if d.get("front") else "at the back")
    elif kind == "no_show":
        what = "No-show"
    elif kind == "cancelled":
        what = "Walked away"
    elif kind == "customer":
        what = "Customer attached" if d.get("customer") else "Customer detached"
    elif kind == "moved":
        what = "Moved" + (f" to {d['to']} as {d['number']}" if d.get("to") else "") + \
            (" to the front of its line" if d.get("front") else "")
    elif kind == "removed":
        what = "Removed at the end of the day" + (f" (was {d['previous']})" if d.get("previous") else "")
    else:
        what = kind.replace("_", " ").capitalize()
    if d.get("note"):
        notes.append(str(d["note"]))
    if d.get("reason") and kind not in ("called",):
        notes.append(str(d["reason"]))
    if d.get("channel") == "cli" and kind != "issued":
        notes.append("from the command line")
    return what, "; ".join(notes)


def ticket_history(ctx: Context, number_or_id: str | int) -> TicketHistory:
    """Every event of the ticket (today's by its number, as printed or before a move; any day's by id)."""
    ticket = find_today(ctx, number_or_id)
    if ticket.branch_id != ctx.branch_id:
        raise NotFound(f"There is no ticket {number_or_id} today.")
    rows = (
        TicketEvent.select(TicketEvent, Staff, Counter)
        .join(Staff, JOIN.LEFT_OUTER)
        .switch(TicketEvent)
        .join(Counter, JOIN.LEFT_OUTER)
        .where(TicketEvent.ticket == ticket.id)
        .order_by(TicketEvent.at, TicketEvent.id)
    )
    events = []
    for e in rows:
        try:
            detail = json.loads(e.detail) if e.detail else {}
        except ValueError:
            detail = {"note": e.detail}
        staff_name = e.staff.name if e.staff_id else None
        counter_name = e.counter.name if e.counter_id else None
        what, note = _words(e.kind, detail if isinstance(detail, dict) else {}, counter_name, staff_name)
        events.append(HistoryEvent(at=e.at, kind=e.kind, what=what, note=note,
                                   staff=e.staff.login if e.staff_id else None, staff_name=staff_name,
                                   counter=e.counter.code if e.counter_id else None, counter_name=counter_name,
                                   detail=detail if isinstance(detail, dict) else {}))
    return TicketHistory(ticket_info(ticket.id), tuple(events))
