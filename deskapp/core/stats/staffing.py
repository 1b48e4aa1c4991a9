"""Staffing advice per service: Erlang C on the last hour's arrivals, over the counters open now.

For each active service: arrivals = tickets issued in it in the last hour (transfers in
included: they are arrivals of this service); service minutes = the recent mean the wait
estimates use (deskapp.core.waits.service_minutes: EWMA of recent services, else the configured
typical time). Counters serving several services are pooled: open counters sharing a service
form one pool with all the services they serve (chains join: 1 serves CASH+INFO, 2 serves
INFO+CARD: one pool), and each counter counts once. Per pool, needed = estimate.counters_needed
over the summed arrivals, the workload-weighted mean service time and target (TARGET_LEVEL within
target), against the pool's open counters. Per service the pool's verdict is said, with whether the
service's own share is covered: its share of the need (needed x its share of the pool's workload)
against its share of the open counters' time (each counter's time split over its profile by
workload). A service with no open counter is a pool of its own with none open.

day_plan: the rest of a day, hour by hour (`deskapp staffing`, the Supervisor screen): arrivals
forecast per service and hour from the same weekday of the last FORECAST_WEEKS weeks (recent weeks
weighing more), plus the bookings of that hour still to come (appointments.figures.booked_by_hour),
and Erlang C over the pooled counters, each counted once.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from deskapp.core.clock import to_local
from deskapp.core.context import Context
from deskapp.core.queue import estimate
from deskapp.core.queue.floor import Catalogue
from deskapp.core.queue.waits import services_minutes
from deskapp.db.models import Counter, Service, Ticket
from deskapp.i18n import _, ngettext

TARGET_LEVEL = 0.8
WINDOW_MINUTES = 60


@dataclass(frozen=True)
class Advice:
    service: str
    arrivals_last_hour: int
    service_minutes: float
    target_wait_minutes: int
    needed: int | None  # the pool's; None: more than estimate.counters_needed searches
    open_counters: int  # the pool's distinct open counters
    text: str
    pool: tuple[str, ...] = ()  # the services sharing those counters (this one included), config order
    share_covered: bool = True  # the service's share of the pool's need is within its share of the counters
    short: str = ""  # the advice in a narrow column, without the service's and the pool's names (advice_short)


@dataclass(frozen=True)
class Verdict:
    """What the advice says, before any words: advice_text and advice_short only choose them."""
    kind: str  # "none" (more than counters_needed searches), "more", "covered", "close" or "enough"
    n: int = 0  # counters to open ("more") or that could close ("close")
    shared: bool = False  # the verdict is a pool's of more than one service


def verdict(needed: int | None, open_counters: int, pool: tuple[str, ...] = (), covered: bool = True,
            arrivals: int = 1) -> Verdict:
    """The pool's need against its open counters; a short pool whose service's share is covered (or
    that had no arrivals) says so instead of asking for more."""
    shared = len(pool) > 1
    if needed is None:
        return Verdict("none", shared=shared)
    if needed > open_counters:
        if shared and (covered or not arrivals):
            return Verdict("covered", shared=shared)
        return Verdict("more", needed - open_counters, shared)
    if needed < open_counters:
        return Verdict("close", open_counters - needed, shared)
    return Verdict("enough", shared=shared)


def advice_text(service: str, needed: int | None, open_counters: int, pool: tuple[str, ...] = (),
                covered: bool = True, arrivals: int = 1) -> str:
    """The advice for one service; `pool` (more than one service): the verdict is the pool's, named once."""
    v = verdict(needed, open_counters, pool, covered, arrivals)
    named = len(pool) <= 3
    if v.kind == "none":
        return _("{service}: far more counters needed than the branch has").format(service=service)
    if v.kind == "covered":
        return _("{service}: its share is covered").format(service=service)
    if v.kind == "more":
        if not v.shared:
            said = ngettext("{service}: open {n} more counter", "{service}: open {n} more counters", v.n)
        elif named:
            said = ngettext("{service}: open {n} more counter for {pool}", "{service}: open {n} more counters for {pool}",
                            v.n)
        else:
            said = ngettext("{service}: open {n} more counter for its {services} services",
                            "{service}: open {n} more counters for its {services} services", v.n)
        return said.format(service=service, n=v.n, pool="+".join(pool), services=len(pool))
    if v.kind == "close":
        said = (_("{service}: could close {n}") if not v.shared else _("{service}: {pool} could close {n}") if named
                else _("{service}: its {services} services could close {n}"))
        return said.format(service=service, n=v.n, pool="+".join(pool), services=len(pool))
    return _("{service}: enough").format(service=service)


