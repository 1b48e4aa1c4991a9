"""Issue 14, findings 2 and 3 on the command line: a command acting in a staff member's name proves it
with that person's PIN (hidden prompt, or --pin-stdin), counted toward the same lockout as at a desk,
with the role checked in core and the channel `cli` in the audit."""
from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner

from deskapp.cli import main
from deskapp.core.security import auth
from deskapp.db.models import AuditEvent, Counter, Staff, Ticket
from tests.conftest import CONFIG

PINS = {"ana": "2580", "sofia": "8642", "pedro": "1357", "mehmet": "3691"}
WRONG = "9753"


@pytest.fixture
def staff_pins(ctx):
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)
    return PINS


def run(db_url, *args, input=None):
    return CliRunner().invoke(main, ["--config", str(CONFIG), "--db", db_url, *args], input=input,
                              catch_exceptions=False)


def refused(result, code=1) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output, result.stderr
    return result.stderr.strip()


def audit_actions(staff: str | None = None) -> list[tuple[str | None, str, str]]:
    query = AuditEvent.select().order_by(AuditEvent.id)
    if staff is not None:
        query = query.where(AuditEvent.staff == staff)
    return [(e.staff, e.action, e.entity_id) for e in query]


def lock(ctx, login: str) -> None:
    for _ in range(ctx.config.security.lockout_attempts):
        with pytest.raises(auth.AuthError):
            auth.login(ctx, login, WRONG)
    assert Staff.get(Staff.login == login).locked_until is not None


def test_unlock_needs_a_supervisor_proven_by_pin(ctx, db_url, staff_pins):
    lock(ctx, "mehmet")
    unlock = ("staff", "unlock", "mehmet", "--pin-stdin")
    assert refused(run(db_url, *unlock, "--by", "nobody", input=f"{WRONG}\n")) == "deskapp: Wrong login or PIN."
    assert refused(run(db_url, *unlock, "--by", "sofia", input=f"{WRONG}\n")) == "deskapp: Wrong login or PIN."
    assert refused(run(db_url, *unlock, "--by", "sofia"), 2).startswith("deskapp: --pin-stdin: no PIN for sofia")
    # A teller with her own right PIN is who she says, and still may not unlock.
    assert refused(run(db_url, *unlock, "--by", "ana", input="2580\n")) == (
        "deskapp: Only a supervisor may unlock a staff account; Ana Costa is a teller.")
    assert Staff.get(Staff.login == "mehmet").locked_until is not None

    done = run(db_url, *unlock, "--by", "sofia", input="8642\n")
    assert (done.exit_code, done.stdout) == (0, "mehmet unlocked.\n")
    assert Staff.get(Staff.login == "mehmet").locked_until is None
    assert audit_actions("sofia")[-3:] == [("sofia", "cli_failed", "sofia"), ("sofia", "cli", "sofia"),
                                           ("sofia", "unlock", "mehmet")]


def test_unlock_asks_the_pin_hidden_without_pin_stdin(ctx, db_url, staff_pins):
    lock(ctx, "mehmet")
    done = run(db_url, "staff", "unlock", "mehmet", "--by", "sofia", input="8642\n")
    assert done.exit_code == 0 and "8642" not in done.output  # hidden: never echoed
    assert "PIN for sofia" in done.output
    assert refused(run(db_url, "staff", "unlock", "mehmet", "--by", "sofia", input=""), 2).startswith(
        "deskapp: no PIN for sofia given")


