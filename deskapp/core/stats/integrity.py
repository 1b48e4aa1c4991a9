"""What must hold in a queue database whatever happened to the desks: the invariant checker.

`check(branch_id)` reads the bound database (tickets, their events, counters) and returns every
broken rule as a sentence; an empty list means the queue is sound. `deskapp queue check` runs it
(after a crash, a restore or a disk problem); the fault suite in tests/reliability runs it after
every fault it causes. The rules:

- numbers are unique per service and day, and each service's numbers run 1..N without a gap
  (a number is taken only in the transaction that writes the ticket, so a gap is a lost ticket;
  N is the last one the service gave out, and a number a move took a ticket away from still
  counts as given out);
- no printed number went to two tickets in a day: every number a ticket held (its own, and the
  ones its "moved" events left behind) is held by that ticket alone;
- every ticket's events start with "issued" and replay, in order, as legal state changes
  (DESIGN.md's life cycle), ending in the ticket's stored status and counter;
- no counter ever held two tickets at once (replaying each counter's events in order), and
  now each counter holds at most one;
- a ticket held by a counter is held by the counter its last "called" event names;
- every valid day summary (deskapp.core.stats.day_summaries) still adds up to its day's tickets;
- before all of these, a SQLite file passes PRAGMA integrity_check (a damaged file is reported
  alone: its rows cannot be trusted for the rest).

`check(branch_id, since=day)` checks the tickets of that branch day and later only (their numbers,
events and counters, and the day summaries from that day): every rule is one of a day, since the day's
start removes the tickets still open, so a day's rows are sound or not whatever the days before hold.
A year of history at a busy branch is 60,000 tickets and 250,000 events read into Python; after a run
or a crash, the days that matter are the last ones (`deskapp queue check --since`).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter as Tally
from collections import defaultdict

from deskapp.core.stats import day_summaries
from deskapp.db import database
from deskapp.db.models import Service, Ticket, TicketEvent, TicketSequence
from deskapp.i18n import _

OPEN = ("waiting", "called", "serving")
# kind -> (states it may follow, state it leaves); None: the state does not change.
MOVES = {
    "called": (("waiting",), "called"),
    "recalled": (("called",), None),
    "started": (("called",), "serving"),
    "completed": (("serving",), "done"),
    "no_show": (("called",), "no_show"),
    "requeued": (("called",), "waiting"),
    "cancelled": (("waiting", "called"), "cancelled"),
    "transferred": (("serving",), "transferred"),
    "removed": (OPEN, "removed_by_reset"),
    "moved": (("waiting",), None),
    "customer": (OPEN, None),
}
RELEASES = {"completed", "no_show", "requeued", "cancelled", "transferred", "removed"}


def check(branch_id: int, since: dt.date | None = None) -> list[str]:
    """Every broken invariant in the branch's queue, in words; [] when all hold. `since`: only the
    branch days from that one on (module doc)."""
    damage = database.file_problem()
    if damage:
        return [_("The database file is damaged ({damage}): restore the last good backup.").format(damage=damage)]
    problems: list[str] = []
    where = Ticket.branch == branch_id
    if since is not None:
        where &= Ticket.day >= since
    tickets = {t.id: t for t in Ticket.select().where(where)}
    events: dict[int, list[TicketEvent]] = defaultdict(list)
    # By a join, not a list of ids: one statement however many tickets (a year of a branch is 60,000).
    for e in TicketEvent.select(TicketEvent).join(Ticket).where(where).order_by(TicketEvent.id):
        events[e.ticket_id].append(e)

    problems += _numbers(branch_id, tickets, events, since)
    for ticket in tickets.values():
        problems += _replay(ticket, events.get(ticket.id, []))
    problems += _counters(tickets, events)
    problems += [_("The report summary of {day} does not match that day's tickets.").format(day=day)
                 for day in day_summaries.mismatches(branch_id, since)]
    return problems


_NUMBER = re.compile(r"^([A-Z]+)(\d+)$")


def _numbers(branch_id: int, tickets: dict, events: dict, since: dt.date | None = None) -> list[str]:
    problems = []
    by_prefix = {prefix: sid for sid, prefix in
                 Service.select(Service.id, Service.prefix).where(Service.branch == branch_id).tuples()}
    seqs: dict[tuple, list[int]] = defaultdict(list)  # (service, day) -> the seqs its tickets have now
    taken: dict[tuple, set[int]] = defaultdict(set)  # (service, day) -> every seq given out
    holders: dict[tuple, set[int]] = defaultdict(set)  # (day, number) -> the tickets that held it
    for t in tickets.values():
        seqs[(t.service_id, t.day)].append(t.seq)
        taken[(t.service_id, t.day)].add(t.seq)
        held = _held_numbers(t, events.get(t.id, ()))
        for number in held:
            holders[(t.day, number)].add(t.id)
        for number in held - {t.number}:  # moved away from: still given out in its service
            match = _NUMBER.match(number)
            if match and match.group(1) in by_prefix:
                taken[(by_prefix[match.group(1)], t.day)].add(int(match.group(2)))
    given = TicketSequence.branch == branch_id
    if since is not None:
        given &= TicketSequence.day >= since
    last = {(sid, day): seq for sid, day, seq in TicketSequence.select(
        TicketSequence.service, TicketSequence.day, TicketSequence.last_seq).where(given).tuples()}
    for (service, day), found in seqs.items():
        doubled = sorted(seq for seq, n in Tally(found).items() if n > 1)
        if doubled:
            problems.append(_("service {service} on {day}: numbers issued twice: {doubled}").format(service=service, day=day, doubled=doubled))
    for key in sorted(set(taken) | set(last), key=str):
        service, day = key
        found = taken.get(key, set())
        missing = sorted(set(range(1, max([*found, last.get(key, 0)]) + 1)) - found)
        if missing:
            problems.append(_("service {service} on {day}: numbers missing (lost tickets): {missing}").format(service=service, day=day, missing=missing))
    for (day, number), ids in sorted(holders.items(), key=str):
        if len(ids) > 1:
            names = ", ".join(str(i) for i in sorted(ids))
            problems.append(_("number {number} issued twice on {day}: tickets {names} (a printed number is one customer's for the whole day)").format(number=number, day=day, names=names))
    return problems


def _held_numbers(ticket: Ticket, events) -> set[str]:
    """Every number the ticket was known by: its own, the one printed, and those its moves left."""
    numbers = {ticket.number} | ({ticket.former_number} if ticket.former_number else set())
    for e in events:
        if e.kind == "moved" and e.detail:
            try:
                detail = json.loads(e.detail)
            except ValueError:
                continue  # the replay of its events reports what matters about it
            if not isinstance(detail, dict):
                continue
            numbers |= {n for n in (detail.get("previous"), detail.get("number")) if isinstance(n, str)}
    return numbers


def _replay(ticket: Ticket, events: list[TicketEvent]) -> list[str]:
    name = _("ticket {number} (id {id})").format(number=ticket.number, id=ticket.id)
    if not events or events[0].kind != "issued":
        return [_("{name}: the first event is {kind}, not issued").format(name=name, kind=events[0].kind) if events
                else _("{name}: the first event is missing, not issued").format(name=name)]
    state, counter = "waiting", None
    for e in events[1:]:
        if e.kind == "issued":
            return [_("{name}: issued twice (event {event})").format(name=name, event=e.id)]
        if e.kind not in MOVES:
            return [_("{name}: unknown event {kind} (event {event})").format(name=name, kind=e.kind, event=e.id)]
        before, after = MOVES[e.kind]
        if state not in before:
            return [_("{name}: {kind} while {state} (event {event})").format(name=name, kind=e.kind, state=state, event=e.id)]
        if e.kind == "called":
            counter = e.counter_id
        elif e.kind in ("recalled", "started", "completed", "no_show", "requeued", "transferred") \
                and e.counter_id != counter:
            return [_("{name}: {kind} by counter {counter} but held by {holder} (event {event})").format(
                name=name, kind=e.kind, counter=e.counter_id, holder=counter, event=e.id)]
        if after is not None:
            state = after
        if e.kind == "requeued":
            counter = None
    problems = []
    if state != ticket.status:
        problems.append(_("{name}: stored status {status} but its events end in {state}").format(name=name, status=ticket.status, state=state))
    if ticket.status in ("called", "serving") and ticket.counter_id != counter:
        problems.append(_("{name}: held by counter {counter_id} but called by {counter}").format(name=name, counter_id=ticket.counter_id, counter=counter))
    if ticket.status == "waiting" and ticket.counter_id is not None:
        problems.append(_("{name}: waiting yet assigned to counter {counter_id}").format(name=name, counter_id=ticket.counter_id))
    return problems


def _counters(tickets: dict, events: dict) -> list[str]:
    problems = []
    held_now: dict[int, list[str]] = defaultdict(list)
    for t in tickets.values():
        if t.status in ("called", "serving"):
            held_now[t.counter_id].append(t.number)
    for counter, numbers in held_now.items():
        if len(numbers) > 1:
            problems.append(_("counter {counter} holds {n} tickets at once: {numbers}").format(counter=counter, n=len(numbers), numbers=sorted(numbers)))
    # History: each counter's calls and releases in event order (one counter's changes are
    # serialised by its row lock or SQLite's write lock, so event ids follow commit order).
    flow = sorted((e for evs in events.values() for e in evs if e.kind == "called" or e.kind in RELEASES),
                  key=lambda e: e.id)
    holding: dict[int, int] = {}
    for e in flow:
        if e.kind == "called":
            if e.counter_id in holding:
                problems.append(_("counter {counter} called ticket {ticket} while holding ticket {held} (event {event})").format(
                    counter=e.counter_id, ticket=e.ticket_id, held=holding[e.counter_id], event=e.id))
            holding[e.counter_id] = e.ticket_id
        elif e.counter_id is not None and holding.get(e.counter_id) == e.ticket_id:
            del holding[e.counter_id]
    return problems
