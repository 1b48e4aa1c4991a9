"""A branch network on one PostgreSQL through PgBouncer: claims, call-next latency, a busy supervisor.

N branches (default 50) x M desks (default 4) are driven by a few processes (each works its share of
the desks in turn: call next, then no-show) against one PostgreSQL through a PgBouncer of its own in
transaction pooling mode (tests/pgbouncer.py), for T seconds, in a database of its own
(`deskapp_bench_network`, dropped and made again; never `test`). Every branch gets a history first:
`--history-days` days x `--history-per-day` done tickets (default 250 x 250: 3,000,000 tickets at 50
branches), written by INSERT ... SELECT on the server, with their events.

Printed beside each figure, the same-run baseline:
- call-next p50/p95 and claims per second network-wide | a raw FOR UPDATE SKIP LOCKED claim loop (same
  processes, same PgBouncer, same tickets put back to waiting), claims per second;
- every branch's `queue check --since TODAY` after the run (0 claimed twice or lost);
- a branch's supervisor refresh (deskapp.core.stats.dashboard) while the network works | the same
  refresh once the network is idle. Twice while it works: with the desk-driver processes at normal CPU
  priority, and again with them at `--desk-nice N` (default 10; 0: only the first). On one machine the
  load generator takes the CPU that, in a deployment, the desks' own machines would spend: with the
  desk drivers at normal priority the supervisor's figure measures this machine's CPU shared four ways
  more than the server's work. Niced (os.nice in each desk worker; PgBouncer, the server and the
  supervisor's process keep their priority), the server and the supervisor get the CPU first, as with
  desks on their own machines; the desks still send every statement, take every lock and write every
  row. Both figures are printed, labelled; the claim ratio is the normal-priority run's. A third time
  with the desks paced (`--busy-rate R`, default 20; 0: skip): R calls a second network-wide, a busy
  day's load rather than a stress test. A large branch of the shipped network takes about 27 walk-ins
  an hour at its lunch peak, so 50 such branches call about 0.4 tickets a second; 20 a second is 50
  times that, while flat out the desks call 150-250 a second on this machine. The idle figure is the
  p95 of 40 refreshes.
Then, once the network is idle, on the same database through the same PgBouncer (`--parts views,report`):
- the network screen's refresh (network_version and network_now as the configuration's area manager, who
  sees every branch) p50/p95 | one branch's supervisor refresh, timed in turn with it (bench/network_views.py's
  way, there on generated day summaries);
- the network year report (network_report.build_network over the history's days for every branch, or the
  first `--report-branches`), cold (the first: it summarises every day of the raw history) and warm (again,
  from the day summaries the first wrote) | one branch's report over the same days, warm.

    python bench/network.py [--branches 50] [--desks 4] [--procs 4] [--seconds 30] [--history-days 250]
                            [--repeats 3] [--parts desks,views,report] [--report-branches N] [--reuse]
                            [--desk-nice 10] [--busy-rate 20]
                            [--server postgresql://postgres@127.0.0.1:5432/postgres] [--json FILE]

`--reuse` keeps the database a previous run built (its history and today's tickets, put back to waiting)
instead of building it again; the day summaries a cold report wrote are dropped first.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "deskapp_bench_network"
AREA_MANAGER = "clara"  # the shipped configuration's area manager, who sees every branch
SUMMARY_TABLES = ("summary_sums", "summary_waits", "summary_hours", "summary_feedback", "summary_day")


def _admin(server: str):
    import psycopg

    return psycopg.connect(server, autocommit=True)


def _url(server: str, dbname: str) -> str:
    base = server.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


def bench_config():
    from deskapp.config.load import load_config

    config = load_config(ROOT / "config.yaml")
    return config.model_copy(update={"queue": config.queue.model_copy(update={"number_width": 5})})


def build(server: str, branches: int, desks: int, history_days: int, per_day: int, today_per_desk: int) -> dict:
    """The network's database: branches, services, counters and tellers through the data layer, then
    history and today's waiting tickets in bulk on the server."""
    from deskapp.core.startup import open_context
    from deskapp.db import database
    from deskapp.db.models import Branch, ChangeMarker, Counter, CounterService, Service, Staff

    with _admin(server) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    url = _url(server, DB_NAME)
    began = time.perf_counter()
    config = bench_config()
    # The bulk history takes longer than a desk's statement may.
    config = config.model_copy(update={"database": config.database.model_copy(update={"statement_timeout": 0})})
    ctx = open_context(config, url)
    first = Branch.get_by_id(ctx.branch_id)
    services = list(Service.select().where(Service.branch == first).order_by(Service.id))

    ids = [first.id]
    with database.db.atomic():
        for b in range(1, branches):
            branch = Branch.create(code=f"B{b:03d}", name=f"Branch {b:03d}", timezone=first.timezone)
            ChangeMarker.create(branch=branch, seq=0)
            for s in services:
                Service.create(branch=branch, code=s.code, name=s.name, prefix=s.prefix,
                               target_wait_minutes=s.target_wait_minutes,
                               typical_service_minutes=s.typical_service_minutes, workflow=s.workflow)
            ids.append(branch.id)
        for branch_id in ids:
            service = Service.get((Service.branch == branch_id) & (Service.code == "CASH"))
            for d in range(desks):
                counter = Counter.create(branch=branch_id, code=f"N{d}", name=f"Network desk {d}")
                CounterService.create(counter=counter, service=service, position=0)
                Staff.create(login=f"n{branch_id}_{d}", branch=branch_id, name=f"Teller {branch_id}/{d}", role="teller")
    db = database.db
    today = ctx.today()
    now = dt.datetime.utcnow().replace(microsecond=0)
    steps = _history(db, today, history_days, per_day, desks) if history_days else {}
    waiting = today_per_desk * desks
    db.execute_sql(
        "INSERT INTO ticket (branch_id, service_id, day, seq, number, priority, status, channel, issued_at,"
        " queued_at, front, recall_count)"
        " SELECT s.branch_id, s.id, %s, n.seq, 'A' || lpad(n.seq::text, 5, '0'), 'normal', 'waiting', 'kiosk',"
        "  %s + n.seq * interval '1 millisecond', %s + n.seq * interval '1 millisecond', false, 0"
        " FROM service s CROSS JOIN generate_series(1, %s) AS n(seq) WHERE s.code = 'CASH'",
        (today, now - dt.timedelta(minutes=20), now - dt.timedelta(minutes=20), waiting))
    db.execute_sql("INSERT INTO ticket_event (ticket_id, kind, at, staff_id, counter_id, detail)"
                   " SELECT id, 'issued', issued_at, NULL, NULL, '' FROM ticket WHERE day = %s", (today,))
    db.execute_sql("INSERT INTO ticket_sequence (branch_id, service_id, day, last_seq)"
                   " SELECT branch_id, service_id, day, max(seq) FROM ticket WHERE day = %s"
                   " GROUP BY branch_id, service_id, day", (today,))
    db.execute_sql("UPDATE branch SET current_day = %s", (today,))
    db.execute_sql("ANALYZE")
    tickets = db.execute_sql("SELECT count(*) FROM ticket").fetchone()[0]
    database.close()
    return {"url": url, "branch_ids": ids, "tickets": tickets, "build_s": round(time.perf_counter() - began, 1),
            "waiting_per_branch": waiting, "build_steps_s": steps}


