"""The teller's workflow at the desk, Pilot-driven on the demo database, beside pushing an empty screen.

    python bench/desk.py [--db URL | --keep FILE] [--repeats 20] [--json OUT] [--profile OUT.prof]

Builds the demo branch (deskapp.core.demo, as `deskapp demo` does: 2,000 customers, 30 days) into a
temporary SQLite file (or FILE with --keep, to be reused with --db sqlite:///FILE), logs ana in at counter
1 and serves one CASH ticket per repeat through the real screens, keys posted as the terminal driver
posts them. Each figure runs from the key until the screen shows its result:

- call next (`n`): the desk shows the called ticket;
- start and open (`s`): service started, the guide open at its first step with the focus in its box;
- back to the desk (Escape from the guide): the desk again, its view reloaded;
- open (`g`): the guide again, at the same step, focus in its box;
- step commit (ctrl+n on the filled-in transaction): the summary step shown;
- finish (ctrl+n on the summary): the ticket complete and the desk reloaded, holding no ticket.

Beside each figure's wall time, the process's CPU time over the same span (all threads, median): on a
loaded machine it says what the work costs, where the wall time also says how long it waited for a core.

Baseline in the same run: pushing an empty Screen until it is the active screen and has been painted
(the same wait as the figures), and popping it. Target: each figure's median <= 150 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deskapp.config.load import load_config  # noqa: E402
from deskapp.core import queue as q  # noqa: E402
from deskapp.core.demo import branch as demo  # noqa: E402
from deskapp.core.security.auth import Session  # noqa: E402
from deskapp.core.startup import open_context  # noqa: E402
from deskapp.db import database  # noqa: E402
from deskapp.db.models import Ticket  # noqa: E402

TELLER = Session("ana", "Ana Costa", "teller")
COUNTER = "1"
FIGURES = ("call_next", "start_open", "to_desk", "open_g", "step_commit", "finish")
LABELS = {"call_next": "call next (n)", "start_open": "start and open the guide (s)",
          "to_desk": "back to the desk (Escape)", "open_g": "open the guide (g)",
          "step_commit": "step commit (ctrl+n)", "finish": "finish (ctrl+n on the summary)",
          "baseline": "push an empty screen (baseline)"}
TIMEOUT = 30.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def clear_floor(ctx) -> None:
    """Nothing waiting today and counter 1 free and open for ana, so `n` calls the bench's ticket."""
    held = q.held_by(ctx, COUNTER)
    if held is not None:
        from deskapp.core.workflows import guide

        if held.status == q.CALLED:
            q.start(ctx, COUNTER, by="sofia")
        guide.complete_ticket(ctx, COUNTER, abandon_reason="bench: cleared", by="sofia")
    for ticket in Ticket.select(Ticket.id).where((Ticket.day == ctx.today()) & (Ticket.status == q.WAITING)):
        q.cancel_waiting(ctx, ticket.id, by="sofia")
    q.open_counter(ctx, COUNTER, TELLER.login)


