"""Issue 17: two desks booking the last slot, one wins. Eight OS processes, each its own context on one
database (SQLite file and PostgreSQL), released together at a barrier, book the last seat of an hour:
exactly one gets it, the other seven are told the slot is full (SlotFull), none sees another error.
Then eight book the same named staff member at the same time in different hours' seats: one wins."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from deskapp.config.load import load_config
from deskapp.core import appointments as ap
from deskapp.core.clock import FixedClock
from deskapp.core.customers import directory, edit
from deskapp.core.customers.rules import CustomerDraft
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import Appointment
from tests.conftest import CONFIG

T0 = "2026-03-10T10:00:00"
DESKS = 8

WORKER = """
import datetime as dt, json, os, sys, time, traceback
from deskapp.config.load import load_config
from deskapp.core import appointments as ap
from deskapp.core.clock import FixedClock
from deskapp.core.startup import open_context

config_path, url, customer, service, at, named, barrier = sys.argv[1:]
ctx = open_context(load_config(config_path), url, FixedClock(dt.datetime.fromisoformat(%(t0)r)))
while not os.path.exists(barrier):
    time.sleep(0.002)
try:
    booked = ap.book(ctx, customer, service, at, by="rita", named=named or None)
    print(json.dumps({"code": booked.code, "full": None, "error": None}))
except ap.SlotFull as exc:
    print(json.dumps({"code": None, "full": str(exc), "error": None}))
except Exception:
    print(json.dumps({"code": None, "full": None, "error": traceback.format_exc()}))
    sys.exit(3)
""" % {"t0": T0}


def race(tmp_path: Path, url: str, jobs: list[tuple[str, str, str, str]]) -> list[dict]:
    barrier = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(CONFIG), url, *job, str(barrier)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for job in jobs]
    time.sleep(1.5)  # let them connect (they wait at the barrier either way)
    barrier.touch()
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert "database is locked" not in out + err
        assert proc.returncode == 0, f"exit {proc.returncode}\nstdout: {out}\nstderr: {err}"
        report = json.loads(out.strip().splitlines()[-1])
        assert report["error"] is None, report["error"]
        reports.append(report)
    return reports


def _setup(db_url: str) -> tuple[str, list[str]]:
    ctx = open_context(load_config(CONFIG), db_url, FixedClock(dt.datetime.fromisoformat(T0)))
    boss = directory.session_for("sofia")
    numbers = [edit.create(ctx, boss, CustomerDraft(name=f"Cliente {i}"), force=True).number for i in range(DESKS)]
    first = ap.book(ctx, numbers[0], "LOAN", "2026-03-10T11:00", by="rita").code  # capacity 2: one seat left
    database.close()
    return first, numbers


def test_eight_desks_booking_the_last_seat_exactly_one_wins(tmp_path, db_url) -> None:
    first, numbers = _setup(db_url)
    reports = race(tmp_path, db_url, [(n, "LOAN", "2026-03-10T11:30", "") for n in numbers])
    won = [r["code"] for r in reports if r["code"]]
    assert len(won) == 1, reports
    assert all("fully booked" in r["full"] or "kept taking" in r["full"] for r in reports if not r["code"])
    database.connect(db_url)
    assert sorted(a.code for a in Appointment.select().where(Appointment.status == "booked")) == sorted([first, *won])
    assert sorted(a.seat for a in Appointment.select()) == [0, 1]


def test_eight_desks_booking_one_staff_member_at_once_exactly_one_wins(tmp_path, db_url) -> None:
    _first, numbers = _setup(db_url)
    services = ["ACCT", "CARD", "INFO", "LOAN"] * 2  # different services' seats: only ana's time is shared
    reports = race(tmp_path, db_url, [(n, s, "2026-03-10T13:00", "ana") for n, s in zip(numbers, services)])
    won = [r["code"] for r in reports if r["code"]]
    assert len(won) == 1, reports
    database.connect(db_url)
    assert Appointment.select().where(Appointment.staff.is_null(False)).count() == 1