def _history(db, today: dt.date, history_days: int, per_day: int, desks: int) -> dict:
    """Done tickets of past days with their four events each, on the server, as a bulk load: without the
    foreign-key and day-summary triggers (session_replication_role = replica: the rows are consistent
    by construction, and no day of the history has a summary to mark stale), with the two tables'
    secondary indexes dropped first and built again afterwards (one sort each instead of 3,000,000
    and 12,000,000 index insertions), and enough memory for the events' sort. Returns each step's
    seconds."""
    steps: dict[str, float] = {}

    def step(name: str, sql: str, params: tuple = ()) -> None:
        began = time.perf_counter()
        db.execute_sql(sql, params)
        steps[name] = round(time.perf_counter() - began, 1)

    indexes = db.execute_sql(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()"
        " AND i.tablename IN ('ticket', 'ticket_event') AND NOT EXISTS (SELECT 1 FROM pg_constraint k"
        " WHERE k.conname = i.indexname)").fetchall()
    with db.atomic():
        db.execute_sql("SET LOCAL session_replication_role = replica")
        db.execute_sql("SET LOCAL work_mem = '256MB'")
        db.execute_sql("SET LOCAL maintenance_work_mem = '512MB'")
        for name, _definition in indexes:
            db.execute_sql(f'DROP INDEX "{name}"')
        # Done tickets of past days: per branch and day, `per_day` CASH tickets from 09:00 UTC.
        # Each desk serves every desks-th ticket, done before its next one is called.
        gap = 90 * desks - 20
        step("tickets",
            "INSERT INTO ticket (branch_id, service_id, day, seq, number, priority, status, channel, issued_at,"
            " queued_at, front, called_at, started_at, ended_at, recall_count, counter_id)"
            " SELECT s.branch_id, s.id, d.day, n.seq, 'A' || lpad(n.seq::text, 5, '0'), 'normal', 'done', 'kiosk',"
            "  d.day + time '09:00' + n.seq * interval '90 seconds',"
            "  d.day + time '09:00' + n.seq * interval '90 seconds', false,"
            "  d.day + time '09:00' + n.seq * interval '90 seconds' + interval '4 minutes',"
            "  d.day + time '09:00' + n.seq * interval '90 seconds' + interval '4 minutes 10 seconds',"
            "  d.day + time '09:00' + n.seq * interval '90 seconds' + interval '4 minutes' + %s * interval '1 second',"
            "  0, c.id"
            " FROM service s"
            " CROSS JOIN (SELECT (%s::date - g)::date AS day FROM generate_series(1, %s) g) d"
            " CROSS JOIN generate_series(1, %s) AS n(seq)"
            " JOIN counter c ON c.branch_id = s.branch_id AND c.code = 'N' || (n.seq %% %s)::text"
            " WHERE s.code = 'CASH'", (gap, today, history_days, per_day, desks))
        # In time order, so that event ids follow the counters' history as live ones do.
        step("events",
            "INSERT INTO ticket_event (ticket_id, kind, at, staff_id, counter_id, detail)"
            " SELECT t.id, e.kind, e.at, NULL, CASE WHEN e.kind = 'issued' THEN NULL ELSE t.counter_id END, ''"
            " FROM ticket t CROSS JOIN LATERAL (VALUES (1, 'issued', t.issued_at), (2, 'called', t.called_at),"
            "  (3, 'started', t.started_at), (4, 'completed', t.ended_at)) AS e(step, kind, at)"
            " WHERE t.day < %s ORDER BY e.at, e.step, t.id", (today,))
        began = time.perf_counter()
        for _name, definition in indexes:
            db.execute_sql(definition)
        steps["indexes"] = round(time.perf_counter() - began, 1)
    return steps


