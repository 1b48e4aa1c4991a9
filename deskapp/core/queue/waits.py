"""Honest expected waits for waiting tickets, from live data: a point and a 10-90 % range.

The live floor (open counters with their work profiles and the tickets they hold, every waiting
ticket of the branch) and what recent history measures (arrival rates now, service times per
service, call-to-start and turnaround times at the desks, walk-away patience) go to
forecast.forecast, a small Monte Carlo of the counters' real calling order (its doc gives the
model). The position is the ticket's place in its service's calling order, checked-in bookings due
counted where call-next puts them (queue.booked.arrange: before the walk-ins); no open counter
serving it: no estimate (a dash). It is longer than 450 lines: the floor and the history measures are
one definition of what is read.

The history figures come from a `HistorySource`: `history_figures` reads them from the database for
every estimate, as the app always does; a caller that asks for thousands of estimates over simulated
history (the demo) may pass a source of its own that remembers them for a while (demo.promises).
"""
from __future__ import annotations

import datetime as dt
import functools
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from deskapp.core.clock import LocalHour, day_bounds, to_local, to_utc
from deskapp.core.context import Context
from deskapp.core.queue import estimate, forecast
from deskapp.core.queue.booked import ANY_COUNTER, arrange, booking_outcome
from deskapp.core.queue.calling import priority_rules, recent_classes, recent_classes_of, waiting_for
from deskapp.core.queue.ordering import Waiting, service_order
from deskapp.core.queue.tickets import CALLED, CANCELLED, NO_SHOW, REMOVED, SERVING, WAITING, branch_services
from deskapp.db import statements
from deskapp.db.database import db
from deskapp.db.models import Service, Ticket


@dataclass(frozen=True)
class WaitEstimate:
    ticket_id: int
    position: int  # 1 = called next in its service
    minutes: float | None
    range: tuple[float, float] | None = None  # 10th and 90th percentile


def _recent_services(ctx: Context, service: Service) -> list[float]:
    """Minutes of the service's last `queue.recent_services` completed services, oldest first."""
    p = db.param
    rows = db.execute_sql(  # plain SQL: read for every service of every estimate
        f"SELECT started_at, ended_at FROM ticket WHERE service_id = {p} AND status = 'done' "  # i18n: not words
        f"AND started_at IS NOT NULL ORDER BY ended_at DESC LIMIT {int(ctx.config.queue.recent_services)}",  # i18n: not words
        [service.id]).fetchall()
    return [(_at(end) - _at(begin)).total_seconds() / 60 for begin, end in reversed(rows)]


def service_minutes(ctx: Context, service: Service) -> float:
    """The expected length of one service now (EWMA of recent service times, oldest first)."""
    return estimate.service_minutes_estimate(_recent_services(ctx, service), service.typical_service_minutes)


def recent_services(service_ids: list[int], limit: int) -> list[tuple]:
    """(service id, ended_at, service seconds) of each service's last `limit` completed services, in
    one query (_recent_services reads one service), each from the end of the (service, status,
    ended_at) index."""
    if not service_ids:
        return []
    from deskapp.db.database import db, is_postgres

    p = db.param
    seconds = ("EXTRACT(EPOCH FROM (t.ended_at - t.started_at))" if is_postgres()  # i18n: not words
               else "((julianday(t.ended_at) - julianday(t.started_at)) * 86400.0)")  # as live_sums.service_seconds  # i18n: not words
    marks = ", ".join([p] * len(service_ids))
    recent = ("SELECT started_at, ended_at FROM ticket x WHERE x.service_id = s.id AND x.status = 'done' "
              f"AND x.started_at IS NOT NULL ORDER BY x.ended_at DESC LIMIT {int(limit)}")
    if is_postgres():
        sql = (f"SELECT s.id, t.ended_at, {seconds} FROM service s "  # i18n: not words
               f"CROSS JOIN LATERAL ({recent}) t WHERE s.id IN ({marks})")
    else:
        sql = (f"SELECT s.id, t.ended_at, {seconds} FROM service s JOIN ticket t "  # i18n: not words
               f"ON t.id IN ({recent.replace('SELECT started_at, ended_at', 'SELECT x.id')}) WHERE s.id IN ({marks})")
    return db.execute_sql(sql, service_ids).fetchall()


