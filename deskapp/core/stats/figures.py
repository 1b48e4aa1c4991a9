"""The figures the supervisor and the reports read, as plain dataclasses, and the pure helpers over them.

Counts are plain integers (0 arrivals is a fact); every rate, mean or percentile with nothing to
divide by is None, which screens show as a dash (deskapp.tui.format). What each count counts is
defined once, in SQL, in deskapp.core.stats.live_sums; deskapp.core.stats.period_sums reads any
period (today is a period of one live day) into these dataclasses. Beyond those definitions:

- 90th percentile: nearest rank, the smallest wait that at least 90 % of waits do not exceed.
- open counter-hours: per counter and branch-local day, the time it was open, from its counter
  events (deskapp.core.queue.counter_events: opened or resumed until paused or closed; pauses are
  not open; open now counts up to now). Throughput is completed tickets per open counter-hour; it is
  not defined per service (a counter serves several).
"""
from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from deskapp.core.stats.live_sums import TOLERANCE_SECONDS
from deskapp.errors import BadInput
from deskapp.i18n import _


class ReportError(BadInput):
    """A period or report that cannot be made as asked (its end before its start, an unknown format)."""


@dataclass(frozen=True)
class Figures:
    arrivals: int
    completed: int
    called: int
    no_shows: int
    walk_aways: int
    mean_wait_minutes: float | None
    p90_wait_minutes: float | None
    service_level: float | None
    no_show_rate: float | None
    walk_away_rate: float | None
    mean_service_minutes: float | None
    open_counter_hours: float | None  # None per service (not defined) and when no counter was seen
    throughput: float | None


@dataclass(frozen=True)
class ServiceFigures:
    code: str
    name: str
    target_wait_minutes: int
    figures: Figures


@dataclass(frozen=True)
class CounterFigures:
    code: str
    name: str
    completed: int
    open_hours: float | None
    throughput: float | None
    mean_service_minutes: float | None


@dataclass(frozen=True)
class StaffFigures:
    login: str
    name: str
    completed: int
    served: int  # reached service (done or transferred)
    mean_service_minutes: float | None


@dataclass(frozen=True)
class DayFigures:
    day: dt.date
    figures: Figures


@dataclass(frozen=True)
class HourFigures:
    day: dt.date
    hour: int  # branch-local
    arrivals: int
    completed: int
    mean_wait_minutes: float | None  # of the tickets called in that hour that reached service
    called: int = 0  # tickets called in that hour (their last call)
    service_level: float | None = None  # of those called in that hour, each against its service's target


@dataclass(frozen=True)
class PeriodStats:
    since: dt.date
    until: dt.date
    total: Figures
    services: tuple[ServiceFigures, ...]
    counters: tuple[CounterFigures, ...]
    staff: tuple[StaffFigures, ...]
    # What `total` is made of (its sums vector and every wait in seconds), for totals over several
    # branches made by the same definitions (the network report's):
    sums: tuple[float, ...] = field(default=(), compare=False, repr=False)
    waits: Sequence[float] = field(default=(), compare=False, repr=False)


def p90(values: Iterable[float]) -> float | None:
    """Nearest-rank 90th percentile; None with no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def check_period(since: dt.date, until: dt.date) -> None:
    if until < since:
        raise ReportError(_("The period ends ({until}) before it starts ({since}).").format(until=until, since=since))


WAIT_BOUNDS = (5, 10, 15, 20, 30, 45, 60)  # minutes: upper ends of the wait distribution's bins


@dataclass(frozen=True)
class WaitBin:
    low: float  # exclusive, except the first bin, which starts at 0 inclusive
    high: float | None  # inclusive; None: no upper end
    count: int

    @property
    def label(self) -> str:
        return f">{self.low:g}" if self.high is None else f"{self.low:g}-{self.high:g}"


def wait_bins(seconds: Iterable[float], bounds: tuple[float, ...] = WAIT_BOUNDS) -> list[WaitBin]:
    """How many waits (in seconds) fall in each bin of minutes: [0, 5], (5, 10], ... (45, 60], over
    60 minutes; a bound is compared as the service level compares a target (live_sums.on_time)."""
    limits = [b * 60 + TOLERANCE_SECONDS for b in bounds]
    counts = [0] * (len(bounds) + 1)
    for wait in seconds:
        counts[bisect_left(limits, wait)] += 1
    lows = (0, *bounds)
    return [WaitBin(lows[i], bounds[i] if i < len(bounds) else None, c) for i, c in enumerate(counts)]
