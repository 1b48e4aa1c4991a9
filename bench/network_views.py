"""The network screen's refresh and a network year report, at N branches, beside one branch's supervisor refresh.

    python bench/network_views.py [--branches 50] [--days 365] [--today-tickets 120] [--history-days 250]
                                  [--history-per-day 250] [--rounds 30] [--repeats 3] [--parts refresh,report]
                                  [--profile] [--pg SERVER_URL] [--keep FILE] [--json OUT]

Builds its own database: a SQLite file in a temporary folder, or with --pg a database of its own
(`deskapp_bench_netviews`, created on that server and dropped afterwards; never `test`). N branches,
each with 3 services and 4 counters (2 open), `today-tickets` tickets of today (a quarter waiting, the rest
served, some rated), `days` closed days of generated day summaries (about 250 tickets a day per branch:
sums per service and counter, every wait, hours, feedback), as deskapp.core.stats.day_summaries writes them,
and `history-days` x `history-per-day` done tickets before today with their four events each (250 x 250 at
50 branches: 3,125,000 tickets and 12.5 million events), the history that today's figures must not read.

Measured in the same run, `repeats` times (each a fresh connection):
1. network refresh: network_version plus network_now as the area manager, who sees every branch (what the
   network screen does when a branch changed: the N branches and the configuration's three), p50 / p95 of `rounds` after a warm-up; baseline: one branch's
   supervisor refresh (deskapp.core.stats.dashboard.dashboard) on the same database, p50 / p95, timed in
   turn with it (one of each per round). Ratio of the p95s.
2. network year report: network_report.build_network over the `days` days before today, cold (the
   first in a new connection) and warm (again); baseline: one branch's year report (reports.build), warm.
Printed: each figure's median over the repeats with its spread (min-max). `--keep FILE` (SQLite): build the
database into FILE and keep it, or, when FILE exists, measure the one built there before (the 3,000,000-ticket
build takes a quarter of an hour on a loaded machine). `--profile`: each refresh's
statements by caller and their time, once (bench/statement_profile.py).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskapp.config.load import load_config  # noqa: E402
from deskapp.core.startup import open_context  # noqa: E402
from deskapp.core.stats import dashboard, network, network_report, reports  # noqa: E402
from deskapp.db import database  # noqa: E402

BENCH_DB = "deskapp_bench_netviews"
SERVICES = (("CASH", "A", 10, 4.0), ("ACCT", "B", 15, 9.0), ("INFO", "I", 5, 2.5))
COUNTERS = 4
WHO = "clara"  # the shipped configuration's area manager, who sees every branch


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def build(url: str, branches: int, days: int, today_tickets: int, seed: int = 7, history_days: int = 0,
          history_per_day: int = 250) -> list[int]:
    """The network (module doc); the new branches' ids."""
    from deskapp.db.database import db
    from deskapp.db.models import Branch, ChangeMarker, Counter, CounterService, Service, Ticket

    config = load_config(ROOT / "config.yaml")
    # The bulk history takes longer than a desk's statement may.
    config = config.model_copy(update={"database": config.database.model_copy(update={"statement_timeout": 0})})
    ctx = open_context(config, url)
    rnd = random.Random(seed)
    now = ctx.now()
    today = ctx.today()
    ids = []
    p = db.param
    for b in range(branches):
        with db.atomic():
            branch = Branch.create(code=f"N{b:03d}", name=f"Branch {b:03d}", timezone="Europe/Lisbon")
            ChangeMarker.create(branch=branch, seq=0)
            services = [Service.create(branch=branch, code=c, name=c, prefix=x, target_wait_minutes=t,
                                       typical_service_minutes=m) for c, x, t, m in SERVICES]
            counters = []
            for i in range(COUNTERS):
                c = Counter.create(branch=branch, code=str(i + 1), name=f"Counter {i + 1}",
                                   state="open" if i < 2 else "closed", state_since=now - dt.timedelta(hours=3))
                counters.append(c)
                for pos, s in enumerate(services):
                    CounterService.create(counter=c, service=s, position=pos)
            first = today - dt.timedelta(days=days)
            rows = [dict(branch=branch, service=services[0], day=first, seq=1, number="A001", priority="normal",
                         status="cancelled", issued_at=now - dt.timedelta(days=days), queued_at=now - dt.timedelta(days=days))]
            seqs = {s.id: 0 for s in services}
            for k in range(today_tickets):
                s = rnd.choice(services)
                seqs[s.id] += 1
                issued = now - dt.timedelta(minutes=rnd.uniform(1, 180))
                waiting = k % 4 == 0
                called = None if waiting else issued + dt.timedelta(minutes=rnd.expovariate(1 / 8))
                ended = None if waiting else called + dt.timedelta(minutes=rnd.expovariate(1 / 5))
                if ended is not None and ended > now:
                    called, ended, waiting = None, None, True
                rows.append(dict(branch=branch, service=s, day=today, seq=seqs[s.id], number=f"{s.prefix}{seqs[s.id]:03d}",
                                 priority="normal", status="waiting" if waiting else "done", issued_at=issued,
                                 queued_at=issued, called_at=called, started_at=called, ended_at=ended,
                                 counter=None if waiting else rnd.choice(counters[:2])))
            Ticket.insert_many(rows).execute()
        _summaries(db, p, branch.id, [s.id for s in services], [c.id for c in counters], today, days, rnd)
        ids.append(branch.id)
    if history_days:
        _history(db, today, history_days, history_per_day)
    database.close()
    return ids