def services_minutes(ctx: Context, services: list) -> dict[int, float]:
    """service_minutes of each of `services` (rows with id and typical_service_minutes), by id, in one query."""
    recent: dict[int, list[tuple]] = {s.id: [] for s in services}
    for sid, ended, seconds in recent_services([s.id for s in services], ctx.config.queue.recent_services):
        recent[sid].append((str(ended), float(seconds) / 60))
    return {s.id: _minutes_of(tuple(m for _, m in sorted(recent[s.id])), s.typical_service_minutes)
            for s in services}


@functools.lru_cache(maxsize=4096)
def _minutes_of(recent: tuple[float, ...], typical: float) -> float:
    """estimate.service_minutes_estimate, remembered: a refresh of the network asks it for every service of
    every branch, and a service's recent services change only when one more ends."""
    return estimate.service_minutes_estimate(recent, typical)


def service_waits(ctx: Context, service: Service) -> list[WaitEstimate]:
    """Position and expected wait of every waiting ticket of a service, in calling order."""
    order = _service_order(ctx, service)
    floor = branch_floor(ctx)
    result = []
    for ahead, ticket in enumerate(order):
        found = forecast.forecast(floor, ticket.id, seed=ticket.id)
        result.append(WaitEstimate(ticket.id, ahead + 1, None if found is None else found.minutes,
                                   None if found is None else (found.low, found.high)))
    return result


def _service_order(ctx: Context, service: Service) -> list[Waiting]:
    rules = priority_rules(ctx)
    now = ctx.now()
    waiting = _arranged(ctx, [service.id], now)
    return service_order(waiting, rules, recent_classes(ctx, service.id, sum(r.weight for r in rules)),
                         now, dt.timedelta(minutes=ctx.config.queue.max_wait_minutes))


def _arranged(ctx: Context, service_ids: list[int], now: dt.datetime) -> list[Waiting]:
    """The waiting tickets of these services with the checked-in bookings in their place, as call-next
    sees them (booked.arrange, for any counter), in ticket order (the estimator's simulation is seeded)."""
    found = arrange(ctx, waiting_for(ctx, service_ids), service_ids, ANY_COUNTER, now, keep_not_due=True)
    return sorted(found, key=lambda w: w.id)


_STATUS_AND_SERVICE = statements.Prepared(
    lambda ticket: Ticket.select(Ticket.status, Ticket.service).where(Ticket.id == ticket).tuples(), 1)


def estimate_ticket(ctx: Context, ticket_id: int, *, history: HistorySource | None = None) -> WaitEstimate:
    """Position in its service and the expected wait (point and 10-90 % range) of one waiting ticket.

    Position 0 and no estimate when the ticket is not waiting. `history`: where the history figures come
    from (None: history_figures, read now).
    """
    row = _STATUS_AND_SERVICE.first(ticket_id)
    if row is None:
        raise Ticket.DoesNotExist(f"no ticket {ticket_id}")  # i18n: not words
    if row[0] != WAITING:
        return WaitEstimate(ticket_id, 0, None, None)
    floor, waiting = _floor_and_waiting(ctx, history or history_figures)
    if any(w.id == ticket_id for w in waiting):  # the floor read its service's line and recent calls: reuse them
        rules = priority_rules(ctx)
        order = service_order([w for w in waiting if w.service == row[1]], rules, floor.recent[row[1]], ctx.now(),
                              dt.timedelta(minutes=ctx.config.queue.max_wait_minutes))
    else:  # waiting in another branch's line
        order = _service_order(ctx, Service.get_by_id(row[1]))
    position = next((i + 1 for i, t in enumerate(order) if t.id == ticket_id), 0)
    found = forecast.forecast(floor, ticket_id, seed=ticket_id)
    if found is None:
        return WaitEstimate(ticket_id, position, None, None)
    return WaitEstimate(ticket_id, position, found.minutes, (found.low, found.high))


def wait_range(point: float | None, span: tuple[float, float] | None) -> tuple[int, int] | None:
    """The range as shown, in whole minutes: the low end rounded down, the high end up, the point
    (rounded up, as every promised wait) inside it, and never below 1 minute; None with no estimate."""
    if point is None or span is None:
        return None
    shown = max(1, math.ceil(point - 1e-9))
    low = max(1, min(shown, math.floor(span[0] + 1e-9)))
    high = max(shown, math.ceil(span[1] - 1e-9))
    return low, high


