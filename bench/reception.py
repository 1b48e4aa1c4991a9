"""Reception's customer lookup at scale, beside db/search.py's own search on the same queries in the same run.

    python bench/reception.py [--customers 1000000] [--db URL] [--pg URL] [--rounds 5] [--json OUT]

1. A database of N customers: generated with bench/search.py's `fill` into a temporary SQLite
   file (and, with --pg, a throw-away PostgreSQL schema), or the database given with --db: one
   holding fewer than N customers is filled up to N and kept, so the next run reuses it (e.g.
   --db sqlite:////work/benchdata/reception-1m.db, or a PostgreSQL URL whose search_path names a
   schema of its own).
2. The 50 realistic queries of bench/search.py (surnames, name prefixes, full names, phones whole
   and in part, national IDs whole and by their last digits, customer numbers), each timed
   through what reception's Enter calls, deskapp.core.customers.directory.identify (the ranked
   search, inactive customers left out, masked rows for the finder), and through
   deskapp.db.search.search_customers alone with the same page size (5), alternately, in
   --rounds rounds after one warm-up round. Reception now runs the same search, so the ratio
   should be about 1; what it adds is the role check, the active filter and reading five rows
   and their phones. The lookup it replaced scanned with LIKE '%x%': 330-1,030 ms per Enter at
   500,000 customers (issue 13).

Printed per backend: p50 / p95 of both, their ratio, each round's p95 (the spread) and p95 by kind.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search import NOW, PgSchemas, fill, percentile, queries, sample_rows  # noqa: E402  (bench/search.py)

from deskapp.config.load import load_config  # noqa: E402
from deskapp.core.clock import FixedClock  # noqa: E402
from deskapp.core.customers.directory import identify  # noqa: E402
from deskapp.core.security.auth import Session  # noqa: E402
from deskapp.core.startup import open_context  # noqa: E402
from deskapp.db import database, migrate  # noqa: E402
from deskapp.db.database import db, is_postgres  # noqa: E402
from deskapp.db.search import search_customers  # noqa: E402

GREETER = Session("rita", "Rita Marques", "greeter")
PAGE = 5  # what the reception finder asks for


def prepare(url: str, customers: int, *, grow: bool) -> tuple[int, float]:
    """Migrate `url` and, when `grow`, fill it up to `customers`; (customers held, seconds spent filling)."""
    database.connect(url)
    migrate.migrate()
    have = db.execute_sql("SELECT count(*) FROM customer").fetchone()[0]
    seconds = 0.0
    if grow and have < customers:
        if not is_postgres():
            db.execute_sql("PRAGMA synchronous = OFF")  # generation only; the timed part uses the normal pragmas
        started = time.perf_counter()
        fill(customers - have)
        seconds = time.perf_counter() - started
        have = customers
    database.close()
    return have, seconds


def time_lookups(ctx, qs: list[tuple[str, str]], rounds: int) -> dict:
    for _, text in qs:  # warm the cache for both
        identify(ctx, GREETER, text, PAGE)
        search_customers(text, PAGE, region=ctx.config.customers.region)
    ours: list[list[float]] = []
    theirs: list[list[float]] = []
    per_kind: dict[str, tuple[list[float], list[float]]] = {}
    empty = 0
    for r in range(rounds):
        ours.append([])
        theirs.append([])
        for i, (kind, text) in enumerate(qs):
            # Alternate which goes first, so neither always finds the other's pages in the cache.
            order = ("reception", "search") if (i + r) % 2 == 0 else ("search", "reception")
            for which in order:
                start = time.perf_counter()
                if which == "reception":
                    found = identify(ctx, GREETER, text, PAGE)
                else:
                    search_customers(text, PAGE, region=ctx.config.customers.region)
                elapsed = (time.perf_counter() - start) * 1000
                (ours if which == "reception" else theirs)[-1].append(elapsed)
                per_kind.setdefault(kind, ([], []))[0 if which == "reception" else 1].append(elapsed)
            empty += not found
    everything = [t for one in ours for t in one]
    baseline = [t for one in theirs for t in one]
    return {
        "queries": len(qs), "rounds": rounds, "page": PAGE, "no_result": empty // rounds,
        "reception_p50_ms": statistics.median(everything), "reception_p95_ms": percentile(everything, 0.95),
        "search_p50_ms": statistics.median(baseline), "search_p95_ms": percentile(baseline, 0.95),
        "ratio_p95": percentile(everything, 0.95) / max(percentile(baseline, 0.95), 1e-6),
        "rounds_p95_ms": {"reception": [percentile(one, 0.95) for one in ours],
                          "search": [percentile(one, 0.95) for one in theirs]},
        "by_kind": {k: {"reception_p95_ms": percentile(v[0], 0.95), "search_p95_ms": percentile(v[1], 0.95)}
                    for k, v in per_kind.items()},
    }


def run_backend(label: str, url: str, customers: int, rounds: int, *, grow: bool, reused: bool) -> dict:
    have, generated = prepare(url, customers, grow=grow)
    ctx = open_context(load_config(ROOT / "config.yaml"), url, FixedClock(NOW))
    qs = queries(sample_rows(1000), random.Random(9))
    result = {"backend": label, "customers": have, "generate_s": generated, "reused_db": reused and not generated,
              "lookup": time_lookups(ctx, qs, rounds)}
    database.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="a SQLite or PostgreSQL database to reuse (filled up to "
                                                    "--customers first when it holds fewer)")
    parser.add_argument("--pg", default=None, help="postgresql:// URL: the same in a throw-away schema there")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", dest="json_out", default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="deskapp-bench-reception-") as tmp:
        if args.db and args.db.startswith("postgres"):
            results.append(run_backend("postgresql", args.db, args.customers, args.rounds, grow=True, reused=True))
        elif not args.skip_sqlite:
            url = args.db or f"sqlite:///{tmp}/reception.db"
            results.append(run_backend("sqlite", url, args.customers, args.rounds, grow=True, reused=bool(args.db)))
        if args.pg and not (args.db and args.db.startswith("postgres")):
            schemas = PgSchemas(args.pg)
            try:
                results.append(run_backend("postgresql", schemas.new(), args.customers, args.rounds, grow=True,
                                           reused=False))
            finally:
                database.close()
                schemas.drop()
    print_table(results)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))


def print_table(results: list[dict]) -> None:
    print(f"{'backend':<11} {'customers':>10} {'reception p50':>14} {'p95':>8} {'search p50':>11} {'p95':>8} "
          f"{'ratio':>6}  target: ratio about 1 (the same search), p95 <= 20 ms")
    for r in results:
        s = r["lookup"]
        print(f"{r['backend']:<11} {r['customers']:>10,} {s['reception_p50_ms']:>12.2f}ms {s['reception_p95_ms']:>6.2f}ms "
              f"{s['search_p50_ms']:>9.2f}ms {s['search_p95_ms']:>6.2f}ms {s['ratio_p95']:>6.2f}")
        made = "existing database" if r["reused_db"] else f"generation {r['generate_s']:.0f} s"
        spread = " / ".join(f"{a:.1f}-{b:.1f}" for a, b in zip(s["rounds_p95_ms"]["reception"],
                                                              s["rounds_p95_ms"]["search"], strict=True))
        print(f"{'':<11} {made}; {s['queries']} queries x {s['rounds']} rounds, page of {s['page']}, "
              f"{s['no_result']} found nobody; p95 per round, reception-search ms: {spread}")
        print(f"{'':<11} p95 by kind, reception (search) ms: " + ", ".join(
            f"{k} {v['reception_p95_ms']:.1f} ({v['search_p95_ms']:.1f})" for k, v in s["by_kind"].items()))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