def advice_short(needed: int | None, open_counters: int, pool: tuple[str, ...] = (), covered: bool = True,
                 arrivals: int = 1) -> str:
    """advice_text's verdict for a narrow column, in the current language: no service or pool named,
    "(shared)" saying the verdict is the pool's ("open 1 more (shared)", "could close 1")."""
    v = verdict(needed, open_counters, pool, covered, arrivals)
    if v.kind == "none":
        return _("far more needed than the branch has")
    if v.kind == "covered":
        return _("its share is covered")
    if v.kind == "more":
        said = (ngettext("open {n} more (shared)", "open {n} more (shared)", v.n) if v.shared
                else ngettext("open {n} more", "open {n} more", v.n))
        return said.format(n=v.n)
    if v.kind == "close":
        said = _("could close {n} (shared)") if v.shared else _("could close {n}")
        return said.format(n=v.n)
    return _("enough")


def settled(a: Advice) -> bool:
    """Advice that asks nothing of anyone: enough counters, or the service's share of a short pool covered."""
    return verdict(a.needed, a.open_counters, a.pool, a.share_covered, a.arrivals_last_hour).kind in ("enough", "covered")


def advise(arrivals: int, minutes: float, target: float, open_counters: int, service: str) -> tuple[int | None, str]:
    try:
        needed: int | None = estimate.counters_needed(arrivals, minutes, target, TARGET_LEVEL)
    except estimate.EstimateInvalid:
        needed = None
    return needed, advice_text(service, needed, open_counters)


def recent_arrivals(ctx: Context, service_id: int, minutes: float = WINDOW_MINUTES) -> int:
    """Tickets issued in a service in the last `minutes` (today's rows only, by the day index)."""
    since = ctx.now() - dt.timedelta(minutes=minutes)
    return (Ticket.select()
            .where((Ticket.branch == ctx.branch_id) & (Ticket.day == ctx.today()) & (Ticket.service == service_id)
                   & (Ticket.issued_at >= since))
            .count())


def staffing_advice(ctx: Context, *, catalogue: Catalogue | None = None,
                    minutes: dict[int, float] | None = None) -> list[Advice]:
    """One piece of advice per active service, in the configuration's order, over pools of the open
    counters (module doc). `catalogue`: the branch's services and open counters' profiles as
    queue_status read them in the same refresh, and `minutes`: the services' expected service minutes
    (services_minutes), when the caller has them; else they are read here (each counter once)."""
    services = catalogue.active if catalogue is not None else _active_services(ctx)
    since = ctx.now() - dt.timedelta(minutes=WINDOW_MINUTES)
    # recent_arrivals of every service at once, counted here: grouped by service in SQL, SQLite (no planner
    # statistics) reads through (branch, service, day, seq), the branch's whole history.
    arrivals = {s.id: 0 for s in services}
    for sid, in (Ticket.select(Ticket.service)
                 .where((Ticket.branch == ctx.branch_id) & (Ticket.day == ctx.today()) & (Ticket.issued_at >= since))
                 .tuples()):
        if sid in arrivals:
            arrivals[sid] += 1
    if minutes is None:
        minutes = services_minutes(ctx, services)
    profiles = ([list(p) for p in catalogue.open_profiles] if catalogue is not None else _open_profiles(ctx))
    return advice_for(services, arrivals, minutes, profiles)


def _active_services(ctx: Context) -> list[Service]:
    return list(Service.select().where((Service.branch == ctx.branch_id) & Service.active).order_by(Service.id))


def advice_for(services: list, arrivals: dict[int, int], minutes: dict[int, float],
               open_profiles: list[list[int]]) -> list[Advice]:
    """staffing_advice from what it reads: the branch's active services (rows with id, code and
    target_wait_minutes, configuration order), arrivals in the last WINDOW_MINUTES and expected service
    minutes per service id, and the open counters' profiles (service ids in work-profile order).
    The network view (deskapp.core.stats.network) reads these for many branches at once."""
    ids = {s.id for s in services}
    load = {s.id: arrivals[s.id] * minutes[s.id] for s in services}
    profiles = [[x for x in p if x in ids] for p in open_profiles]
    profiles = [p for p in profiles if p]
    shares = _split(profiles, load)
    by_id = {s.id: s for s in services}
    result: dict[int, Advice] = {}
    for members, counters in _pools(services, profiles):
        total = sum(arrivals[m] for m in members)
        work = sum(load[m] for m in members)
        needed: int | None = 0
        if work:
            pooled = work / total
            target = sum(load[m] * by_id[m].target_wait_minutes for m in members) / work
            try:
                needed = estimate.counters_needed(total, pooled, target, TARGET_LEVEL)
            except estimate.EstimateInvalid:
                needed = None
        codes = tuple(by_id[m].code for m in members)
        for m in members:
            need_share = (needed or 0) * load[m] / work if work else 0.0
            covered = needed is not None and shares.get(m, 0.0) + 1e-9 >= need_share
            s = by_id[m]
            result[m] = Advice(s.code, arrivals[m], minutes[m], s.target_wait_minutes, needed, counters,
                               advice_text(s.code, needed, counters, codes, covered, arrivals[m]), codes, covered,
                               advice_short(needed, counters, codes, covered, arrivals[m]))
    return [result[s.id] for s in services]


