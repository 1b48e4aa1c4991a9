"""The queue: tickets, the branch day, counters, the calling order, waits and Erlang C.

The ticket life cycle: issue, call, recall, start, complete, requeue, no-show, cancel, transfer.

Every change is one transaction that checks the ticket's state, writes the new state, appends a
TicketEvent and bumps the change marker; an illegal change raises QueueError with words a teller
understands. Call-next is one atomic claim across processes: SQLite runs every transaction as
BEGIN IMMEDIATE; PostgreSQL locks the counter row and claims the ticket FOR UPDATE SKIP LOCKED.

Allowed changes (DESIGN.md): waiting -> called -> serving -> done; called -> waiting (requeue);
called -> no_show; waiting or called -> cancelled; serving -> transferred (a new linked ticket
waits in the target service); any open ticket -> removed_by_reset at the end of the day.

Modules: tickets (states, TicketInfo, lookups), issuing, calling (calling order, call-next, the held
ticket's changes), counters (open/pause/close, work profiles, logout), day (the branch day's rollover),
edits (a supervisor's cancel and move of waiting tickets), ordering (the pure calling-order rules),
counter_events, waits (estimated wait per ticket), estimate (Erlang C), floor (the live floor for screens),
waiting_list (a counter's waiting tickets in calling order), picking (calling a chosen ticket, out of
order with a reason, and how often that happens), history (every event of one ticket, in words).

May import: deskapp.core's kernel (clock, context, changes), security, customers, db and config.
The life cycle's public functions are re-exported here, so callers write `queue.call_next(...)`;
modules inside the package import their siblings directly.
"""
from __future__ import annotations

from deskapp.core.queue.calling import (
    CANDIDATES,
    acting_at,
    call_next,
    calling_order,
    cancel,
    complete,
    no_show,
    priority_rules,
    profile,
    recall,
    recent_classes,
    requeue,
    start,
    transfer,
    waiting_for,
)
from deskapp.core.queue.counters import (
    COUNTER_STATES,
    logout,
    open_counter,
    set_counter_state,
    set_profile,
)
from deskapp.core.queue.day import close_day, ensure_day
from deskapp.core.queue.edits import cancel_waiting, move_waiting
from deskapp.core.queue.history import TicketHistory, ticket_history
from deskapp.core.queue.issuing import Issued, issue
from deskapp.core.queue.picking import call_ticket
from deskapp.core.queue.tickets import (
    CALLED,
    CANCELLED,
    DONE,
    HELD_STATES,
    NO_SHOW,
    OPEN_STATES,
    REMOVED,
    SERVING,
    TRANSFERRED,
    WAITING,
    NotFound,
    QueueError,
    TicketInfo,
    attach_customer,
    find_today,
    held_by,
    ticket_info,
    ticket_infos,
)
from deskapp.core.queue.waiting_list import WaitingList, WaitingTicket, waiting_list

__all__ = [
    "CALLED", "CANCELLED", "CANDIDATES", "COUNTER_STATES", "DONE", "HELD_STATES", "NO_SHOW", "OPEN_STATES",  # i18n: not words
    "REMOVED", "SERVING", "TRANSFERRED", "WAITING", "Issued", "NotFound", "QueueError", "TicketInfo",  # i18n: not words
    "acting_at", "attach_customer", "call_next", "calling_order", "cancel", "cancel_waiting", "close_day", "complete",
    "ensure_day", "find_today", "held_by", "issue", "logout", "move_waiting", "no_show", "open_counter",
    "priority_rules", "profile", "recall", "recent_classes", "requeue", "set_counter_state", "set_profile",
    "start", "ticket_info", "ticket_infos", "transfer", "waiting_for",
    "TicketHistory", "WaitingList", "WaitingTicket", "call_ticket", "ticket_history",  # i18n: not words
    "waiting_list",
]
