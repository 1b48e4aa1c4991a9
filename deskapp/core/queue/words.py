"""What happened to a ticket, in the teller's words.

Every screen's message about a ticket (desk, reception, supervisor) is worded here, from the same event
kinds the TicketEvent table stores, so "A004: called" after a recall or "E001: cancelled" after a walk-away
cannot come back: a recall reads "A004 recalled (2nd time)", a walk-away "E001 walked away".
"""
from __future__ import annotations

from deskapp.core.queue.tickets import TicketInfo


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th ... 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def event_words(kind: str, number: str, *, count: int = 0, front: bool = False, service: str | None = None,
                counter: str | None = None, new: str | None = None) -> str:
    """One ticket event as a teller says it. `number` is the ticket's number as shown ("A005 (was C001)");
    `count` the recall's count, `front` where a requeue or move put it, `service` the service it went to
    (its name), `counter` where it was called, `new` the number a transfer or move gave it."""
    as_new = f" as {new}" if new and new != number else ""
    if kind == "issued":
        return f"{number} issued" + (f" for {service}" if service else "")
    if kind == "called":
        return f"{number} called" + (f" to {counter}" if counter else "")
    if kind == "recalled":
        return f"{number} recalled ({ordinal(count)} time)" if count else f"{number} recalled"
    if kind == "started":
        return f"{number} now being served"
    if kind == "completed":
        return f"{number} served and completed"
    if kind == "no_show":
        return f"{number} did not come: marked a no-show"
    if kind == "requeued":
        return f"{number} back in the queue at the {'front' if front else 'back'}"
    if kind == "cancelled":
        return f"{number} walked away"
    if kind == "transferred":
        return f"{number} transferred to {service or 'another service'}{as_new}"
    if kind == "moved":
        where = "to the front of the queue" if front else f"to {service or 'another service'}"
        return f"{number} moved {where}{as_new}"
    if kind in ("removed", "removed_by_reset"):
        return f"{number} removed at the end of the day"
    if kind == "booked":
        return f"{number} issued for a booking"
    if kind == "customer":
        return f"{number}: customer identified"
    return f"{number}: {kind.replace('_', ' ')}"


def status_words(ticket: TicketInfo, counter_name: str | None = None) -> str:
    """Where a ticket stands now, for whoever issued it ("called to Counter 2", "served"); `counter_name`
    names the counter that holds or held it."""
    at = counter_name or ticket.counter or "a counter"
    return {
        "waiting": "waiting", "called": f"called to {at}", "serving": f"being served at {at}",
        "done": f"served at {at}", "no_show": "called but did not come (no-show)", "cancelled": "walked away",
        "transferred": "transferred to another service", "removed_by_reset": "removed at the end of the day",
    }.get(ticket.status, ticket.status.replace("_", " "))


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
    return f"{number} (was {former})" if former else number
