"""A SQLite database that cannot be written: a full disk and a read-only file, while desks work.

A full disk is the desk process's file-size limit set to nothing (RLIMIT_FSIZE: every write that
would grow a file fails, as on a full disk; a loop device is not available here); read-only is
chmod on the file and its folder, with the desk process stripped of root's right to ignore file
permissions (the tests run as root). Each time: one clear line and exit code 1 from the CLI, a
notification and no traceback in the real terminal app, PRAGMA integrity_check ok, and the
next action after space or permission returns works without a restart.
"""
from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import sys
from pathlib import Path

from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core.security import auth
from deskapp.core.startup import open_context
from deskapp.core.stats.integrity import check
from deskapp.db import database
from deskapp.db.models import Branch, Ticket
from tests.conftest import CONFIG
from tests.e2e.terminal import Terminal
from tests.e2e.test_workflow_crash import PINS, deskapp, log_in

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3


def disk_full() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


def permissions_apply() -> None:
    """Root without the capabilities that let it write read-only files (dropped before exec)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def issue(url: str, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deskapp", "--config", str(CONFIG), "--db", url,
                           "queue", "issue", "--service", "CASH"],
                          capture_output=True, text=True, preexec_fn=preexec, timeout=60)


def prepared(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'db' / 'branch.db'}"
    (tmp_path / "db").mkdir()
    ctx = open_context(load_config(CONFIG), url)
    auth.set_pin(ctx, "ana", PINS["ana"])
    q.issue(ctx, "CASH")
    database.close()
    return url


def sound(url: str) -> list[str]:
    """integrity_check's answer plus the queue invariants' problems: ['ok'] when all is well."""
    database.connect(url)
    try:
        result = [row[0] for row in database.db.execute_sql("PRAGMA integrity_check").fetchall()]
        return result + check(Branch.get().id)
    finally:
        database.close()


def numbers(url: str) -> list[str]:
    database.connect(url)
    try:
        return [t.number for t in Ticket.select().order_by(Ticket.id)]
    finally:
        database.close()


def assert_one_clear_line(done: subprocess.CompletedProcess, words: str) -> None:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("deskapp: ") and words in lines[0], lines[0]


def test_cli_on_a_full_disk_says_so_and_works_once_space_returns(tmp_path) -> None:
    url = prepared(tmp_path)
    assert_one_clear_line(issue(url, preexec=disk_full), "the disk holding the database is full")
    assert sound(url) == ["ok"]
    assert numbers(url) == ["A001"]
    done = issue(url)
    assert done.returncode == 0 and "A002" in done.stdout, done.stderr
    assert sound(url) == ["ok"]


def test_cli_on_a_read_only_database_says_so_and_works_once_writable(tmp_path) -> None:
    url = prepared(tmp_path)
    folder = tmp_path / "db"
    files = [folder / name for name in os.listdir(folder)]
    for path in files:
        path.chmod(0o444)
    folder.chmod(0o555)
    try:
        assert_one_clear_line(issue(url, preexec=permissions_apply), "read-only")
    finally:
        folder.chmod(0o755)
        for path in folder.iterdir():  # SQLite may have made -wal/-shm files read-only like the database
            path.chmod(0o644)
    assert sound(url) == ["ok"]
    done = issue(url, preexec=permissions_apply)
    assert done.returncode == 0 and "A002" in done.stdout, done.stderr
    assert numbers(url) == ["A001", "A002"]


def test_a_running_desk_on_a_full_disk_shows_it_and_recovers(tmp_path) -> None:
    url = prepared(tmp_path)
    argv = deskapp(url)
    with Terminal(argv, cwd=str(tmp_path), cols=130, rows=40) as term:
        log_in(term)  # ana, the way the workflow crash test types it
        term.wait_for("Counter 1 · open · Ana Costa")
        term.wait_for("No ticket in hand")

        hard = resource.prlimit(term.pid, resource.RLIMIT_FSIZE)[1]
        resource.prlimit(term.pid, resource.RLIMIT_FSIZE, (0, hard))  # the disk fills up
        term.press("n")
        term.wait_for("disk holding the database is full")
        assert "Traceback" not in term.screen_text()
        assert "No ticket in hand" in term.screen_text()

        resource.prlimit(term.pid, resource.RLIMIT_FSIZE, (hard, hard))  # space again
        term.press("n")
        term.wait_for("A001")
        term.press("ctrl+q")
        assert term.exit_code(timeout=10) == 0
    assert sound(url) == ["ok"]
    database.connect(url)
    try:
        assert Ticket.get(Ticket.number == "A001").status == "called"
    finally:
        database.close()
