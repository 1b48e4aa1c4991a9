"""What the supervisor's dashboard shows, read in one call: the floor now, today's figures, alerts,
staffing advice, feedback today and over 30 days, open follow-ups, the slowest workflow steps, the
numbers behind the charts (per hour today, the wait distribution) and the locked staff accounts.

Cost per refresh follows today's volume: every query reads today's rows by an index, open
follow-ups by their status, and the 30-day feedback figures add today's counts to those of the 29
days before, which are read once per day and process (and again after FEEDBACK_HISTORY_MINUTES,
so feedback entered late for an earlier ticket still shows).

The rest of today hour by hour (staffing.day_plan): counters needed against open. Today's wait
promises against the waits had (deskapp.core.stats.accuracy), per service and ALL.

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

from deskapp.core import metrics
from deskapp.core.clock import day_bounds
from deskapp.core.context import Context
from deskapp.core.customers import followups
from deskapp.core.customers.followups import FollowUpInfo
from deskapp.core.queue import WAITING, TicketInfo, ticket_infos
from deskapp.core.queue.floor import CounterStatus, ServiceStatus, queue_status
from deskapp.core.queue.waits import services_minutes
from deskapp.core.security.auth import LockedStaff, locked_staff
from deskapp.core.stats import accuracy, period_sums, staffing
from deskapp.core.stats import figures as stats
from deskapp.core.stats.accuracy import Accuracy
from deskapp.core.stats.out_of_order import OutOfOrderRow, out_of_order_calls
from deskapp.core.stats.steps import StepFigures, step_figures
from deskapp.db.models import Counter, FollowUp, Ticket, TicketEvent
from deskapp.i18n import _

IDLE_ALERT_MINUTES = 2
SLOWEST_STEPS = 5
WAITING_SHOWN = 100
FOLLOWUPS_SHOWN = 50
FEEDBACK_DAYS = 30
FEEDBACK_HISTORY_MINUTES = 10


@dataclass(frozen=True)
class CounterNow:
    status: CounterStatus
    idle_since: dt.datetime | None  # open and holding no ticket since; None otherwise


@dataclass(frozen=True)
class FeedbackCounts:
    """What the feedback figures are computed from; counts of two periods add up."""

    satisfied: int = 0  # CSAT answers 4-5
    csat_answers: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    responses: int = 0  # customer responses
    completed: int = 0

    def __add__(self, other: FeedbackCounts) -> FeedbackCounts:
        return FeedbackCounts(*(a + b for a, b in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple[int, ...]:
        return (self.satisfied, self.csat_answers, self.promoters, self.passives, self.detractors,
                self.responses, self.completed)


@dataclass(frozen=True)
class FeedbackToday:
    """Feedback figures over some days (the name is kept from when it was only today's)."""

    csat_pct: float | None
    nps: float | None
    response_rate: float | None
    responses: int

    @classmethod
    def of(cls, c: FeedbackCounts) -> FeedbackToday:
        """The figures by deskapp.core.metrics' definitions."""
        return cls(metrics.CsatCounts(c.satisfied, c.csat_answers).pct,
                   metrics.NpsCounts(c.promoters, c.passives, c.detractors).score,
                   metrics.response_rate(c.responses, c.completed), c.responses)


@dataclass(frozen=True)
class FollowUpsNow:
    open: int  # not done
    overdue: int  # not done and past due
    items: tuple[FollowUpInfo, ...]  # the FOLLOWUPS_SHOWN due soonest (overdue first)


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
    feedback_30d: FeedbackToday | None = None  # the last FEEDBACK_DAYS days, today included
    followups: FollowUpsNow | None = None
    hours: tuple[stats.HourFigures, ...] = ()  # today, per branch-local hour with anything in it
    waits: tuple[stats.WaitBin, ...] = ()  # today's wait distribution
    locked: tuple[LockedStaff, ...] = ()  # staff accounts locked by wrong PINs now
    estimates: tuple[tuple[str, Accuracy], ...] = ()  # today's promised waits against actual, per service + ALL
    plan: tuple[staffing.HourPlan, ...] = ()  # the rest of today, hour by hour: counters needed and open
    # Today's calls before the ticket's turn: in all, per reason, per teller (deskapp.core.stats.out_of_order)
    out_of_order: tuple[OutOfOrderRow, ...] = ()


def _last_events(ctx: Context) -> dict[str, dt.datetime]:
    """Each counter's last ticket event today, by its code: per counter of the branch, the last entry of
    its (counter, at) index within today, so neither its whole history nor the rest of the network's
    today. As one join (the counter among the branch's, the event today), PostgreSQL chose the index on
    `at` alone and read every branch's events of the day (the planner's statistics, taken before the day's
    work, count few), 15,200 at 50 branches after 20 s of the network's desks (bench/network.py)."""
    start, end = day_bounds(ctx.today(), ctx.timezone)
    last = (TicketEvent.select(fn.MAX(TicketEvent.at))
            .where((TicketEvent.counter == Counter.id) & (TicketEvent.at >= start) & (TicketEvent.at < end)))
    rows = Counter.select(Counter.code, last.alias("last_at")).where(Counter.branch == ctx.branch_id).tuples()
    return {code: _as_datetime(at) for code, at in rows if at is not None}


def _as_datetime(value) -> dt.datetime:
    """MAX() over a datetime column comes back as text on SQLite."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def counter_now(status: CounterStatus, last_event: dt.datetime | None) -> CounterNow:
    """A counter with the moment it went idle: open, holding no ticket, since the later of when it
    opened and its last ticket event today (`last_event`)."""
    idle_since = None
    if status.state == "open" and status.ticket is None:
        moments = [m for m in (status.since, last_event) if m is not None]
        idle_since = max(moments) if moments else None
    return CounterNow(status, idle_since)


def alerts(services: tuple[ServiceStatus, ...], counters: tuple[CounterNow, ...], now: dt.datetime) -> list[str]:
    found = []
    for s in services:
        if s.longest_wait_minutes is not None and s.longest_wait_minutes > s.target_wait_minutes:
            found.append(_("{service}: longest wait {minutes} min, past its {target} min target").format(
                service=s.code, minutes=int(s.longest_wait_minutes), target=s.target_wait_minutes))
        if s.waiting and not s.open_counters:
            found.append(_("{service}: {n} waiting and no open counter serves it").format(service=s.code, n=s.waiting))
    waiting = {s.code: s.waiting for s in services if s.waiting}
    if waiting:
        for c in counters:
            if c.idle_since is None or now - c.idle_since < dt.timedelta(minutes=IDLE_ALERT_MINUTES):
                continue
            idle = int((now - c.idle_since).total_seconds() // 60)
            own = [code for code in c.status.services if code in waiting]
            where = ", ".join(f"{code} {waiting[code]}" for code in (own or waiting))
            said = (_("{counter} idle {minutes} min while tickets wait: {where}") if own
                    else _("{counter} idle {minutes} min while tickets wait: {where} (not in its profile)"))
            found.append(said.format(counter=c.status.name, minutes=idle, where=where))
    return found


def feedback_counts(ctx: Context, since: dt.date, until: dt.date) -> FeedbackCounts | None:
    """Customer feedback counts over branch-local days since..until (deskapp.core.feedback.summary);
    None when the feedback module is not part of this build."""
    try:
        from deskapp.core import feedback
    except ImportError:
        return None
    c = feedback.summary(ctx, feedback.FeedbackFilter(since=since, until=until)).counts
    return FeedbackCounts(c.csat.satisfied, c.csat.answers, c.nps.promoters, c.nps.passives, c.nps.detractors,
                          c.customer_responses, c.completed)


def _feedback(ctx: Context) -> tuple[FeedbackToday | None, FeedbackToday | None]:
    """Today's feedback figures and the last FEEDBACK_DAYS days' (the earlier days cached on ctx)."""
    today = feedback_counts(ctx, ctx.today(), ctx.today())
    if today is None:
        return None, None
    before = ctx.today() - dt.timedelta(days=1)
    cached = getattr(ctx, "_feedback_history", None)
    if cached is None or cached[0] != before or ctx.now() - cached[1] > dt.timedelta(minutes=FEEDBACK_HISTORY_MINUTES):
        counts = feedback_counts(ctx, before - dt.timedelta(days=FEEDBACK_DAYS - 2), before)
        cached = (before, ctx.now(), counts)
        ctx._feedback_history = cached  # type: ignore[attr-defined]
    return FeedbackToday.of(today), FeedbackToday.of(today + cached[2])


def open_followups(ctx: Context, limit: int = FOLLOWUPS_SHOWN) -> FollowUpsNow:
    """The branch's follow-ups not done: how many, how many overdue, and the soonest due."""
    # By the status index: done follow-ups pile up over the years, open ones do not.
    mine = (FollowUp.branch == ctx.branch_id) & FollowUp.status.in_((followups.OPEN, followups.IN_PROGRESS))
    now = ctx.now()
    total = FollowUp.select().where(mine).count()
    overdue = FollowUp.select().where(mine & (FollowUp.due_at < now)).count()
    ids = [r[0] for r in FollowUp.select(FollowUp.id).where(mine).order_by(FollowUp.due_at, FollowUp.id)
           .limit(limit).tuples()]
    by_id = {f.id: f for f in followups.many(ids)} if ids else {}
    return FollowUpsNow(total, overdue, tuple(by_id[i] for i in ids))


def dashboard(ctx: Context) -> Dashboard:
    """One refresh. The branch's set-up (services, counters, open counters' profiles) is read once, by the
    floor's read, and handed to the period's figures, the staffing advice and the day's plan; the services'
    recent service times are read once for the advice and the plan; the wait distribution is binned
    from the waits the period's figures read (tests/unit/test_network_statements.py pins the count)."""
    now = ctx.now()
    floor = queue_status(ctx)
    catalogue = floor.catalogue
    last = _last_events(ctx)
    counters = [counter_now(c, last.get(c.code)) for c in floor.counters]
    steps = sorted((s for s in step_figures(ctx, ctx.today(), ctx.today()) if s.mean_minutes is not None),
                   key=lambda s: -s.mean_minutes)[:SLOWEST_STEPS]
    today = ctx.today()
    fb_today, fb_30d = _feedback(ctx)
    # today is a period of one live day, read as a report reads any period
    figures = period_sums.period_stats(ctx, today, today, services=catalogue.services,
                                       counters=catalogue.counters)
    minutes = services_minutes(ctx, catalogue.active)
    return Dashboard(
        at=now, services=floor.services, counters=tuple(counters), today=figures,
        alerts=tuple(alerts(floor.services, tuple(counters), now)),
        advice=tuple(staffing.staffing_advice(ctx, catalogue=catalogue, minutes=minutes)),
        feedback=fb_today, slowest_steps=tuple(steps), waiting=tuple(waiting_tickets(ctx)),
        feedback_30d=fb_30d, followups=open_followups(ctx),
        hours=tuple(period_sums.hourly(ctx, today, today)), waits=tuple(stats.wait_bins(figures.waits)),
        locked=tuple(locked_staff(ctx)), estimates=tuple(accuracy.by_service(ctx, today, today)),
        plan=tuple(staffing.day_plan(ctx, today, catalogue=catalogue, minutes=minutes)),
        out_of_order=tuple(out_of_order_calls(ctx, ctx.today(), ctx.today())),
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
