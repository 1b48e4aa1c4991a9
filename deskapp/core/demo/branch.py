"""A realistic demo branch: customers, and days of queue history run through the real engine.

Deterministic for a seed, a clock and a load: arrivals are Poisson within opening hours (18 an hour,
x1.2 before 10:00, x1.5 from 12:00 to 14:00, all times `load`), service mix SERVICE_MIX, 10 % priority;
service times log-normal (shape 0.45) around each service's typical time; 20-90 s from a call to the
customer at the desk, 10-60 s from the end of a service to the next call, 5-40 s for an idle counter to
notice a ticket; 3 % no-shows, 2 % requeues, 6 % recalls, 3 % transfers; each waiting customer walks
away after an exponential patience (mean PATIENCE_MINUTES). One desk person per counter, the last
only 11:30-14:30. Every ticket goes through core.queue, so events, numbers and statistics are
exactly what a real day would leave, the promised wait included (computed at issue as for any
ticket; it draws nothing from the demo's random numbers, so the world is the same with or without it).
"""
from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from deskapp import logs
from deskapp.core import queue as q
from deskapp.core.clock import FixedClock, to_utc
from deskapp.core.context import Context
from deskapp.core.demo import bookings as bookings_demo
from deskapp.core.demo import customers as customers_demo
from deskapp.core.demo import feedback as feedback_demo
from deskapp.core.demo import relationship as relationship_demo
from deskapp.core.demo import workflows as workflow_demo
from deskapp.core.demo.customers import national_id
from deskapp.core.demo.data import FIRST_NAMES, LAST_NAMES
from deskapp.core.demo.promises import RecentHistory
from deskapp.core.security import auth, permissions
from deskapp.db.database import db
from deskapp.db.models import Branch, Customer, CustomerPhone, Staff, Ticket
from deskapp.errors import BadInput
from deskapp.i18n import _, ngettext

SEGMENTS = [("mass", 0.62), ("affluent", 0.25), ("premier", 0.08), ("business", 0.05)]
SERVICE_MIX = {"CASH": 0.42, "INFO": 0.16, "CARD": 0.15, "ACCT": 0.09, "LOAN": 0.08, "CMPL": 0.10}  # i18n: not words
PRIORITY_SHARE = 0.1
NO_SHOW, REQUEUE, TRANSFER, RECALL = 0.03, 0.02, 0.03, 0.06
PATIENCE_MINUTES = 28.0  # mean patience before a waiting customer walks away
HISTORY_REUSE_MINUTES = 5.0
"""Each promise's history figures (rates, desk timings, service times) are at most this old (promises.RecentHistory)."""


@dataclass
class DemoResult:
    customers: int = 0
    tickets: int = 0
    pins: dict[str, tuple[str, str]] = field(default_factory=dict)


def has_data() -> bool:
    return Customer.select().exists() or Ticket.select().exists()


def demo_pin(rng: random.Random, min_length: int) -> str:
    while True:
        pin = "".join(rng.choice("0123456789") for _ in range(max(min_length, 4)))
        if auth.pin_problem(pin, min_length) is None:
            return pin


def build(ctx: Context, *, customers: int = 2000, days: int = 30, seed: int = 1, load: float = 1.0,
          branches: int = 1, progress: Callable[[float], None] = lambda f: None) -> DemoResult:
    """The demo network: history for the first `branches` branches of the configuration (customers are
    shared, so many visit several); `load` multiplies the arrival rate (1.0: the usual demo day)."""
    if not (isinstance(load, (int, float)) and 0 < load <= 10):
        raise DemoError(_("The demo load must be a number above 0 and at most 10."))
    network = ctx.config.network()
    if not 1 <= branches <= len(network):
        raise DemoError(ngettext("--branches must be 1 to {count}: the configuration describes {count} branch.",
                                 "--branches must be 1 to {count}: the configuration describes {count} branches.",
                                 len(network)).format(count=len(network)))
    with logs.quiet():  # simulated history is nobody's action: tens of thousands of lines otherwise
        return _build(ctx, customers=customers, days=days, seed=seed, load=float(load),
                      codes=[b.code for b in network[:branches]], progress=progress)