def _built(url: str) -> list[int]:
    """The ids of the bench's branches in a database built before (--keep)."""
    from deskapp.db.models import Branch

    database.connect(url)
    ids = [b.id for b in Branch.select(Branch.id).where(Branch.code.startswith("N")).order_by(Branch.code)]
    database.close()
    return ids


def _history(db, today: dt.date, days: int, per_day: int) -> None:
    """`days` closed days of done tickets before today in every branch (`per_day` a day, its three services in
    turn from 09:00 UTC, one every 90 s, served by the two open counters), with their four events each, written
    by INSERT ... SELECT on the server: the history that today's queries must not read. PostgreSQL is analysed
    afterwards (autovacuum would); SQLite is not (deskapp never runs ANALYZE there)."""
    pg = database.is_postgres()
    p = db.param
    if pg:
        numbers = (f"days(day) AS (SELECT ({p}::date - g) FROM generate_series(1, {p}) g),"
                   f" seqs(seq) AS (SELECT generate_series(1, {p}))")
        at = lambda extra: f"(days.day + time '09:00' + (seqs.seq * 90 + {extra}) * interval '1 second')"
        number, false, mod = "lpad(seqs.seq::text, 3, '0')", "false", "%%"
    else:
        numbers = (f"days(n, day) AS (SELECT 1, date({p}, '-1 days') UNION ALL"
                   f" SELECT n + 1, date(day, '-1 days') FROM days WHERE n < {p}),"
                   f" seqs(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM seqs WHERE seq < {p})")
        at = lambda extra: f"datetime(days.day, '+' || (32400 + seqs.seq * 90 + {extra}) || ' seconds')"
        number, false, mod = "printf('%03d', seqs.seq)", "0", "%"
    with db.atomic():
        db.execute_sql(
            f"WITH RECURSIVE {numbers} INSERT INTO ticket (branch_id, service_id, day, seq, number, priority, status,"
            " channel, issued_at, queued_at, front, called_at, started_at, ended_at, recall_count, counter_id)"
            f" SELECT s.branch_id, s.id, days.day, seqs.seq, s.prefix || {number}, 'normal', 'done', 'kiosk',"
            f" {at(0)}, {at(0)}, {false}, {at(240)}, {at(250)}, {at(540)}, 0, c.id"
            " FROM service s CROSS JOIN days CROSS JOIN seqs"
            f" JOIN branch b ON b.id = s.branch_id AND b.code LIKE 'N{mod}'"
            f" JOIN counter c ON c.branch_id = s.branch_id AND c.code = CAST(seqs.seq {mod} 2 + 1 AS TEXT)"
            f" WHERE seqs.seq {mod} 3 = (SELECT COUNT(*) FROM service o WHERE o.branch_id = s.branch_id AND o.id < s.id)"
            " ORDER BY 3, 9", (today, days, per_day))
        db.execute_sql(
            "INSERT INTO ticket_event (ticket_id, kind, at, staff_id, counter_id, detail)"
            " SELECT t.id, e.kind, CASE e.step WHEN 1 THEN t.issued_at WHEN 2 THEN t.called_at"
            " WHEN 3 THEN t.started_at ELSE t.ended_at END, NULL, CASE WHEN e.step = 1 THEN NULL ELSE t.counter_id END, ''"
            " FROM ticket t CROSS JOIN (SELECT 1 AS step, 'issued' AS kind UNION ALL SELECT 2, 'called'"
            " UNION ALL SELECT 3, 'started' UNION ALL SELECT 4, 'completed') e"
            f" WHERE t.day < {p} AND t.channel = 'kiosk' ORDER BY 3, e.step, t.id", (today,))
    if pg:
        db.execute_sql("ANALYZE")


