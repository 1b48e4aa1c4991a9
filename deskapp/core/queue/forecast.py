"""When will a waiting ticket be called? A small Monte Carlo of the whole branch's calling order.

Pure functions over plain numbers (stdlib only); times in minutes from now. waits.py reads the live
state and the recent history into a Floor; forecast() answers a point and a 10th-90th percentile range.

The model, run `runs` times with a fixed seed (the same floor gives the same answer):
- Every open counter calls as ordering.next_ticket does: an overdue ticket (waited max_wait) first,
  across the counter's services, the longest-waiting; else its services in work-profile order; within
  a service, requeued-to-the-front first, then checked-in bookings due (earliest slot first), then
  priority classes by weight (ordering.choose_class over
  the service's recent calls), then first come, first served.
- A counter holding a ticket frees when that ticket ends: a serving ticket's remaining time is a service
  time drawn given it has already lasted as long as it has; a called one still needs the call-to-start
  time and a whole service. After each ticket the counter takes `turnaround` minutes before its next
  call (a free counter that ended a ticket moments ago may still be in that gap); an idle counter
  notices a ticket after `pickup` minutes. Each of these is drawn from the measured ones.
- Service times are log-normal around each service's expected time with the spread of its recent
  services: the mean of its services in that hour of the day when history has enough of them, else
  the EWMA of its recent services (ServiceModel.later: the hours ahead); call-to-start times are
  drawn from recent ones.
- New tickets keep arriving until the branch closes its doors (Poisson, per service and priority
  class, at the recent rate): a later ticket of a service a counter serves first, or of a heavier
  priority class, is called before ours.
- Bookings not yet checked in are known arrivals, not Poisson ones: each comes (with the branch's
  measured share of booked customers who come) and is callable from its slot minus the early margin,
  before the walk-ins of its service, as a checked-in booking due is.
- Some calls end without a service (no-shows, customers sent back in line): the counter is free again
  after the measured time such calls take.
- Customers ahead walk away (exponential patience, mean measured from history).
- Our own customer is kept (waits are measured on customers who stay): each run's wait w is weighted by
  the chance of still being there, exp(-w / patience), so the point (the weighted mean) and the range
  (weighted 10th and 90th percentiles) describe the waits of customers who are called.
"""
from __future__ import annotations

import bisect
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from deskapp.core.queue.ordering import PriorityRule, choose_class

RUNS = 80
SPAN = (0.1, 0.9)
MAX_CALLS = 2_000
"""A run stops after this many calls without reaching the ticket (the ticket is then 'very long')."""
MIN_MINUTES = 0.05
"""No point estimate is shorter than this (3 seconds), so no promise is ever "0 min"."""


@dataclass(frozen=True)
class Ticket:
    id: int
    service: int
    priority: str
    waited: float  # minutes since issued (>= 0)
    queued: float  # minutes since its place in line was taken (>= 0)
    front: bool = False
    booked: float | None = None  # a checked-in booking due: minutes from now to its slot (before the walk-ins)


@dataclass(frozen=True)
class Counter:
    profile: tuple[int, ...]
    held_service: int | None = None  # the service of the ticket it holds, None when free
    serving: bool = False  # True: started; False with held_service: called, not yet started
    elapsed: float = 0.0  # minutes since started (serving), since called, or (free) since its last ticket ended
    just_ended: bool = False  # free, and `elapsed` is the time since it ended a ticket today


@dataclass(frozen=True)
class ServiceModel:
    mean: float  # expected service minutes
    sigma: float = 0.45  # log-normal shape
    arrivals: Mapping[str, float] = field(default_factory=dict)  # per priority class, per minute
    later: Sequence[tuple[float, float]] = ()  # (minutes from now, expected service minutes from then on)


def _mean_at(model: ServiceModel, at: float) -> float:
    """The expected service minutes of a service starting `at` minutes from now."""
    mean = model.mean
    for start, later in model.later:
        if start > at:
            break
        mean = later
    return mean


@dataclass(frozen=True)
class Booking:
    """A booking not yet checked in: callable `at` minutes from now (its slot minus the early margin, or
    now), its slot `slot` minutes from now; it comes with probability `show`."""

    at: float
    service: int
    slot: float
    show: float = 1.0
    priority: str = "appointment"


