"""No keystroke is lost at any typing speed: a real deskapp in a terminal gets a whole complaint workflow
typed in one write, as fast as a machine (or a barcode scanner, or a teller who knows the steps) types
it, while steps are still being saved and the next ones appear. Every value must arrive where it was
meant to go."""
from __future__ import annotations

import json
import sys

from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core.security import auth
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import FollowUp, StepRecord, Ticket
from tests.conftest import CONFIG
from tests.e2e.terminal import Terminal

PIN = "6048"  # lucas, a teller at counter 5 (complaints)


def prepare(url: str) -> int:
    ctx = open_context(load_config(CONFIG), url)
    auth.set_pin(ctx, "lucas", PIN)
    ticket = q.issue(ctx, "CMPL").ticket.id
    database.close()
    return ticket


def test_a_whole_workflow_typed_at_machine_speed_loses_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'branch.db'}"
    ticket = prepare(url)
    argv = [sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", url, "--counter", "5"]
    with Terminal(argv, cwd=str(tmp_path), cols=120, rows=40) as term:
        term.wait_for("Staff login")
        term.wait_for("Counter (tellers)")
        term.press(*"lucas", "enter", *PIN, "enter")
        term.wait_for("Advisory desk · open")
        term.press("n")
        term.wait_for("R001")
        term.press("s")
        term.wait_for("Step 1 of")
        typed = "".join([
            "\x0e",                                  # ctrl+n: nobody identified (optional)
            "w", "\t",                               # About: waiting time (a letter chooses)
            "Waited 40 minutes\rOne counter open",   # the complaint, on two lines
            "\t", "p",                               # How to reply: phone
            "\x0e",                                  # Next
            "\x0e",                                  # the note for an anonymous complaint
            "\x0e",                                  # open the follow-up as proposed
            "\x0e",                                  # the summary: the ticket is complete
        ])
        term.send(typed)  # one write: every key is in the terminal before the first step is saved
        term.wait_for("No ticket in hand", timeout=30)
        term.press("ctrl+q")
        assert term.exit_code(timeout=10) == 0

    database.connect(url)
    try:
        records = {r.step_id: (r.outcome, json.loads(r.values or "{}"))
                   for r in StepRecord.select().where(StepRecord.ticket == ticket)}
        assert Ticket.get_by_id(ticket).status == q.DONE
        assert records["complaint"] == ("done", {"category": "waiting_time",
                                                 "description": "Waited 40 minutes\nOne counter open",
                                                 "contact_by": "phone"})
        assert [records[s][0] for s in ("identify", "anonymous", "follow_up", "summary")] == ["done"] * 4
        assert FollowUp.get().source == "complaint"
    finally:
        database.close()
