"""What the supervisor's dashboard shows, read in one call: the floor now, today's figures, alerts,
staffing advice, today's feedback and the slowest workflow steps.

Alerts (each one plain sentence):
- a service whose longest wait is past its target;
- a service with tickets waiting and no open counter serving it;
- an open counter holding no ticket for IDLE_ALERT_MINUTES or more while tickets wait in any
  queue (idle since the later of its last ticket event today and when it opened).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import fn

from deskapp.core import staffing, stats
from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.core.floor import CounterStatus, ServiceStatus, queue_status
from deskapp.core.queue import WAITING, TicketInfo, ticket_infos
from deskapp.core.step_stats import StepFigures, step_figures
from deskapp.db.models import Counter, Ticket, TicketEvent

IDLE_ALERT_MINUTES = 2
SLOWEST_STEPS = 5
WAITING_SHOWN = 100


@dataclass(frozen=True)
class CounterNow:
    status: CounterStatus
    idle_since: dt.datetime | None  # open and holding no ticket since; None otherwise


@dataclass(frozen=True)
class FeedbackToday:
    csat_pct: float | None
    nps: float | None
    response_rate: float | None
    responses: int


@dataclass(frozen=True)
class Dashboard:
    at: dt.datetime
    services: tuple[ServiceStatus, ...]
    counters: tuple[CounterNow, ...]
    today: stats.PeriodStats
    alerts: tuple[str, ...]
    advice: tuple[staffing.Advice, ...]
    feedback: FeedbackToday | None  # None when the feedback module is not part of this build
    slowest_steps: tuple[StepFigures, ...]
    waiting: tuple[TicketInfo, ...]  # today's waiting tickets, per service, front and oldest first


def _last_events(ctx: Context) -> dict[str, dt.datetime]:
    start, end = day_bounds(ctx.today(), ctx.timezone)
    rows = (
        TicketEvent.select(Counter.code, fn.MAX(TicketEvent.at))
        .join(Counter)
        .where((TicketEvent.at >= start) & (TicketEvent.at < end) & (Counter.branch == ctx.branch_id))
        .group_by(Counter.code)
        .tuples()
    )
    return {code: _as_datetime(at) for code, at in rows}


def _as_datetime(value) -> dt.datetime:
    """MAX() over a datetime column comes back as text on SQLite."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def alerts(services: tuple[ServiceStatus, ...], counters: tuple[CounterNow, ...], now: dt.datetime) -> list[str]:
    found = []
    for s in services:
        if s.longest_wait_minutes is not None and s.longest_wait_minutes > s.target_wait_minutes:
            found.append(f"{s.code}: longest wait {int(s.longest_wait_minutes)} min, past its "
                         f"{s.target_wait_minutes} min target")
        if s.waiting and not s.open_counters:
            found.append(f"{s.code}: {s.waiting} waiting and no open counter serves it")
    waiting = {s.code: s.waiting for s in services if s.waiting}
    if waiting:
        for c in counters:
            if c.idle_since is None or now - c.idle_since < dt.timedelta(minutes=IDLE_ALERT_MINUTES):
                continue
            idle = int((now - c.idle_since).total_seconds() // 60)
            own = [code for code in c.status.services if code in waiting]
            where = ", ".join(f"{code} {waiting[code]}" for code in (own or waiting))
            suffix = "" if own else " (not in its profile)"
            found.append(f"{c.status.name} idle {idle} min while tickets wait: {where}{suffix}")
    return found


def _feedback_today(ctx: Context) -> FeedbackToday | None:
    try:
        from deskapp.core import feedback
    except ImportError:
        return None
    s = feedback.summary(ctx, feedback.FeedbackFilter(since=ctx.today(), until=ctx.today()))
    return FeedbackToday(s.csat_pct, s.nps, s.response_rate, s.counts.customer_responses)


def dashboard(ctx: Context) -> Dashboard:
    now = ctx.now()
    floor = queue_status(ctx)
    last = _last_events(ctx)
    counters = []
    for c in floor.counters:
        idle_since = None
        if c.state == "open" and c.ticket is None:
            moments = [m for m in (c.since, last.get(c.code)) if m is not None]
            idle_since = max(moments) if moments else None
        counters.append(CounterNow(c, idle_since))
    steps = sorted((s for s in step_figures(ctx, ctx.today(), ctx.today()) if s.mean_minutes is not None),
                   key=lambda s: -s.mean_minutes)[:SLOWEST_STEPS]
    return Dashboard(
        at=now, services=floor.services, counters=tuple(counters), today=stats.today_stats(ctx),
        alerts=tuple(alerts(floor.services, tuple(counters), now)),
        advice=tuple(staffing.staffing_advice(ctx, floor.services)),
        feedback=_feedback_today(ctx), slowest_steps=tuple(steps), waiting=tuple(waiting_tickets(ctx)),
    )


def waiting_tickets(ctx: Context, limit: int = WAITING_SHOWN) -> list[TicketInfo]:
    """Today's waiting tickets, grouped by service, those moved to the front first, then the oldest."""
    ids = [r[0] for r in Ticket.select(Ticket.id)
           .where((Ticket.branch == ctx.branch_id) & (Ticket.day == ctx.today()) & (Ticket.status == WAITING))
           .order_by(Ticket.service, Ticket.front.desc(), Ticket.queued_at, Ticket.id)
           .limit(limit).tuples()]
    if not ids:
        return []
    by_id = {t.id: t for t in ticket_infos(Ticket.id.in_(ids))}
    return [by_id[i] for i in ids]
