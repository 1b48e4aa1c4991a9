"""A desk or a kiosk as its own OS process, driving deskapp core the way the screens do.

    python tests/reliability/desk.py CONFIG URL desk COUNTER STAFF SECONDS SEED LOG
    python tests/reliability/desk.py CONFIG URL issuer - - SECONDS SEED LOG

A desk first resumes whatever its counter holds (core `held_by`, as the desk screen does after a
restart), then for SECONDS picks at random among the actions its ticket allows: call next,
recall, start, complete, no-show, requeue (front or back), cancel, transfer. An issuer issues
tickets in random services and classes. Each action that succeeded is appended to LOG as one JSON
line *after* its transaction committed, so a SIGKILL can lose the last line, never invent one.
A refusal a teller could see (QueueError, e.g. the recall limit) is logged as "refused"; any
other exception prints its traceback, logs "failed" and exits 3; a run that ended in time logs
"done". When the file LOG.hold exists and the desk holds a ticket, it logs "holding" and keeps
that ticket, doing nothing more, until it is killed (the crash test's sure resume). The clock is fixed at T0 so that a run at
midnight cannot split the day.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
import traceback

T0 = dt.datetime(2026, 3, 10, 10, 0, 0)
SERVICES = ("CASH", "ACC")


def main(argv: list[str]) -> int:
    config_path, url, role, counter, staff, seconds, seed, log_path = argv
    from deskapp.config.load import load_config
    from deskapp.core import queue as q
    from deskapp.core.clock import FixedClock
    from deskapp.core.startup import open_context

    rng = random.Random(int(seed))
    log = open(log_path, "a", buffering=1)
    hold_flag = log_path + ".hold"  # the test creates it: keep the next ticket held, log "holding"

    def record(op: str, ticket: int | None = None, **extra) -> None:
        log.write(json.dumps({"pid": os.getpid(), "op": op, "ticket": ticket, **extra}) + "\n")

    # The test set the database up; a desk that migrated and synced at start-up would only wait
    # for the others doing the same.
    ctx = open_context(load_config(config_path), url, FixedClock(T0), init=False)
    held = q.held_by(ctx, counter) if role == "desk" else None
    record("ready", held.id if held else None, status=held.status if held else None)
    deadline = time.monotonic() + float(seconds)
    try:
        while time.monotonic() < deadline:
            if role == "issuer":
                issued = q.issue(ctx, rng.choice(SERVICES), rng.choice(("priority", "normal", "normal")),
                                 channel="kiosk", with_estimate=rng.random() < 0.2)
                record("issue", issued.ticket.id)
                time.sleep(rng.uniform(0.01, 0.04))
                continue
            if held is not None and os.path.exists(hold_flag):
                record("holding", held.id, status=held.status)
                while time.monotonic() < deadline:  # holds its ticket until the test kills it
                    time.sleep(0.05)
                break
            try:
                held = step(q, ctx, counter, staff, held, rng, record)
            except q.QueueError as exc:
                record("refused", held.id if held else None, reason=str(exc))
                held = q.held_by(ctx, counter)
    except Exception:  # noqa: BLE001  the test reads stderr and the exit code
        traceback.print_exc()
        record("failed")
        return 3
    record("done")
    return 0


def step(q, ctx, counter: str, staff: str, held, rng: random.Random, record):
    """One action at the desk; the ticket the counter holds afterwards (None when it holds none)."""
    if held is None:
        called = q.call_next(ctx, counter, staff)
        if called is None:
            time.sleep(0.02)
            return None
        record("call", called.id)
        return called
    roll = rng.random()
    if held.status == "called":
        if roll < 0.55:
            started = q.start(ctx, counter, by=staff)
            record("start", started.id)
            return started
        if roll < 0.65:
            recalled = q.recall(ctx, counter, by=staff)
            record("recall", recalled.id)
            return recalled
        if roll < 0.75:
            record("no_show", q.no_show(ctx, counter, by=staff).id)
        elif roll < 0.90:
            record("requeue", q.requeue(ctx, counter, front=rng.random() < 0.5, by=staff).id)
        else:
            record("cancel", q.cancel(ctx, counter, by=staff).id)
        return None
    if roll < 0.8:
        record("complete", q.complete(ctx, counter, by=staff).id)
    else:
        new = q.transfer(ctx, counter, "ACC" if held.service == "CASH" else "CASH", by=staff)
        record("transfer", held.id, new=new.id)
    return None


def zygote() -> None:
    """Fork desks on request: one JSON line [stderr path, *desk arguments] in, the child's pid out.

    The crash test starts fifty desks; forking them from one process that already imported
    deskapp makes each start take milliseconds instead of a second of imports. Each child is an
    ordinary process of its own (its own database connection, opened after the fork); children
    are reaped by the kernel (SIGCHLD ignored), so a killed one simply disappears.
    """
    import signal

    from deskapp.config.load import load_config  # noqa: F401  imported once, before any fork
    from deskapp.core import queue  # noqa: F401
    from deskapp.core.startup import open_context  # noqa: F401
    from deskapp.db import database

    database.make_database("postgresql://localhost/preload")  # imports the driver
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        err_path, *argv = json.loads(line)
        pid = os.fork()
        if pid == 0:
            err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(err, 2)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 1
            try:
                code = main(argv)
            except BaseException:  # noqa: BLE001  start-up failures end up in the desk's stderr file
                traceback.print_exc()
            finally:
                sys.stderr.flush()
                os._exit(code)
        print(pid, flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["zygote"]:
        zygote()
    else:
        sys.exit(main(sys.argv[1:]))
