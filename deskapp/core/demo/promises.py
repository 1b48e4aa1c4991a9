"""The demo's promised waits: each ticket of the simulated history is promised what the app promises
(core.queue.issue through waits.estimate_ticket), with the estimator's history figures from a cache.

The history figures (arrival rates of the hour before, desk timings and walk-away patience over the
latest 600 tickets, each service's time model) are measured over days and hundreds of tickets, and
barely move in a few simulated minutes, while the demo asks for thousands of estimates in a few
simulated hours. RecentHistory keeps them for `minutes` of the simulated clock within one day; the live
floor (open counters, what they hold, every waiting ticket) is read for each estimate as always.
tests/unit/test_demo_waits.py compares the promises with the estimator's own. The app never uses it:
its estimates read the figures every time (waits.history_figures).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from deskapp.core.clock import local_day
from deskapp.core.context import Context
from deskapp.core.queue import waits


@dataclass
class RecentHistory:
    """A waits.HistorySource that reads the figures (waits.history_figures) at most once every
    `minutes` of the clock on the same branch-local day, for the same services, and hands back the
    same figures until then. `reads` counts the reads (what the cache saved shows beside the estimates)."""

    minutes: float
    at: dt.datetime | None = None
    day: dt.date | None = None  # the branch-local day of `at`
    figures: waits.HistoryFigures | None = None
    reads: int = 0

    def __call__(self, ctx: Context, now: dt.datetime, services: list) -> waits.HistoryFigures:
        if (self.figures is not None and self.at is not None
                and self.at <= now < self.at + dt.timedelta(minutes=self.minutes)
                and self.day == local_day(now, ctx.timezone)
                and set(self.figures.models) == {s.id for s in services}):
            return self.figures
        self.at, self.day = now, local_day(now, ctx.timezone)
        self.figures = waits.history_figures(ctx, now, services)
        self.reads += 1
        return self.figures
