"""Soak: eight desks and two kiosks, each its own process, on one database for a minute.

The desks call, recall, start, complete, mark no-shows, requeue, cancel and transfer at random
while two kiosks issue. Afterwards no process may have failed, the invariant checker must find
nothing, each desk's own log of what it did must equal, step by step, the events the database
holds for its counter, and every ticket a process reported must exist.
"""
from __future__ import annotations

import os

import pytest

from deskapp.config.load import load_config
from deskapp.core.clock import FixedClock
from deskapp.core.startup import open_context
from deskapp.core.stats.integrity import check
from deskapp.db import database
from deskapp.db.models import Counter, Ticket, TicketEvent
from tests.reliability import fleet
from tests.reliability.desk import T0

DESKS, ISSUERS = 8, 2
SECONDS = float(os.environ.get("DESKAPP_SOAK_SECONDS", "60"))


@pytest.mark.slow
def test_soak_eight_desks_two_kiosks(tmp_path, db_url) -> None:
    config = fleet.write_config(tmp_path, DESKS)
    branch_id = open_context(load_config(config), db_url, FixedClock(T0)).branch_id
    database.close()

    zygote = fleet.Zygote()  # ten processes forked from one that imported deskapp once
    try:
        procs = [zygote.start(tmp_path, config, db_url, "desk", str(i), SECONDS, seed=i) for i in range(1, DESKS + 1)]
        procs += [zygote.start(tmp_path, config, db_url, "issuer", f"k{j}", SECONDS, seed=100 + j)
                  for j in range(1, ISSUERS + 1)]
        for proc in procs:
            proc.wait_gone(timeout=SECONDS + 180)
    finally:
        zygote.close()
    for proc in procs:
        err = proc.errors.read_text()
        assert proc.entries()[-1]["op"] == "done", f"{proc.role} {proc.counter} failed:\n{err}"
        assert err == "", f"{proc.role} {proc.counter} wrote to stderr:\n{err}"

    database.connect(db_url)
    assert check(branch_id) == []

    counters = {c.code: c.id for c in Counter.select()}
    reported: set[int] = set()
    for proc in procs:
        entries = proc.entries()
        for e in entries:
            if e["op"] in ("issue", "call"):
                reported.add(e["ticket"])
            if e["op"] == "transfer":
                reported.add(e["new"])
        if proc.role != "desk":
            assert sum(e["op"] == "issue" for e in entries) > 10, f"kiosk {proc.counter} issued next to nothing"
            continue
        logged = [(fleet.EVENT_OF[e["op"]], e["ticket"]) for e in entries if e["op"] in fleet.EVENT_OF]
        stored = [(e.kind, e.ticket_id) for e in TicketEvent.select()
                  .where((TicketEvent.counter == counters[proc.counter])
                         & TicketEvent.kind.in_(list(fleet.EVENT_OF.values())))
                  .order_by(TicketEvent.id)]
        assert logged == stored, f"desk {proc.counter}: its actions and the database's events differ"
        assert sum(op == "called" for op, _ in logged) >= 3, f"desk {proc.counter} hardly worked"
        kinds = {op for op, _ in logged}
        assert {"called", "started", "completed"} <= kinds
    assert reported == {t.id for t in Ticket.select()}, "every ticket a process reported exists, and only those"
    all_kinds = {e.kind for e in TicketEvent.select(TicketEvent.kind).distinct()}
    assert set(fleet.EVENT_OF.values()) | {"issued"} <= all_kinds, "the soak exercised every action"
