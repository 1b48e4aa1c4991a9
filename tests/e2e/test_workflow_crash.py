"""A desk killed in the middle of a workflow loses nothing: a real deskapp in a terminal commits two
steps, is killed with SIGKILL, and a new process at the same counter resumes at the right step."""
from __future__ import annotations

import re
import signal
import time

from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core.security import auth
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import StepRecord, Ticket
from tests.conftest import CONFIG
from tests.e2e.english import deskapp_en
from tests.e2e.terminal import Terminal

PINS = {"ana": "2580", "sofia": "4826"}


def deskapp(url: str) -> list[str]:
    """The command that opens an English desk at counter 1 on `url`."""
    return deskapp_en("--db", url, "--counter", "1")


def prepare(url: str) -> int:
    """A branch database with PINs set and one cash ticket waiting; the ticket's id."""
    ctx = open_context(load_config(CONFIG), url)
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)
    ticket = q.issue(ctx, "CASH").ticket.id
    database.close()
    return ticket


def steps(url: str, ticket: int) -> dict[str, tuple[str, str, str | None]]:
    database.connect(url)
    try:
        return {r.step_id: (r.outcome, r.values, r.approver)
                for r in StepRecord.select().where(StepRecord.ticket == ticket).order_by(StepRecord.position)}
    finally:
        database.close()


def focus_below(term: Terminal, label: str, timeout: float = 20) -> None:
    """Wait until the cursor is in the box under `label` (the box's text is two rows below its label).

    Keys typed right after Enter or Tab reach the box that had the focus until the app has moved it,
    so a test must wait for the move as a person would. The cursor is read from the emulated screen.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = term.screen_text().splitlines()
        labels = [i for i, row in enumerate(rows) if re.search(rf"[│ ]\s{re.escape(label)}\s*(\*\s*)?│", row)]
        with term._changed:  # the harness's lock around its pyte screen
            cursor = term._screen.cursor.y
        if labels and cursor == labels[0] + 2:
            return
        time.sleep(0.05)
    raise AssertionError(f"the focus did not reach the box under {label!r}")


def log_in(term: Terminal) -> None:
    term.wait_for("Staff login")
    term.wait_for("PIN")
    term.press(*"ana")
    term.wait_for("▊  ana")
    term.press("enter")
    focus_below(term, "PIN")
    term.press(*PINS["ana"], "enter")


def pick(term: Terminal, option: str, downs: int) -> None:
    """Choose in the drop-down that has (or is about to get) the focus: open it, go down, take it.

    A drop-down shows no cursor, so its focus cannot be seen: when the list does not open, the Enter
    reached the box before it (which passes the focus on), and Enter is pressed again.
    """
    for attempt in range(3):
        term.press("enter")
        try:
            term.wait_for(re.compile(r"▊  Choose…\s+▎"), timeout=3)  # the open list starts with the blank choice
            break
        except AssertionError:
            if attempt == 2:
                raise
    time.sleep(0.3)  # the list takes the keys once it has the focus
    for _ in range(downs):
        term.press("down")
    term.press("enter")
    term.wait_for(re.compile(rf"▊  {option}\s+▼"))


def test_a_killed_desk_resumes_the_workflow_at_the_same_step(tmp_path):
    url = f"sqlite:///{tmp_path / 'branch.db'}"
    ticket = prepare(url)

    with Terminal(deskapp(url), cwd=str(tmp_path), cols=120, rows=40) as term:
        log_in(term)
        term.wait_for("Counter 1 · open · Ana Costa")
        term.press("n")
        # The ticket in hand, not "A001" alone, which the waiting list shows before the call (a fast "s"
        # then found no ticket in hand: seen in CI under load).
        term.wait_for(re.compile(r"A001 .* · called"))
        term.press("s")
        term.wait_for("Step 1 of 2 (more may follow): Transaction")

        pick(term, "Withdrawal", downs=2)  # past "Choose…" and "deposit"
        term.press("tab")
        focus_below(term, "Amount")
        time.sleep(0.3)  # as in pick(): the cursor is drawn a moment before the box takes keys
        term.press(*"6000")
        term.wait_for("▊  6000")
        pick(term, "EUR", downs=1)  # Enter goes on to the currency, then opens it
        term.press("ctrl+n")
        term.wait_for("Step 2 of 3: Supervisor approval")

        focus_below(term, "Supervisor login")  # the step's first box takes the focus
        term.press(*"sofia")
        term.wait_for("▊  sofia")
        term.press("enter")
        focus_below(term, "Supervisor PIN")
        term.press(*PINS["sofia"])
        term.wait_for("▊  ••••")
        term.press("enter")
        focus_below(term, "Note (optional)")
        term.press("enter")  # Enter on the last box commits
        term.wait_for("Step 3 of 3: Summary")
        term.wait_for("Supervisor approval: approved by Sofia Almeida")

        term.kill(signal.SIGKILL)
        assert term.exit_code() == -signal.SIGKILL

    recorded = steps(url, ticket)
    assert list(recorded) == ["transaction", "origin", "approval"]
    assert recorded["transaction"][0] == "done" and '"amount": "6000.00"' in recorded["transaction"][1]
    assert '"type": "withdrawal"' in recorded["transaction"][1]
    assert recorded["origin"][0] == "skipped"
    assert recorded["approval"][0::2] == ("approved", "sofia")

    with Terminal(deskapp(url), cwd=str(tmp_path), cols=120, rows=40) as term:
        log_in(term)
        term.wait_for("Step 3 of 3: Summary")  # the guide opens by itself, at the step left
        for shown in ("Cash deposit or withdrawal · A001", "Amount: 6000.00; Currency: EUR",
                      "Supervisor approval: approved by Sofia Almeida"):
            term.wait_for(shown)  # (a screen may be caught half painted: wait for each part)
        term.press("ctrl+n")
        term.wait_for("No ticket in hand")
        term.press("ctrl+q")
        assert term.exit_code(timeout=10) == 0

    database.connect(url)
    try:
        assert Ticket.get_by_id(ticket).status == q.DONE
    finally:
        database.close()
    assert list(steps(url, ticket)) == ["transaction", "origin", "approval", "summary"]