def _desks_proc(url: str, jobs: list[tuple[int, str, str]], seconds: float, start, results, nice: int = 0,
                interval: float = 0.0) -> None:
    """Works its desks in turn, flat out, or one call every `interval` seconds (a paced run: --busy-rate)."""
    if nice:
        os.nice(nice)  # below the server, PgBouncer and the supervisor (module doc: --desk-nice)
    from deskapp.core import queue as q
    from deskapp.core.context import Context
    from deskapp.core.startup import open_context

    base = open_context(bench_config(), url, init=False)
    contexts = {b: Context(config=base.config, branch_id=b) for b, _c, _s in jobs}
    latencies: list[float] = []
    claims = 0
    start.wait()
    began = time.perf_counter()
    deadline = began + seconds
    due = began
    while time.perf_counter() < deadline:
        for branch_id, counter, login in jobs:
            ctx = contexts[branch_id]
            if interval:
                due += interval
                time.sleep(max(0.0, due - time.perf_counter()))
            t = time.perf_counter()
            called = q.call_next(ctx, counter, login)
            latencies.append(time.perf_counter() - t)
            if called is not None:
                q.no_show(ctx, counter, by=login)
                claims += 1
    results.put((claims, latencies, began, time.perf_counter()))


def _raw_proc(url: str, jobs: list[tuple[int, str, str]], seconds: float, start, results) -> None:
    import psycopg

    conn = psycopg.connect(url, autocommit=False, prepare_threshold=None)
    claims = 0
    latencies: list[float] = []
    start.wait()
    began = time.perf_counter()
    deadline = began + seconds
    while time.perf_counter() < deadline:
        for branch_id, _counter, _login in jobs:
            t = time.perf_counter()
            row = conn.execute(
                "SELECT id FROM ticket WHERE branch_id = %s AND status = 'waiting' ORDER BY queued_at, id LIMIT 1"
                " FOR UPDATE SKIP LOCKED", (branch_id,)).fetchone()
            if row is not None:
                conn.execute("UPDATE ticket SET status = 'called' WHERE id = %s", (row[0],))
            conn.commit()
            latencies.append(time.perf_counter() - t)
            if row is not None:
                conn.execute("UPDATE ticket SET status = 'no_show' WHERE id = %s", (row[0],))
                conn.commit()
                claims += 1
    results.put((claims, latencies, began, time.perf_counter()))