def test_set_pin_first_needs_nothing_replacing_needs_the_pin_or_a_supervisor(ctx, db_url, staff_pins):
    # joao has no PIN yet: whoever holds the database sets the first one, audited under nobody's name.
    first = run(db_url, "staff", "set-pin", "joao", "--pin-stdin", input="4826\n")
    assert (first.exit_code, first.stdout) == (0, "PIN set for joao.\n")
    assert auth.login(ctx, "joao", "4826").login == "joao"
    event = AuditEvent.select().where(AuditEvent.action == "pin_set").order_by(AuditEvent.id.desc()).get()
    assert (event.staff, event.entity_id, event.detail) == (None, "joao", "first PIN, command line")

    # sofia has one: the new PIN alone is refused, and so is a wrong current PIN.
    before = Staff.get(Staff.login == "sofia").pin_hash
    assert refused(run(db_url, "staff", "set-pin", "sofia", "--pin-stdin", input="4826\n"), 2).startswith(
        "deskapp: --pin-stdin: no PIN for sofia")
    assert refused(run(db_url, "staff", "set-pin", "sofia", "--pin-stdin", input=f"4826\n{WRONG}\n")) == (
        "deskapp: Wrong login or PIN.")
    assert refused(run(db_url, "staff", "set-pin", "sofia", "--by", "ana", "--pin-stdin", input="4826\n2580\n")) == (
        "deskapp: Only a supervisor may replace sofia's PIN; Ana Costa is a teller.")
    assert Staff.get(Staff.login == "sofia").pin_hash == before

    # Her own current PIN, or a supervisor's.
    assert run(db_url, "staff", "set-pin", "sofia", "--pin-stdin", input="4826\n8642\n").exit_code == 0
    assert auth.login(ctx, "sofia", "4826").login == "sofia"
    assert run(db_url, "staff", "set-pin", "ana", "--by", "sofia", "--pin-stdin", input="6173\n4826\n").exit_code == 0
    assert auth.login(ctx, "ana", "6173").login == "ana"
    replaced = [(e.staff, e.entity_id, e.detail) for e in
                AuditEvent.select().where(AuditEvent.action == "pin_set").order_by(AuditEvent.id)][-2:]
    assert replaced == [("sofia", "sofia", "command line"), ("sofia", "ana", "command line")]


def test_export_reveal_needs_the_pin(ctx, db_url, staff_pins, tmp_path):
    out = tmp_path / "out.csv"
    reveal = ("customers", "export", "--out", str(out), "--staff", "pedro", "--reveal", "--pin-stdin")
    assert refused(run(db_url, *reveal, input=f"{WRONG}\n")) == "deskapp: Wrong login or PIN."
    assert refused(run(db_url, *reveal), 2).startswith("deskapp: --pin-stdin: no PIN for pedro")
    assert not out.exists()
    assert not AuditEvent.select().where(AuditEvent.action == "customer_export").exists()
    assert run(db_url, *reveal, input="1357\n").exit_code == 0
    assert [e.detail for e in AuditEvent.select().where(AuditEvent.action == "customer_export")] == [
        "rows=0 revealed=yes"]


def test_queue_commands_act_only_with_the_pin(ctx, db_url, staff_pins):
    assert run(db_url, "queue", "issue", "--service", "CARD").exit_code == 0  # today by the real clock
    call = ("queue", "call-next", "--counter", "1", "--staff", "ana", "--pin-stdin")
    assert refused(run(db_url, *call, input=f"{WRONG}\n")) == "deskapp: Wrong login or PIN."
    assert Counter.get(Counter.code == "1").staff_id is None  # not opened in ana's name
    move = ("queue", "move", "C001", "--to", "CASH", "--by", "sofia", "--pin-stdin")
    assert refused(run(db_url, *move, input=f"{WRONG}\n")) == "deskapp: Wrong login or PIN."
    assert Ticket.get(Ticket.number == "C001").service.code == "CARD"
    assert run(db_url, *move, input="8642\n").exit_code == 0
    assert run(db_url, *call, input="2580\n").exit_code == 0
    assert ("ana", "cli", "ana") in audit_actions("ana")


def test_twenty_parallel_wrong_pins_lock_after_exactly_the_configured_number(ctx, db_url, staff_pins, tmp_path):
    attempts = ctx.config.security.lockout_attempts
    env = {k: v for k, v in os.environ.items() if k not in ("DESKAPP_CONFIG", "DESKAPP_DATABASE_URL")}
    command = [sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", db_url,
               "queue", "call-next", "--counter", "1", "--staff", "ana", "--pin-stdin"]

    def attempt(_):
        return subprocess.run(command, input=f"{WRONG}\n", capture_output=True, text=True, timeout=300, env=env,
                              cwd=tmp_path)

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(attempt, range(20)))
    assert all(r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr for r in results), [
        r.stderr for r in results]
    assert sum("locked" in r.stderr for r in results) == 20 - attempts + 1, sorted({r.stderr for r in results})  # the last wrong PIN, then refusals

    ana = Staff.get(Staff.login == "ana")
    assert ana.failed_attempts == attempts and ana.locked_until is not None
    actions = [action for _, action, _ in audit_actions("ana")]
    assert actions.count("cli_failed") == attempts  # each wrong PIN counted once
    assert actions.count("lock") == 1
    assert actions.count("cli_refused") == 20 - attempts  # the rest met the lock
    with pytest.raises(auth.AuthError, match="locked"):
        auth.login(ctx, "ana", "2580")
