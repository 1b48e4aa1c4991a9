"""The notification outbox: what it adds to issue and call-next, delivery rate, `notify status` at 1,000,000 sent.

    python bench/notify.py [--pg URL [--skip-sqlite]] [--tickets 150] [--rounds 7] [--messages 2000] [--sent 1000000]
                           [--status-db PATH] [--json OUT]

1. Overhead (issue #17: at most 10 %): in one database, three modes: notifications off; on, every
   ticket with a phone and an e-mail (the worst case: each issue writes a contact and two messages,
   each call "ticket called" twice and "your turn soon" twice); on, no ticket with a contact. Each
   round issues --tickets CASH tickets per mode, one of each mode in turn (queue.issue without the
   estimate: the transaction alone, so the ratio is not diluted by the forecast), then a tenth as
   many as the kiosk and reception issue them, with the expected wait (issue_full), then per mode a
   line of --tickets tickets called in full (queue.call_next, each followed by an untimed no-show).
   Printed: the median ms per operation in each mode, the on/off ratio of those medians, and the
   lowest and highest ratio of the rounds' own medians (the spread). The machine's load drifts; the
   interleaving makes the drift hit every mode alike.
2. Delivery rate to a local webhook receiver (stdlib http.server in a thread, verifying every
   signature): --messages messages delivered by deskapp.core.notify.deliver.run(once=True), beside a
   raw loop POSTing the same number of signed bodies over one kept-alive connection (same run).
3. `notify status` with --sent sent messages (and 100 pending): in its own SQLite file (--status-db to
   keep and reuse it) and, with --pg, in a PostgreSQL database of its own (deskapp_bench_notify_PID, made
   and dropped here; never the tests' database). 50 timed calls after a warm-up: p50 / p95 / max,
   beside COUNT(*) of the sent rows (what a status without the tally would do).
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskapp.config.load import load_config  # noqa: E402
from deskapp.config.notify_schema import Email, Notifications, Sms, Webhook  # noqa: E402
from deskapp.core import queue as q  # noqa: E402
from deskapp.core.notify import deliver, parse_contact  # noqa: E402
from deskapp.core.notify.channels import sign  # noqa: E402
from deskapp.core.notify.outbox import enqueue  # noqa: E402
from deskapp.core.startup import open_context  # noqa: E402
from deskapp.db import database, migrate  # noqa: E402
from deskapp.db.database import db, is_postgres, transaction  # noqa: E402
from tests.notify_servers import Receiver  # noqa: E402

SECRET = "bench-secret"
PG_DATABASE = f"deskapp_bench_notify_{os.getpid()}"  # two runs at once never share one


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def configs(receiver_url: str):
    base = load_config(ROOT / "config.yaml")
    base = base.model_copy(update={"queue": base.queue.model_copy(update={"number_width": 6})})  # > 999 a day
    on = Notifications(enabled=True, email=Email(sender="Branch <branch@bank.example>"),
                       webhook=Webhook(url=receiver_url, secret_env="DESKAPP_BENCH_SECRET"),
                       sms=Sms(url=receiver_url), batch_size=100)
    return {"off": base, "on": base.model_copy(update={"notifications": on}),
            "on_no_contact": base.model_copy(update={"notifications": on})}


def overhead(url: str, tickets: int, rounds: int, cfgs: dict) -> dict:
    ctx = open_context(cfgs["off"], url)
    contact = parse_contact(ctx, "912 345 678", "rosa@example.com")
    modes = list(cfgs)
    ops: dict[str, dict[str, list[float]]] = {m: {"issue": [], "issue_full": [], "call": []} for m in modes}
    per_round: dict[str, dict[str, list[float]]] = {m: {k: [] for k in ops[m]} for m in modes}

    def timed(mode: str, what: str, action) -> None:
        ctx.config = cfgs[mode]
        started = time.perf_counter()
        action()
        ops[mode][what].append((time.perf_counter() - started) * 1000)

    def drain() -> None:
        ctx.config = cfgs["off"]
        while q.call_next(ctx, "1", "ana") is not None:
            q.no_show(ctx, "1")

    for r in range(rounds + 1):  # the first round warms up and is not kept
        marks = {m: {k: len(v) for k, v in ops[m].items()} for m in modes}
        for i in range(tickets):  # one issue of each mode in turn: the load's drift hits all alike
            for mode in modes[i % 3:] + modes[: i % 3]:
                who = contact if mode == "on" else None
                timed(mode, "issue", lambda who=who: q.issue(ctx, "CASH", contact=who, with_estimate=False))
        drain()
        for i in range(max(3, tickets // 10)):  # as the kiosk and reception issue: with the expected wait
            for mode in modes[i % 3:] + modes[: i % 3]:
                who = contact if mode == "on" else None
                timed(mode, "issue_full", lambda who=who: q.issue(ctx, "CASH", contact=who))
        drain()
        for mode in modes[r % 3:] + modes[: r % 3]:  # a line of this mode's tickets, called in full
            ctx.config = cfgs[mode]
            for _ in range(tickets):
                q.issue(ctx, "CASH", contact=contact if mode == "on" else None, with_estimate=False)
            for _ in range(tickets):
                timed(mode, "call", lambda: q.call_next(ctx, "1", "ana"))
                q.no_show(ctx, "1")
        for m in modes:
            for k, v in ops[m].items():
                if r == 0:
                    v.clear()
                else:
                    per_round[m][k].append(statistics.median(v[marks[m][k]:]))
    database.close()
    out: dict = {m: {k: round(statistics.median(v), 3) for k, v in t.items()} for m, t in ops.items()}
    for what in ("issue", "issue_full", "call"):
        for mode in ("on", "on_no_contact"):
            ratios = [a / b for a, b in zip(per_round[mode][what], per_round["off"][what])]
            out[f"{mode}_{what}_ratio"] = {"median_ms_ratio": round(out[mode][what] / out["off"][what], 3),
                                           "rounds_min": round(min(ratios), 3), "rounds_max": round(max(ratios), 3)}
    return out


def delivery(url: str, messages: int, cfgs: dict, receiver: Receiver) -> dict:
    ctx = open_context(cfgs["on"], url)
    db.execute_sql("DELETE FROM notification_outbox")  # the overhead rounds' messages are not this figure's
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    stamp = int(time.time() * 1000)
    transaction(lambda: [enqueue("ticket_called", "webhook", "351912345678", {"number": f"A{i:03}", "counter": "1",
                                                                                "branch": "B", "service": "Cash"},
                                 f"bench{stamp}:{i}", branch_id=ctx.branch_id, now=now) for i in range(messages)])
    before = len(receiver.received)
    started = time.perf_counter()
    done = deliver.run(ctx, once=True)
    seconds = time.perf_counter() - started
    assert done.sent == messages and len(receiver.received) - before == messages, (done, len(receiver.received))
    database.close()
    # Baseline: the same number of signed POSTs, nothing read or written in a database.
    host = receiver.url.split("/")[2]
    conn = http.client.HTTPConnection(host)
    started = time.perf_counter()
    for i in range(messages):
        body = json.dumps({"id": f"raw{stamp}:{i}", "text": "A001: please go to 1"}).encode()
        conn.request("POST", "/hook", body=body, headers={"Content-Type": "application/json",
                                                           "X-Deskapp-Signature": sign(SECRET.encode(), body, int(time.time())),
                                                           "Idempotency-Key": f"raw{stamp}:{i}"})
        conn.getresponse().read()
    raw = time.perf_counter() - started
    conn.close()
    return {"messages": messages, "per_s": round(messages / seconds, 1), "raw_per_s": round(messages / raw, 1),
            "ratio": round(raw / seconds, 3), "bad_signatures": receiver.bad_signatures}


def fill_sent(sent: int) -> None:
    have = db.execute_sql("SELECT n FROM notification_tally WHERE status = 'sent'").fetchone()[0]
    if have >= sent:
        return
    now = dt.datetime(2026, 1, 1)
    if is_postgres():
        for start in range(have, sent, 100_000):  # in steps, each well within the statement timeout
            db.execute_sql(
                "INSERT INTO notification_outbox (kind, channel, recipient, payload, idempotency_key, status, attempts, "
                "next_attempt_at, created_at, sent_at) SELECT 'ticket_called', 'sms', '351912345678', '{}', "
                "'fill:' || g, 'sent', 1, %s, %s, %s FROM generate_series(%s::bigint, %s::bigint) AS g",
                (now, now, now, start, min(sent, start + 100_000) - 1))
    else:
        db.execute_sql("PRAGMA synchronous = OFF")
        for start in range(have, sent, 50_000):
            rows = [("ticket_called", "sms", "351912345678", "{}", f"fill:{i}", "sent", 1, now, now, now)
                    for i in range(start, min(sent, start + 50_000))]
            with db.atomic():
                db.cursor().executemany(
                    "INSERT INTO notification_outbox (kind, channel, recipient, payload, idempotency_key, status, "
                    "attempts, next_attempt_at, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.execute_sql(f"UPDATE notification_tally SET n = {sent} WHERE status = 'sent'")
    pending = db.execute_sql("SELECT COUNT(*) FROM notification_outbox WHERE status = 'pending'").fetchone()[0]
    with db.atomic():
        for i in range(pending, 100):
            enqueue("ticket_called", "sms", "351912345678", {}, f"pending:{i}", branch_id=None, now=now)
    if is_postgres():
        db.execute_sql("ANALYZE notification_outbox")


def status_timing(url: str, sent: int) -> dict:
    database.connect(url)
    migrate.migrate()
    fill_sent(sent)
    deliver.status()
    ours, raw = [], []
    for _ in range(50):
        started = time.perf_counter()
        found = deliver.status()
        ours.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        db.execute_sql("SELECT COUNT(*) FROM notification_outbox WHERE status = 'sent'").fetchone()
        raw.append((time.perf_counter() - started) * 1000)
    database.close()
    return {"sent": found.sent, "pending": found.pending, "p50_ms": round(pct(ours, 50), 3),
            "p95_ms": round(pct(ours, 95), 3), "max_ms": round(max(ours), 3),
            "count_sent_p50_ms": round(pct(raw, 50), 2)}


def pg_database(base_url: str, action: str) -> str:
    import psycopg

    admin = base_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if action == "create":
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,)).fetchone():
                conn.execute(f'CREATE DATABASE "{PG_DATABASE}"')
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    return base_url.rsplit("/", 1)[0] + f"/{PG_DATABASE}"


def run(url: str, args, receiver: Receiver, cfgs: dict, status_url: str) -> dict:
    database.connect(url)
    migrate.migrate()
    database.close()
    parts = args.parts.split(",")
    return {"overhead": overhead(url, args.tickets, args.rounds, cfgs) if "overhead" in parts else None,
            "delivery": delivery(url, args.messages, cfgs, receiver) if "delivery" in parts else None,
            "status": status_timing(status_url, args.sent) if "status" in parts else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=None, help="a PostgreSQL server URL (its database name is replaced)")
    parser.add_argument("--tickets", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--sent", type=int, default=1_000_000)
    parser.add_argument("--status-db", default=None, help="SQLite file for the status figure (kept; reused)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--parts", default="overhead,delivery,status", help="which figures, comma-separated")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only (with --pg)")
    args = parser.parse_args()
    os.environ["DESKAPP_BENCH_SECRET"] = SECRET
    results = {}
    with Receiver(SECRET) as receiver, tempfile.TemporaryDirectory() as tmp:
        cfgs = configs(receiver.url)
        status_file = args.status_db or str(Path(tmp) / "status.db")
        if not args.skip_sqlite:
            results["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bench.db'}", args, receiver, cfgs, f"sqlite:///{status_file}")
            show("sqlite", results["sqlite"])
            sys.stdout.flush()
        if args.pg:
            url = pg_database(args.pg, "create")
            try:
                results["postgresql"] = run(url, args, receiver, cfgs, url)
            finally:
                database.close()
                pg_database(args.pg, "drop")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    for backend, r in results.items():
        show(backend, r)


def show(backend: str, r: dict) -> None:
    o, d, s = r["overhead"], r["delivery"], r["status"]
    print(f"{backend}:")
    for what in ("issue", "issue_full", "call") if o else ():
        print(f"  {what}: off {o['off'][what]} ms, on {o['on'][what]} ms, on without contacts "
              f"{o['on_no_contact'][what]} ms; on/off {o[f'on_{what}_ratio']}, "
              f"no-contact/off {o[f'on_no_contact_{what}_ratio']}")
    if d:
        print(f"  delivery: {d['per_s']} msg/s (raw signed POST loop {d['raw_per_s']}/s, ratio {d['ratio']})")
    if s:
        print(f"  notify status at {s['sent']:,} sent: p50 {s['p50_ms']} / p95 {s['p95_ms']} / max {s['max_ms']} ms "
              f"(COUNT(*) of sent rows: {s['count_sent_p50_ms']} ms)")


if __name__ == "__main__":
    main()