@dataclass(frozen=True)
class Floor:
    counters: Sequence[Counter]
    waiting: Sequence[Ticket]
    services: Mapping[int, ServiceModel]
    classes: Sequence[PriorityRule]
    recent: Mapping[int, Sequence[str]]  # the classes of each service's latest calls, newest first
    max_wait: float
    call_to_start: Sequence[float] = (0.75,)
    turnaround: Sequence[float] = (0.5,)  # minutes from the end of a service to the counter's next call
    pickup: Sequence[float] = (0.4,)  # minutes for an idle counter to call a ticket that arrives
    patience: float | None = None  # mean minutes before a waiting customer walks away; None: nobody does
    arrivals_until: float = math.inf  # minutes until the branch closes its doors: no arrivals after
    no_service_share: float = 0.0  # share of calls that end without a service (no-show, back in line)
    no_service: Sequence[float] = (1.0,)  # minutes such a call keeps the counter, from the call
    bookings: Sequence[Booking] = ()  # expected, not yet checked in


@dataclass(frozen=True)
class Forecast:
    minutes: float
    low: float
    high: float


def _lognormal(rng: random.Random, model: ServiceModel, at: float = 0.0) -> float:
    return rng.lognormvariate(math.log(_mean_at(model, at)) - 0.5 * model.sigma**2, model.sigma)


def _remaining(rng: random.Random, model: ServiceModel, elapsed: float) -> float:
    """A service's remaining minutes given it has lasted `elapsed` (rejection, then a short tail)."""
    mu, sigma = math.log(_mean_at(model, 0.0)) - 0.5 * model.sigma**2, model.sigma  # as _lognormal's
    for _ in range(30):
        x = rng.lognormvariate(mu, sigma)
        if x > elapsed:
            return x - elapsed
    return rng.expovariate(1.0 / max(0.5, 0.25 * model.mean))


def forecast(floor: Floor, target: int, *, runs: int = RUNS, seed: int = 0,
             span: tuple[float, float] = SPAN) -> Forecast | None:
    """The expected minutes until `target` (a waiting ticket) is called, with its 10-90 % range.

    None when no open counter serves its service.
    """
    mine = next((t for t in floor.waiting if t.id == target), None)
    if mine is None or not any(mine.service in c.profile for c in floor.counters):
        return None
    rng = random.Random(seed)
    shows = random.Random(seed + 1)  # who of the booked comes: its own draws, so bookings that never come
    # Each service's log-normal location by the hour a service starts in (as _lognormal's), once for all runs.
    steps = {s: [(-math.inf, math.log(m.mean) - 0.5 * m.sigma**2)]
             + [(start, math.log(mean) - 0.5 * m.sigma**2) for start, mean in m.later] for s, m in floor.services.items()}
    waits = [_one_run(floor, mine, rng, shows, steps) for _ in range(max(1, runs))]  # change nothing else
    weights = [math.exp(-w / floor.patience) if floor.patience else 1.0 for w in waits]
    if sum(weights) <= 0:
        weights = [1.0] * len(waits)
    total = sum(weights)
    mean = sum(w * x for w, x in zip(weights, waits)) / total
    low, high = _weighted_quantiles(waits, weights, span)
    mean = max(MIN_MINUTES, mean)
    return Forecast(mean, min(low, mean), max(high, mean))


def _weighted_quantiles(values: Sequence[float], weights: Sequence[float], qs: Sequence[float]) -> list[float]:
    pairs = sorted(zip(values, weights))
    total = sum(w for _, w in pairs)
    cumulative, acc = [], 0.0
    for _, w in pairs:
        acc += w
        cumulative.append(acc / total)
    out = []
    for q in qs:
        i = min(bisect.bisect_left(cumulative, q), len(pairs) - 1)
        out.append(pairs[i][0])
    return out


