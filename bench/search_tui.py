"""Keystroke to updated results on the real Customers screen, beside the core search call alone.

    python bench/search_tui.py [--customers 1000000] [--db URL] [--queries 20] [--json OUT]

Drives deskapp's Customers screen with Textual's pilot on a database of N customers (generated
with bench/search.py's `fill` into a temporary SQLite file, or an existing database given with
--db that already holds them, e.g. one made by a previous run with --keep). Realistic queries
(name prefixes, surnames, phones, national ID tails, customer numbers) are typed one key at a
time; for every key press the time runs from the press until the results table holds the
newest query's first page (CustomerSearch has shown the results of that very query: the worker
ran, the rows are in the table). Keys are posted to the app as the terminal driver posts them;
the next key follows once the results are shown, so each figure is one keystroke's own latency. Baseline in the same run: deskapp.core.customers.search, the call the worker makes,
for the same texts on the benchmark's own open connection.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search import NOW, fill, percentile, queries, sample_rows  # noqa: E402  (bench/search.py)

from deskapp.config.load import load_config  # noqa: E402
from deskapp.core.clock import FixedClock  # noqa: E402
from deskapp.core.customers import directory as customers  # noqa: E402
from deskapp.core.security.auth import Session  # noqa: E402
from deskapp.core.startup import open_context  # noqa: E402
from deskapp.db import database  # noqa: E402
from deskapp.db.database import db  # noqa: E402

TELLER = Session("ana", "Ana Costa", "teller")
KEY_NAMES = {" ": "space"}


def typed_texts(rows: list[tuple], count: int) -> list[tuple[str, str]]:
    """`count` queries of bench/search.py's kinds, taken evenly across the kinds."""
    every = queries(rows, random.Random(9))
    step = max(1, len(every) // count)
    return every[::step][:count]


def core_baseline(ctx, texts: list[tuple[str, str]]) -> list[float]:
    """The core search call for every prefix the typist produces, on an open connection."""
    timings: list[float] = []
    for _, text in texts:
        for end in range(1, len(text) + 1):
            customers.search(ctx, TELLER, text[:end], 25, 0)  # warm, as the screen's first key is
            start = time.perf_counter()
            customers.search(ctx, TELLER, text[:end], 25, 0)
            timings.append((time.perf_counter() - start) * 1000)
    return timings


async def type_on_screen(ctx, texts: list[tuple[str, str]]) -> tuple[list[float], dict[str, list[float]]]:
    from textual import events
    from textual.widgets import Input

    from deskapp.tui.app import DeskApp
    from deskapp.tui.screens.customers import CustomersScreen
    from deskapp.tui.widgets.customer_search import CustomerSearch

    app = DeskApp(ctx, config=ctx.config, clock=ctx.clock)
    timings: list[float] = []
    by_kind: dict[str, list[float]] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.logged_in(TELLER, None)
        app.action_open("customers")
        await pilot.pause(0.2)
        assert isinstance(app.screen, CustomersScreen)
        search = app.screen.query_one(CustomerSearch)
        box = app.screen.query_one("#customer-query", Input)
        table = search.table
        for kind, text in texts:
            box.value = ""
            await pilot.pause(0.05)
            for end in range(1, len(text) + 1):
                char = text[end - 1]
                start = time.perf_counter()
                # What the terminal driver does with a key read from the terminal. (pilot.press would
                # add its own waits for the whole app to be idle before and after the key.)
                app.post_message(events.Key(KEY_NAMES.get(char, char), char))
                # Shown: the widget took the newest query's page (not an older one) and filled the table.
                while not (search.query_text == text[:end] and not search._loading
                           and table.row_count == len(search.results)):
                    await asyncio.sleep(0.0005)
                    if time.perf_counter() - start > 30:
                        raise RuntimeError(f"no results shown for {text[:end]!r} within 30 s")
                elapsed = (time.perf_counter() - start) * 1000
                timings.append(elapsed)
                by_kind.setdefault(kind, []).append(elapsed)
    return timings, by_kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="an existing database holding the customers (no generation)")
    parser.add_argument("--keep", default=None, help="generate into this SQLite file and keep it for --db")
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--json", dest="json_out", default=None)
    args = parser.parse_args()
    config = load_config(ROOT / "config.yaml")
    with tempfile.TemporaryDirectory(prefix="deskapp-bench-tui-") as tmp:
        url = args.db or f"sqlite:///{args.keep or Path(tmp) / 'tui.db'}"
        ctx = open_context(config, url, FixedClock(NOW))
        have = db.execute_sql("SELECT count(*) FROM customer").fetchone()[0]
        if args.db is None and have < args.customers:
            fill(args.customers - have)
            have = args.customers
        texts = typed_texts(sample_rows(200), args.queries)
        baseline = core_baseline(ctx, texts)
        database.close()  # the screen's workers open their own connections
        timings, by_kind = asyncio.run(type_on_screen(ctx, texts))
    result = {
        "customers": have, "backend": "postgresql" if url.startswith("postgres") else "sqlite",
        "queries": len(texts), "keystrokes": len(timings),
        "tui_p50_ms": statistics.median(timings), "tui_p95_ms": percentile(timings, 0.95),
        "core_p50_ms": statistics.median(baseline), "core_p95_ms": percentile(baseline, 0.95),
        "by_kind_p95_ms": {k: percentile(v, 0.95) for k, v in by_kind.items()},
    }
    print(f"keystroke to results, {result['backend']}, {have:,} customers, {len(timings)} keys of "
          f"{len(texts)} queries: p50 {result['tui_p50_ms']:.1f} ms, p95 {result['tui_p95_ms']:.1f} ms; "
          f"core search alone p50 {result['core_p50_ms']:.1f} ms, p95 {result['core_p95_ms']:.1f} ms")
    print("  p95 by kind (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in result["by_kind_p95_ms"].items()))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