class DemoError(BadInput):
    """A demo that cannot be built as asked."""


def history(ctx: Context, *, days: int, seed: int, load: float = 1.0, customer_ids: list[int] | None = None,
            on_issue: Callable[[int], None] | None = None, progress: Callable[[float], None] = lambda f: None,
            reuse_minutes: float | None = None) -> int:
    """Queue history only: the weekdays of the last `days` days up to now, through the real engine.

    `on_issue(ticket_id)` runs right after each ticket is issued (the bench records another estimator's
    answer there); it must not change the queue. `reuse_minutes`: how long each promise may reuse the
    estimator's history figures (None: HISTORY_REUSE_MINUTES as the demo does; 0: read for every
    ticket, as the app does). Returns the number of tickets issued.
    """
    with logs.quiet():
        return _history(ctx, random.Random(seed), days, customer_ids or [], load, on_issue, progress,
                        HISTORY_REUSE_MINUTES if reuse_minutes is None else reuse_minutes)


def _history(ctx: Context, rng: random.Random, days: int, customer_ids: list[int], load: float,
             on_issue: Callable[[int], None] | None, progress: Callable[[float], None],
             reuse_minutes: float = HISTORY_REUSE_MINUTES) -> int:
    real_clock = ctx.clock
    start_day = ctx.today() - dt.timedelta(days=days)
    clock = FixedClock(real_clock.now())
    ctx.clock = clock
    issued = 0
    try:
        figures = RecentHistory(reuse_minutes) if reuse_minutes else None  # None: read for each, as the app
        for i in range(days + 1):
            day = start_day + dt.timedelta(days=i)
            if day.weekday() < 5:
                with db.atomic():
                    issued += _simulate_day(ctx, clock, rng, day, customer_ids, stop=real_clock.now(), load=load,
                                            on_issue=on_issue, history=figures)
            progress((i + 1) / (days + 1))
    finally:
        ctx.clock = real_clock
    return issued


def _build(ctx: Context, *, customers: int, days: int, seed: int, load: float, codes: list[str],
           progress: Callable[[float], None]) -> DemoResult:
    rng = random.Random(seed)
    result = DemoResult()
    real_clock = ctx.clock
    for member in ctx.config.staff:
        pin = demo_pin(rng, ctx.config.security.pin_min_length)
        auth.set_pin(ctx, member.login, pin, by="demo")
        result.pins[member.login] = (member.role, pin)
    result.customers = _customers(ctx, rng, customers, lambda f: progress(0.2 * f))
    customer_ids = [c[0] for c in Customer.select(Customer.id).tuples()]
    home = (ctx.config, ctx.branch_id)
    share = 0.7 / len(codes)  # each branch's history and feedback; the portfolio and bookings last
    first = len(ctx.config.network_branch(codes[0]).counters)
    try:
        for i, code in enumerate(codes):
            if i:  # the first branch draws from the same random numbers as a demo of one branch
                ctx.config, ctx.branch_id = ctx.config.for_branch(code), Branch.get(Branch.code == code).id
                q.ensure_day(ctx)
            size = len(ctx.config.counters) / first  # a smaller branch has fewer walk-ins
            _history(ctx, rng, days, customer_ids, load * size, None,
                     lambda f, i=i: progress(0.2 + share * (i + 0.85 * f)))
            feedback_demo.add_history(ctx, seed=seed + i, stop=real_clock.now())
            progress(0.2 + share * (i + 1))
    finally:
        ctx.config, ctx.branch_id = home
    result.tickets = Ticket.select().count()
    customers_demo.populate(ctx, rng, customer_ids)
    progress(0.95)
    relationship_demo.populate(ctx, rng, days)
    progress(0.98)
    bookings_demo.populate(ctx, random.Random(seed + 17))  # its own numbers: the rest stays as it was
    progress(1.0)
    return result


