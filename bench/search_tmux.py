"""Keystroke to correct results on screen, in a real terminal (tmux), beside a one-input echo app.

    python bench/search_tmux.py --db URL [--queries 20] [--size 120x36] [--json OUT]

Two apps run side by side in their own tmux sessions, in the same run: deskapp's Customers screen
(logged in as a teller, on a database of customers made by bench/search.py's `fill`, e.g. with
`--build N`) and a minimal Textual app with one Input (the baseline: keystroke to echo). For each
of the realistic queries of bench/search.py (name prefixes, surnames, phones, national ID tails,
customer numbers) the bench types the text one key at a time with `tmux send-keys`, first into
the echo app, then into deskapp (interleaved, query by query), and polls `tmux capture-pane` after
each key until the screen is right:

- echo app: the input line shows the text typed so far;
- deskapp: the status line names the text typed so far ("25+ matches for “ana s”", written only
  when that very query's page is shown) and the customer numbers on screen are the first rows of
  deskapp.core.customers.search for that text (asked beforehand, on the bench's own connection).

Keys whose text ends in a space are typed but not timed (a trailing space changes nothing on
screen to wait for). Both figures include the same tmux round trips and polling, so the ratio
(deskapp p95 / echo p95) is the measure; absolute figures depend on the machine's load.

    python bench/search_tmux.py --build 1000000 --db URL   # fill an empty database first
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
if "--tree" in sys.argv:  # another checkout's deskapp (e.g. main's, for a before/after in the same run)
    sys.path.insert(0, sys.argv[sys.argv.index("--tree") + 1])

from search import NOW, fill, percentile, queries, sample_rows  # noqa: E402  (bench/search.py)

from deskapp.core.security.auth import Session  # noqa: E402

TELLER = Session("ana", "Ana Costa", "teller")
ROW = re.compile(r"^\s*(\d{8})\s")
TIMEOUT_S = 30.0


# -- the two apps, each run inside tmux by this same script -----------------------------------------

def run_echo_app() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    class Echo(App):
        def compose(self) -> ComposeResult:
            yield Input(placeholder="type here", id="echo")

    Echo().run()


def run_customers(url: str) -> None:
    from deskapp.config.load import load_config
    from deskapp.core.clock import FixedClock
    from deskapp.core.startup import open_context
    from deskapp.db import database
    from deskapp.tui.app import DeskApp

    config = load_config(ROOT / "config.yaml")
    ctx = open_context(config, url, FixedClock(NOW))
    database.close()  # the screen's search thread borrows its own connections

    class Bench(DeskApp):
        CSS_PATH = str(ROOT / "deskapp" / "tui" / "deskapp.tcss")  # relative paths are the subclass module's

        def on_ready(self) -> None:
            super().on_ready()
            self.logged_in(TELLER, None)
            self.action_open("customers")

    app = Bench(ctx, config=ctx.config, clock=ctx.clock)
    app.lang = "en"  # the status line read below is English's ("25+ matches for “ana s”")
    app.run()


# -- driving tmux -----------------------------------------------------------------------------------

def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


class Pane:
    def __init__(self, name: str, command: str, size: tuple[int, int]) -> None:
        self.name = name
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        tmux("new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), command)

    def screen(self) -> list[str]:
        return tmux("capture-pane", "-p", "-t", self.name).splitlines()

    def send(self, text: str) -> None:
        tmux("send-keys", "-t", self.name, "-l", text)

    def key(self, name: str) -> None:
        tmux("send-keys", "-t", self.name, name)

    def wait(self, shown, what: str) -> float:
        """Poll the pane until shown(lines) holds; the seconds it took."""
        start = time.perf_counter()
        while not shown(self.screen()):
            if time.perf_counter() - start > TIMEOUT_S:
                raise RuntimeError(f"{self.name}: not on screen within {TIMEOUT_S:.0f} s: {what}\n"
                                   + "\n".join(self.screen()))
            time.sleep(0.001)
        return time.perf_counter() - start

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def echo_shows(text: str):
    def shown(lines: list[str]) -> bool:
        return any(line.strip(" ▊▎▌▐▍▋█│").rstrip() == text.rstrip() for line in lines)
    return shown


def customers_show(text: str, numbers: list[str], loose: bool = False):
    """The status line names the text and the rows are its first page; `loose` (a tree whose status line
    does not name the query): the box shows the text and the rows are its first page."""
    said = f"for “{text.strip()}”"
    nothing = f"No customer matches “{text.strip()}”"

    def shown(lines: list[str]) -> bool:
        if loose:
            box = [line for line in lines if line.lstrip().startswith("▊") and "▔" not in line and "▁" not in line]
            if not box or box[0].strip(" ▊▎").rstrip() != text.rstrip():
                return False
            if not numbers:
                return any("No customer matches" in line for line in lines)
        elif not numbers:
            return any(nothing in line for line in lines)
        elif not any(said in line for line in lines):
            return False
        on_screen = [m.group(1) for line in lines if (m := ROW.match(line))]
        return bool(on_screen) and on_screen == numbers[:len(on_screen)] and (
            len(on_screen) >= min(len(numbers), 5))
    return shown


def expected(url: str, texts: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The customer numbers of the first page for every prefix typed, from the core search."""
    from deskapp.config.load import load_config
    from deskapp.core.clock import FixedClock
    from deskapp.core.customers import directory as customers
    from deskapp.core.startup import open_context
    from deskapp.db import database

    ctx = open_context(load_config(ROOT / "config.yaml"), url, FixedClock(NOW))
    pages: dict[str, list[str]] = {}
    for _, text in texts:
        for end in range(1, len(text) + 1):
            if text[:end].strip():
                pages[text[:end]] = [c.number for c in customers.search(ctx, TELLER, text[:end], 25, 0)]
    database.close()
    return pages


