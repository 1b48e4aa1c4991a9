"""A branch of desk processes for the fault suite: its configuration, starting and reading them.

Each process runs tests/reliability/desk.py (forked by the Zygote) and appends what it did to a
log of its own; the tests compare those logs with the database and run the invariant checker
(deskapp.core.integrity).
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests import branch_config

DESK = Path(__file__).with_name("desk.py")
ROOT = Path(__file__).resolve().parents[2]

# Every event kind a desk's own action writes, by the name desk.py logs the action under.
EVENT_OF = {"call": "called", "recall": "recalled", "start": "started", "complete": "completed",
            "no_show": "no_show", "requeue": "requeued", "cancel": "cancelled", "transfer": "transferred"}


def write_config(folder: Path, desks: int) -> Path:
    """The fault suite's branch: CASH and ACC at every counter, five-digit numbers, two recalls."""
    return branch_config.write(folder, desks, services=("CASH", "ACC"), number_width=5, recall_limit=2)


def wait_ready(proc: Forked, timeout: float = 60.0) -> dict:
    """Block until the process logged that it is connected; its first log entry."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.log.exists():
            entries = proc.entries()
            if entries:
                return entries[0]
        ended = proc.exited()
        if ended is not None:
            raise AssertionError(f"{proc.role} {proc.counter} ended: {ended}")
        time.sleep(0.02)
    raise AssertionError(f"{proc.role} {proc.counter} did not get ready in {timeout} s")


@dataclass
class Forked:
    """A desk forked by the Zygote: a process of its own, killed and waited for by pid."""

    role: str
    counter: str
    log: Path
    errors: Path
    pid: int

    def entries(self) -> list[dict]:
        """The logged actions; a last line cut short by SIGKILL is left out."""
        out = []
        for line in self.log.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out

    def alive(self) -> bool:
        import os

        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def exited(self) -> str | None:
        """Why the process ended (its stderr), or None while it runs."""
        return None if self.alive() else f"ended: {self.errors.read_text() if self.errors.exists() else ''}"

    def kill(self) -> None:
        import os
        import signal

        os.kill(self.pid, signal.SIGKILL)

    def wait_gone(self, timeout: float = 30.0) -> None:
        import time

        deadline = time.monotonic() + timeout
        while self.alive():
            assert time.monotonic() < deadline, f"process {self.pid} did not end"
            time.sleep(0.01)


class Zygote:
    """One process that imported deskapp once and forks desks from it (see desk.py `zygote`)."""

    def __init__(self) -> None:
        self.popen = subprocess.Popen([sys.executable, str(DESK), "zygote"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, cwd=ROOT)

    def start(self, folder: Path, config: Path, url: str, role: str, counter: str, seconds: float,
              seed: int) -> Forked:
        log = folder / f"{role}-{counter}-{seed}.log"
        errors = log.with_suffix(".err")
        staff = f"teller{counter}" if role == "desk" else "-"
        argv = [str(config), url, role, counter, staff, str(seconds), str(seed), str(log)]
        self.popen.stdin.write(json.dumps([str(errors), *argv]) + "\n")
        self.popen.stdin.flush()
        return Forked(role, counter, log, errors, int(self.popen.stdout.readline()))

    def close(self) -> None:
        self.popen.stdin.close()
        self.popen.wait(timeout=30)
