"""The branch day: the first action of a new local day closes what the last one left open."""
from __future__ import annotations

import datetime as dt

from deskapp.core import changes
from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.core.queue import counter_events
from deskapp.core.queue.tickets import OPEN_STATES, REMOVED, _event
from deskapp.db.database import is_postgres, transaction
from deskapp.db.models import (
    Branch,
    Counter,
    Ticket,
)


def ensure_day(ctx: Context) -> int:
    """At the first use on a new branch-local day, close the previous days. Returns tickets removed."""
    today = ctx.today()
    if getattr(ctx, "_day_checked", None) == today:
        return 0

    def work() -> int:
        branch = _lock_branch(ctx)
        removed = 0
        if branch.current_day != today:
            removed = _close_days_before(ctx, today, "new branch day")  # i18n: not words
            Branch.update(current_day=today).where(Branch.id == branch.id).execute()
            changes.bump(ctx.branch_id)
        return removed

    removed = transaction(work)
    ctx._day_checked = today  # type: ignore[attr-defined]
    return removed


def close_day(ctx: Context) -> int:
    """End of day by hand (`deskapp queue close-day`): every open ticket is removed, counters close."""

    def work() -> int:
        _lock_branch(ctx)
        removed = _close_days_before(ctx, ctx.today() + dt.timedelta(days=1), "close-day")
        changes.bump(ctx.branch_id)
        return removed

    return transaction(work)


def _lock_branch(ctx: Context) -> Branch:
    """The branch row, locked on PostgreSQL so that only one desk closes a day (SQLite's BEGIN
    IMMEDIATE already serialises writers); otherwise two desks starting the day at once would
    both remove the same tickets and write two "removed" events for each."""
    query = Branch.select().where(Branch.id == ctx.branch_id)
    if is_postgres():
        query = query.for_update()
    return query.get()


def _close_days_before(ctx: Context, day: dt.date, reason: str) -> int:
    now = ctx.now()
    query = Ticket.select().where(
        (Ticket.branch == ctx.branch_id) & (Ticket.day < day) & Ticket.status.in_(OPEN_STATES)
    )
    if is_postgres():
        # A desk may be completing one of them right now: wait, and leave it out if it closed.
        query = query.for_update()
    stale = list(query)
    _close_counters_before(ctx, day, now)
    for ticket in stale:
        _event(ticket, "removed", now, counter_id=ticket.counter_id, previous=ticket.status, reason=reason)
    if stale:
        Ticket.update(status=REMOVED, ended_at=now).where(Ticket.id.in_([t.id for t in stale])).execute()
    return len(stale)


def _close_counters_before(ctx: Context, day: dt.date, now: dt.datetime) -> None:
    """Close the counters opened before `day`: a teller who sat down this morning, before the day's
    first ticket started the branch day, keeps the counter. Each close is a counter event at the
    midnight that ended the counter's day (deskapp.core.counter_events), or now if that is sooner."""
    from deskapp.core.clock import local_day

    stale = Counter.select().where(
        (Counter.branch == ctx.branch_id) & (Counter.state != "closed")
        & (Counter.state_since.is_null() | (Counter.state_since < day_bounds(day, ctx.timezone)[0]))
    )
    for counter in stale:
        at = now
        if counter.state_since is not None:
            at = min(now, day_bounds(local_day(counter.state_since, ctx.timezone), ctx.timezone)[1])
        counter_events.record(counter.id, "closed", at, staff_id=counter.staff_id, by=None)
        Counter.update(state="closed", staff=None, state_since=now, pause_reason=None).where(
            Counter.id == counter.id).execute()