def figures(values: list[float]) -> dict:
    return {"keys": len(values), "p50_ms": statistics.median(values), "p95_ms": percentile(values, 0.95),
            "max_ms": max(values)}


def measure(url: str, texts: list[tuple[str, str]], size: tuple[int, int], tree: str | None = None) -> dict:
    pages = expected(url, texts)
    me = shlex.quote(sys.executable) + " " + shlex.quote(str(Path(__file__).resolve()))
    tag = os.getpid()  # sessions of their own: another bench on the machine may be running
    panes = [("echo", Pane(f"bench-echo-{tag}", f"{me} --run-echo", size)),
             ("customers", Pane(f"bench-customers-{tag}", f"{me} --run-customers {shlex.quote(url)}", size))]
    if tree:
        panes.append(("before", Pane(f"bench-before-{tag}", f"{me} --tree {shlex.quote(tree)} --run-customers "
                                     f"{shlex.quote(url)}", size)))
    timings: dict[str, list[tuple[float, bool]]] = {name: [] for name, _ in panes}
    by_kind: dict[str, list[float]] = {}
    try:
        for name, pane in panes:
            ready = "type here" if name == "echo" else "Type to search."
            pane.wait(lambda lines, ready=ready: any(ready in line for line in lines), f"{name} ready")
        time.sleep(2.0)  # the screens settle (focus on the search box) before the first key
        for kind, text in texts:
            for name, pane in panes:  # interleaved: each query in each app in turn
                empty = "type here" if name == "echo" else "Type to search."
                pane.key("C-u")
                pane.wait(lambda lines, empty=empty: any(empty in line for line in lines), "an empty box")
                for end in range(1, len(text) + 1):
                    typed = text[:end]
                    page = pages[typed] if typed.strip() else []
                    changed = page[:5] != (pages.get(text[:end - 1], []) if end > 1 else [])[:5]
                    check = (echo_shows(typed) if name == "echo" else
                             customers_show(typed, page, loose=name == "before"))
                    start = time.perf_counter()
                    pane.send(text[end - 1])
                    if typed.endswith(" "):
                        time.sleep(0.3)  # nothing to wait for on screen: not timed
                        continue
                    pane.wait(check, f"{typed!r}")
                    elapsed = (time.perf_counter() - start) * 1000
                    timings[name].append((elapsed, changed))
                    if name == "customers":
                        by_kind.setdefault(kind, []).append(elapsed)
    finally:
        for _, pane in panes:
            pane.close()
    result: dict = {}
    for name, values in timings.items():
        result[name] = figures([v for v, _ in values])
        result[name]["changed_page"] = figures([v for v, changed in values if changed])
    for name in timings:
        if name != "echo":
            result[name]["ratio_p95"] = result[name]["p95_ms"] / result["echo"]["p95_ms"]
            result[name]["ratio_p50"] = result[name]["p50_ms"] / result["echo"]["p50_ms"]
            result[name]["changed_page"]["ratio_p95"] = (result[name]["changed_page"]["p95_ms"]
                                                         / result["echo"]["changed_page"]["p95_ms"])
    result["by_kind_p95_ms"] = {k: percentile(v, 0.95) for k, v in by_kind.items()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a database of customers made by bench/search.py's fill (or --build)")
    parser.add_argument("--build", type=int, default=0, metavar="N", help="first fill the database up to N customers")
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=1, help="runs of all the queries, in turn")
    parser.add_argument("--size", default="120x36")
    parser.add_argument("--json", dest="json_out", default=None)
    parser.add_argument("--tree", default=None, help="also type into another checkout's Customers screen (e.g. "
                        "main's: /work/main), the box showing the text and the rows its page (its status line does "
                        "not name the query)")
    parser.add_argument("--run-echo", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--run-customers", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_echo:
        return run_echo_app()
    if args.run_customers:
        return run_customers(args.run_customers)
    from deskapp.db import database, migrate
    from deskapp.db.database import db, is_postgres

    database.connect(args.db)
    migrate.migrate()
    have = db.execute_sql("SELECT count(*) FROM customer").fetchone()[0]
    if have < args.build:
        if not is_postgres():
            db.execute_sql("PRAGMA synchronous = OFF")
        fill(args.build - have)
        have = args.build
    every = queries(sample_rows(200), random.Random(9))
    texts = every[::max(1, len(every) // args.queries)][:args.queries]
    backend = "postgresql" if is_postgres() else "sqlite"
    database.close()
    width, height = (int(v) for v in args.size.split("x"))
    runs = []
    for repeat in range(args.repeats):
        run = measure(args.db, texts, (width, height), args.tree)
        runs.append(run)
        for name in [n for n in ("customers", "before") if n in run]:
            r, c, e = run[name], run[name]["changed_page"], run["echo"]
            print(f"{backend}, {have:,} customers, run {repeat + 1}, {name}: keystroke to results p50 {r['p50_ms']:.0f}"
                  f" / p95 {r['p95_ms']:.0f} / max {r['max_ms']:.0f} ms ({r['keys']} keys); echo p50 {e['p50_ms']:.0f} / "
                  f"p95 {e['p95_ms']:.0f} / max {e['max_ms']:.0f} ms; p95 ratio {r['ratio_p95']:.2f} (p50 ratio "
                  f"{r['ratio_p50']:.2f}); keys whose page changed: p50 {c['p50_ms']:.0f} / p95 {c['p95_ms']:.0f} ms "
                  f"({c['keys']} keys), p95 ratio {c['ratio_p95']:.2f}", flush=True)
        print("  p95 by kind (ms): " + ", ".join(f"{k} {v:.0f}" for k, v in run["by_kind_p95_ms"].items()), flush=True)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"backend": backend, "customers": have, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