def _customers(ctx: Context, rng: random.Random, count: int, progress: Callable[[float], None]) -> int:
    managers = [s.id for s in Staff.select(Staff.id).where(Staff.role == "manager")]
    now = ctx.now()
    batch = 2000
    seen_ids: set[str] = set()
    for start in range(0, count, batch):
        rows, phones = [], []
        for n in range(start, min(count, start + batch)):
            nid = national_id(rng)
            while nid in seen_ids:
                nid = national_id(rng)
            seen_ids.add(nid)
            segment = rng.choices([s for s, _ in SEGMENTS], [w for _, w in SEGMENTS])[0]
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if rng.random() < 0.4:
                last = f"{rng.choice(LAST_NAMES)} {last}"
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 66))
            rows.append({
                "number": f"{n + 1:08d}", "name": f"{first} {last}", "national_id": nid, "birth_date": birth,
                "email": None if rng.random() < 0.2 else f"client{n + 1}@example.com", "segment": segment,
                "manager": rng.choice(managers) if managers and segment in ("premier", "business", "affluent") else None,
                "active": True, "created_at": now - dt.timedelta(days=rng.randrange(30, 6000)),
            })
            phones.append("3519" + rng.choice("1236") + "".join(rng.choice("0123456789") for _ in range(7)))
        with db.atomic():
            Customer.insert_many(rows).execute()
            ids = {
                number: cid
                for cid, number in Customer.select(Customer.id, Customer.number)
                .where(Customer.number.in_([r["number"] for r in rows]))
                .tuples()
            }
            CustomerPhone.insert_many(
                [{"customer": ids[r["number"]], "digits": p, "label": "mobile"} for r, p in zip(rows, phones)]
            ).execute()
        progress(min(1.0, (start + batch) / max(count, 1)))
    return count


def _arrival_rate(hour: float) -> float:
    """Arrivals per hour at a branch-local hour: a morning bump and a lunch peak."""
    base = 18.0
    if 12.0 <= hour < 14.0:
        return base * 1.5
    if hour < 10.0:
        return base * 1.2
    return base