def _summaries(db, p, branch: int, services: list[int], counters: list[int], today: dt.date, days: int, rnd) -> None:
    """`days` closed days of day summaries, valid (summarised_version = version, today's timezone)."""
    sums, waits, hours, feedback, marks = [], [], [], [], []
    for d in range(days, 0, -1):
        day = today - dt.timedelta(days=d)
        marks.append((branch, day, 1, 1, "Europe/Lisbon"))
        for s in services:
            n = rnd.randint(60, 110)
            seconds = sorted(rnd.expovariate(1 / 480) for _ in range(n))
            on_time = sum(1 for w in seconds if w <= 600)
            for c in counters[:2]:
                half = n // 2
                sums.append((branch, day, s, c, None, half, half - 2, half, 1, 1, on_time // 2, sum(seconds) / 2, half,
                             half * 300.0, half - 2, half - 2, half - 2))
            waits.append((branch, day, s, array("d", seconds).tobytes()))
            feedback.append((branch, day, s, True, rnd.randint(3, 5), rnd.randint(6, 10), None, rnd.randint(5, 20)))
        for h in range(9, 17):
            hours.append((branch, day, day, h, 30, 28, 29, 24, 29 * 400.0, 28))
    with db.atomic():
        cur = db.cursor()
        cur.executemany(f"INSERT INTO summary_day (branch_id, day, version, summarised_version, timezone) "
                        f"VALUES ({p}, {p}, {p}, {p}, {p})", marks)
        cur.executemany("INSERT INTO summary_sums (branch_id, day, service_id, counter_id, staff_id, n, done, called, "
                        "no_show, walk, on_time, wait_sum, waits, service_sum, services, reached, reached_done) VALUES ("
                        + ", ".join([p] * 17) + ")", sums)
        cur.executemany(f"INSERT INTO summary_waits (branch_id, day, service_id, seconds) VALUES ({p}, {p}, {p}, {p})",
                        waits)
        cur.executemany("INSERT INTO summary_hours (branch_id, day, local_day, hour, arrivals, completed, called, on_time, "
                        "wait_sum, waits) VALUES (" + ", ".join([p] * 10) + ")", hours)
        cur.executemany("INSERT INTO summary_feedback (branch_id, day, service_id, answered, csat, nps, ces, count) "
                        "VALUES (" + ", ".join([p] * 8) + ")", feedback)


def _timed(fn, rounds: int) -> list[float]:
    fn()  # warm-up
    found = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        found.append((time.perf_counter() - start) * 1000)
    return found