def position_and_wait(ctx: Context, ticket_id: int) -> tuple[int, float | None]:
    """(position in its service, expected minutes) of one waiting ticket; (0, None) if not waiting."""
    found = estimate_ticket(ctx, ticket_id)
    return found.position, found.minutes


# --- the floor as the forecast sees it -------------------------------------------------------------------

HISTORY_DAYS = 8
"""Past days read for arrival rates at this time of day, walk-away patience and desk timings."""
RATE_WINDOW_MINUTES = 60.0
# Desk timings until history has some (minutes): spread, so that the range is honest from the start.
DEFAULT_CALL_TO_START = (0.4, 0.6, 0.8, 1.0, 1.3)
DEFAULT_TURNAROUND = (0.2, 0.4, 0.6, 0.8, 1.0)
DEFAULT_PICKUP = (0.1, 0.25, 0.4, 0.55, 0.7)
RECENT_TICKETS = 600
"""Desk timings and walk-away patience are measured on the branch's latest this many tickets."""
GAP_MINUTES = 5.0
"""Longer gaps between a counter's end of service and its next call are breaks, not desk timings."""


def branch_floor(ctx: Context) -> forecast.Floor:
    """The open counters, every waiting ticket, and the rates and times measured from recent history."""
    return _floor_and_waiting(ctx, history_figures)[0]


def _counters_on_floor_sql(p: str) -> str:
    """_counters_on_floor's statement, with `p` the database's placeholder; its values: the branch,
    the branch, the two held states, the branch, the start of today. The last ends are read through
    the (counter_id, ended_at) index: only today's end of each counter (migration 0033)."""
    opened = f"SELECT id FROM counter WHERE branch_id = {p} AND state = 'open' AND active"  # i18n: not words
    return (f"SELECT 0, c.id, cs.position, cs.service_id, NULL, NULL, NULL FROM ({opened}) c "  # i18n: not words
            "LEFT JOIN counter_service cs ON cs.counter_id = c.id "  # i18n: not words
            "UNION ALL SELECT 1, counter_id, NULL, service_id, status, called_at, started_at FROM ticket "  # i18n: not words
            f"WHERE counter_id IN ({opened}) AND status IN ({p}, {p}) "  # i18n: not words
            "UNION ALL SELECT 2, counter_id, NULL, NULL, NULL, MAX(ended_at), NULL FROM ticket "  # i18n: not words
            f"WHERE counter_id IN ({opened}) AND ended_at >= {p} GROUP BY counter_id "  # i18n: not words
            "ORDER BY 1, 2, 3")  # i18n: not words


def _counters_on_floor(ctx: Context, today_start: dt.datetime) -> tuple[list[int], dict, dict, dict]:
    """The branch's open counters in id order (one order, whatever the database's: the simulation is
    seeded), each one's services in work-profile order, the ticket each holds (counter, status, service,
    called_at, started_at) and when each last ended a ticket today: one statement, in plain SQL (it runs
    for every estimate)."""
    rows = db.execute_sql(_counters_on_floor_sql(db.param),
                          [ctx.branch_id, ctx.branch_id, CALLED, SERVING, ctx.branch_id, today_start]).fetchall()
    ids: list[int] = []
    profiles: dict[int, list[int]] = {}
    held: dict[int, tuple] = {}
    last_end: dict[int, dt.datetime] = {}
    for kind, counter_id, _position, service_id, status, at, started in rows:
        if kind == 0:
            if counter_id not in profiles:
                ids.append(counter_id)
                profiles[counter_id] = []
            if service_id is not None:
                profiles[counter_id].append(service_id)
        elif kind == 1:
            held[counter_id] = (counter_id, status, service_id, _at(at), _at(started))
        else:
            last_end[counter_id] = _at(at)
    return ids, profiles, held, last_end


