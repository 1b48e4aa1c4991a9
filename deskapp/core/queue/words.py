"""What happened to a ticket, in the teller's words.

Every screen's message about a ticket (desk, reception, supervisor) is worded here, from the same event
kinds the TicketEvent table stores, so "A004: called" after a recall or "E001: cancelled" after a walk-away
cannot come back: a recall reads "A004 recalled (2nd time)", a walk-away "E001 walked away".
"""
from __future__ import annotations

from deskapp.core.queue.tickets import TicketInfo
from deskapp.i18n import _


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th, 21st (English: a translation writes its own, nth_time)."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")  # i18n: not words
    return f"{n}{suffix}"


def nth_time(n: int) -> str:
    """"2nd time" in the current language (a translation writes its own ordinal: "2.ª vez")."""
    return _("{ordinal} time").format(ordinal=ordinal(n), n=n)


def event_words(kind: str, number: str, *, count: int = 0, front: bool = False, service: str | None = None,
                counter: str | None = None, new: str | None = None) -> str:
    """One ticket event as a teller says it. `number` is the ticket's number as shown ("A005 (was C001)");
    `count` the recall's count, `front` where a requeue or move put it, `service` the service it went to
    (its name), `counter` where it was called, `new` the number a transfer or move gave it."""
    renumbered = bool(new and new != number)
    said = None
    if kind == "issued":
        said = _("{number} issued for {service}") if service else _("{number} issued")
    elif kind == "called":
        said = _("{number} called to {counter}") if counter else _("{number} called")
    elif kind == "recalled":
        if count:
            return _("{number} recalled ({time})").format(number=number, time=nth_time(count))
        said = _("{number} recalled")
    elif kind == "started":
        said = _("{number} now being served")
    elif kind == "completed":
        said = _("{number} served and completed")
    elif kind == "no_show":
        said = _("{number} did not come: marked a no-show")
    elif kind == "requeued":
        said = _("{number} back in the queue at the front") if front else _("{number} back in the queue at the back")
    elif kind == "cancelled":
        said = _("{number} walked away")
    elif kind == "transferred":
        if service:
            said = _("{number} transferred to {service} as {new}") if renumbered else _("{number} transferred to {service}")
        else:
            said = (_("{number} transferred to another service as {new}") if renumbered
                    else _("{number} transferred to another service"))
    elif kind == "moved":
        if front:
            said = _("{number} moved to the front of the queue as {new}") if renumbered \
                else _("{number} moved to the front of the queue")
        elif service:
            said = _("{number} moved to {service} as {new}") if renumbered else _("{number} moved to {service}")
        else:
            said = _("{number} moved to another service as {new}") if renumbered else _("{number} moved to another service")
    elif kind in ("removed", "removed_by_reset"):
        said = _("{number} removed at the end of the day")
    elif kind == "booked":
        said = _("{number} issued for a booking")
    elif kind == "customer":
        said = _("{number}: customer identified")
    if said is None:
        return f"{number}: {kind.replace('_', ' ')}"
    return said.format(number=number, service=service, counter=counter, new=new)


def status_words(ticket: TicketInfo, counter_name: str | None = None) -> str:
    """Where a ticket stands now, for whoever issued it ("called to Counter 2", "served"); `counter_name`
    names the counter that holds or held it."""
    at = counter_name or ticket.counter
    said = {
        "waiting": _("waiting"),
        "called": _("called to {counter}") if at else _("called to a counter"),
        "serving": _("being served at {counter}") if at else _("being served at a counter"),
        "done": _("served at {counter}") if at else _("served at a counter"),
        "no_show": _("called but did not come (no-show)"), "cancelled": _("walked away"),
        "transferred": _("transferred to another service"), "removed_by_reset": _("removed at the end of the day"),
    }.get(ticket.status)
    return ticket.status.replace("_", " ") if said is None else said.format(counter=at)


# The desk's actions (the queue functions' names) and the event each one writes.
_ACTION_EVENTS = {
    "recall": "recalled", "start": "started", "complete": "completed", "no_show": "no_show",
    "requeue": "requeued", "requeue_front": "requeued", "cancel": "cancelled", "transfer": "transferred",
    "call_next": "called",
}


def action_words(action: str, ticket: TicketInfo) -> str:
    """The message after a counter action (`action`: the queue function's name, or requeue_front) returned
    `ticket`: for a transfer that is the new ticket, whose parent is the one the teller held."""
    kind = _ACTION_EVENTS.get(action, action)
    number = _shown(ticket.number, ticket.former_number)
    if kind == "transferred" and ticket.parent_number:
        return event_words(kind, ticket.parent_number, service=ticket.service_name, new=ticket.number)
    return event_words(kind, number, count=ticket.recall_count, front=action == "requeue_front",
                       service=ticket.service_name, counter=ticket.counter)


def _shown(number: str, former: str | None) -> str:
    return _("{number} (was {former})").format(number=number, former=former) if former else number