def _supervisor_proc(url: str, branch_id: int, seconds: float, start, results) -> None:
    from deskapp.core.context import Context
    from deskapp.core.startup import open_context
    from deskapp.core.stats import dashboard

    base = open_context(bench_config(), url, init=False)
    ctx = Context(config=base.config, branch_id=branch_id)
    dashboard.dashboard(ctx)  # the first refresh of a process fills its caches
    times: list[float] = []
    start.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        dashboard.dashboard(ctx)
        times.append(time.perf_counter() - t)
    results.put(("supervisor", times))


def _drive(target, url: str, jobs: list[tuple[int, str, str]], procs: int, seconds: float,
           supervisor_branch: int | None = None, desk_nice: int = 0, rate: float = 0.0) -> dict:
    context = mp.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    shares = [jobs[i::procs] for i in range(procs)]
    extra: dict = {"nice": desk_nice} if desk_nice else {}
    if rate:
        extra["interval"] = procs / rate  # each process its share of `rate` calls per second
    workers = [context.Process(target=target, args=(url, share, seconds, start, results), kwargs=extra)
               for share in shares]
    if supervisor_branch is not None:
        workers.append(context.Process(target=_supervisor_proc, args=(url, supervisor_branch, seconds, start, results)))
    for w in workers:
        w.start()
    time.sleep(4.0)  # imports and connections before the start signal
    start.set()
    outcomes = [results.get(timeout=seconds + 300) for _ in workers]
    for w in workers:
        w.join()
    desks = [o for o in outcomes if o[0] != "supervisor"]
    latencies = sorted(x for o in desks for x in o[1])
    claims = sum(o[0] for o in desks)
    wall = max(o[3] for o in desks) - min(o[2] for o in desks)
    out = {"claims": claims, "claims_per_s": claims / wall, "calls": len(latencies),
           "p50_ms": 1000 * latencies[len(latencies) // 2], "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)]}
    sup = [o[1] for o in outcomes if o[0] == "supervisor"]
    if sup:
        times = sorted(sup[0])
        out["supervisor_busy_p50_ms"] = 1000 * statistics.median(times)
        out["supervisor_busy_p95_ms"] = 1000 * times[int(len(times) * 0.95)]
    return out


def queue_checks(url: str, branch_ids: list[int]) -> dict:
    from deskapp.core.stats.integrity import check
    from deskapp.db import database

    database.connect(url)
    today = database.db.execute_sql("SELECT current_day FROM branch WHERE id = %s", (branch_ids[0],)).fetchone()[0]
    # Today's tickets, the run's: the whole history (62,500 tickets and 250,000 events a branch) would
    # take minutes a branch and check the builder's rows, not the desks'.
    problems = {b: check(b, since=today) for b in branch_ids}
    twice = database.db.execute_sql(
        "SELECT count(*) FROM (SELECT e.ticket_id FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id"
        " WHERE e.kind = 'called' AND t.day = current_date GROUP BY e.ticket_id HAVING count(*) > 1) AS x"
    ).fetchone()[0]
    database.close()
    return {"branches_with_problems": sum(1 for p in problems.values() if p), "claimed_twice": twice,
            "first_problems": [str(p) for ps in problems.values() for p in ps][:5]}


def idle_supervisor(url: str, branch_id: int, rounds: int = 40) -> dict:
    from deskapp.core.context import Context
    from deskapp.core.startup import open_context
    from deskapp.core.stats import dashboard
    from deskapp.db import database

    base = open_context(bench_config(), url, init=False)
    ctx = Context(config=base.config, branch_id=branch_id)
    dashboard.dashboard(ctx)
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        dashboard.dashboard(ctx)
        times.append(time.perf_counter() - t)
    database.close()
    times.sort()
    return {"supervisor_idle_p50_ms": 1000 * statistics.median(times),
            "supervisor_idle_p95_ms": 1000 * times[int(len(times) * 0.95)]}


def reset_today(url: str) -> None:
    """Today's tickets back to waiting, with only their issue events (the raw loop writes none), so the
    next run's queue check reads one run's history."""
    import psycopg

    with psycopg.connect(url, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("DELETE FROM ticket_event WHERE kind <> 'issued' AND ticket_id IN"
                     " (SELECT id FROM ticket WHERE day = current_date)")
        conn.execute("UPDATE ticket SET status = 'waiting', counter_id = NULL, staff_id = NULL, called_at = NULL,"
                     " ended_at = NULL WHERE day = current_date")
        conn.execute("UPDATE counter SET state = 'closed', staff_id = NULL")


def reused(server: str) -> dict:
    """The database a previous run built, today's tickets back to waiting and no day summaries."""
    import psycopg

    url = _url(server, DB_NAME)
    reset_today(url)
    with psycopg.connect(url, autocommit=True) as conn:
        for table in SUMMARY_TABLES:
            conn.execute(f"DELETE FROM {table}")
        ids = [r[0] for r in conn.execute("SELECT DISTINCT branch_id FROM counter WHERE code = 'N0' ORDER BY 1")]
        tickets = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
    return {"url": url, "branch_ids": ids, "tickets": tickets, "build_s": 0.0, "build_steps_s": "reused"}


def network_views(url: str, branch_ids: list[int], history_days: int, rounds: int, parts: set[str],
                  report_branches: int | None) -> dict:
    """The network screen's refresh beside one branch's supervisor refresh, and the network year report
    cold and warm beside one branch's (module doc); the network idle."""
    from bench.network_views import _interleaved, _p95
    from deskapp.core.context import Context
    from deskapp.core.startup import open_context
    from deskapp.core.stats import dashboard, network, network_report, reports
    from deskapp.db import database

    base = open_context(bench_config(), url, init=False)
    one = Context(config=base.config, branch_id=branch_ids[0])
    out: dict = {}
    if "views" in parts:
        def refresh() -> None:  # what the network screen does when a branch changed
            network.network_version(None)
            network.network_now(base, AREA_MANAGER, None)

        net, sup = _interleaved(refresh, lambda: dashboard.dashboard(one), rounds)
        out.update(network_refresh_p50_ms=statistics.median(net), network_refresh_p95_ms=_p95(net),
                   supervisor_p50_ms=statistics.median(sup), supervisor_p95_ms=_p95(sup),
                   network_refresh_branches=len(network.network_now(base, AREA_MANAGER, None)))
    if "report" in parts:
        until = base.today() - dt.timedelta(days=1)
        since = until - dt.timedelta(days=history_days - 1)
        chosen = branch_ids[:report_branches] if report_branches else branch_ids
        for label in ("cold", "warm"):
            began = time.perf_counter()
            network_report.build_network(base, since, until, chosen)
            out[f"report_{label}_s"] = time.perf_counter() - began
        own = network.branch_context(base, branch_ids[0])
        began = time.perf_counter()
        reports.build(own, since, until)
        out.update(one_branch_report_warm_s=time.perf_counter() - began, report_branches=len(chosen),
                   report_days=history_days)
    database.close()
    return out


def _summary(runs: list[dict]) -> None:
    """Each desk figure's median over the repeats with its range."""
    if not runs:
        return
    figures = {
        "call-next p50 ms": [r["deskapp"]["p50_ms"] for r in runs],
        "call-next p95 ms": [r["deskapp"]["p95_ms"] for r in runs],
        "claims/s": [r["deskapp"]["claims_per_s"] for r in runs],
        "raw claims/s": [r["raw"]["claims_per_s"] for r in runs],
        "claim ratio": [r["ratio"] for r in runs],
        "supervisor busy p95 ms": [r["deskapp"].get("supervisor_busy_p95_ms", 0.0) for r in runs],
        "supervisor idle p95 ms": [r["supervisor_idle_p95_ms"] for r in runs],
        "supervisor busy/idle p95": [r["deskapp"].get("supervisor_busy_p95_ms", 0.0) / r["supervisor_idle_p95_ms"]
                                     for r in runs],
    }
    paced = [r for r in runs if "paced" in r]
    if paced:
        rate = paced[0]["busy_rate"]
        figures.update({
            f"paced {rate:g}/s: call-next p95 ms": [r["paced"]["p95_ms"] for r in paced],
            f"paced {rate:g}/s: claims/s": [r["paced"]["claims_per_s"] for r in paced],
            f"paced {rate:g}/s: sup. busy p95": [r["paced"].get("supervisor_busy_p95_ms", 0.0) for r in paced],
            f"paced {rate:g}/s: sup. busy/idle": [r["paced"].get("supervisor_busy_p95_ms", 0.0)
                                                 / r["supervisor_idle_p95_ms"] for r in paced],
        })
    niced = [r for r in runs if "niced" in r]
    if niced:
        nice = niced[0]["desk_nice"]
        figures.update({
            f"niced {nice}: call-next p95 ms": [r["niced"]["p95_ms"] for r in niced],
            f"niced {nice}: sup. busy p95": [r["niced"].get("supervisor_busy_p95_ms", 0.0) for r in niced],
            f"niced {nice}: sup. busy/idle": [r["niced"].get("supervisor_busy_p95_ms", 0.0) / r["supervisor_idle_p95_ms"]
                                              for r in niced],
        })
    print(f"{len(runs)} repeats (median, min-max); \"paced R/s\": the desks calling R times a second network-wide,"
          " \"niced N\": flat out at nice N (module doc):", flush=True)
    for name, values in figures.items():
        print(f"  {name:30s} {statistics.median(values):9.2f}   ({min(values):.2f}-{max(values):.2f})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=50)
    parser.add_argument("--desks", type=int, default=4)
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--history-days", type=int, default=250)
    parser.add_argument("--history-per-day", type=int, default=250)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--waiting-per-desk", type=int, default=25,
                        help="tickets waiting per desk at the start of each run (put back to waiting between runs)")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="an administrator's URL of the server (the benchmark's database is made beside it)")
    parser.add_argument("--parts", default="desks,views,report",
                        help="desks (call-next, claims, queue checks, supervisor busy/idle), views (network screen"
                             " refresh), report (network year report cold/warm): any of them, comma-separated")
    parser.add_argument("--rounds", type=int, default=30, help="network and supervisor refreshes timed (views)")
    parser.add_argument("--report-branches", type=int, default=None,
                        help="the year report over the first N branches only (default every branch)")
    parser.add_argument("--reuse", action="store_true",
                        help="use the database a previous run built (same sizes) instead of building it again")
    parser.add_argument("--desk-nice", type=int, default=10,
                        help="also time the busy supervisor with the desk-driver processes at this CPU niceness, as"
                             " if the desks ran on machines of their own (module doc); 0: only at normal priority")
    parser.add_argument("--busy-rate", type=float, default=20.0,
                        help="also time the busy supervisor with the desks calling this many tickets a second"
                             " network-wide (paced; module doc); 0: only flat out")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    parts = set(args.parts.split(","))

    from tests.pgbouncer import PgBouncer

    if args.reuse:
        built = reused(args.server)
    else:
        built = build(args.server, args.branches, args.desks, args.history_days, args.history_per_day,
                      args.waiting_per_desk)
    print(f"built {args.branches} branches x {args.desks} desks, {built['tickets']:,} tickets in {built['build_s']} s"
          f" (history: {built['build_steps_s']})",
          flush=True)
    import psycopg

    with psycopg.connect(built["url"]) as conn:
        sizes = conn.execute(
            "SELECT pg_total_relation_size('ticket') / (SELECT count(*) FROM ticket),"
            " pg_total_relation_size('ticket_event') / (SELECT count(*) FROM ticket_event)").fetchone()
    print(f"bytes per ticket (table and indexes) {sizes[0]}, per event {sizes[1]}", flush=True)
    bouncer = PgBouncer(args.server, max_client_conn=1000, pool_size=20)
    try:
        url = bouncer.database(DB_NAME, dbname=DB_NAME)
        jobs = [(b, f"N{d}", f"n{b}_{d}") for b in built["branch_ids"] for d in range(args.desks)]
        runs = []
        for repeat in range(args.repeats if "desks" in parts else 0):
            ours = _drive(_desks_proc, url, jobs, args.procs, args.seconds, supervisor_branch=built["branch_ids"][0])
            checks = queue_checks(built["url"], built["branch_ids"])
            reset_today(built["url"])
            paced = None
            if args.busy_rate:
                paced = _drive(_desks_proc, url, jobs, args.procs, args.seconds,
                               supervisor_branch=built["branch_ids"][0], rate=args.busy_rate)
                reset_today(built["url"])
            niced = None
            if args.desk_nice:
                niced = _drive(_desks_proc, url, jobs, args.procs, args.seconds,
                               supervisor_branch=built["branch_ids"][0], desk_nice=args.desk_nice)
                reset_today(built["url"])
            raw = _drive(_raw_proc, url, jobs, args.procs, args.seconds)
            reset_today(built["url"])
            idle = idle_supervisor(url, built["branch_ids"][0])
            run = {"deskapp": ours, "raw": raw, "checks": checks, **idle,
                   "ratio": ours["claims_per_s"] / raw["claims_per_s"]}
            if niced is not None:
                run.update(niced=niced, desk_nice=args.desk_nice)
            if paced is not None:
                run.update(paced=paced, busy_rate=args.busy_rate)
            runs.append(run)
            print(f"run {repeat + 1}: call-next p50 {ours['p50_ms']:.1f} ms p95 {ours['p95_ms']:.1f} ms, "
                  f"{ours['claims_per_s']:.0f} claims/s vs raw {raw['claims_per_s']:.0f} (ratio {run['ratio']:.2f}); "
                  f"checks {checks}; supervisor busy p95 {ours.get('supervisor_busy_p95_ms', 0):.0f} ms vs idle "
                  f"p95 {idle['supervisor_idle_p95_ms']:.0f} ms", flush=True)
            if paced is not None:
                print(f"run {repeat + 1}, desks paced at {args.busy_rate:g} calls/s: call-next p95"
                      f" {paced['p95_ms']:.1f} ms, {paced['claims_per_s']:.1f} claims/s; supervisor busy p95"
                      f" {paced.get('supervisor_busy_p95_ms', 0):.0f} ms vs idle p95"
                      f" {idle['supervisor_idle_p95_ms']:.0f} ms", flush=True)
            if niced is not None:
                print(f"run {repeat + 1}, desk drivers at nice {args.desk_nice}: call-next p95 {niced['p95_ms']:.1f} ms,"
                      f" {niced['claims_per_s']:.0f} claims/s; supervisor busy p95"
                      f" {niced.get('supervisor_busy_p95_ms', 0):.0f} ms vs idle p95"
                      f" {idle['supervisor_idle_p95_ms']:.0f} ms", flush=True)
        _summary(runs)
        views = {}
        if parts & {"views", "report"}:
            views = network_views(url, built["branch_ids"], args.history_days, args.rounds, parts,
                                  args.report_branches)
            print("idle network: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                               for k, v in views.items()), flush=True)
    finally:
        bouncer.stop()
    result = {"branches": args.branches, "desks": args.desks, "procs": args.procs, "seconds": args.seconds,
              "history_days": args.history_days, "tickets": built["tickets"], "runs": runs,
              "bytes_per_ticket": sizes[0], "bytes_per_event": sizes[1],
              "views": views}
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
