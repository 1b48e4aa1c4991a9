"""A branch with a long history, built fast: for benchmarks that need volume.

    python bench/volume.py --db URL --customers N --days D --tickets T [--today-tickets N] [--seed S]

`build` creates the branch, services, counters and staff through deskapp's own start-up (migrate and
sync from the repository's config.yaml), then bulk-inserts through the real schema (triggers
included):

- `customers` customers with a phone each (bench/search.py's generator);
- `tickets` tickets spread over the `days` branch-local days before today, within opening hours,
  with the ticket events each state change writes: about 84 % served to completion, 5 % no-shows,
  5 % walk-aways while waiting, 4 % transferred (the linked ticket in the target service is one of
  the `tickets` and is served too), 2 % requeued once before being served; waits and service times
  drawn around each service's typical time; 60 % of tickets linked to a customer;
- for every day, each counter that served opens at opening time and closes at closing time (counter
  events), and about a third of the completed tickets have a customer's feedback;
- `today_tickets` tickets today, issued over the hours up to now: the last quarter hour's still
  waiting, the rest served or ended like the history; every staffed counter open now.

Times follow the system clock (today is the branch-local date now). Returns the counts and the
seconds each part took; a progress line goes to stderr.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskapp.config.load import load_config  # noqa: E402
from deskapp.core.clock import SystemClock, day_bounds, to_utc  # noqa: E402
from deskapp.core.security.auth import SCREENS  # noqa: E402
from deskapp.core.startup import open_context  # noqa: E402
from deskapp.db import database  # noqa: E402
from deskapp.db.database import db, is_postgres  # noqa: E402
from deskapp.db.models import Branch, Counter, CounterService, Service, Staff  # noqa: E402

BATCH = 20_000
SERVICE_SHARE = {"CASH": 0.45, "INFO": 0.2, "CARD": 0.15, "ACCT": 0.1, "LOAN": 0.06, "CMPL": 0.04}


class Writer:
    """Buffers rows per statement and writes them in batches, each batch one transaction."""

    def __init__(self) -> None:
        p = db.param
        self.sql = {
            "ticket": "INSERT INTO ticket (id, branch_id, service_id, day, seq, number, priority, status, channel, "
                      "customer_id, counter_id, staff_id, issued_at, queued_at, front, called_at, started_at, "
                      "ended_at, parent_id, recall_count) VALUES (" + ", ".join([p] * 20) + ")",
            "event": "INSERT INTO ticket_event (ticket_id, kind, at, staff_id, counter_id, detail) "
                     f"VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
            "counter_event": f"INSERT INTO counter_event (counter_id, kind, at, staff_id, by) VALUES ({p}, {p}, {p}, {p}, {p})",
            "feedback": "INSERT INTO feedback (ticket_id, branch_id, service_id, counter_id, staff_id, customer_id, "
                        "answered, csat, nps, ces, comment, tags, entered_by, entered_by_login, at) VALUES ("
                        + ", ".join([p] * 15) + ")",
        }
        self.rows: dict[str, list[tuple]] = {k: [] for k in self.sql}
        self.counts: dict[str, int] = {k: 0 for k in self.sql}

    def add(self, kind: str, row: tuple) -> None:
        self.rows[kind].append(row)
        if kind == "ticket" and len(self.rows["ticket"]) >= BATCH:
            self.flush()

    def flush(self) -> None:
        with db.atomic():
            cursor = db.cursor()
            for kind in ("ticket", "event", "counter_event", "feedback"):  # tickets before what refers to them
                if self.rows[kind]:
                    cursor.executemany(self.sql[kind], self.rows[kind])
                    self.counts[kind] += len(self.rows[kind])
                    self.rows[kind] = []


class Branchday:
    """Generates one day's tickets and their events into a Writer."""

    def __init__(self, rng: random.Random, writer: Writer, branch_id: int, tz: str, services: list[Service],
                 desks: dict[int, tuple[int, list[int]]], customers: int, width: int, next_id: int) -> None:
        self.rng, self.w, self.branch_id, self.tz = rng, writer, branch_id, tz
        self.services = services
        self.by_id = {s.id: s for s in services}
        self.weights = [SERVICE_SHARE.get(s.code, 0.05) for s in services]
        self.desks = desks  # counter id -> (staff id, service ids)
        self.serving = {sid: [c for c, (_, served) in desks.items() if sid in served] for sid in self.by_id}
        self.customers, self.width, self.next_id = customers, width, next_id
        self.held: set[int] = set()  # counters holding a ticket being served now (today only)

    def _ticket(self, day, seq, service, status, issued, *, customer=None, counter=None, staff=None, called=None,
                started=None, ended=None, parent=None, channel="reception") -> int:
        tid = self.next_id
        self.next_id += 1
        self.w.add("ticket", (tid, self.branch_id, service.id, day, seq, f"{service.prefix}{seq:0{self.width}d}",
                              "priority" if self.rng.random() < 0.1 else "normal", status, channel, customer,
                              counter, staff, issued, issued, False, called, started, ended, parent, 0))
        return tid

    def _event(self, tid, kind, at, staff=None, counter=None, detail="") -> None:
        self.w.add("event", (tid, kind, at, staff, counter, detail))

    def day(self, day: dt.date, count: int, opens: dt.datetime, closes: dt.datetime,
            now: dt.datetime | None = None) -> int:
        """`count` tickets issued between opens and closes; with `now`, today's (nothing after now)."""
        rng = self.rng
        seqs: dict[int, int] = {}
        span = (closes - opens).total_seconds()
        issued_times = sorted(opens + dt.timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
        made = 0
        for issued in issued_times:
            if made >= count:
                break
            service = rng.choices(self.services, self.weights)[0]
            seqs[service.id] = seqs.get(service.id, 0) + 1
            customer = rng.randint(1, self.customers) if self.customers and rng.random() < 0.6 else None
            made += self._one(day, seqs, service, issued, customer, now)
        return made

    def _one(self, day, seqs, service, issued, customer, now) -> int:
        rng = self.rng
        wait = dt.timedelta(minutes=rng.expovariate(1 / 7))
        called = issued + wait
        fate = rng.random()
        if now is not None and (issued > now - dt.timedelta(minutes=15) or called > now):
            tid = self._ticket(day, seqs[service.id], service, "waiting", issued, customer=customer)
            self._event(tid, "issued", issued, detail='{"channel": "reception"}')
            return 1
        counters = self.serving.get(service.id) or list(self.desks)
        counter = rng.choice(counters)
        staff = self.desks[counter][0]
        if fate < 0.05:  # walked away while waiting
            gone = issued + dt.timedelta(minutes=rng.uniform(5, 30))
            tid = self._ticket(day, seqs[service.id], service, "cancelled", issued, customer=customer, ended=gone)
            self._event(tid, "issued", issued, detail='{"channel": "reception"}')
            self._event(tid, "cancelled", gone)
            return 1
        if fate < 0.10:  # no-show
            ended = called + dt.timedelta(minutes=2)
            tid = self._ticket(day, seqs[service.id], service, "no_show", issued, customer=customer, counter=counter,
                               staff=staff, called=called, ended=ended)
            self._event(tid, "issued", issued, detail='{"channel": "reception"}')
            self._event(tid, "called", called, staff, counter)
            self._event(tid, "no_show", ended, staff, counter)
            return 1
        started = called + dt.timedelta(seconds=rng.uniform(20, 90))
        ended = started + dt.timedelta(minutes=max(0.5, rng.gammavariate(4, service.typical_service_minutes / 4)))
        if now is not None and ended > now:
            ended = None
        transfer = fate < 0.14 and ended is not None and len(self.services) > 1
        status = "transferred" if transfer else ("done" if ended is not None else "serving")
        if status == "serving" and counter in self.held:  # a counter serves one ticket at a time
            status, ended = "done", now
        tid = self._ticket(day, seqs[service.id], service, status, issued, customer=customer, counter=counter,
                           staff=staff, called=called, started=started, ended=ended)
        self._event(tid, "issued", issued, detail='{"channel": "reception"}')
        if fate > 0.98:  # requeued once, called again a little later: the wait runs to the last call
            self._event(tid, "called", called - dt.timedelta(minutes=2), staff, counter)
            self._event(tid, "requeued", called - dt.timedelta(minutes=1), staff, counter, '{"front": false}')
        self._event(tid, "called", called, staff, counter)
        self._event(tid, "started", started, staff, counter)
        if status == "serving":
            self.held.add(counter)
            return 1
        if not transfer:
            self._event(tid, "completed", ended, staff, counter)
            if rng.random() < 0.33:
                csat, nps = rng.choices((5, 4, 3, 2, 1), (50, 30, 10, 6, 4))[0], rng.choices(range(11), [1] * 7 + [3, 4, 8, 8])[0]
                self.w.add("feedback", (tid, self.branch_id, service.id, counter, staff, customer, True, csat, nps,
                                        None, "", "", "customer", None, ended + dt.timedelta(seconds=30)))
            return 1
        target = self.rng.choice([s for s in self.services if s.id != service.id])
        seqs[target.id] = seqs.get(target.id, 0) + 1
        self._event(tid, "transferred", ended, staff, counter, json.dumps({"to": target.code}))
        wait2 = dt.timedelta(minutes=rng.expovariate(1 / 6))
        called2 = ended + wait2
        counters2 = self.serving.get(target.id) or list(self.desks)
        counter2 = rng.choice(counters2)
        staff2 = self.desks[counter2][0]
        started2 = called2 + dt.timedelta(seconds=40)
        ended2 = started2 + dt.timedelta(minutes=max(0.5, rng.gammavariate(4, target.typical_service_minutes / 4)))
        if now is not None and ended2 > now:
            child = self._ticket(day, seqs[target.id], target, "waiting", ended, customer=customer, parent=tid,
                                 channel="transfer")
            self._event(child, "issued", ended, staff, counter, '{"channel": "transfer"}')
            return 2
        child = self._ticket(day, seqs[target.id], target, "done", ended, customer=customer, counter=counter2,
                             staff=staff2, called=called2, started=started2, ended=ended2, parent=tid,
                             channel="transfer")
        self._event(child, "issued", ended, staff, counter, '{"channel": "transfer"}')
        self._event(child, "called", called2, staff2, counter2)
        self._event(child, "started", started2, staff2, counter2)
        self._event(child, "completed", ended2, staff2, counter2)
        return 2


def _desks(branch_id: int) -> dict[int, tuple[int, list[int]]]:
    """Counter id -> (the desk person who works it, its services): one person per counter."""
    people = [s.id for s in Staff.select().where(Staff.active).order_by(Staff.id) if "desk" in SCREENS.get(s.role, ())]
    counters = list(Counter.select().where((Counter.branch == branch_id) & Counter.active).order_by(Counter.id))
    desks = {}
    for counter, person in zip(counters, people):
        served = [r[0] for r in CounterService.select(CounterService.service)
                  .where(CounterService.counter == counter).order_by(CounterService.position).tuples()]
        desks[counter.id] = (person, served)
    return desks


def _hours(day: dt.date, tz: str, opens: dt.time, closes: dt.time) -> tuple[dt.datetime, dt.datetime]:
    return (to_utc(dt.datetime.combine(day, opens), tz), to_utc(dt.datetime.combine(day, closes), tz))


def build(url: str, *, customers: int, days: int, tickets: int, seed: int = 1,
          today_tickets: int = 0, progress: bool = True) -> dict:
    """Build the branch (see the module doc); returns counts and seconds."""
    from bench.search import fill

    started = time.perf_counter()
    config = load_config(ROOT / "config.yaml")
    clock = SystemClock()
    ctx = open_context(config, url, clock)
    if not is_postgres():
        db.execute_sql("PRAGMA synchronous = OFF")  # building only; a benchmark reconnects with the normal pragmas
    seconds: dict[str, float] = {"init": time.perf_counter() - started}

    mark = time.perf_counter()
    if customers:
        fill(customers, seed) if progress else _quiet(fill, customers, seed)
    seconds["customers"] = time.perf_counter() - mark

    mark = time.perf_counter()
    rng = random.Random(seed)
    tz = ctx.timezone
    today = ctx.today()
    now = clock.now()
    opens = dt.time.fromisoformat(config.branch.hours.open)
    closes = dt.time.fromisoformat(config.branch.hours.close)
    services = list(Service.select().where((Service.branch == ctx.branch_id) & Service.active).order_by(Service.id))
    desks = _desks(ctx.branch_id)
    next_id = (db.execute_sql("SELECT COALESCE(MAX(id), 0) FROM ticket").fetchone()[0] or 0) + 1
    writer = Writer()
    gen = Branchday(rng, writer, ctx.branch_id, tz, services, desks, customers, config.queue.number_width, next_id)
    made = 0
    for i in range(days):
        day = today - dt.timedelta(days=days - i)
        want = (tickets - made) // (days - i)
        if want <= 0:
            continue
        start, end = _hours(day, tz, opens, closes)
        for counter, (person, _) in desks.items():
            writer.add("counter_event", (counter, "opened", start, person, None))
            writer.add("counter_event", (counter, "closed", end, person, None))
        made += gen.day(day, want, start, end)
        if progress:
            print(f"\r  tickets {made:,} of {tickets:,}, day {i + 1} of {days} ({time.perf_counter() - mark:.0f} s)",
                  end="", file=sys.stderr)
    writer.flush()
    history = writer.counts["ticket"]
    seconds["history"] = time.perf_counter() - mark

    mark = time.perf_counter()
    day_start = day_bounds(today, tz)[0]
    start = max(day_start, now - dt.timedelta(hours=8))
    for counter, (person, _) in desks.items():
        writer.add("counter_event", (counter, "opened", start, person, None))
    if today_tickets:
        gen.rng = random.Random(seed + 1)  # today's tickets the same whatever the history before them
        gen.day(today, today_tickets, start, now, now=now)
    writer.flush()
    with db.atomic():
        for counter, (person, _) in desks.items():
            Counter.update(state="open", staff=person, state_since=start).where(Counter.id == counter).execute()
        Branch.update(current_day=today).where(Branch.id == ctx.branch_id).execute()
    if is_postgres():
        db.execute_sql("SELECT setval(pg_get_serial_sequence('ticket', 'id'), (SELECT MAX(id) FROM ticket))")
        db.execute_sql("ANALYZE")
    else:
        db.execute_sql("ANALYZE")
    seconds["today"] = time.perf_counter() - mark
    if progress:
        print(f"\r  tickets {history:,} over {days} days and {writer.counts['ticket'] - history:,} today; "
              f"{writer.counts['event']:,} events ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    database.close()
    seconds["total"] = time.perf_counter() - started
    return {"customers": customers, "days": days, "tickets": history, "today_tickets": writer.counts["ticket"] - history,
            "ticket_events": writer.counts["event"], "counter_events": writer.counts["counter_event"],
            "feedback": writer.counts["feedback"], "seconds": seconds}


def _quiet(fn, *args):
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()):
        return fn(*args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL (sqlite:///PATH or postgresql://...)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--today-tickets", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = build(args.db, customers=args.customers, days=args.days, tickets=args.tickets, seed=args.seed,
                   today_tickets=args.today_tickets)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
