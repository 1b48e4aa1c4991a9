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
from deskapp.core.queue.words import nth_time
from deskapp.db.models import Counter, Staff, TicketEvent
from deskapp.i18n import N_, _

_ISSUED = {"kiosk": N_("Issued at the kiosk"), "reception": N_("Issued at reception"),
           "cli": N_("Issued from the command line"), "transfer": N_("Issued by a transfer"),
           "booking": N_("Issued for a booking"), "desk": N_("Issued at a desk")}


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


def _words(kind: str, d: dict, counter_name: str | None, staff_name: str | None) -> tuple[str, str]:
    notes: list[str] = []
    if kind == "issued":
        channel = d.get("channel")
        what = (_(_ISSUED[channel]) if channel in _ISSUED
                else _("Issued {channel}").format(channel=channel) if channel else _("Issued"))
        if d.get("parent"):
            what = _("{event} from {ticket}").format(event=what, ticket=d["parent"])
        if d.get("booked"):
            notes.append(_("checked in for a booking"))
    elif kind == "called":
        what = _("Called to {counter}").format(counter=counter_name) if counter_name else _("Called")
        if d.get("out_of_order"):
            who = staff_name or _("somebody unnamed")
            if d.get("next"):
                notes.append(_("called out of order by {staff} ({ticket} was next): {reason}").format(
                    staff=who, ticket=d["next"], reason=d.get("reason", "")))
            else:
                notes.append(_("called out of order by {staff}: {reason}").format(staff=who, reason=d.get("reason", "")))
        elif d.get("chosen"):
            notes.append(_("chosen from the waiting list: {reason}").format(reason=d["reason"]) if d.get("reason")
                         else _("chosen from the waiting list"))
    elif kind == "recalled":
        what = _("Recalled to {counter}").format(counter=counter_name) if counter_name else _("Recalled")
        if d.get("count"):
            what = _("{event} ({time})").format(event=what, time=nth_time(int(d["count"])))
    elif kind == "started":
        what = _("Service started at {counter}").format(counter=counter_name) if counter_name else _("Service started")
    elif kind == "completed":
        what = _("Completed at {counter}").format(counter=counter_name) if counter_name else _("Completed")
    elif kind == "transferred":
        to, new = d.get("to"), d.get("new")
        what = (_("Transferred to {service} as {ticket}").format(service=to, ticket=new) if to and new
                else _("Transferred to {service}").format(service=to) if to
                else _("Transferred as {ticket}").format(ticket=new) if new else _("Transferred"))
    elif kind == "requeued":
        what = _("Back in line at the front") if d.get("front") else _("Back in line at the back")
    elif kind == "no_show":
        what = _("No-show")
    elif kind == "cancelled":
        what = _("Walked away")
    elif kind == "customer":
        what = _("Customer attached") if d.get("customer") else _("Customer detached")
    elif kind == "moved":
        if d.get("to"):
            what = (_("Moved to {service} as {ticket} to the front of its line") if d.get("front")
                    else _("Moved to {service} as {ticket}")).format(service=d["to"], ticket=d.get("number"))
        else:
            what = _("Moved to the front of its line") if d.get("front") else _("Moved")
    elif kind == "removed":
        what = (_("Removed at the end of the day (was {status})").format(status=d["previous"]) if d.get("previous")
                else _("Removed at the end of the day"))
    else:
        what = kind.replace("_", " ").capitalize()
    if d.get("note"):
        notes.append(str(d["note"]))
    if d.get("reason") and kind not in ("called",):
        notes.append(str(d["reason"]))
    if d.get("channel") == "cli" and kind != "issued":
        notes.append(_("from the command line"))
    return what, "; ".join(notes)


def ticket_history(ctx: Context, number_or_id: str | int) -> TicketHistory:
    """Every event of the ticket (today's by its number, as printed or before a move; any day's by id)."""
    ticket = find_today(ctx, number_or_id)
    if ticket.branch_id != ctx.branch_id:
        raise NotFound(_("There is no ticket {ticket} today.").format(ticket=number_or_id))
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
        counter_name = ctx.config.counter_name(e.counter.code, e.counter.name) if e.counter_id else None
        what, note = _words(e.kind, detail if isinstance(detail, dict) else {}, counter_name, staff_name)
        events.append(HistoryEvent(at=e.at, kind=e.kind, what=what, note=note,
                                   staff=e.staff.login if e.staff_id else None, staff_name=staff_name,
                                   counter=e.counter.code if e.counter_id else None, counter_name=counter_name,
                                   detail=detail if isinstance(detail, dict) else {}))
    return TicketHistory(ticket_info(ticket.id), tuple(events))