async def drive(ctx, repeats: int) -> dict[str, list[float]]:
    from textual import events
    from textual.screen import Screen
    from textual.widgets import Input, Select

    from deskapp.tui.app import DeskApp
    from deskapp.tui.screens.desk import DeskScreen
    from deskapp.tui.screens.workflow import WorkflowScreen

    app = DeskApp(ctx, config=ctx.config, clock=ctx.clock)
    timings: dict[str, list[float]] = {name: [] for name in (*FIGURES, "baseline")}
    cpu: dict[str, list[float]] = {name: [] for name in (*FIGURES, "baseline")}

    async def timed(name: str | None, key: str | None, done, act=None) -> None:
        start, start_cpu = time.perf_counter(), time.process_time()
        if act is not None:
            act()
        else:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        while not done():
            await asyncio.sleep(0.0005)
            if time.perf_counter() - start > TIMEOUT:
                told = [n.message for n in app._notifications]
                raise RuntimeError(f"{name or key}: not shown within {TIMEOUT:.0f} s (screen {app.screen!r}, "
                                   f"notifications {told})")
        await asyncio.sleep(0)  # the frame the result is painted in
        if name is not None:
            timings[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - start_cpu) * 1000)

    def desk() -> DeskScreen | None:
        return app.screen if isinstance(app.screen, DeskScreen) else None

    def guide_at(step_id: str):
        def shown() -> bool:
            screen = app.screen
            if not isinstance(screen, WorkflowScreen) or screen.state is None or screen.state.current is None:
                return False
            panel = screen.panel
            if panel is None or panel.step.id != step_id or screen.state.current.id != step_id or screen.busy:
                return False
            boxes = [w for w in panel.query("Input, Select, Checkbox, Switch, Button") if w.focusable]
            return not boxes or (app.focused is not None and app.focused in list(panel.walk_children()))
        return shown

    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.logged_in(TELLER, COUNTER)
        await pilot.pause(0.5)
        assert desk() is not None, app.screen
        for round_ in range(repeats + 1):  # the first round warms up (imports, first queries): not counted
            warm = round_ == 0
            issued = q.issue(ctx, "CASH", with_estimate=False).ticket
            screen = desk()
            screen.reload()
            await asyncio.sleep(0.2)

            def called(screen=screen, issued=issued) -> bool:
                view = screen.view
                return view is not None and view.counter.ticket is not None and view.counter.ticket.id == issued.id

            await timed(None if warm else "call_next", "n", lambda: desk() is not None and called())
            await timed(None if warm else "start_open", "s", guide_at("transaction"))
            await timed(None if warm else "to_desk", "escape",
                        lambda before=screen.view: desk() is not None and desk().view is not before)
            await asyncio.sleep(0.05)
            await timed(None if warm else "open_g", "g", guide_at("transaction"))
            panel = app.screen.panel
            panel.query_one("#f-type", Select).value = "deposit"
            panel.query_one("#f-amount", Input).value = "250"
            panel.query_one("#f-currency", Select).value = "EUR"
            await asyncio.sleep(0.05)
            await timed(None if warm else "step_commit", "ctrl+n", guide_at("summary"))

            def complete() -> bool:
                d = desk()
                return d is not None and d.view is not None and d.view.counter.ticket is None

            await timed(None if warm else "finish", "ctrl+n", complete)
            empty = Screen()
            await timed(None if warm else "baseline", None, lambda empty=empty: app.screen is empty and empty.is_mounted,
                        act=lambda empty=empty: app.push_screen(empty))
            app.pop_screen()
            await asyncio.sleep(0.05)
    return {**timings, **{f"{name}_cpu": values for name, values in cpu.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="a database already holding the demo (no build)")
    parser.add_argument("--keep", default=None, help="build the demo into this SQLite file and keep it")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--json", dest="json_out", default=None)
    parser.add_argument("--profile", default=None, help="write a cProfile of the driven part to this file")
    args = parser.parse_args()
    config = load_config(ROOT / "config.yaml")
    with tempfile.TemporaryDirectory(prefix="deskapp-bench-desk-") as tmp:
        url = args.db or f"sqlite:///{args.keep or Path(tmp) / 'desk.db'}"
        if args.db is None and args.keep and Path(args.keep).exists():
            raise SystemExit(f"{args.keep} exists: use --db sqlite:///{args.keep} to reuse it")
        ctx = open_context(config, url)
        built = None
        if not demo.has_data():
            started = time.perf_counter()
            demo.build(ctx)
            built = time.perf_counter() - started
        clear_floor(ctx)
        database.close()  # the screens' workers open their own connections
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        timings = asyncio.run(drive(ctx, args.repeats))
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
    result = {
        "backend": "postgresql" if url.startswith("postgres") else "sqlite", "repeats": args.repeats,
        "demo_build_s": built,
        **{f"{name}_median_ms": statistics.median(v) for name, v in timings.items()},
        **{f"{name}_p95_ms": percentile(v, 0.95) for name, v in timings.items()},
    }
    print(f"desk workflow, {result['backend']}, demo database, {args.repeats} repeats (median / p95 ms):")
    for name in (*FIGURES, "baseline"):
        print(f"  {LABELS[name]:<34} {result[name + '_median_ms']:8.1f} / {result[name + '_p95_ms']:8.1f}"
              f"   (CPU, all threads: {result[name + '_cpu_median_ms']:6.1f})")
    if built is not None:
        print(f"  (demo built in {built:.0f} s)")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
