"""`deskapp queue ...` and `deskapp estimate` as scripts use them: the installed CLI in a subprocess.

The contract in DESIGN.md "Command line": with --json, stdout is one JSON document and nothing else,
in the documented shape; errors are one line on stderr, exit 2 for bad input and 1 for a refused
action, never a traceback.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deskapp.core.security import auth
from deskapp.db import database

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.yaml"
ISSUED = {"id", "ticket", "service", "priority", "position", "estimated_wait_minutes", "estimated_wait_range"}
CALLED = {"id", "ticket", "service", "counter"}
HELD = {"id", "ticket", "service", "priority", "status", "counter", "customer_id", "recall_count", "parent"}


# The PINs the `cli` fixture gives these staff members; a command acting in someone's name passes it.
PINS = {"ana": "2580", "joao": "3691", "sofia": "8642", "rita": "2468"}


def deskapp(db_url: str | None, *args: str, cwd: Path, input: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DESKAPP_CONFIG", "DESKAPP_DATABASE_URL")}
    command = [sys.executable, "-m", "deskapp", "--config", str(CONFIG)]
    if db_url:
        command += ["--db", db_url]
    return subprocess.run(command + list(args), capture_output=True, text=True, timeout=120, env=env, cwd=cwd,
                          input=input)


def ok_json(result: subprocess.CompletedProcess):
    """The one JSON document on stdout of a successful command."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1, result.stdout
    return json.loads(result.stdout)


