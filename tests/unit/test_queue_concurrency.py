"""Real concurrency: desks as separate OS processes on one database, SQLite file and PostgreSQL.

Eight tellers at eight counters call, start and complete until nobody waits: every ticket must be
claimed exactly once and no desk may see an error ("database is locked" least of all). Four
kiosks issuing at once must hand out 200 distinct numbers, A001 to A200. Each worker is a
`python -c` process that opens its own context, waits at a barrier so that all start together,
and reports one JSON line on stdout; its exit code says whether it saw an exception.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core.clock import FixedClock
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import Ticket, TicketEvent
from tests import branch_config as branch_config_file

T0 = "2026-03-10T10:00:00"
DESKS = 8
TICKETS = 200

# A desk: connect, wait for the barrier, then work until told it is done. The clock is fixed at
# T0 so that a run at midnight cannot split the tickets over two days.
WORKER = """
import datetime as dt, json, os, sys, time, traceback
from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core.clock import FixedClock
from deskapp.core.startup import open_context

config_path, url, role, counter, staff, count, barrier = sys.argv[1:]
ctx = open_context(load_config(config_path), url, FixedClock(dt.datetime.fromisoformat(%(t0)r)))
while not os.path.exists(barrier):
    time.sleep(0.005)
served, issued = [], []
try:
    if role == "desk":
        while True:
            called = q.call_next(ctx, counter, staff)
            if called is None:
                break
            q.start(ctx, counter)
            q.complete(ctx, counter)
            served.append(called.id)
    else:
        for _ in range(int(count)):
            issued.append(q.issue(ctx, "CASH", channel="kiosk", with_estimate=False).ticket.number)
except Exception:
    print(json.dumps({"served": served, "issued": issued, "error": traceback.format_exc()}))
    sys.exit(3)
print(json.dumps({"served": served, "issued": issued, "error": None}))
""" % {"t0": T0}


@pytest.fixture
def branch_config(tmp_path) -> Path:
    """config.yaml with eight counters serving CASH and eight tellers."""
    return branch_config_file.write(tmp_path, DESKS)


def run_workers(tmp_path: Path, config: Path, url: str, jobs: list[tuple[str, str, str, int]]) -> list[dict]:
    """Start one process per job (role, counter, staff, count), release them together, collect reports."""
    barrier = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(config), url, role, counter, staff, str(count),
                          str(barrier)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for role, counter, staff, count in jobs
    ]
    time.sleep(0.5)  # let them connect (they wait at the barrier either way)
    barrier.touch()
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert "database is locked" not in out + err
        assert proc.returncode == 0, f"exit {proc.returncode}\nstdout: {out}\nstderr: {err}"
        lines = out.strip().splitlines()
        assert len(lines) == 1, out
        report = json.loads(lines[0])
        assert report["error"] is None, report["error"]
        reports.append(report)
    return reports


def test_eight_desks_claim_every_ticket_exactly_once(tmp_path, any_db_url, branch_config) -> None:
    db_url = any_db_url  # SQLite, PostgreSQL, and PostgreSQL through PgBouncer (transaction pooling)
    import datetime as dt

    ctx = open_context(load_config(branch_config), db_url, FixedClock(dt.datetime.fromisoformat(T0)))
    ids = {q.issue(ctx, "CASH", "priority" if i % 5 == 0 else None, with_estimate=False).ticket.id
           for i in range(TICKETS)}
    database.close()

    jobs = [("desk", str(i), f"teller{i}", 0) for i in range(1, DESKS + 1)]
    reports = run_workers(tmp_path, branch_config, db_url, jobs)

    served = [t for r in reports for t in r["served"]]
    assert sorted(served) == sorted(ids), "every ticket served once, by exactly one desk"
    assert sum(1 for r in reports if r["served"]) >= 2, "the desks worked side by side"
    database.connect(db_url)
    called = {}
    for e in TicketEvent.select().where(TicketEvent.kind == "called"):
        called[e.ticket_id] = called.get(e.ticket_id, 0) + 1
    assert called == {i: 1 for i in ids}
    assert {t.status for t in Ticket.select()} == {"done"}
    assert Ticket.select().where(Ticket.counter.is_null()).count() == 0
    # the desk that called a ticket is the desk that completed it
    by_desk = {t: r for r in reports for t in r["served"]}
    for t in Ticket.select():
        assert by_desk[t.id] is reports[int(t.counter.code) - 1]


def test_four_kiosks_issue_two_hundred_distinct_numbers(tmp_path, any_db_url, branch_config) -> None:
    db_url = any_db_url  # SQLite, PostgreSQL, and PostgreSQL through PgBouncer (transaction pooling)
    import datetime as dt

    open_context(load_config(branch_config), db_url, FixedClock(dt.datetime.fromisoformat(T0)))
    database.close()
    jobs = [("kiosk", "", "", 50) for _ in range(4)]
    reports = run_workers(tmp_path, branch_config, db_url, jobs)
    numbers = [n for r in reports for n in r["issued"]]
    assert len(numbers) == 200
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, 201)]
    for r in reports:
        assert r["issued"] == sorted(r["issued"]), "each kiosk's numbers rise"
    database.connect(db_url)
    assert Ticket.select().count() == 200
    assert TicketEvent.select().where(TicketEvent.kind == "issued").count() == 200
