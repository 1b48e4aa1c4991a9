"""Queue throughput: claims per second across 8 desk processes, beside a raw claim loop.

Each desk process repeats a claim cycle until nothing waits: call the next ticket (the atomic
claim) and release it (no-show), as a counter must before its next claim. The baseline does
the same cycle with the bare minimum of SQL in the same run, on the same machine: SQLite
`BEGIN IMMEDIATE; SELECT; UPDATE; COMMIT` then a release update; PostgreSQL the same with
`FOR UPDATE SKIP LOCKED`. Also: tickets issued per second from one process.

    python bench/queue_claims.py [--tickets 1600] [--desks 8] [--pg URL] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_config(desks: int):
    from deskapp.config.load import load_config
    from deskapp.config.schema import Counter, StaffMember

    config = load_config(ROOT / "config.yaml")
    counters = [Counter(code=f"B{i}", name=f"Bench {i}", services=["CASH"]) for i in range(desks)]
    staff = list(config.staff) + [StaffMember(login=f"bench{i}", name=f"Bench {i}", role="teller") for i in range(desks)]
    # Four digits: one service issues more than the 999 numbers a day that config.yaml allows.
    queue = config.queue.model_copy(update={"number_width": 4})
    return config.model_copy(update={"counters": list(config.counters) + counters, "staff": staff, "queue": queue})


def _desk(url: str, desks: int, index: int, start, results) -> None:
    from deskapp.core import queue as q
    from deskapp.core.startup import open_context

    ctx = open_context(bench_config(desks), url, init=False)
    start.wait()
    claims = 0
    began = time.perf_counter()
    while q.call_next(ctx, f"B{index}", f"bench{index}") is not None:
        q.no_show(ctx, f"B{index}", by=f"bench{index}")
        claims += 1
    results.put((claims, began, time.perf_counter()))


def _raw_desk(url: str, index: int, start, results) -> None:
    claims = 0
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url[len("sqlite:///"):], timeout=30, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA synchronous = normal")  # as deskapp runs it
        start.wait()
        began = time.perf_counter()
        while True:
            conn.execute("BEGIN IMMEDIATE")
            row = conn.execute("SELECT id FROM ticket WHERE status = 'waiting' ORDER BY queued_at, id LIMIT 1").fetchone()
            if row is None:
                conn.execute("COMMIT")
                break
            conn.execute("UPDATE ticket SET status = 'called' WHERE id = ?", (row[0],))
            conn.execute("COMMIT")
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE ticket SET status = 'no_show' WHERE id = ?", (row[0],))
            conn.execute("COMMIT")
            claims += 1
    else:
        import psycopg

        conn = psycopg.connect(url, autocommit=False)
        start.wait()
        began = time.perf_counter()
        while True:
            row = conn.execute(
                "SELECT id FROM ticket WHERE status = 'waiting' ORDER BY queued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
            ).fetchone()
            if row is None:
                conn.commit()
                break
            conn.execute("UPDATE ticket SET status = 'called' WHERE id = %s", (row[0],))
            conn.commit()
            conn.execute("UPDATE ticket SET status = 'no_show' WHERE id = %s", (row[0],))
            conn.commit()
            claims += 1
    results.put((claims, began, time.perf_counter()))


def _fill(url: str, desks: int, tickets: int) -> float:
    """Issue `tickets` through deskapp and return tickets issued per second."""
    from deskapp.core import queue as q
    from deskapp.core.startup import open_context
    from deskapp.db import database

    ctx = open_context(bench_config(desks), url)
    began = time.perf_counter()
    for _ in range(tickets):
        q.issue(ctx, "CASH", with_estimate=False)
    rate = tickets / (time.perf_counter() - began)
    database.close()
    return rate


def _reset_waiting(url: str) -> None:
    from deskapp.db import database

    database.connect(url)
    database.db.execute_sql("UPDATE ticket SET status = 'waiting', counter_id = NULL, staff_id = NULL, called_at = NULL")
    database.db.execute_sql("UPDATE counter SET state = 'closed', staff_id = NULL")
    database.close()


def _run(target, args_for, desks: int) -> tuple[int, float]:
    context = mp.get_context("spawn")
    start = context.Event()
    results = context.Queue()
    procs = [context.Process(target=target, args=(*args_for(i), start, results)) for i in range(desks)]
    for p in procs:
        p.start()
    time.sleep(3.0)  # let every process import and connect before the start signal
    start.set()
    outcomes = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join()
    claims = sum(o[0] for o in outcomes)
    wall = max(o[2] for o in outcomes) - min(o[1] for o in outcomes)
    return claims, claims / wall


def measure(url: str, desks: int, tickets: int) -> dict:
    issued_per_s = _fill(url, desks, tickets)
    claims, ours = _run(_desk, lambda i: (url, desks, i), desks)
    assert claims == tickets, f"deskapp claimed {claims} of {tickets}"
    _reset_waiting(url)
    raw_claims, raw = _run(_raw_desk, lambda i: (url, i), desks)
    assert raw_claims == tickets, f"raw loop claimed {raw_claims} of {tickets}"
    return {"claims_per_s": round(ours, 1), "raw_claims_per_s": round(raw, 1), "ratio": round(ours / raw, 3),
            "issued_per_s": round(issued_per_s, 1), "tickets": tickets, "desks": desks}


def _pg_schema_url(base: str) -> tuple[str, callable]:
    import uuid

    import psycopg

    name = f"deskapp_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{name},public", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1600)
    parser.add_argument("--desks", type=int, default=8)
    parser.add_argument("--pg", default=os.environ.get("DESKAPP_TEST_PG_URL"), help="PostgreSQL URL (optional)")
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = measure(f"sqlite:///{folder}/bench.db", args.desks, args.tickets)
    if args.pg:
        url, drop = _pg_schema_url(args.pg)
        try:
            results["postgresql"] = measure(url, args.desks, args.tickets)
        finally:
            drop()
    print(f"{'database':<11} {'claims/s':>9} {'raw/s':>9} {'ratio':>6} {'issued/s':>9}")
    for name, r in results.items():
        print(f"{name:<11} {r['claims_per_s']:>9} {r['raw_claims_per_s']:>9} {r['ratio']:>6} {r['issued_per_s']:>9}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps({"name": "queue", **results}, indent=2))


if __name__ == "__main__":
    main()