def _one_run(floor: Floor, mine: Ticket, rng: random.Random, shows: random.Random,
             steps: Mapping[int, list[tuple[float, float]]]) -> float:
    models = floor.services
    default = ServiceModel(5.0)
    c2s = floor.call_to_start
    # A waiting ticket: [issued, queued, id, priority, front, leaves, service, booked slot or None]
    # (times: minutes from now).
    queues: dict[int, list[list]] = {}
    for t in floor.waiting:
        leaves = math.inf if t.id == mine.id or not floor.patience else rng.expovariate(1.0 / floor.patience)
        queues.setdefault(t.service, []).append([-t.waited, -t.queued, t.id, t.priority, t.front, leaves, t.service,
                                                 t.booked])
    history = {s: list(v) for s, v in floor.recent.items()}
    # Arrival streams: (next time, service, priority, rate).
    streams = []
    for service, model in sorted(models.items()):
        for priority, rate in sorted(model.arrivals.items()):
            if rate > 0 and floor.arrivals_until > 0:
                streams.append([rng.expovariate(rate), service, priority, rate])
    # The bookings that come in this run, in the order they become callable.
    coming = sorted(([b.at, b.service, b.slot, b.priority] for b in floor.bookings if shows.random() < b.show),
                    key=lambda b: (b[0], b[2], b[1]))
    next_id = -1
    choice = rng.choice
    turnaround, pickup, no_service = floor.turnaround, floor.pickup, floor.no_service
    free_at = []
    for c in floor.counters:
        if c.held_service is None:
            gap = choice(turnaround) if c.just_ended else 0.0
            # Still between two tickets: it calls when that gap ends; else it is idle and notices.
            free_at.append(gap - c.elapsed if gap > c.elapsed else choice(pickup))
            continue
        model = models.get(c.held_service, default)
        if c.serving:
            left = _remaining(rng, model, c.elapsed)
        else:
            left = max(0.0, choice(c2s) - c.elapsed) + _lognormal(rng, model)
        free_at.append(left + choice(turnaround))
    profiles = [c.profile for c in floor.counters]
    max_wait = floor.max_wait
    share = floor.no_service_share
    classes = floor.classes
    until = floor.arrivals_until
    lognormal = rng.lognormvariate
    mine_id = mine.id

    for _ in range(MAX_CALLS):
        now = min(free_at)
        i = free_at.index(now)  # the first counter free, as min(range(...), key=...) picks
        for stream in streams:
            while stream[0] <= now:
                next_id -= 1
                queues.setdefault(stream[1], []).append([stream[0], stream[0], next_id, stream[2], False, math.inf,
                                                         stream[1], None])
                stream[0] += rng.expovariate(stream[3])
                if stream[0] > until:
                    stream[0] = math.inf
        while coming and coming[0][0] <= now:
            at, service, slot, priority = coming.pop(0)
            next_id -= 1
            queues.setdefault(service, []).append([at, at, next_id, priority, False, math.inf, service, slot])
        pick = _next(queues, profiles[i], classes, history, now, max_wait)
        if pick is None:
            # Idle until a ticket it serves arrives.
            upcoming = [s[0] for s in streams if s[1] in profiles[i]] + [b[0] for b in coming if b[1] in profiles[i]]
            free_at[i] = (min(upcoming) if upcoming else math.inf) + choice(pickup)
            if free_at[i] == math.inf and all(f == math.inf for f in free_at):
                break
            continue
        if pick[2] == mine_id:
            return max(0.0, now)
        history.setdefault(pick[6], []).insert(0, pick[3])
        if rng.random() < share:
            free_at[i] = now + choice(no_service) + choice(turnaround)
            continue
        service = pick[6]
        model = models.get(service)
        if model is None:
            model = default
            mu = math.log(model.mean) - 0.5 * model.sigma**2
        else:
            for start, mu_then in steps[service]:  # as _mean_at: the last hour started by `now`
                if start > now:
                    break
                mu = mu_then
        free_at[i] = now + choice(c2s) + lognormal(mu, model.sigma) + choice(turnaround)
    return max_wait * 3  # not reached: a very long wait


def _next(queues: dict[int, list[list]], profile: Sequence[int], classes: Sequence[PriorityRule],
          history: dict[int, list[str]], now: float, max_wait: float) -> list | None:
    """ordering.next_ticket over the simulated queues; removes and returns the pick (walk-aways dropped)."""
    overdue = None
    for service in profile:
        queue = queues.get(service)
        if not queue:
            continue
        queue[:] = [t for t in queue if t[5] > now]
        for t in queue:
            if now - t[0] >= max_wait and (overdue is None or
                                           (t[0], _order_id(t[2])) < (overdue[0], _order_id(overdue[2]))):
                overdue = t
    if overdue is not None:
        queues[overdue[6]].remove(overdue)
        return overdue
    for service in profile:
        queue = queues.get(service)
        if not queue:
            continue
        fronts, booked, waiting_classes = [], [], set()
        for t in queue:  # one pass: the requeued to the front, the bookings due, the classes waiting
            if t[4]:
                fronts.append(t)
            if t[7] is not None:
                booked.append(t)
            waiting_classes.add(t[3])
        if fronts:
            pick = min(fronts, key=lambda t: (t[1], t[2]))
        elif booked:
            pick = min(booked, key=lambda t: (t[7], t[1], t[2]))
        elif len(waiting_classes) == 1:  # a lone class is simply served (what choose_class answers)
            pick = min(queue, key=_fifo)
        else:
            chosen = choose_class(waiting_classes, classes, history.get(service, ()))
            pick = min((t for t in queue if t[3] == chosen), key=_fifo)
        queue.remove(pick)
        return pick
    return None


def _fifo(t: list) -> tuple[float, float]:
    """First come, first served: by place in line, real tickets before simulated arrivals at equal times."""
    return t[1], (t[2] if t[2] > 0 else 1e18 - t[2])


def _order_id(ticket_id: int) -> float:
    """Real tickets (positive ids) before simulated arrivals (negative, in arrival order) at equal times."""
    return ticket_id if ticket_id > 0 else 1e18 - ticket_id