def failed(result: subprocess.CompletedProcess, code: int) -> str:
    """The one-line message of a failed command."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("deskapp: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.strip()


@pytest.fixture
def cli(ctx, db_url, tmp_path):
    """Runs deskapp on the test's database, whose staff have PINS. A command given `--staff LOGIN` or
    `--by LOGIN` gets `--pin-stdin` and that login's PIN on standard input, as a script passes it
    (an unknown login gets a PIN that matches nothing)."""
    for login, pin in PINS.items():
        auth.set_pin(ctx, login, pin)
    database.close()

    def run(*args: str) -> subprocess.CompletedProcess:
        actor = next((args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--staff", "--by")), None)
        if actor is None:
            return deskapp(db_url, *args, cwd=tmp_path)
        return deskapp(db_url, *args, "--pin-stdin", cwd=tmp_path, input=PINS.get(actor, "9753") + "\n")

    return run


def test_a_ticket_from_issue_to_done(cli) -> None:
    issued = ok_json(cli("queue", "issue", "--service", "cash", "--json"))
    assert set(issued) == ISSUED
    assert issued == {"id": issued["id"], "ticket": "A001", "service": "CASH", "priority": "normal", "position": 1,
                      "estimated_wait_minutes": None, "estimated_wait_range": None}  # no counter open yet: no estimate
    second = ok_json(cli("queue", "issue", "--service", "CASH", "--priority", "priority", "--json"))
    assert (second["ticket"], second["priority"], second["position"]) == ("A002", "priority", 1)

    called = ok_json(cli("queue", "call-next", "--counter", "1", "--staff", "ana", "--json"))
    assert called == {"id": second["id"], "ticket": "A002", "service": "CASH", "counter": "1"}

    started = ok_json(cli("queue", "start", "--counter", "1", "--json"))
    assert set(started) == HELD
    assert (started["ticket"], started["status"], started["counter"], started["parent"]) == ("A002", "serving", "1",
                                                                                             None)
    # CASH has a guided workflow nobody went through: a script may not skip it silently.
    assert failed(cli("queue", "complete", "--counter", "1", "--json"), 1) == (
        "deskapp: A002 has guided steps left: finish them at the desk, or complete with --abandon-workflow REASON "
        "to abandon them (recorded and audited).")
    assert failed(cli("queue", "complete", "--counter", "1", "--abandon-workflow", "  ", "--json"), 1) == (
        "deskapp: --abandon-workflow: say why the workflow is abandoned.")
    done = ok_json(cli("queue", "complete", "--counter", "1", "--abandon-workflow", "system down", "--json"))
    assert (done["id"], done["status"]) == (second["id"], "done")

    # Counter 1 is open now, idle: the next ticket has A001 ahead of it, one service of about 4 minutes
    # (with the desk's call and turnaround: more). Whole minutes, rounded up; the range around the point.
    third = ok_json(cli("queue", "issue", "--service", "CASH", "--json"))
    assert (third["ticket"], third["position"]) == ("A003", 2)
    low, high = third["estimated_wait_range"]
    assert 1 <= low <= third["estimated_wait_minutes"] <= high and low < high
    assert 4 <= third["estimated_wait_minutes"] <= 8

    status = ok_json(cli("queue", "status", "--json"))
    assert set(status) == {"services", "counters"}
    cash = next(s for s in status["services"] if s["service"] == "CASH")
    assert (cash["waiting"], cash["open_counters"]) == (2, 1)
    counter = next(c for c in status["counters"] if c["counter"] == "1")
    assert (counter["state"], counter["staff"], counter["ticket"], counter["services"]) == ("open", "ana", None,
                                                                                           ["CASH", "INFO"])

    assert ok_json(cli("queue", "close-day", "--json")) == {"removed": 2}
    assert ok_json(cli("queue", "call-next", "--counter", "1", "--staff", "ana", "--json")) == {"ticket": None}


def test_call_next_with_nobody_waiting_is_null_and_exit_zero(cli) -> None:
    result = cli("queue", "call-next", "--counter", "2", "--staff", "joao", "--json")
    assert ok_json(result) == {"ticket": None}
    status = ok_json(cli("queue", "status", "--json"))
    assert next(c for c in status["counters"] if c["counter"] == "2")["state"] == "open"


def test_bad_input_is_exit_two_with_one_line(cli) -> None:
    message = failed(cli("queue", "issue", "--service", "NOPE", "--json"), 2)
    assert message.startswith("deskapp: There is no service 'NOPE'. Services: CASH, ")
    assert failed(cli("queue", "issue", "--service", "CASH", "--priority", "vip"), 2).startswith(
        "deskapp: There is no priority class 'vip'.")
    assert failed(cli("queue", "start", "--counter", "99", "--json"), 2) == "deskapp: There is no counter '99'."
    # Acting in a name proves it first: an unknown login is a wrong login or PIN (exit 1), nothing more.
    assert failed(cli("queue", "call-next", "--counter", "1", "--staff", "nobody"), 1) == (
        "deskapp: Wrong login or PIN.")


def test_refused_actions_are_exit_one_with_one_line(cli) -> None:
    assert failed(cli("queue", "start", "--counter", "1", "--json"), 1) == (
        "deskapp: Counter 1 holds no ticket; call the next one first.")
    assert failed(cli("queue", "call-next", "--counter", "1", "--staff", "rita", "--json"), 1) == (
        "deskapp: Only a teller or a supervisor may serve at a counter; Rita Marques is a greeter.")
    ok_json(cli("queue", "issue", "--service", "CASH", "--json"))
    ok_json(cli("queue", "call-next", "--counter", "1", "--staff", "ana", "--json"))
    assert failed(cli("queue", "complete", "--counter", "1", "--json"), 1) == (
        "deskapp: A001 has been called at Counter 1.")
    assert failed(cli("queue", "call-next", "--counter", "1", "--staff", "ana", "--json"), 1) == (
        "deskapp: Counter 1 already holds A001; complete, requeue or mark it a no-show first.")


def test_requeue_and_transfer_from_the_command_line(cli) -> None:
    ok_json(cli("queue", "issue", "--service", "CASH", "--json"))
    ok_json(cli("queue", "call-next", "--counter", "1", "--staff", "ana", "--json"))
    assert ok_json(cli("queue", "requeue", "--counter", "1", "--front", "--json"))["status"] == "waiting"
    ok_json(cli("queue", "call-next", "--counter", "1", "--staff", "ana", "--json"))
    ok_json(cli("queue", "start", "--counter", "1", "--json"))
    moved = ok_json(cli("queue", "transfer", "--counter", "1", "--to", "CARD", "--json"))
    assert (moved["ticket"], moved["service"], moved["status"], moved["parent"]) == ("C001", "CARD", "waiting", "A001")


def test_text_output_without_json(cli) -> None:
    result = cli("queue", "issue", "--service", "CASH")
    assert result.returncode == 0 and result.stderr == ""
    # The service's name in the reader's language (English here), from the configuration; the database keeps
    # the branch's own (config.yaml: Lisboa Avenida speaks pt-PT first).
    assert result.stdout.startswith("A001  Cash deposit and withdrawal  position 1, expected wait no counter open")


def test_estimate_erlang_c(tmp_path) -> None:
    result = deskapp(None, "estimate", "--counters", "14", "--arrivals-per-hour", "200", "--service-minutes", "3",
                     "--target-minutes", "0.3333333", "--json", cwd=tmp_path)
    data = ok_json(result)
    assert {"traffic_erlangs", "p_wait", "avg_wait_minutes", "service_level", "occupancy"} <= set(data)
    assert data["traffic_erlangs"] == pytest.approx(10.0)
    assert round(data["p_wait"], 4) == 0.1741
    assert round(data["service_level"], 4) == 0.8884
    assert data["occupancy"] == pytest.approx(10 / 14)


def test_complete_abandoning_the_workflow_is_recorded_and_audited(cli, db_url) -> None:
    ok_json(cli("queue", "issue", "--service", "CASH", "--json"))
    ok_json(cli("queue", "call-next", "--counter", "1", "--staff", "ana", "--json"))
    ok_json(cli("queue", "start", "--counter", "1", "--json"))
    assert ok_json(cli("queue", "complete", "--counter", "1", "--abandon-workflow", "system down", "--staff", "ana",
                       "--json"))["status"] == "done"

    from deskapp.db import database
    from deskapp.db.models import AuditEvent, StepRecord, Ticket

    database.connect(db_url)
    try:
        ticket = Ticket.get(Ticket.number == "A001")
        abandoned = [r for r in StepRecord.select().where(StepRecord.ticket == ticket) if r.outcome == "abandoned"]
        assert len(abandoned) == 1 and "system down" in abandoned[0].values
        event = AuditEvent.get(AuditEvent.action == "workflow_abandoned")
        assert (event.staff, event.entity, event.entity_id) == ("ana", "ticket", "A001")
    finally:
        database.close()


def test_move_never_lets_the_printed_number_be_issued_again(cli, db_url) -> None:
    """Issue 14, finding 7, from a script: C001 moved to CASH, and the next Cards ticket was C001 again."""
    printed = ok_json(cli("queue", "issue", "--service", "CARD", "--json"))
    ok_json(cli("queue", "issue", "--service", "CASH", "--json"))  # A001
    moved = ok_json(cli("queue", "move", "c001", "--to", "cash", "--by", "sofia", "--json"))
    assert moved == {"id": printed["id"], "ticket": "A002", "service": "CASH", "status": "waiting", "was": "C001"}
    assert ok_json(cli("queue", "issue", "--service", "CARD", "--json"))["ticket"] == "C002"
    text = cli("queue", "move", "A002", "--to", "INFO", "--by", "sofia")
    # The service in the reader's language (English here), whatever language the database keeps it in.
    assert (text.returncode, text.stdout, text.stderr) == (0, "E001 (was C001) waits in General enquiries.\n", "")

    assert failed(cli("queue", "move", "C001", "--to", "CARD", "--by", "ana"), 1) == (
        "deskapp: Only a supervisor may move a waiting ticket; Ana Costa is a teller.")
    assert failed(cli("queue", "move", "C009", "--to", "CARD", "--by", "sofia", "--json"), 2) == (
        "deskapp: There is no ticket C009 today.")
    assert failed(cli("queue", "move", "C001", "--to", "NOPE", "--by", "sofia"), 2).startswith(
        "deskapp: There is no service 'NOPE'.")
    assert cli("queue", "check").returncode == 0

    # What the numbering did before: a second C001 the same day. `queue check` names it.
    from deskapp.db import database
    from deskapp.db.models import Service, Ticket, TicketEvent

    database.connect(db_url)
    try:
        card = Service.get(Service.code == "CARD")
        first = Ticket.get_by_id(printed["id"])
        second = Ticket.create(branch=first.branch_id, service=card, day=first.day, seq=3, number="C001",
                               priority="normal", issued_at=first.issued_at, queued_at=first.issued_at)
        TicketEvent.create(ticket=second.id, kind="issued", at=first.issued_at)
    finally:
        database.close()
    check = cli("queue", "check")
    assert (check.returncode, check.stderr) == (1, "")
    assert check.stdout == (f"number C001 issued twice on {first.day}: tickets {printed['id']}, {second.id} "
                            "(a printed number is one customer's for the whole day)\n")
