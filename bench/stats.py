"""The supervisor's dashboard refresh and a year's report, on a branch with a long history.

    python bench/stats.py [--tickets 1000000] [--days 365] [--today-tickets 600] [--customers 100000]
                          [--rounds 15] [--pg URL] [--skip-sqlite] [--json OUT]
    python bench/stats.py --history-db URL --today-db URL [--rounds 15] [--json OUT]   (built before with
                          bench/volume.py: the same measurements without building again)

Builds two databases with bench/volume.py, the same today on both: one with `tickets` historical
tickets over `days` days, one with today's tickets only. Then, in the same run:

1. dashboard refresh: deskapp.core.supervision.dashboard, the one core call the Supervisor screen
   makes per refresh (floor, today's figures, alerts, staffing advice, feedback today and 30 days,
   follow-ups, chart data, steps), median of `rounds` after a warm-up, on each database. Target:
   history / today-only <= 2 (the cost follows today's volume). The first refresh of a process
   also reads the 29 days before today for the 30-day feedback figures; it is printed apart.
2. a one-year report: deskapp.core.reports.build over the 365 days before today plus writing every
   table as CSV, three times: cold (the day summaries of deskapp.core.day_summaries deleted first,
   so this report summarises all 365 closed days), warm (the same report again: summaries read,
   today live), and the same two on the today-only database (the same 365 days, with no history:
   its cold report summarises 365 empty days). Target: warm <= 3 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.volume import build  # noqa: E402
from deskapp.config.load import load_config  # noqa: E402
from deskapp.core.startup import open_context  # noqa: E402
from deskapp.core.stats import dashboard as supervision  # noqa: E402
from deskapp.core.stats import reports  # noqa: E402
from deskapp.db import database  # noqa: E402


def refresh_ms(url: str, rounds: int) -> dict:
    ctx = open_context(load_config(ROOT / "config.yaml"), url)
    start = time.perf_counter()
    first = supervision.dashboard(ctx)
    first_ms = (time.perf_counter() - start) * 1000
    supervision.dashboard(ctx)  # warm
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        supervision.dashboard(ctx)
        times.append((time.perf_counter() - start) * 1000)
    database.close()
    return {"median_ms": statistics.median(times), "min_ms": min(times), "first_ms": first_ms,
            "today_arrivals": first.today.total.arrivals}


def clear_summaries(url: str) -> None:
    """Delete every day summary (a benchmark's database only): the next report starts cold."""
    from deskapp.db.database import db

    ctx = open_context(load_config(ROOT / "config.yaml"), url)  # migrated: the summary tables exist
    del ctx
    with db.atomic():
        for table in ("summary_sums", "summary_waits", "summary_hours", "summary_feedback", "summary_day"):
            db.execute_sql(f"DELETE FROM {table}")
    database.close()


def report_year_s(url: str, folder: Path) -> dict:
    ctx = open_context(load_config(ROOT / "config.yaml"), url)
    until = ctx.today() - dt.timedelta(days=1)
    since = until - dt.timedelta(days=364)
    start = time.perf_counter()
    report = reports.build(ctx, since, until)
    built = time.perf_counter() - start
    reports.write(report, folder / "year.csv", "csv")
    total = time.perf_counter() - start
    database.close()
    return {"build_s": built, "total_s": total, "arrivals": report.total.arrivals}


def prebuilt(args, folder: Path) -> dict:
    from deskapp.db.database import db

    database.connect(args.history_db)
    today = db.execute_sql("SELECT MAX(day) FROM ticket").fetchone()[0]
    tickets = db.execute_sql("SELECT COUNT(*) FROM ticket WHERE day < ?" if "sqlite" in args.history_db
                             else "SELECT COUNT(*) FROM ticket WHERE day < %s", (today,)).fetchone()[0]
    database.close()
    return measure("prebuilt", args.history_db, args.today_db, args, folder,
                   {"tickets": tickets, "today_tickets": args.today_tickets, "seconds": {"total": 0.0}})


def run_backend(label: str, new_url, args, folder: Path) -> dict:
    history_url, today_url = new_url(), new_url()
    print(f"{label}: building {args.tickets:,} tickets over {args.days} days + {args.today_tickets} today",
          file=sys.stderr)
    built = build(history_url, customers=args.customers, days=args.days, tickets=args.tickets,
                  today_tickets=args.today_tickets)
    print(f"{label}: building today's {args.today_tickets} tickets alone", file=sys.stderr)
    build(today_url, customers=args.customers, days=args.days, tickets=0, today_tickets=args.today_tickets)
    return measure(label, history_url, today_url, args, folder, built)


def measure(label: str, history_url: str, today_url: str, args, folder: Path, built: dict) -> dict:
    today = refresh_ms(today_url, args.rounds)
    history = refresh_ms(history_url, args.rounds)
    clear_summaries(history_url)
    cold = report_year_s(history_url, folder)
    year = report_year_s(history_url, folder)
    clear_summaries(today_url)
    today_cold = report_year_s(today_url, folder)
    today_year = report_year_s(today_url, folder)
    return {
        "backend": label, "tickets": built["tickets"], "today_tickets": built["today_tickets"],
        "build_s": built["seconds"]["total"],
        "refresh_history_ms": history["median_ms"], "refresh_today_ms": today["median_ms"],
        "refresh_ratio": history["median_ms"] / today["median_ms"],
        "first_refresh_history_ms": history["first_ms"], "first_refresh_today_ms": today["first_ms"],
        "report_year_s": year["total_s"], "report_year_build_s": year["build_s"],
        "report_year_arrivals": year["arrivals"], "report_year_cold_s": cold["total_s"],
        "report_year_today_only_s": today_year["total_s"], "report_year_today_only_cold_s": today_cold["total_s"],
    }


def print_table(results: list[dict]) -> None:
    print(f"{'backend':<11} {'tickets':>10} {'refresh (history)':>18} {'refresh (today only)':>21} {'ratio':>6} "
          f"{'year report':>12}  targets: ratio<=2, report (warm)<=3s")
    for r in results:
        ok = r["refresh_ratio"] <= 2 and r["report_year_s"] <= 3
        print(f"{r['backend']:<11} {r['tickets']:>10,} {r['refresh_history_ms']:>16.1f}ms {r['refresh_today_ms']:>19.1f}ms "
              f"{r['refresh_ratio']:>6.2f} {r['report_year_s']:>11.2f}s  {'OK' if ok else 'MISSED'}")
        print(f"{'':<11} first refresh of a process: {r['first_refresh_history_ms']:.0f} ms with history, "
              f"{r['first_refresh_today_ms']:.0f} ms today only; {r['today_tickets']} tickets today; "
              f"built in {r['build_s']:.0f} s")
        print(f"{'':<11} year report: {r['report_year_s']:.2f} s warm (day summaries read), "
              f"{r['report_year_cold_s']:.2f} s cold (summarising 365 days first), "
              f"{r['report_year_today_only_s']:.2f} s warm / {r['report_year_today_only_cold_s']:.2f} s cold on the "
              "today-only database")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--today-tickets", type=int, default=600)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pg", default=None, help="postgresql:// URL to run the same on PostgreSQL")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--json", dest="json_out", default=None, help="write the figures as JSON here")
    parser.add_argument("--history-db", default=None, help="a database built by bench/volume.py with history")
    parser.add_argument("--today-db", default=None, help="the same built with --tickets 0")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="deskapp-bench-") as tmp:
        folder = Path(tmp)
        if args.history_db and args.today_db:
            results.append(prebuilt(args, folder))
        elif not args.skip_sqlite:
            counter = iter(range(100))
            results.append(run_backend("sqlite", lambda: f"sqlite:///{folder}/stats{next(counter)}.db", args, folder))
        if args.pg:
            from bench.search import PgSchemas

            schemas = PgSchemas(args.pg)
            try:
                results.append(run_backend("postgresql", schemas.new, args, folder))
            finally:
                database.close()
                schemas.drop()
    print_table(results)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results[0] if len(results) == 1 else results, indent=2))


if __name__ == "__main__":
    main()