def _floor_and_waiting(ctx: Context, history: HistorySource) -> tuple[forecast.Floor, list[Waiting]]:
    """branch_floor, and the branch's waiting tickets as calling.waiting_for reads them; the history
    figures from `history`."""
    now = ctx.now()
    rules = priority_rules(ctx)
    window = sum(r.weight for r in rules)
    today_start, _ = day_bounds(ctx.today(), ctx.timezone)
    ids, profiles, held, last_end = _counters_on_floor(ctx, today_start)
    floor_counters = []
    for counter_id in ids:
        row = held.get(counter_id)
        if row is None:
            ended = last_end.get(counter_id)
            since_end = None if ended is None else _minutes(now - ended)
            floor_counters.append(forecast.Counter(tuple(profiles[counter_id]), elapsed=since_end or 0.0,
                                                   just_ended=since_end is not None))
            continue
        serving = row[1] == SERVING and row[4] is not None
        since = row[4] if serving else (row[3] or now)
        floor_counters.append(forecast.Counter(tuple(profiles[counter_id]), row[2], serving,
                                               max(0.0, (now - since).total_seconds() / 60)))
    services = branch_services(ctx)
    lines = _arranged(ctx, [s.id for s in services], now)  # checked-in bookings in their place
    waiting = [
        forecast.Ticket(w.id, w.service, w.priority, _minutes(now - w.issued_at), _minutes(now - w.queued_at), w.front,
                        None if w.booked_for is None else (w.booked_for - now).total_seconds() / 60)
        for w in lines
    ]
    figures = history(ctx, now, services)
    measured = figures.models
    hourly = hourly_service_means(ctx, now)
    models = {}
    for service in services:
        overall, sigma = measured[service.id]
        by_hour = hourly.get(service.id, {})
        this_hour = _local_hour_start(ctx, now)
        later = tuple(
            (_minutes(this_hour + dt.timedelta(hours=h) - now), by_hour.get(_hour_of(ctx, this_hour, h), overall))
            for h in range(1, HOURLY_SPAN))
        models[service.id] = forecast.ServiceModel(by_hour.get(_hour_of(ctx, this_hour, 0), overall), sigma,
                                                   figures.history.arrivals.get(service.id, {}), later)
    recent = recent_classes_of(ctx, sorted({w.service for w in waiting}), window)
    return forecast.Floor(
        counters=floor_counters, waiting=waiting, services=models, classes=rules, recent=recent,
        max_wait=float(ctx.config.queue.max_wait_minutes), call_to_start=figures.history.call_to_start,
        turnaround=figures.history.turnaround, pickup=figures.history.pickup, patience=figures.history.patience,
        arrivals_until=_minutes_to_close(ctx, now), no_service_share=figures.history.no_service_share,
        no_service=figures.history.no_service,
        bookings=_expected_bookings(ctx, now, [s.id for s in services], figures.history.booking_show)), lines


@dataclass(frozen=True)
class HistoryFigures:
    """What the forecast takes from recent history: arrival rates, desk timings, walk-away patience and
    calls without a service (_History), and each service's (expected minutes, log-normal shape)."""

    history: _History
    models: dict[int, tuple[float, float]]


HistorySource = Callable[[Context, dt.datetime, list], HistoryFigures]
"""Gives the history figures at `now` for the branch's `services` (rows with id and typical_service_minutes)."""


def history_figures(ctx: Context, now: dt.datetime, services: list) -> HistoryFigures:
    """The history figures read from the database now: what every estimate of the app uses."""
    return HistoryFigures(_history(ctx, now), {s.id: _service_model(ctx, s) for s in services})


def _minutes_to_close(ctx: Context, now: dt.datetime) -> float:
    """Minutes until the branch closes its doors today (0 once closed): no ticket arrives after."""
    closing = to_utc(dt.datetime.combine(ctx.today(), dt.time.fromisoformat(ctx.config.branch.hours.close)),
                     ctx.timezone)
    return max(0.0, (closing - now).total_seconds() / 60)


def _minutes(delta: dt.timedelta) -> float:
    return max(0.0, delta.total_seconds() / 60)


def _service_model(ctx: Context, service: Service) -> tuple[float, float]:
    """(expected minutes: the EWMA of recent services, log-normal shape from their spread)."""
    samples = _recent_services(ctx, service)
    mean = estimate.service_minutes_estimate(samples, service.typical_service_minutes)
    logs = [math.log(x) for x in samples if x > 0.05]
    sigma = statistics.pstdev(logs) if len(logs) >= 5 else DEFAULT_SIGMA
    return mean, min(1.2, max(0.2, sigma))


DEFAULT_SIGMA = 0.5

HOURLY_MIN_SERVICES = 30
"""An hour of the day's own mean service time is used once history holds this many of the service's
services started in that hour. Service times spread with a coefficient of variation near 0.5 (log-normal,
sigma 0.45 in the demo, 0.3-0.6 at desks), so the mean of 30 is within about 0.5 / sqrt(30) = 9 % (one
standard error): inside the 10 % bias the estimates are held to. Fewer: the service's overall (EWMA)."""
HOURLY_SPAN = 3
"""Hours of the day read for hourly means: this one and the next two (a wait rarely runs longer)."""