def measure(url: str, ids: list[int], days: int, rounds: int, parts: set[str], profile: bool = False) -> dict:
    config = load_config(ROOT / "config.yaml")
    ctx = open_context(config, url)
    until = ctx.today() - dt.timedelta(days=1)
    since = until - dt.timedelta(days=days - 1)
    one = network.branch_context(ctx, ids[0])
    result: dict = {}
    if "report" in parts:
        start = time.perf_counter()
        network_report.build_network(ctx, since, until, ids)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        network_report.build_network(ctx, since, until, ids)
        warm = time.perf_counter() - start
        reports.build(one, since, until)
        start = time.perf_counter()
        reports.build(one, since, until)
        result.update(report_cold_s=cold, report_warm_s=warm, one_branch_report_warm_s=time.perf_counter() - start)

    def refresh() -> None:  # what the network screen does when a branch changed, as the area manager: every branch
        network.network_version(None)
        network.network_now(ctx, WHO, None)

    if profile:
        from bench.statement_profile import profiled

        for label, fn in (("network refresh", refresh), ("supervisor refresh", lambda: dashboard.dashboard(one))):
            fn()
            with profiled() as seen:
                fn()
            print(f"{label}: {seen.report()}", flush=True)
    if "refresh" in parts:
        net, sup = _interleaved(refresh, lambda: dashboard.dashboard(one), rounds)
        result.update(network_p50_ms=statistics.median(net), network_p95_ms=_p95(net),
                      supervisor_p50_ms=statistics.median(sup), supervisor_p95_ms=_p95(sup),
                      ratio_p95=_p95(net) / _p95(sup))
    database.close()
    return result


def _interleaved(first, second, rounds: int) -> tuple[list[float], list[float]]:
    """Both timed `rounds` times after a warm-up each, one after the other in every round, so that the
    machine's load falls on both alike."""
    first(), second()
    a, b = [], []
    for _ in range(rounds):
        for fn, into in ((first, a), (second, b)):
            start = time.perf_counter()
            fn()
            into.append((time.perf_counter() - start) * 1000)
    return a, b


def _pg_database(server: str, create: bool, name: str = BENCH_DB) -> str:
    import psycopg

    if name == "test":
        raise SystemExit("the bench never writes into the database named test")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server.rpartition("/")
    return f"{base}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--branches", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--today-tickets", type=int, default=120)
    parser.add_argument("--history-days", type=int, default=250,
                        help="closed days of done tickets (with their events) before today, per branch")
    parser.add_argument("--history-per-day", type=int, default=250)
    parser.add_argument("--parts", default="refresh,report", help="refresh, report or both")
    parser.add_argument("--profile", action="store_true",
                        help="print each refresh's statements by caller (bench/statement_profile.py)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pg", default=None, help="a PostgreSQL server URL (any database but the bench's own)")
    parser.add_argument("--pg-db", default=BENCH_DB, help="the bench's own database on that server (never test)")
    parser.add_argument("--keep", default=None, help="SQLite: build into this file and keep it; reuse it if it exists")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        kept = Path(args.keep) if args.keep and not args.pg else None
        url = _pg_database(args.pg, True, args.pg_db) if args.pg else f"sqlite:///{kept or Path(folder) / 'network.db'}"
        try:
            start = time.perf_counter()
            if kept is not None and kept.exists():
                ids = _built(url)
            else:
                ids = build(url, args.branches, args.days, args.today_tickets, history_days=args.history_days,
                            history_per_day=args.history_per_day)
            built = time.perf_counter() - start
            parts = set(args.parts.split(","))
            runs = [measure(url, ids, args.days, args.rounds, parts, args.profile and not i)
                    for i in range(args.repeats)]
        finally:
            database.close()
            if args.pg:
                _pg_database(args.pg, False, args.pg_db)
    result = {"backend": "postgresql" if args.pg else "sqlite", "branches": args.branches, "days": args.days,
              "history_days": args.history_days, "history_per_day": args.history_per_day, "build_s": built, "runs": runs,
              "median": {k: statistics.median(r[k] for r in runs) for k in runs[0]},
              "spread": {k: (min(r[k] for r in runs), max(r[k] for r in runs)) for k in runs[0]}}
    m, s = result["median"], result["spread"]
    print(f"{result['backend']}, {args.branches} branches, {args.days} days of summaries, {args.history_days} x "
          f"{args.history_per_day} historic tickets a branch (built in {built:.0f} s), "
          f"{args.repeats} repeats (median, min-max):")
    for key in runs[0]:
        print(f"  {key:28s} {m[key]:10.3f}   ({s[key][0]:.3f}-{s[key][1]:.3f})")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
