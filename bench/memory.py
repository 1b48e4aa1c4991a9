"""Peak memory (VmHWM) of the real TUI on a large database, beside a one-Label Textual app's.

    python bench/memory.py [--customers 1000000] [--days 365] [--tickets 1000000] [--today-tickets 300]
                           [--db URL] [--json OUT]

1. Builds the volume with bench/volume.py (`build(url, customers=, days=, tickets=, today_tickets=,
   progress=True)`, bulk inserts) into a new database, and times it. Where bench/volume.py is not
   there yet, `deskapp demo` builds the data instead (its customer count; tickets from --days), and
   the JSON says so.
2. Starts `python -m deskapp` in a real pty (tests/e2e/terminal.py), logs in as the supervisor
   (home: the dashboard), opens customer search (F4) and searches a few names, each to its result.
3. Reads VmHWM (peak resident set) from /proc/PID/status while the app still runs; the baseline is
   the one-Label app of bench/startup.py, measured the same way in the same run.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.startup import BASELINE_APP, BASELINE_TEXT  # noqa: E402
from tests.e2e.terminal import Terminal  # noqa: E402

CONFIG = ROOT / "config.yaml"
SUPERVISOR, PIN = "sofia", "246810"
NAMES = ("silva", "maria santos", "costa", "ferreira", "ana")
RESULT = re.compile(r"\d[\d,]*\+? match|No customer matches")  # the search answered


def peak_rss_kib(pid: int) -> dict[str, int]:
    """VmHWM (peak) and VmRSS (now) of a live process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0])
    return fields


def build_volume(url: str, customers: int, days: int, tickets: int, today_tickets: int) -> dict:
    """Fill a new database; what was built, how, and how long it took."""
    started = time.perf_counter()
    if importlib.util.find_spec("bench.volume") is not None:
        from bench import volume

        volume.build(url, customers=customers, days=days, tickets=tickets, today_tickets=today_tickets,
                     progress=True)
        how = "bench/volume.py"
    else:
        print("memory: bench/volume.py is not there; building with deskapp demo instead", file=sys.stderr)
        from deskapp.config.load import load_config
        from deskapp.core.demo import branch as demo
        from deskapp.core.startup import open_context
        from deskapp.db import database

        ctx = open_context(load_config(CONFIG), url)
        demo.build(ctx, customers=customers, days=days, seed=1, progress=_progress)
        print(file=sys.stderr)
        database.close()
        how = "deskapp demo"
    return {"how": how, "seconds": round(time.perf_counter() - started, 1)}


def _progress(fraction: float) -> None:
    print(f"\r  demo data {fraction * 100:5.1f}%", end="", file=sys.stderr, flush=True)


def prepare(url: str) -> dict[str, int]:
    """Give the supervisor a known PIN; the customers and tickets the database holds."""
    from deskapp.config.load import load_config
    from deskapp.core.security import auth
    from deskapp.core.startup import open_context
    from deskapp.db import database
    from deskapp.db.models import Customer, Ticket

    ctx = open_context(load_config(CONFIG), url)
    try:
        auth.set_pin(ctx, SUPERVISOR, PIN)
        return {"customers": Customer.select().count(), "tickets": Ticket.select().count()}
    finally:
        database.close()


def baseline_peak(timeout: float) -> dict[str, int]:
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        script = Path(tmp) / "baseline_app.py"
        script.write_text(BASELINE_APP)
        with Terminal([sys.executable, str(script)]) as term:
            term.wait_for(BASELINE_TEXT, timeout=timeout)
            time.sleep(0.5)  # the same settling pause as the app gets after its last screen
            return peak_rss_kib(term.pid)


def app_peak(url: str, timeout: float) -> dict[str, int]:
    """Log in as supervisor, dashboard, customer search with a few names; then the peak."""
    argv = [sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", url]
    with Terminal(argv, cwd=str(ROOT)) as term:
        term.wait_for("PIN", timeout=timeout)
        term.press(*SUPERVISOR, "enter")
        time.sleep(0.5)  # a person's pause: the PIN field takes focus
        term.press(*PIN)
        term.wait_for("•" * len(PIN), timeout=timeout)  # the digits reached the PIN field
        term.press("enter")
        # Any of the dashboard's section titles: alert lines above them can push the lower ones off a
        # 120x36 screen (and did, under load), so no single one of them proves the screen came.
        term.wait_for(re.compile("Queues now|Counters|Waiting tickets|Today per service"), timeout=timeout)
        term.wait_until_gone("Loading…", timeout=timeout)
        term.press("f4")
        term.wait_for("Type to search.", timeout=timeout)
        for name in NAMES:
            term.press(*name)
            term.wait_for(RESULT, timeout=timeout)
            term.press(*["backspace"] * len(name))
            term.wait_for("Type to search.", timeout=timeout)
        time.sleep(0.5)
        return peak_rss_kib(term.pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--today-tickets", type=int, default=300)
    parser.add_argument("--db", default=None, help="an empty database URL (default: a new SQLite file)")
    parser.add_argument("--reuse", action="store_true", help="use --db as it is, without building the volume")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for one screen")
    parser.add_argument("--json", dest="json_out", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        url = args.db or f"sqlite:///{tmp}/volume.db"
        build = None if args.reuse else build_volume(url, args.customers, args.days, args.tickets,
                                                     args.today_tickets)
        held = prepare(url)
        try:
            base = baseline_peak(args.timeout)
            app = app_peak(url, args.timeout)
        except AssertionError as failure:  # a screen never showed: the message holds the screen
            print(f"memory: {failure}", file=sys.stderr)
            return 1

    ratio = app["VmHWM"] / base["VmHWM"]
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"memory: peak RSS (VmHWM) of the TUI, {held['customers']:,} customers, {held['tickets']:,} tickets, "
          f"{backend}")
    print(f"  deskapp   {app['VmHWM'] / 1024:8.1f} MiB  (supervisor dashboard, customer search x{len(NAMES)})")
    print(f"  baseline  {base['VmHWM'] / 1024:8.1f} MiB  (one-Label Textual app)")
    print(f"  ratio     {ratio:8.2f}")
    if build:
        print(f"  volume built in {build['seconds']:.1f} s by {build['how']}")
    if args.json_out:
        result = {"name": "memory", "backend": backend, **held,
                  "peak_rss_mib": round(app["VmHWM"] / 1024, 1), "baseline_rss_mib": round(base["VmHWM"] / 1024, 1),
                  "ratio": round(ratio, 2), "volume_build_s": build["seconds"] if build else None,
                  "volume_built_by": build["how"] if build else None,
                  "requested": None if args.reuse else {"customers": args.customers, "days": args.days,
                                                        "tickets": args.tickets, "today_tickets": args.today_tickets}}
        Path(args.json_out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