def _local_hour_start(ctx: Context, now: dt.datetime) -> dt.datetime:
    """The start of the current branch-local hour, in UTC (naive, like the stored times)."""
    local = to_local(now, ctx.timezone).replace(minute=0, second=0, microsecond=0)
    return to_utc(local.replace(tzinfo=None), ctx.timezone)


def _hour_of(ctx: Context, hour_start: dt.datetime, ahead: int) -> int:
    return to_local(hour_start + dt.timedelta(hours=ahead), ctx.timezone).hour


def _hourly_sql(p: str) -> str:
    """hourly_service_means' read, `p` the placeholder; its values: the branch, the HISTORY_DAYS + 1 days,
    then each day's start and end of the hours read."""
    days = ", ".join([p] * (HISTORY_DAYS + 1))
    hours = " OR ".join([f"(started_at >= {p} AND started_at < {p})"] * (HISTORY_DAYS + 1))  # i18n: not words
    return (f"SELECT id, service_id, started_at, ended_at FROM ticket WHERE branch_id = {p} "  # i18n: not words
            f"AND day IN ({days}) AND status = 'done' AND ended_at IS NOT NULL AND ({hours})")  # i18n: not words


def _arrivals_sql(p: str) -> str:
    """_history's read of arrivals, `p` the placeholder; its values: the branch, the HISTORY_DAYS + 1
    days, each day's hour before this time (start, end), and the appointments' class (left out)."""
    days = ", ".join([p] * (HISTORY_DAYS + 1))
    hours = " OR ".join([f"(issued_at > {p} AND issued_at <= {p})"] * (HISTORY_DAYS + 1))  # i18n: not words
    return (f"SELECT service_id, priority, issued_at FROM ticket WHERE branch_id = {p} AND day IN ({days}) "  # i18n: not words
            f"AND ({hours}) AND priority <> {p}")  # i18n: not words


