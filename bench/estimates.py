"""Wait estimates against what happened: demo days at several loads, today's estimator beside the old one.

    python bench/estimates.py [--loads 1.0,1.4,1.8] [--seeds 11,12,13] [--days 14] [--json OUT]

For each load and seed: a fresh SQLite database, `days` days of demo history (deskapp.core.demo.branch;
its arrival, service-time and patience model unchanged, arrivals x load) through the real engine. Each
ticket records the promise made at issue (the estimator of deskapp.core.queue.waits, as for any ticket);
right after, this script works out what the old estimator (main before #16: Erlang-style deterministic
position x service time, every open counter listing the service counted as fully available, no range)
would have said. Both are compared with the actual waits (issue to first call; walk-aways left out)
using the definitions of deskapp.core.stats.accuracy.

Targets (issue #16): |bias| <= 10 % of the mean actual wait; MAE <= 0.6 x the baseline MAE (always
promising the mean); the range holds 75-85 % of actual waits. Seeds differ from those the tests use.
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

from deskapp.config.load import load_config  # noqa: E402
from deskapp.core.clock import FixedClock  # noqa: E402
from deskapp.core.demo import branch as demo  # noqa: E402
from deskapp.core.queue import estimate  # noqa: E402
from deskapp.core.queue.calling import priority_rules, recent_classes, waiting_for  # noqa: E402
from deskapp.core.queue.ordering import service_order  # noqa: E402
from deskapp.core.queue.tickets import CALLED, SERVING  # noqa: E402
from deskapp.core.queue.waits import service_minutes  # noqa: E402
from deskapp.core.startup import open_context  # noqa: E402
from deskapp.core.stats import accuracy  # noqa: E402
from deskapp.db import database  # noqa: E402
from deskapp.db.models import Counter, CounterService, Ticket  # noqa: E402

NOW = dt.datetime(2026, 6, 19, 18, 0)  # a Friday evening (UTC), after closing


def old_estimate(ctx, ticket_id: int) -> float | None:
    """The estimator of main before #16 (waits.service_waits + _counters_busy), kept as the baseline."""
    ticket = Ticket.get_by_id(ticket_id)
    service = ticket.service
    rules = priority_rules(ctx)
    order = service_order(waiting_for(ctx, [service.id]), rules,
                          recent_classes(ctx, service.id, sum(r.weight for r in rules)), ctx.now(),
                          dt.timedelta(minutes=ctx.config.queue.max_wait_minutes))
    ahead = next((i for i, t in enumerate(order) if t.id == ticket_id), None)
    if ahead is None:
        return None
    per_service = service_minutes(ctx, service)
    ids = [c[0] for c in Counter.select(Counter.id).join(CounterService)
           .where((CounterService.service == service) & (Counter.state == "open") & Counter.active
                  & (Counter.branch == ctx.branch_id)).tuples()]
    if not ids:
        return None
    now = ctx.now()
    held = {row[0]: row for row in Ticket.select(Ticket.counter, Ticket.status, Ticket.started_at)
            .where(Ticket.counter.in_(ids) & Ticket.status.in_((CALLED, SERVING))).tuples()}
    busy = []
    for counter_id in ids:
        row = held.get(counter_id)
        if row is None:
            busy.append(0.0)
        elif row[1] == SERVING and row[2] is not None:
            busy.append(max(0.0, per_service - (now - row[2]).total_seconds() / 60))
        else:
            busy.append(per_service)
    return estimate.wait_for_position(ahead, len(busy), per_service, busy)


def run(load: float, seed: int, days: int) -> dict:
    config = load_config(ROOT / "config.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        ctx = open_context(config, f"sqlite:///{Path(tmp) / 'bench.db'}", FixedClock(NOW))
        old: dict[int, float | None] = {}

        def baseline(ticket_id: int) -> None:
            old[ticket_id] = old_estimate(ctx, ticket_id)

        start = time.perf_counter()
        issued = demo.history(ctx, days=days, seed=seed, load=load, on_issue=baseline, reuse_minutes=0)  # as the app
        seconds = time.perf_counter() - start
        since, until = NOW.date() - dt.timedelta(days=days + 1), NOW.date()
        new = [p for ps in accuracy.promises(ctx, since, until).values() for p in ps]
        actual = _actual_waits(ctx)
        old_promises = [accuracy.Promise(actual[t], old[t]) for t in actual if old.get(t) is not None]
        database.close()
    return {"load": load, "seed": seed, "issued": issued, "seconds": seconds,
            "new": accuracy.accuracy(new).__dict__, "old": accuracy.accuracy(old_promises).__dict__}


def _actual_waits(ctx) -> dict[int, float]:
    """Issue to first call, for the tickets that were called (the same rows accuracy.promises counts)."""
    from peewee import fn

    from deskapp.db.models import TicketEvent

    first = {}
    for ticket_id, at in (TicketEvent.select(TicketEvent.ticket, fn.MIN(TicketEvent.at))
                          .where(TicketEvent.kind == "called").group_by(TicketEvent.ticket).tuples()):
        first[ticket_id] = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    return {t: max(0.0, (first[t] - issued).total_seconds() / 60)
            for t, issued in Ticket.select(Ticket.id, Ticket.issued_at).tuples() if t in first}


def _row(label: str, a: dict) -> str:
    def f(x, pct=False):
        return "-" if x is None else (f"{x:.0%}" if pct else f"{x:.2f}")

    ratio = a["mae"] / a["baseline_mae"] if a["mae"] is not None and a["baseline_mae"] else None
    rel_bias = a["bias"] / a["mean_actual"] if a["bias"] is not None and a["mean_actual"] else None
    return (f"| {label} | {a['tickets']} | {f(a['mean_actual'])} | {f(a['mean_estimate'])} | {f(a['bias'])} "
            f"({f(rel_bias, True)}) | {f(a['mae'])} | {f(a['baseline_mae'])} | {f(ratio)} | "
            f"{f(a['range_coverage'], True)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loads", default="1.0,1.4,1.8")
    parser.add_argument("--seeds", default="11,12,13")
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    loads = [float(x) for x in args.loads.split(",")]
    seeds = [int(x) for x in args.seeds.split(",")]
    results = []
    print("| load / seed | estimator | tickets | mean actual | mean estimate | bias (of mean) | MAE | baseline MAE "
          "| MAE / baseline | range coverage |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for load in loads:
        for seed in seeds:
            r = run(load, seed, args.days)
            results.append(r)
            print(_row(f"{load} / {seed} | new", r["new"]), flush=True)
            print(_row(f"{load} / {seed} | old", r["old"]), flush=True)
    print()
    print("Spread across seeds (new estimator): load, bias % of mean, MAE / baseline, range coverage "
          "(min-max)")
    for load in loads:
        rs = [r["new"] for r in results if r["load"] == load]
        rel = [a["bias"] / a["mean_actual"] for a in rs if a["mean_actual"]]
        ratio = [a["mae"] / a["baseline_mae"] for a in rs if a["baseline_mae"]]
        cov = [a["range_coverage"] for a in rs if a["range_coverage"] is not None]
        old_ratio = [r["old"]["mae"] / r["old"]["baseline_mae"] for r in results
                     if r["load"] == load and r["old"]["baseline_mae"]]
        print(f"  {load}: bias {min(rel):+.0%}..{max(rel):+.0%} (mean {statistics.mean(rel):+.0%}); "
              f"MAE/baseline {min(ratio):.2f}..{max(ratio):.2f} (old {min(old_ratio):.2f}..{max(old_ratio):.2f}); "
              f"coverage {min(cov):.0%}..{max(cov):.0%}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