def _pools(services: list[Service], profiles: list[list[int]]) -> list[tuple[list[int], int]]:
    """(service ids in configuration order, distinct open counters) of each pool: services joined by a
    counter serving both; a service no open counter serves is a pool of its own with 0 counters."""
    parent = {s.id: s.id for s in services}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for profile in profiles:
        for other in profile[1:]:
            parent[root(other)] = root(profile[0])
    counters: dict[int, int] = {}
    for profile in profiles:
        counters[root(profile[0])] = counters.get(root(profile[0]), 0) + 1
    pools: dict[int, list[int]] = {}
    for s in services:
        pools.setdefault(root(s.id), []).append(s.id)
    return [(members, counters.get(key, 0)) for key, members in pools.items()]


# --- the rest of a day: forecast arrivals per hour, pooled Erlang C ---------------------------------------

FORECAST_WEEKS = 4
"""The same weekday of this many weeks before is read for the forecast, the most recent weighing most."""


@dataclass(frozen=True)
class ServiceHour:
    service: str
    arrivals: float  # forecast for the hour
    service_minutes: float
    counters_share: float | None  # open counters' time this service would get (split by profile), today only


@dataclass(frozen=True)
class HourPlan:
    hour: int  # branch-local hour it starts
    arrivals: float  # forecast, every service
    actual_arrivals: int | None  # tickets issued in that hour, once it has begun
    service_minutes: float | None  # pooled: the workload-weighted mean of the services'
    target_minutes: float | None  # pooled: the workload-weighted mean of the services' targets
    needed: int | None  # None: no arrivals forecast, or more than counters_needed searches
    open_counters: int | None  # distinct counters open now (today only; None for another day)
    services: tuple[ServiceHour, ...]
    booked: int = 0  # bookings of the hour not yet checked in, counted in `arrivals`

    def as_dict(self) -> dict[str, object]:
        return {
            "hour": f"{self.hour:02d}:00", "arrivals": round(self.arrivals, 2), "actual_arrivals": self.actual_arrivals,
            "service_minutes": None if self.service_minutes is None else round(self.service_minutes, 2),
            "target_minutes": None if self.target_minutes is None else round(self.target_minutes, 2),
            "needed": self.needed, "open": self.open_counters, "booked": self.booked,
            "services": [{"service": s.service, "arrivals": round(s.arrivals, 2),
                          "service_minutes": round(s.service_minutes, 2),
                          "counters_share": None if s.counters_share is None else round(s.counters_share, 2)}
                         for s in self.services],
        }


def forecast_arrivals(ctx: Context, day: dt.date) -> dict[tuple[int, int], float]:
    """Expected arrivals per (service id, branch-local hour) on `day`: the same weekday of the
    FORECAST_WEEKS weeks before, weighted FORECAST_WEEKS (last week) down to 1, over the weeks with any
    ticket (a week the branch was closed tells nothing)."""
    weeks = {day - dt.timedelta(weeks=w): FORECAST_WEEKS + 1 - w for w in range(1, FORECAST_WEEKS + 1)}
    counts: dict[dt.date, dict[tuple[int, int], int]] = {}
    for service, issued, on in (Ticket.select(Ticket.service, Ticket.issued_at, Ticket.day)
                                .where((Ticket.branch == ctx.branch_id) & Ticket.day.in_(list(weeks))).tuples()):
        key = (service, to_local(issued, ctx.timezone).hour)
        per_day = counts.setdefault(on, {})
        per_day[key] = per_day.get(key, 0) + 1
    total_weight = sum(weeks[d] for d in counts)
    if not total_weight:
        return {}
    result: dict[tuple[int, int], float] = {}
    for on, per_day in counts.items():
        for key, n in per_day.items():
            result[key] = result.get(key, 0.0) + n * weeks[on] / total_weight
    return result