def hourly_service_means(ctx: Context, now: dt.datetime) -> dict[int, dict[int, float]]:
    """service id -> branch-local hour -> mean service minutes, for this hour and the next
    HOURLY_SPAN - 1, over today and the HISTORY_DAYS before (services started in that hour of each
    day), only for hours with at least HOURLY_MIN_SERVICES services. Kept on the context for the
    current hour's first HOURLY_CACHE_MINUTES-minute slot, so that a screen refreshing reads it once."""
    start = _local_hour_start(ctx, now)
    key = (start, int(_minutes(now - start) // HOURLY_CACHE_MINUTES))
    cached = getattr(ctx, "_hourly_service_means", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    days = [ctx.today() - dt.timedelta(days=d) for d in range(HISTORY_DAYS + 1)]
    bounds = [x for d in range(HISTORY_DAYS + 1)
              for x in (start - dt.timedelta(days=d), start - dt.timedelta(days=d) + dt.timedelta(hours=HOURLY_SPAN))]
    sums: dict[tuple[int, int], list[float]] = {}
    local_hour = LocalHour(ctx.timezone)
    # Plain SQL, as _history's, by the (branch, day) index; summed in id order (the same floats), sorted
    # here: an ORDER BY id made SQLite walk the branch's whole history in id order instead.
    for _id, service, began, ended in sorted(db.execute_sql(_hourly_sql(db.param),
                                                            [ctx.branch_id, *days, *bounds]).fetchall()):
        began, ended = _at(began), _at(ended)
        one = sums.setdefault((service, local_hour(began)), [0.0, 0])
        one[0] += _minutes(ended - began)
        one[1] += 1
    result: dict[int, dict[int, float]] = {}
    for (service, hour), (total, count) in sums.items():
        if count >= HOURLY_MIN_SERVICES and total > 0:
            result.setdefault(service, {})[hour] = total / count
    ctx._hourly_service_means = (key, result)  # type: ignore[attr-defined]
    return result


HOURLY_CACHE_MINUTES = 10


@dataclass(frozen=True)
class _History:
    arrivals: dict[int, dict[str, float]]  # service -> class -> per minute
    call_to_start: tuple[float, ...]
    turnaround: tuple[float, ...]
    pickup: tuple[float, ...]
    patience: float | None
    no_service_share: float
    no_service: tuple[float, ...]
    booking_show: float = 1.0  # share of bookings whose outcome is known that came (on time or late)


def _history(ctx: Context, now: dt.datetime) -> _History:
    """Arrival rates for the coming hour, desk timings, walk-away patience, calls without a service."""
    today_start, _ = day_bounds(ctx.today(), ctx.timezone)
    since = today_start - dt.timedelta(days=HISTORY_DAYS)
    window = dt.timedelta(minutes=RATE_WINDOW_MINUTES)
    days = [ctx.today() - dt.timedelta(days=d) for d in range(HISTORY_DAYS + 1)]
    # Arrivals: only the hour before now, today and at this time of day on each past day (by the
    # (branch, day) index; the hours are picked by the database; only counted, so read in no order: an
    # ORDER BY id made SQLite walk the branch's whole history in id order). Checked-in bookings are not Poisson
    # arrivals: the bookings still to come are known (_expected_bookings). Plain SQL: these statements run
    # for every estimate, and building them through Peewee's expressions cost more than running them.
    p = db.param
    bounds = [x for d in range(HISTORY_DAYS + 1) for x in (now - dt.timedelta(days=d) - window, now - dt.timedelta(days=d))]
    arrived = [(service, priority, _at(issued)) for service, priority, issued in db.execute_sql(
        _arrivals_sql(p), [ctx.branch_id, *days, *bounds, ctx.config.appointments.priority_class]).fetchall()]
    past_days = db.execute_sql(f"SELECT COUNT(DISTINCT day) FROM ticket WHERE branch_id = {p} "  # i18n: not words
                               f"AND day IN ({', '.join([p] * (len(days) - 1))})", [ctx.branch_id, *days[1:]]).fetchone()[0]
    # Desk timings and patience: the branch's latest RECENT_TICKETS tickets of those days.
    rows = [(service, priority, status, _at(issued), _at(called), _at(started), _at(ended), counter)
            for service, priority, status, issued, called, started, ended, counter in db.execute_sql(
                "SELECT service_id, priority, status, issued_at, called_at, started_at, ended_at, counter_id "  # i18n: not words
                f"FROM ticket WHERE branch_id = {p} AND issued_at >= {p} AND issued_at <= {p} "  # i18n: not words
                f"ORDER BY id DESC LIMIT {RECENT_TICKETS}", [ctx.branch_id, since, now]).fetchall()]  # i18n: not words
    opening = to_utc(dt.datetime.combine(ctx.today(), dt.time.fromisoformat(ctx.config.branch.hours.open)),
                     ctx.timezone)
    today_exposure = min(RATE_WINDOW_MINUTES, max(0.0, _minutes(now - opening)))
    today_counts: dict[tuple[int, str], int] = {}
    past_counts: dict[tuple[int, str], int] = {}  # past days, the hour before this time of day
    for service, priority, issued in arrived:
        key = (service, priority)
        counts = today_counts if issued >= today_start else past_counts
        counts[key] = counts.get(key, 0) + 1
    exposure, walked = 0.0, 0
    c2s: list[tuple[dt.datetime, float]] = []
    marks: dict[int, list[tuple[dt.datetime, str, dt.datetime]]] = {}
    for _service, _priority, status, issued, called, started, ended, counter in rows:
        if status == REMOVED:
            continue
        if called is not None:
            exposure += _minutes(called - issued)
            if started is not None:
                c2s.append((called, _minutes(started - called)))
        elif status == CANCELLED and ended is not None:
            exposure += _minutes(ended - issued)
            walked += 1
        elif status == WAITING:
            exposure += _minutes(now - issued)
        if counter is not None:
            if called is not None:
                marks.setdefault(counter, []).append((called, "call", issued))
            if ended is not None:
                marks.setdefault(counter, []).append((ended, "end", issued))
    arrivals: dict[int, dict[str, float]] = {}
    hist_days = past_days
    for key in sorted(set(today_counts) | set(past_counts)):
        # Today's last hour, with the same hour of past days (on average) as one more hour of evidence.
        past = past_counts.get(key, 0) / hist_days if hist_days else 0.0
        if hist_days:
            rate = (today_counts.get(key, 0) + past) / (today_exposure + RATE_WINDOW_MINUTES)
        else:
            rate = today_counts.get(key, 0) / max(today_exposure, 15.0)
        arrivals.setdefault(key[0], {})[key[1]] = rate
    c2s.sort()
    recent_c2s = tuple(x for _, x in c2s[-50:]) or DEFAULT_CALL_TO_START
    # After a service: end -> next call when the next ticket was already waiting at the end. An idle
    # counter: a ticket's issue -> its call when the counter had ended its last one before the issue.
    gaps: list[tuple[dt.datetime, float]] = []
    pickups: list[tuple[dt.datetime, float]] = []
    for counter_marks in marks.values():
        counter_marks.sort()
        for (t1, k1, _), (t2, k2, issued2) in zip(counter_marks, counter_marks[1:]):
            if k1 != "end" or k2 != "call" or t2 - t1 > dt.timedelta(minutes=GAP_MINUTES):
                continue
            if issued2 <= t1:
                gaps.append((t2, _minutes(t2 - t1)))
            else:
                pickups.append((t2, _minutes(t2 - issued2)))
    turnaround = tuple(x for _, x in sorted(gaps)[-200:]) if len(gaps) >= 5 else DEFAULT_TURNAROUND
    pickup = tuple(x for _, x in sorted(pickups)[-200:]) if len(pickups) >= 5 else DEFAULT_PICKUP
    patience = exposure / walked if walked >= 3 else None
    calls = sum(1 for r in rows if r[4] is not None)
    no_service = [(r[4], _minutes(r[6] - r[4])) for r in rows if r[2] == NO_SHOW and r[4] is not None
                  and r[6] is not None]
    share = len(no_service) / calls if calls >= 20 else 0.0
    no_service_minutes = tuple(x for _, x in sorted(no_service)[-50:]) or (1.0,)
    return _History(arrivals, recent_c2s, turnaround, pickup, patience, share, no_service_minutes,
                    _booking_show(ctx, since, now))


def _at(value):
    """A stored time as a datetime: SQLite hands back text, PostgreSQL datetimes (as Peewee's field reads it)."""
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _booking_show(ctx: Context, since: dt.datetime, now: dt.datetime) -> float:
    """The share of the branch's bookings since `since` whose outcome is known that came: 1 - the
    report's no_show_rate (deskapp.core.appointments.figures), both counting no-shows by
    queue.booked.booking_outcome. 1.0 with fewer than 10 known outcomes."""
    grace = dt.timedelta(minutes=ctx.config.appointments.grace_minutes)
    came = missed = 0
    p = db.param
    for status, starts_at in db.execute_sql(  # plain SQL: read with every history read
            f"SELECT status, starts_at FROM appointment WHERE branch_id = {p} AND starts_at >= {p} "  # i18n: not words
            f"AND starts_at <= {p} AND status <> 'cancelled'", [ctx.branch_id, since, now]).fetchall():  # i18n: not words
        status = booking_outcome(status, _at(starts_at), grace, now)
        if status == "no_show":
            missed += 1
        elif status in ("checked_in", "late"):
            came += 1
    return came / (came + missed) if came + missed >= 10 else 1.0


def _expected_bookings(ctx: Context, now: dt.datetime, services: list[int], show: float) -> list[forecast.Booking]:
    """Today's bookings of these services not yet checked in and still on time (slot + grace ahead),
    as the forecast's known arrivals: callable from the slot minus appointments.early_minutes. (A
    booking named for one staff member is modelled as callable at any counter of its service.)"""
    rules = ctx.config.appointments
    _, day_end = day_bounds(ctx.today(), ctx.timezone)
    early = dt.timedelta(minutes=rules.early_minutes)
    if not services:
        return []
    p = db.param
    rows = db.execute_sql(  # plain SQL: read for every estimate
        f"SELECT service_id, starts_at FROM appointment WHERE branch_id = {p} AND status = 'booked' "  # i18n: not words
        f"AND starts_at >= {p} AND starts_at < {p} AND service_id IN ({', '.join([p] * len(services))}) "  # i18n: not words
        "ORDER BY starts_at, id", [ctx.branch_id, now - dt.timedelta(minutes=rules.grace_minutes), day_end,  # i18n: not words
                                   *services]).fetchall()
    found = []
    for service, starts_at in rows:
        starts_at = _at(starts_at)
        found.append(forecast.Booking(max(0.0, _minutes(starts_at - early - now)), service,
                                      _minutes(starts_at - now), show, rules.priority_class))
    return found
