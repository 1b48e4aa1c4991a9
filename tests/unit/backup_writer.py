"""A desk that keeps issuing, calling, starting and completing tickets, deterministically.

Run as a process (`python -m tests.unit.backup_writer URL READY_FILE`) it works until killed,
touching READY_FILE after its first few steps. In-process, `replay(ctx, events)` repeats the very
same steps (same order, same clock) until the database holds `events` ticket events: the source as
it was at any transaction boundary of the writer, rebuilt to compare a backup against.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from deskapp.core import queue
from deskapp.core.clock import FixedClock
from deskapp.core.context import Context
from deskapp.db.models import TicketEvent

START = dt.datetime(2026, 3, 10, 9, 0)
COUNTER, TELLER = "1", "ana"


def step(ctx: Context, n: int) -> None:
    """Step n of the cycle issue -> call -> start -> complete, one transaction each, 20 s apart."""
    ctx.clock.set(START + dt.timedelta(seconds=20 * n))
    kind = n % 4
    if kind == 0:
        queue.issue(ctx, "CASH", with_estimate=False)
    elif kind == 1:
        queue.call_next(ctx, COUNTER, TELLER)
    elif kind == 2:
        queue.start(ctx, COUNTER)
    else:
        queue.complete(ctx, COUNTER)


def events() -> int:
    return TicketEvent.select().count()


def replay(ctx: Context, target: int, limit: int = 100_000) -> int:
    """Run steps from 0 until the database holds `target` events; the number of steps run."""
    n = 0
    while events() < target and n < limit:
        step(ctx, n)
        n += 1
    return n


def main(url: str, ready: str) -> None:
    from deskapp.config.load import load_config
    from deskapp.core.startup import open_context

    root = Path(__file__).resolve().parents[2]
    ctx = open_context(load_config(root / "config.yaml"), url, FixedClock(START))
    n = 0
    while True:
        step(ctx, n)
        n += 1
        if n == 8:
            Path(ready).write_text("ready")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
