"""The arrivals forecast behind `deskapp staffing`, back-tested on demo history.

    python bench/staffing_forecast.py [--weeks 6] [--test-weeks 2] [--load 1.0] [--seed 31]

Builds `weeks` weeks of demo history (deskapp.core.demo.branch, arrivals x load) in a fresh SQLite
file, then for each weekday of the last `test-weeks` weeks compares, per branch-local opening hour,
the forecast (deskapp.core.stats.staffing.forecast_arrivals: the same weekday of the 4 weeks before,
weighted 4-3-2-1) with the arrivals that came, beside the baseline of last week's same weekday and
hour. Prints the MAE in arrivals per hour, all services together and per service-hour.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskapp.config.load import load_config  # noqa: E402
from deskapp.core.clock import FixedClock, to_local  # noqa: E402
from deskapp.core.demo import branch as demo  # noqa: E402
from deskapp.core.startup import open_context  # noqa: E402
from deskapp.core.stats import staffing  # noqa: E402
from deskapp.db import database  # noqa: E402
from deskapp.db.models import Ticket  # noqa: E402

NOW = dt.datetime(2026, 6, 19, 18, 0)  # a Friday evening (UTC), after closing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--test-weeks", type=int, default=2)
    parser.add_argument("--load", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args()
    config = load_config(ROOT / "config.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        ctx = open_context(config, f"sqlite:///{Path(tmp) / 'bench.db'}", FixedClock(NOW))
        demo.history(ctx, days=7 * args.weeks, seed=args.seed, load=args.load)
        actual: dict[tuple[dt.date, int, int], int] = {}
        for service, issued, day in Ticket.select(Ticket.service, Ticket.issued_at, Ticket.day).tuples():
            key = (day, service, to_local(issued, ctx.timezone).hour)
            actual[key] = actual.get(key, 0) + 1
        services = sorted({k[1] for k in actual})
        opening, closing = (dt.time.fromisoformat(t) for t in (config.branch.hours.open, config.branch.hours.close))
        hours = range(opening.hour, closing.hour + (1 if closing.minute else 0))
        errors: dict[str, list[float]] = {"forecast_total": [], "baseline_total": [], "forecast_cell": [],
                                          "baseline_cell": []}
        day = NOW.date() - dt.timedelta(weeks=args.test_weeks)
        days = 0
        while day <= NOW.date():
            if day.weekday() < 5:
                days += 1
                forecast = staffing.forecast_arrivals(ctx, day)
                before = day - dt.timedelta(weeks=1)
                for hour in hours:
                    came = [actual.get((day, s, hour), 0) for s in services]
                    guess = [forecast.get((s, hour), 0.0) for s in services]
                    last = [actual.get((before, s, hour), 0) for s in services]
                    errors["forecast_total"].append(abs(sum(guess) - sum(came)))
                    errors["baseline_total"].append(abs(sum(last) - sum(came)))
                    errors["forecast_cell"] += [abs(g - c) for g, c in zip(guess, came)]
                    errors["baseline_cell"] += [abs(b - c) for b, c in zip(last, came)]
            day += dt.timedelta(days=1)
        database.close()
    total_f, total_b = statistics.mean(errors["forecast_total"]), statistics.mean(errors["baseline_total"])
    cell_f, cell_b = statistics.mean(errors["forecast_cell"]), statistics.mean(errors["baseline_cell"])
    print(f"{days} weekdays tested, {len(errors['forecast_total'])} branch-hours, load {args.load}, seed {args.seed}")
    print("| arrivals per hour | forecast MAE | last week same hour MAE | ratio |")
    print("| --- | --- | --- | --- |")
    print(f"| all services | {total_f:.2f} | {total_b:.2f} | {total_f / total_b:.2f} |")
    print(f"| per service | {cell_f:.2f} | {cell_b:.2f} | {cell_f / cell_b:.2f} |")


if __name__ == "__main__":
    main()
