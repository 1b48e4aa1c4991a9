"""No keystroke is lost at any typing speed: a real deskapp in a terminal gets a whole complaint workflow
typed in one write, as fast as a machine (or a barcode scanner, or a teller who knows the steps) types
it, while steps are still being saved and the next ones appear. Every value must arrive where it was
meant to go."""
from __future__ import annotations

import json
import re

from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core.security import auth
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import FollowUp, StepRecord, Ticket
from tests.conftest import CONFIG
from tests.e2e.english import deskapp_en
from tests.e2e.terminal import Terminal

PIN = "6048"  # lucas, a teller at counter 5 (complaints)


def prepare(url: str) -> int:
    ctx = open_context(load_config(CONFIG), url)
    auth.set_pin(ctx, "lucas", PIN)
    ticket = q.issue(ctx, "CMPL").ticket.id
    database.close()
    return ticket


def desk(tmp_path) -> tuple[int, str, list[str]]:
    """A branch with one complaint waiting, and the command that opens a desk at counter 5."""
    url = f"sqlite:///{tmp_path / 'branch.db'}"
    ticket = prepare(url)
    return ticket, url, deskapp_en("--db", url, "--counter", "5")


def serve_first(term: Terminal, login_keys: str | None = None) -> None:
    """Log lucas in (typed key by key, or `login_keys` in one write), call the complaint and start its guide."""
    term.wait_for("Staff login")
    term.wait_for("Counter (tellers)")
    if login_keys is None:
        term.press(*"lucas", "enter", *PIN, "enter")
    else:
        term.send(login_keys)
    term.wait_for("Advisory desk · open")
    term.press("n")
    term.wait_for(re.compile(r"R001 .* · called"))  # in hand (R001 alone shows in the waiting list first)
    term.press("s")
    term.wait_for("Step 1 of")


def test_a_whole_workflow_typed_at_machine_speed_loses_nothing(tmp_path):
    ticket, url, argv = desk(tmp_path)
    with Terminal(argv, cwd=str(tmp_path), cols=120, rows=40) as term:
        serve_first(term)
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


def test_corrections_typed_in_a_burst_act_in_the_order_typed(tmp_path):
    """Backspace, delete and the arrows act where they were typed among the letters, however fast: Textual
    ran a box's bindings (backspace, arrows) only after the letters that followed them in one burst, so
    "lucaz" + backspace + "s" logged in as nobody ("lucaz") and "minuets" + 3 backspaces + "tes" saved
    "minuets" (fails on acc6926; deskapp/tui/widgets/inputs.py)."""
    ticket, url, argv = desk(tmp_path)
    with Terminal(argv, cwd=str(tmp_path), cols=120, rows=40) as term:
        serve_first(term, "lucaz\x7fs\r" + PIN + "\r")  # one write: the correction among the letters
        term.send("".join([
            "\x0e",                                         # ctrl+n: nobody identified
            "w", "\t",                                      # About: waiting time
            "Waited 40 minuets\x7f\x7f\x7ftes",             # three backspaces and the right ending
            "\rOne counter oppen\x1b[D\x1b[D\x1b[D\x7f",    # left three times, then remove the extra p
            "\t", "p", "\x0e", "\x0e", "\x0e", "\x0e",
        ]))
        term.wait_for("No ticket in hand", timeout=30)
        term.press("ctrl+q")
        assert term.exit_code(timeout=10) == 0

    database.connect(url)
    try:
        step = StepRecord.get((StepRecord.ticket == ticket) & (StepRecord.step_id == "complaint"))
        assert json.loads(step.values)["description"] == "Waited 40 minutes\nOne counter open"
    finally:
        database.close()


def test_every_box_of_the_screens_keeps_keys_in_order():
    """Every Input and TextArea of deskapp's screens is deskapp.tui.widgets.inputs' (see its docstring)."""
    import re
    from pathlib import Path

    tui = Path(__file__).resolve().parents[2] / "deskapp" / "tui"
    textual_boxes = [
        path.relative_to(tui).as_posix() for path in sorted(tui.rglob("*.py")) if path.name != "inputs.py"
        and re.search(r"from textual\.widgets import [^\n]*\b(Input|TextArea)\b|textual\.widgets\.(Input|TextArea)\b",
                      path.read_text(encoding="utf-8"))]
    assert textual_boxes == []
