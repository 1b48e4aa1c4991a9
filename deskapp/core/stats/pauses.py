"""Time paused by reason, per counter and staff member, from the counter events.

A pause runs from a `paused` event to the counter's next `opened`, `resumed` or `closed` event (a
counter left paused overnight is closed by the next day's reset at the midnight that ended its day;
deskapp.core.queue.counter_events). Its reason is the event's (config `pause_reasons`; empty for a
pause given none, or paused before reasons were kept) and its person is the one sitting at the
counter. The report counts, per (counter, person, reason), the pauses that touch the period and
their minutes within it; a pause still running counts up to now.

Reading costs the period's events (by the `at` index) plus one indexed look-up per counter for its
state when the period starts, as open_minutes does.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.core.queue.counter_events import OPENS, STATE_KINDS
from deskapp.core.queue.counters import pause_label
from deskapp.db.models import Counter, CounterEvent, Staff
from deskapp.i18n import N_, _


@dataclass(frozen=True)
class PauseFigure:
    counter: str
    counter_name: str
    login: str | None
    staff_name: str | None
    reason: str | None  # the code; None when the pause gave none
    label: str  # what people read ("no reason given" for none)
    pauses: int
    minutes: float


NO_REASON = N_("no reason given")


def paused_by_reason(ctx: Context, since: dt.date, until: dt.date) -> list[PauseFigure]:
    """Per counter, person and reason: pauses and minutes paused within branch-local days since..until."""
    start, end = day_bounds(since, ctx.timezone)[0], day_bounds(until, ctx.timezone)[1]
    stop = min(end, ctx.now())
    if stop <= start:
        return []
    # Each counter with its last state event before the period (kind, staff, reason), in one statement.
    last = CounterEvent.alias()

    def before_start(column):
        return (last.select(column).where((last.counter == Counter.id) & (last.at < start)
                                          & last.kind.in_(STATE_KINDS))
                .order_by(last.at.desc(), last.id.desc()).limit(1))

    counters = {c.id: c for c in Counter.select(Counter.id, Counter.code, Counter.name,
                                                before_start(last.kind).alias("before_kind"),
                                                before_start(last.staff).alias("before_staff"),
                                                before_start(last.reason).alias("before_reason"))
                .where(Counter.branch == ctx.branch_id).order_by(Counter.id)}
    events: dict[int, list[tuple]] = {cid: [] for cid in counters}
    for counter_id, kind, at, staff_id, reason in (
        CounterEvent.select(CounterEvent.counter, CounterEvent.kind, CounterEvent.at, CounterEvent.staff,
                            CounterEvent.reason)
        # By the (counter, at) index from the branch's own counters, not every branch's events.
        .where(CounterEvent.counter.in_(list(counters)) & (CounterEvent.at >= start) & (CounterEvent.at < stop)
               & CounterEvent.kind.in_(STATE_KINDS))
        .order_by(CounterEvent.at, CounterEvent.id)
        .tuples()
    ) if counters else ():
        events[counter_id].append((at, kind, staff_id, reason))
    totals: dict[tuple[int, int | None, str | None], list] = {}

    def add(counter_id: int, pause: tuple, until_at: dt.datetime) -> None:
        began, staff_id, reason = pause
        entry = totals.setdefault((counter_id, staff_id, reason), [0, 0.0])
        entry[0] += 1
        entry[1] += max(0.0, (until_at - began).total_seconds() / 60)

    for counter_id, counter in counters.items():
        pause = (start, counter.before_staff, counter.before_reason) if counter.before_kind == "paused" else None
        for at, kind, staff_id, reason in events[counter_id]:
            if pause is not None and (kind in OPENS or kind == "closed" or kind == "paused"):
                add(counter_id, pause, at)
                pause = None
            if kind == "paused":
                pause = (at, staff_id, reason)
        if pause is not None:
            add(counter_id, pause, stop)
    people = {s.id: s for s in Staff.select(Staff.id, Staff.login, Staff.name)
              .where(Staff.id.in_([k[1] for k in totals if k[1] is not None] or [0]))}
    found = []
    for (counter_id, staff_id, reason), (count, minutes) in totals.items():
        counter, person = counters[counter_id], people.get(staff_id)
        found.append(PauseFigure(counter.code, counter.name, person.login if person else None,
                                 person.name if person else None, reason, pause_label(ctx, reason) or _(NO_REASON),
                                 count, minutes))
    order = {c: i for i, c in enumerate(counters)}
    codes = {c.code: cid for cid, c in counters.items()}
    return sorted(found, key=lambda f: (order[codes[f.counter]], f.login or "", f.reason or ""))