def day_plan(ctx: Context, day: dt.date, *, catalogue: Catalogue | None = None,
             minutes: dict[int, float] | None = None) -> list[HourPlan]:
    """Per branch-local opening hour of `day` (today: from the current hour on), the forecast arrivals
    and the counters needed for TARGET_LEVEL of calls within target, by Erlang C over the pooled
    counters: the services' arrivals add up, the service time and target are their workload-weighted
    means, and each counter counts once. Today also the distinct counters open now, and each one's time
    split over the services of its work profile by their forecast workload."""
    hours = ctx.config.branch.hours
    first, last = dt.time.fromisoformat(hours.open).hour, dt.time.fromisoformat(hours.close)
    end = last.hour + (1 if last.minute else 0)
    today = ctx.today()
    now_hour = to_local(ctx.now(), ctx.timezone).hour
    if day == today:
        first = max(first, now_hour)  # the rest of today; a past day: every hour, actual arrivals beside
    from deskapp.core.appointments.figures import booked_by_hour

    forecast = _cached_forecast(ctx, day)
    booked = booked_by_hour(ctx, day)
    services = catalogue.active if catalogue is not None else _active_services(ctx)
    if minutes is None:
        minutes = services_minutes(ctx, services)
    actual = _actual_by_hour(ctx, day) if day <= today else {}
    profiles = None
    if day == today:
        profiles = [list(p) for p in catalogue.open_profiles] if catalogue is not None else _open_profiles(ctx)
    plans = []
    for hour in range(first, end):
        rates = {s.id: forecast.get((s.id, hour), 0.0) + booked.get((s.id, hour), 0) for s in services}
        load = {s.id: rates[s.id] * minutes[s.id] for s in services}
        total, work = sum(rates.values()), sum(load.values())
        pooled = work / total if total else None
        target = sum(load[s.id] * s.target_wait_minutes for s in services) / work if work else None
        needed: int | None = 0
        if pooled is not None and target is not None:
            try:
                needed = estimate.counters_needed(total, pooled, target, TARGET_LEVEL)
            except estimate.EstimateInvalid:
                needed = None
        shares = _split(profiles, load) if profiles is not None else None
        began = day < today or (day == today and hour <= now_hour)
        plans.append(HourPlan(
            hour=hour, arrivals=total, actual_arrivals=actual.get(hour, 0) if began else None,
            service_minutes=pooled, target_minutes=target, needed=needed,
            open_counters=len(profiles) if profiles is not None else None,
            services=tuple(ServiceHour(s.code, rates[s.id], minutes[s.id],
                                       None if shares is None else shares.get(s.id, 0.0)) for s in services),
            booked=sum(booked.get((s.id, hour), 0) for s in services)))
    return plans


FORECAST_CACHE_MINUTES = 10


def _cached_forecast(ctx: Context, day: dt.date) -> dict[tuple[int, int], float]:
    """forecast_arrivals, kept on the context for FORECAST_CACHE_MINUTES (it reads past weeks only)."""
    cached = getattr(ctx, "_arrival_forecast", None)
    if cached is None or cached[0] != day or ctx.now() - cached[1] > dt.timedelta(minutes=FORECAST_CACHE_MINUTES):
        cached = (day, ctx.now(), forecast_arrivals(ctx, day))
        ctx._arrival_forecast = cached  # type: ignore[attr-defined]
    return cached[2]


def _split(profiles: list[list[int]], load: dict[int, float]) -> dict[int, float]:
    """Each open counter's time (1) over its services, in proportion to their forecast workload
    (evenly when none is forecast): the shares of all services add up to the counters open."""
    shares: dict[int, float] = {}
    for profile in profiles:
        if not profile:
            continue
        work = sum(load.get(s, 0.0) for s in profile)
        for s in profile:
            shares[s] = shares.get(s, 0.0) + (load.get(s, 0.0) / work if work else 1 / len(profile))
    return shares


def _open_profiles(ctx: Context) -> list[list[int]]:
    from deskapp.core.queue.calling import profile

    return [profile(c.id) for c in Counter.select(Counter.id).where(
        (Counter.branch == ctx.branch_id) & (Counter.state == "open") & Counter.active)]


def _actual_by_hour(ctx: Context, day: dt.date) -> dict[int, int]:
    result: dict[int, int] = {}
    for (issued,) in Ticket.select(Ticket.issued_at).where((Ticket.branch == ctx.branch_id)
                                                           & (Ticket.day == day)).tuples():
        hour = to_local(issued, ctx.timezone).hour
        result[hour] = result.get(hour, 0) + 1
    return result
