"""Crash: fifty times a desk process is killed (SIGKILL) at a random moment of its work.

Rounds of five desks and a kiosk run side by side; each desk is killed at its own random moment
after it started working (one desk a round only once it holds a ticket on purpose), the kiosk at the end of the round. After every round the invariant
checker must find nothing, and in the next round each restarted desk must resume exactly the
ticket its counter held when it died (core `held_by`) and go on with that ticket.
"""
from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core.clock import FixedClock
from deskapp.core.startup import open_context
from deskapp.core.stats.integrity import check
from deskapp.db import database
from tests.reliability import fleet
from tests.reliability.desk import T0

DESKS, ROUNDS = 5, 10  # 50 kills


@pytest.mark.slow
def test_fifty_desk_kills_lose_nothing_and_desks_resume(tmp_path, db_url) -> None:
    rng = random.Random(20260310)
    config = fleet.write_config(tmp_path, DESKS)
    ctx = open_context(load_config(config), db_url, FixedClock(T0))
    for i in range(40):
        q.issue(ctx, "CASH" if i % 3 else "ACC", with_estimate=False)
    database.close()

    held: dict[str, int | None] = {str(i): None for i in range(1, DESKS + 1)}
    kills = resumed = 0
    zygote = fleet.Zygote()
    try:
        for round_no in range(ROUNDS):
            desks = [zygote.start(tmp_path, config, db_url, "desk", c, 600, seed=round_no * 10 + int(c))
                     for c in held]
            kiosk = zygote.start(tmp_path, config, db_url, "issuer", f"k{round_no}", 600, seed=round_no)
            for desk in desks:
                ready = fleet.wait_ready(desk)
                assert ready["ticket"] == held[desk.counter], (
                    f"round {round_no}: desk {desk.counter} resumed {ready['ticket']}, its counter held "
                    f"{held[desk.counter]}")
                resumed += ready["ticket"] is not None
            fleet.wait_ready(kiosk)
            # Random moments alone left a counter holding a ticket at the kill only 4 times in 50 on
            # a loaded machine; one desk a round is killed while it surely holds one.
            holder = desks[round_no % DESKS]
            Path(f"{holder.log}.hold").touch()
            wait_holding(holder)
            kills += kill_at_random_moments(desks, kiosk, rng)
            database.connect(db_url)
            try:
                problems = check(ctx.branch_id)
                assert problems == [], f"after round {round_no}: {problems}"
                for counter in held:
                    now = q.held_by(ctx, counter)
                    held[counter] = now.id if now else None
            finally:
                database.close()
            for desk in desks:
                entries = desk.entries()
                first_action = next((e for e in entries[1:]), None)
                if entries[0]["ticket"] is not None and first_action is not None:
                    assert first_action["ticket"] == entries[0]["ticket"], "a resumed desk goes on with its ticket"
    finally:
        zygote.close()
    assert kills == DESKS * ROUNDS
    assert resumed >= ROUNDS - 1, "every round after the first resumes at least the ticket held on purpose"


def wait_holding(desk, timeout: float = 60.0) -> None:
    """Block until the desk logged that it keeps its ticket (it needs one called first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(e["op"] == "holding" for e in desk.entries()):
            return
        assert desk.exited() is None, f"desk {desk.counter} ended: {desk.exited()}"
        time.sleep(0.02)
    raise AssertionError(f"desk {desk.counter} did not hold a ticket within {timeout} s")


def kill_at_random_moments(desks, kiosk, rng) -> int:
    """SIGKILL each desk at its own moment within 1.5 s, then the kiosk; wait until all are gone."""
    moments = sorted((rng.uniform(0.05, 1.5), i) for i in range(len(desks)))
    began = time.monotonic()
    for moment, i in moments:
        time.sleep(max(0.0, began + moment - time.monotonic()))
        assert desks[i].exited() is None, f"desk {desks[i].counter} died by itself: {desks[i].exited()}"
        desks[i].kill()
    assert kiosk.exited() is None, f"the kiosk died by itself: {kiosk.exited()}"
    kiosk.kill()
    for proc in (*desks, kiosk):
        proc.wait_gone()
    return len(desks)
