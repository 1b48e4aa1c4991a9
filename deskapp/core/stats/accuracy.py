"""How good were the waits we promised? The promise kept with each ticket against the wait it had.

Definitions (one place; the report's `estimates` table, the supervisor's screen and bench/estimates.py
all use them):
- A ticket counts when it was issued on a branch-local day of the period with a promise recorded (an estimate was shown at
  issue) and was called: its actual wait is from issue to its FIRST call. Tickets that walked away
  before a call, tickets still waiting, tickets removed at the end of a day and tickets issued with
  no estimate (no open counter served the service; transfers) are left out.
- mean_actual_minutes, mean_estimate_minutes: plain means over the tickets counted.
- bias_minutes: mean of (estimate - actual); negative means promises too short.
- mae_minutes: mean of |estimate - actual|.
- baseline_mae_minutes: mean of |mean actual - actual|, the error of always promising the row's own
  mean actual wait (known only afterwards: a bar, not a rival).
- range_coverage: the share (0-1) of tickets whose actual wait lies within the range shown,
  low <= actual <= high; tickets with no range recorded are left out of it.
- Second view, "last shown" (the report's `estimates_last_shown` table): the same tickets, each judged
  on the latest estimate shown for it before its first call (a re-estimate kept in wait_reestimate,
  `deskapp queue ticket`), its actual wait then counted from when that was shown; the promise at
  issue for tickets shown nothing after it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from peewee import fn

from deskapp.core.context import Context
from deskapp.db.models import Service, Ticket, TicketEvent, WaitReestimate

ALL = "ALL"  # i18n: not words


@dataclass(frozen=True)
class Promise:
    actual: float
    estimate: float
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Accuracy:
    tickets: int
    mean_actual: float | None
    mean_estimate: float | None
    bias: float | None
    mae: float | None
    baseline_mae: float | None
    range_coverage: float | None


def accuracy(promises: Sequence[Promise]) -> Accuracy:
    """The figures of the module doc over some promises; None for each figure with no data."""
    n = len(promises)
    if n == 0:
        return Accuracy(0, None, None, None, None, None, None)
    mean_actual = sum(p.actual for p in promises) / n
    ranged = [p for p in promises if p.low is not None and p.high is not None]
    covered = sum(1 for p in ranged if p.low <= p.actual <= p.high)
    return Accuracy(
        tickets=n,
        mean_actual=mean_actual,
        mean_estimate=sum(p.estimate for p in promises) / n,
        bias=sum(p.estimate - p.actual for p in promises) / n,
        mae=sum(abs(p.estimate - p.actual) for p in promises) / n,
        baseline_mae=sum(abs(mean_actual - p.actual) for p in promises) / n,
        range_coverage=covered / len(ranged) if ranged else None,
    )


def promises(ctx: Context, since: dt.date, until: dt.date, *, last_shown: bool = False) -> dict[str, list[Promise]]:
    """The promises counted (module doc) for the branch-local days since..until, per service code
    (last_shown: the second view, each ticket's latest estimate shown before its first call)."""
    # The period's tickets by their branch-local day (an index), each joined to its own call events only.
    rows = (
        Ticket.select(Ticket.id, Service.code, Ticket.issued_at, fn.MIN(TicketEvent.at), Ticket.estimated_wait_minutes,
                      Ticket.estimated_wait_low, Ticket.estimated_wait_high)
        .join(Service, on=(Ticket.service == Service.id))
        .switch(Ticket)
        .join(TicketEvent, on=((TicketEvent.ticket == Ticket.id) & (TicketEvent.kind == "called")))
        # One day as an equality: SQLite, without planner statistics, reads a range through the index
        # on branch_id alone (the branch's whole history), an equality through (branch_id, day).
        .where((Ticket.branch == ctx.branch_id)
               & ((Ticket.day == since) if since == until else ((Ticket.day >= since) & (Ticket.day <= until)))
               & Ticket.estimated_wait_minutes.is_null(False))
        .group_by(Ticket.id, Service.code, Ticket.issued_at, Ticket.estimated_wait_minutes,
                  Ticket.estimated_wait_low, Ticket.estimated_wait_high)
        .tuples()
    )
    shown = _shown_later(ctx, since, until) if last_shown else {}
    out: dict[str, list[Promise]] = {}
    for ticket_id, code, issued, called, point, low, high in rows:
        if isinstance(called, str):  # SQLite hands an aggregate's datetime back as text
            called = dt.datetime.fromisoformat(called)
        later = [r for r in shown.get(ticket_id, ()) if r[0] <= called]
        if later:
            issued, point, low, high = later[-1]
        actual = max(0.0, (called - issued).total_seconds() / 60)
        out.setdefault(code, []).append(Promise(actual, point, low, high))
    return out


def _shown_later(ctx: Context, since: dt.date, until: dt.date) -> dict[int, list[tuple]]:
    """ticket id -> its re-estimates (at, point, low, high), oldest first, for the period's tickets."""
    out: dict[int, list[tuple]] = {}
    for ticket_id, at, point, low, high in (
            WaitReestimate.select(WaitReestimate.ticket, WaitReestimate.at, WaitReestimate.point, WaitReestimate.low,
                                  WaitReestimate.high)
            .join(Ticket, on=(WaitReestimate.ticket == Ticket.id))
            .where((Ticket.branch == ctx.branch_id) & (Ticket.day >= since) & (Ticket.day <= until))
            .order_by(WaitReestimate.ticket, WaitReestimate.at, WaitReestimate.id).tuples()):
        out.setdefault(ticket_id, []).append((at, point, low, high))
    return out


def by_service(ctx: Context, since: dt.date, until: dt.date,
               services: Iterable[str] | None = None, *, last_shown: bool = False) -> list[tuple[str, Accuracy]]:
    """One row per service (every configured service, in configuration order), then the ALL row."""
    found = promises(ctx, since, until, last_shown=last_shown)
    codes = list(services) if services is not None else [s.code for s in ctx.config.services]
    codes += sorted(c for c in found if c not in codes)
    rows = [(code, accuracy(found.get(code, []))) for code in codes]
    rows.append((ALL, accuracy([p for code in codes for p in found.get(code, [])])))
    return rows
