"""Counter events (open, pause, resume, close, log-out) and the open counter-hours measured from them.

Every change of a counter's state appends one CounterEvent in the same transaction as the change
(deskapp.core.queue). A counter is open from an `opened` or `resumed` event to the next `paused`
or `closed` one; pauses are not open time. A `logout` notes that the person left the desk; the
counter's state does not change with it (locking a desk keeps its counter and ticket), so neither
does its open time. A handover (another teller takes an open, idle counter) is an `opened` event
while it is already open: it changes who, not the open time.

Open time is split at branch-local midnight: each (counter, day) gets the minutes the counter was
open within that day. A counter open now counts up to now. A counter left open when the branch day
ends is closed by the next day's reset, and its `closed` event is written at the midnight that
ended its day, not when the reset ran (a desk left open overnight was not serving anybody).

Reading a period costs its own events (by the `at` index) plus one indexed look-up per counter
for its state when the period starts: not the history's size.
"""
from __future__ import annotations

import datetime as dt

from deskapp.core.clock import day_bounds
from deskapp.db.models import Counter, CounterEvent

OPENS = ("opened", "resumed")
ENDS = ("paused", "closed")
STATE_KINDS = OPENS + ENDS
KINDS = STATE_KINDS + ("logout",)


def record(counter_id: int, kind: str, at: dt.datetime, *, staff_id: int | None, by: str | None,
           reason: str | None = None) -> None:
    """Append one event; callers write it in the transaction that changes the counter. `reason`: a
    pause's reason code (config pause_reasons)."""
    if kind not in KINDS:
        raise ValueError(f"unknown counter event '{kind}'")  # i18n: not words
    CounterEvent.insert(counter=counter_id, kind=kind, at=at, staff=staff_id, by=by, reason=reason).execute()


def state_change(counter_id: int, before: str, after: str, at: dt.datetime, *, staff_id: int | None,
                 by: str | None, handover: bool = False, reason: str | None = None) -> None:
    """The event for a counter going from state `before` to `after` (nothing when nothing changed);
    `reason` goes with a pause."""
    if after == "open":
        if before == "paused":
            record(counter_id, "resumed", at, staff_id=staff_id, by=by)
        elif before != "open" or handover:
            record(counter_id, "opened", at, staff_id=staff_id, by=by)
    elif after != before:
        record(counter_id, after, at, staff_id=staff_id, by=by, reason=reason if after == "paused" else None)


def open_minutes(branch_id: int, timezone: str, since: dt.date, until: dt.date,
                 now: dt.datetime) -> dict[tuple[int, dt.date], float]:
    """(counter id, local day) -> minutes open that day, for every counter open at some time in
    the period (branch-local days since..until). See the module doc."""
    start, end = day_bounds(since, timezone)[0], day_bounds(until, timezone)[1]
    stop = min(end, now)
    result: dict[tuple[int, dt.date], float] = {}
    if stop <= start:
        return result
    # Each counter with its last state event before the period, in one statement (a refresh of a
    # branch with 12 counters sent 13; every statement is a round trip on PostgreSQL).
    last = CounterEvent.alias()
    before_start = (last.select(last.kind).where((last.counter == Counter.id) & (last.at < start)
                                                 & last.kind.in_(STATE_KINDS))
                    .order_by(last.at.desc(), last.id.desc()).limit(1))
    counters = {c.id: c for c in Counter.select(Counter.id, Counter.state, Counter.state_since,
                                                before_start.alias("before_kind"))
                .where(Counter.branch == branch_id)}
    changes: dict[int, list[tuple[dt.datetime, str]]] = {cid: [] for cid in counters}
    for counter_id, kind, at in (
        CounterEvent.select(CounterEvent.counter, CounterEvent.kind, CounterEvent.at)
        # By the (counter, at) index from the branch's own counters, not the whole network's events.
        .where(CounterEvent.counter.in_(list(counters)) & (CounterEvent.at >= start) & (CounterEvent.at < stop)
               & CounterEvent.kind.in_(STATE_KINDS))
        .order_by(CounterEvent.at, CounterEvent.id)
        .tuples()
    ) if counters else ():
        changes[counter_id].append((at, kind))
    for counter_id, counter in counters.items():
        before = None if counter.before_kind is None else (counter.before_kind,)
        events = changes[counter_id]
        if before is None and not events and counter.state == "open" and counter.state_since is not None:
            # Opened before counter events were recorded (a database upgraded to 0007).
            events = [(max(counter.state_since, start), "opened")]
        opened_at = start if before is not None and before[0] in OPENS else None
        for at, kind in events:
            if kind in OPENS and opened_at is None:
                opened_at = at
            elif kind in ENDS and opened_at is not None:
                _add(result, counter_id, opened_at, at, timezone)
                opened_at = None
        if opened_at is not None:
            _add(result, counter_id, opened_at, stop, timezone)
    return result


def _add(result: dict, counter_id: int, first: dt.datetime, last: dt.datetime, timezone: str) -> None:
    """Add the interval first..last to each local day it touches; an empty interval adds nothing."""
    from deskapp.core.clock import local_day

    if last <= first:
        return
    day = local_day(first, timezone)
    while True:
        day_end = day_bounds(day, timezone)[1]
        upto = min(last, day_end)
        key = (counter_id, day)
        if upto > first:
            result[key] = result.get(key, 0.0) + (upto - first).total_seconds() / 60
        if last <= day_end:
            return
        first, day = day_end, day + dt.timedelta(days=1)
