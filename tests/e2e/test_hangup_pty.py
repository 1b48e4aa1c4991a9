"""A desk whose terminal closes (SIGHUP, or only end of input) logs it and exits within a second,
its counter and ticket kept as a lock keeps them; before, it read end-of-file at 100% CPU for good."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from deskapp.db import database
from deskapp.db.models import AuditEvent, Counter, Ticket
from tests.e2e.terminal import Terminal
from tests.e2e.test_workflow_crash import deskapp, log_in, prepare

# SIGHUP blocked before exec stays blocked (the mask is inherited): the desk can only notice the
# end of input, as when the hang-up signal went to another process (`make run` as the parent).
_SIGHUP_NEVER_ARRIVES = ("import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP}); "
                         "os.execv(sys.executable, [sys.executable] + sys.argv[1:])")


@pytest.mark.parametrize("how", ["sighup", "end_of_input"])
def test_a_closed_terminal_ends_the_desk_and_keeps_its_ticket(db_url: str, tmp_path: Path, how: str) -> None:
    url = db_url
    ticket = prepare(url)
    argv = deskapp(url)
    if how == "end_of_input":
        argv = [sys.executable, "-c", _SIGHUP_NEVER_ARRIVES, *argv[1:]]
    with Terminal(argv, cwd=str(tmp_path), cols=120, rows=40) as term:
        log_in(term)
        term.wait_for("Counter 1 · open · Ana Costa")
        term.press("n")
        term.wait_for("A001")
        closed = time.monotonic()
        term.hang_up()
        code = term.exit_code(timeout=10)
        took = time.monotonic() - closed
    assert code is not None, "the desk is still running after its terminal closed"
    assert took < 2.0, f"{took:.2f} s"  # a second (the check runs every 0.25 s) plus the process's end
    assert code == 129

    database.connect(url)
    try:
        held = Ticket.get_by_id(ticket)
        counter = Counter.get((Counter.code == "1") & (Counter.branch == held.branch_id))  # each branch has a "1"
        assert (held.status, held.counter_id) == ("called", counter.id)  # kept, as at a lock
        assert counter.state == "open"
        assert AuditEvent.select().where((AuditEvent.action == "terminal_closed") & (AuditEvent.staff == "ana")).count() == 1
    finally:
        database.close()
    log = Path(os.environ["XDG_STATE_HOME"]).glob("**/deskapp.log*")  # tests.conftest: _log_in_tmp
    why = "SIGHUP" if how == "sighup" else "end of input"
    assert any(f"terminal closed ({why})" in path.read_text() for path in log)
