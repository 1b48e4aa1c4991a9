"""The demo's history tickets keep the promise the live estimator would have made.

The demo passes the estimator a cache of its history figures (rates, desk timings, service times),
read at most every few simulated minutes (demo.promises.RecentHistory), instead of reading them again
for each of its thousands of tickets; the live floor is read each time. Here every ticket is also
estimated the app's way (no cache), at the same moment (demo.history's on_issue), and both are
compared, with each other and with the real waits.
"""
from __future__ import annotations

import datetime as dt
import statistics

from deskapp.core.clock import FixedClock
from deskapp.core.demo import branch as demo
from deskapp.core.queue import waits
from deskapp.core.startup import open_context
from deskapp.db import database
from deskapp.db.models import Ticket

NOW = dt.datetime(2026, 3, 11, 16, 0)  # a Wednesday after closing: two full days of history


def test_demo_promises_match_the_live_estimator(config, tmp_path):
    ctx = open_context(config, f"sqlite:///{tmp_path / 'demo.db'}", FixedClock(NOW))
    fresh: dict[int, float | None] = {}

    def estimate_as_the_app_does(ticket_id: int) -> None:
        fresh[ticket_id] = waits.estimate_ticket(ctx, ticket_id).minutes

    demo.history(ctx, days=1, seed=7, on_issue=estimate_as_the_app_does)
    rows = list(Ticket.select(Ticket.id, Ticket.estimated_wait_minutes, Ticket.issued_at, Ticket.called_at)
                .where(Ticket.channel != "transfer").tuples())
    assert len(rows) == len(fresh) > 100
    stored = {tid: minutes for tid, minutes, _, _ in rows}
    # The same tickets are promised a wait (whether a counter serves the service is read live).
    assert {t for t, m in stored.items() if m is not None} == {t for t, m in fresh.items() if m is not None}
    both = [(stored[t], fresh[t]) for t in fresh if fresh[t] is not None]
    same = sum(1 for a, b in both if a == b)
    gaps = sorted(abs(a - b) / max(b, 1.0) for a, b in both)
    print(f"{len(both)} promises, {same} identical, relative gap median {statistics.median(gaps):.3f} "
          f"p90 {gaps[int(0.9 * len(gaps))]:.3f} max {gaps[-1]:.3f}")
    assert same >= 0.1 * len(both)  # those issued when the figures were just read
    assert statistics.median(gaps) <= 0.05 and gaps[int(0.9 * len(gaps))] <= 0.15
    # Against the waits the called customers had, both are as good (as biased, as far off).
    real = [((called - issued).total_seconds() / 60, stored[t], fresh[t]) for t, _, issued, called in rows
            if called is not None and fresh[t] is not None]
    error_stored = statistics.mean(abs(s - w) for w, s, _ in real)
    error_fresh = statistics.mean(abs(f - w) for w, _, f in real)
    bias_stored = statistics.mean(s - w for w, s, _ in real)
    bias_fresh = statistics.mean(f - w for w, _, f in real)
    print(f"mean abs error {error_stored:.2f} / {error_fresh:.2f} min, bias {bias_stored:.2f} / {bias_fresh:.2f} min")
    assert abs(error_stored - error_fresh) <= 0.1 * error_fresh + 0.2
    assert abs(bias_stored - bias_fresh) <= 0.1 * abs(bias_fresh) + 0.2
    database.close()
