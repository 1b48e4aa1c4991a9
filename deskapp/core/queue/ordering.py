"""The calling order: which waiting ticket a counter calls next. Pure functions, table-tested.

Rules, in order:
0. A ticket transferred to this counter, or to the person at it (queue.handover), goes first, of
   whatever service, earliest handed over first: a colleague sent the customer here by name. Such a
   ticket is never among another counter's candidates (deskapp.db.statements leaves it out).
1. A ticket that has waited `max_wait` or longer (since it was issued) goes first, across all of
   the counter's services; the longest-waiting of them.
2. Otherwise the counter's services in work-profile order: the first service with a waiting
   ticket is served.
3. Within a service, a ticket requeued to the front goes first (earliest requeued first); then a
   checked-in booking whose slot has come (`booked_for`, earliest slot first; queue.booked leaves
   out those not yet due and those named for another counter's staff).
4. Otherwise priority classes share the calls by weight (stride scheduling over the service's
   recent calls): each waiting class c scores (calls of c among the service's last W - 1 calls
   + 1) / weight(c), W being the sum of the weights of the classes that wait; the lowest score
   wins, ties to the heavier class, then to the class listed first. Weights 2 and 1 call two
   priority tickets, then one normal, while both wait; a lone class is simply served. The
   window is W - 1, not W: in a fair run the last W - 1 calls lack exactly one call of one
   class, the only class scoring 1 (the others score (weight + 1) / weight); over the last W
   calls every class would be at its share and the heaviest would win every tie (3:1 for
   weights 2:1). W counts only waiting classes so that, of weights 3, 2 and 1, the 3 and the 1
   share 3:1 while nobody of the 2 waits.
5. First come, first served among equals: earliest place in line, then lowest ticket id.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Waiting:
    id: int
    service: int
    priority: str
    issued_at: dt.datetime
    queued_at: dt.datetime
    front: bool = False
    booked_for: dt.datetime | None = None  # a checked-in booking's slot (set by queue.booked.arrange)
    directed: bool = False  # transferred to this counter or the person at it (rule 0)


@dataclass(frozen=True)
class PriorityRule:
    code: str
    weight: int


def _fifo(t: Waiting) -> tuple:
    return (t.queued_at, t.id)


def choose_class(waiting_classes: set[str], classes: Sequence[PriorityRule], recent: Sequence[str]) -> str:
    """The class to call next within one service (rule 4); `recent` is newest first."""
    window = list(recent[: max(0, sum(c.weight for c in classes if c.code in waiting_classes) - 1)])
    best: tuple | None = None
    for index, rule in enumerate(classes):
        if rule.code not in waiting_classes:
            continue
        score = (window.count(rule.code) + 1) / rule.weight
        key = (score, -rule.weight, index)
        if best is None or key < best[0]:
            best = (key, rule.code)
    if best is None:
        # A class no longer in the configuration: serve it rather than strand it.
        return sorted(waiting_classes)[0]
    return best[1]


def next_ticket(
    waiting: Sequence[Waiting],
    profile: Sequence[int],
    classes: Sequence[PriorityRule],
    recent_calls: Mapping[int, Sequence[str]],
    now: dt.datetime,
    max_wait: dt.timedelta,
) -> Waiting | None:
    """The ticket a counter with this work profile calls next, or None."""
    directed = [t for t in waiting if t.directed]
    if directed:
        return min(directed, key=_fifo)
    served = set(profile)
    mine = [t for t in waiting if t.service in served]
    if not mine:
        return None
    overdue = [t for t in mine if now - t.issued_at >= max_wait]
    if overdue:
        return min(overdue, key=lambda t: (t.issued_at, t.id))
    for service in profile:
        queue = [t for t in mine if t.service == service]
        if queue:
            return first_in_service(queue, classes, recent_calls.get(service, ()))
    return None


def first_in_service(queue: Sequence[Waiting], classes: Sequence[PriorityRule], recent: Sequence[str]) -> Waiting:
    fronts = [t for t in queue if t.front]
    if fronts:
        return min(fronts, key=_fifo)
    booked = [t for t in queue if t.booked_for is not None]
    if booked:
        return min(booked, key=lambda t: (t.booked_for, *_fifo(t)))
    chosen = choose_class({t.priority for t in queue}, classes, recent)
    return min((t for t in queue if t.priority == chosen), key=_fifo)


def service_order(queue: Sequence[Waiting], classes: Sequence[PriorityRule], recent: Sequence[str],
                  now: dt.datetime | None = None, max_wait: dt.timedelta | None = None) -> list[Waiting]:
    """The order in which one service's waiting tickets would be called, by simulating rules 1 and 3-5.

    Used for positions and expected waits; the simulation appends each pick to the recent calls,
    so the interleave shows in the positions too. Given `now` and `max_wait`, the tickets already
    overdue come first (rule 1), as a counter would call them; without, rule 1 is left out.
    """
    remaining = list(queue)
    history = list(recent)
    order: list[Waiting] = []
    overdue = [] if now is None or max_wait is None else sorted(
        (t for t in remaining if now - t.issued_at >= max_wait), key=lambda t: (t.issued_at, t.id))
    for pick in overdue:
        order.append(pick)
        remaining.remove(pick)
        history.insert(0, pick.priority)
    while remaining:
        pick = first_in_service(remaining, classes, history)
        order.append(pick)
        remaining.remove(pick)
        history.insert(0, pick.priority)
    return order