def _simulate_day(ctx: Context, clock: FixedClock, rng: random.Random, day: dt.date,
                  customer_ids: list[int], stop: dt.datetime, load: float = 1.0,
                  on_issue: Callable[[int], None] | None = None, history: RecentHistory | None = None) -> int:
    tz = ctx.timezone
    hours = ctx.config.branch.hours
    open_local = dt.datetime.combine(day, dt.time.fromisoformat(hours.open))
    close_local = dt.datetime.combine(day, dt.time.fromisoformat(hours.close))
    opening, closing = to_utc(open_local, tz), to_utc(close_local, tz)
    if opening >= stop:
        return 0
    services = [s.code for s in ctx.config.services if s.code in SERVICE_MIX]
    weights = [SERVICE_MIX[s] for s in services]
    typical = {s.code: s.typical_service_minutes for s in ctx.config.services}
    desks = [m.login for m in ctx.config.branch_staff(home_only=True) if m.role in permissions.roles_for("queue.serve")]
    counters = [c.code for c in ctx.config.counters]
    events: list[tuple[dt.datetime, int, str, tuple]] = []
    seq = 0

    def at(when: dt.datetime, kind: str, *payload) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (when, seq, kind, payload))

    # Staffing: one desk person per counter; the last one covers only the lunch peak.
    for i, counter in enumerate(counters[: len(desks)]):
        begins = opening if i < len(desks) - 1 else to_utc(dt.datetime.combine(day, dt.time(11, 30)), tz)
        at(begins, "free", counter, desks[i])
    t = opening
    issued = 0
    while True:
        local_hour = (t - opening).total_seconds() / 3600 + open_local.hour + open_local.minute / 60
        t = t + dt.timedelta(hours=rng.expovariate(_arrival_rate(local_hour) * load))
        if t >= closing:
            break
        service = rng.choices(services, weights)[0]
        priority = ctx.config.priority_classes[0].code if rng.random() < PRIORITY_SHARE else None
        customer = rng.choice(customer_ids) if customer_ids and rng.random() < 0.65 else None
        at(t, "arrive", service, priority, customer)

    idle: dict[str, str] = {}
    serves = {c.code: set(c.services) for c in ctx.config.counters}

    def wake(when: dt.datetime, service: str) -> None:
        """Idle counters that serve `service` notice the new ticket a few seconds later."""
        for counter, login in list(idle.items()):
            if service in serves[counter]:
                del idle[counter]
                at(when + dt.timedelta(seconds=rng.uniform(5, 40)), "free", counter, login)

    lunch_end = to_utc(dt.datetime.combine(day, dt.time(14, 30)), tz)
    steps = workflow_demo.Batch()  # the day's workflow steps, written together at its end
    while events:
        when, _, kind, payload = heapq.heappop(events)
        if when >= stop:
            break
        clock.set(when)
        if kind == "arrive":
            service, priority, customer = payload
            ticket = q.issue(ctx, service, priority, customer_id=customer, history=history).ticket
            if on_issue is not None:
                on_issue(ticket.id)
            issued += 1
            at(when + dt.timedelta(minutes=rng.expovariate(1 / PATIENCE_MINUTES)), "walk_away", ticket.id)
            wake(when, service)
        elif kind == "walk_away":
            if Ticket.select(Ticket.status).where(Ticket.id == payload[0]).scalar() == q.WAITING:
                q.cancel_waiting(ctx, payload[0])
        elif kind == "free":
            counter, login = payload
            last_shift = counter == counters[min(len(desks), len(counters)) - 1] and when >= lunch_end
            if last_shift:
                q.set_counter_state(ctx, counter, "closed", by=login)
                continue
            ticket = q.call_next(ctx, counter, login)
            if ticket is None:
                if when < closing:
                    idle[counter] = login
                else:
                    q.set_counter_state(ctx, counter, "closed", by=login)
                continue
            at(when + dt.timedelta(seconds=rng.uniform(20, 90)), "arrives_at_desk", counter, login, ticket.service)
        elif kind == "arrives_at_desk":
            counter, login, service = payload
            roll = rng.random()
            if roll < NO_SHOW:
                q.recall(ctx, counter, by=login)
                clock.set(when + dt.timedelta(seconds=60))
                q.no_show(ctx, counter, by=login)
                at(clock.now(), "free", counter, login)
                continue
            if roll < NO_SHOW + REQUEUE:
                q.requeue(ctx, counter, front=rng.random() < 0.5, by=login)
                at(when + dt.timedelta(seconds=15), "free", counter, login)
                continue
            if roll < NO_SHOW + REQUEUE + RECALL:
                q.recall(ctx, counter, by=login)
                clock.set(when + dt.timedelta(seconds=rng.uniform(20, 60)))
            q.start(ctx, counter, by=login)
            mean = typical.get(service, 5.0)
            minutes = rng.lognormvariate(math.log(mean) - 0.5 * 0.45**2, 0.45)
            at(clock.now() + dt.timedelta(minutes=minutes), "finish", counter, login, service)
        elif kind == "finish":
            counter, login, service = payload
            if rng.random() < TRANSFER:
                target = rng.choice([s for s in services if s != service])
                q.transfer(ctx, counter, target, by=login)
                wake(when, target)
            else:
                done = q.complete(ctx, counter, by=login)
                workflow_demo.record_run(ctx, done, login, steps)  # the guided steps it went through
            at(when + dt.timedelta(seconds=rng.uniform(10, 60)), "free", counter, login)
    for counter in idle:
        if clock.now() < stop:
            q.set_counter_state(ctx, counter, "closed", by=idle[counter])
    steps.flush()
    return issued
