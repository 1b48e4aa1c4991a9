"""Wait estimates: Erlang C (M/M/N) steady state, and the live wait of one ticket in a queue.

Pure functions over plain numbers (stdlib only). Nothing is rounded here: rounding is for display.
Times are in minutes, arrival rates per hour. Bad input raises EstimateInvalid with a message fit to show
a user as it is (the CLI prints it).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

from deskapp.errors import BadInput
from deskapp.i18n import N_, _


class EstimateInvalid(BadInput):
    """Figures an estimate cannot be made from (a negative rate, a level of 100 %, too many counters)."""

MAX_COUNTERS = 10_000
"""erlang_c refuses more counters than this (its cost is linear in N; no branch comes near it)."""
MAX_AHEAD = 10_000
"""wait_for_position simulates at most this many tickets ahead; beyond, it answers None (a dash)."""


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EstimateInvalid(_("{name} must be a whole number").format(name=_(name)))
    if value < 0:
        raise EstimateInvalid(_("{name} must be 0 or more").format(name=_(name)))
    return value


def _real(name: str, value: object) -> float:
    """A finite real number; rejects bool, str, NaN, infinity and ints too large for a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise EstimateInvalid(_("{name} must be a number").format(name=_(name)))
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise EstimateInvalid(_("{name} must be a finite number").format(name=_(name)))
    return number


def _minutes(name: str, value: object, *, positive: bool = False) -> float:
    """A finite real number, >= 0 (or > 0 when positive)."""
    number = _real(name, value)
    if positive and number <= 0:
        raise EstimateInvalid(_("{name} must be more than 0").format(name=_(name)))
    if number < 0:
        raise EstimateInvalid(_("{name} must be 0 or more").format(name=_(name)))
    return number


@dataclass(frozen=True)
class Staffing:
    """Erlang C figures for N counters. None marks a figure that is undefined (shown as a dash)."""

    counters: int
    arrivals_per_hour: float
    service_minutes: float
    target_minutes: float | None
    traffic_erlangs: float
    occupancy: float | None
    p_wait: float | None
    avg_wait_minutes: float | None
    service_level: float | None
    stable: bool

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: the DESIGN.md `estimate --json` keys plus the inputs and `stable`."""
        return {
            "counters": self.counters,
            "arrivals_per_hour": self.arrivals_per_hour,
            "service_minutes": self.service_minutes,
            "target_minutes": self.target_minutes,
            "traffic_erlangs": self.traffic_erlangs,
            "p_wait": self.p_wait,
            "avg_wait_minutes": self.avg_wait_minutes,
            "service_level": self.service_level,
            "occupancy": self.occupancy,
            "stable": self.stable,
        }


def _erlang_c(n: int, a: float, b: float) -> float:
    """Erlang C from Erlang B for N = n, A = a < n: C = N*B / (N - A*(1 - B)).

    Equivalent to the textbook (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! * N/(N-A)), but
    B stays in [0, 1], so there are no factorials or powers to overflow.
    """
    return min(1.0, n * b / (n - a * (1.0 - b)))


def _service_level(n: int, a: float, c: float, service: float, target: float) -> float:
    """P(wait <= t) = 1 - C * exp(-(N - A) * t / S).

    Given that an arrival waits, its wait is exponential with rate (N - A) / S (N counters finishing
    at 1/S each, less the arrival rate A/S), so P(wait > t) = C * exp(-(N - A) * t / S).
    """
    return 1.0 - c * math.exp(-(n - a) * target / service)


def erlang_c(
    counters: int,
    arrivals_per_hour: float,
    service_minutes: float,
    target_minutes: float | None = None,
) -> Staffing:
    """Steady-state M/M/N figures (Poisson arrivals, exponential service, one queue, N counters).

    A = arrivals/hour * S/60 Erlangs (S = service minutes). Erlang B by the recurrence
    B(0) = 1, B(n) = A*B(n-1) / (n + A*B(n-1)), then C = P(wait) as in _erlang_c. Average wait of
    all arrivals (ASA) Wq = C * S / (N - A) minutes: C of them wait, on average S / (N - A) each
    (for N = 1 this is M/M/1's rho / (mu - lambda)). With A >= N the queue grows without bound, and
    with N = 0 nobody serves it: unstable, every arrival waits (p_wait 1.0), the average wait is
    undefined (None) and the service level is 0.0.
    """
    n = _count(N_("counters"), counters)
    if n > MAX_COUNTERS:
        raise EstimateInvalid(_("counters must be at most {limit}").format(limit=MAX_COUNTERS))
    rate = _minutes(N_("arrivals per hour"), arrivals_per_hour)
    service = _minutes(N_("service minutes"), service_minutes, positive=True)
    target = None if target_minutes is None else _minutes(N_("target minutes"), target_minutes)
    a = rate * service / 60.0
    stable = a < n
    c: float = 1.0
    wait: float | None = None
    if stable:
        b = 1.0
        for k in range(1, n + 1):
            b = a * b / (k + a * b)
        c = _erlang_c(n, a, b)
        wait = c * service / (n - a)
    level: float | None = None
    if target is not None:
        level = _service_level(n, a, c, service, target) if stable else 0.0
    return Staffing(
        counters=n,
        arrivals_per_hour=rate,
        service_minutes=service,
        target_minutes=target,
        traffic_erlangs=a,
        occupancy=a / n if n else None,
        p_wait=c,
        avg_wait_minutes=wait,
        service_level=level,
        stable=stable,
    )


def counters_needed(
    arrivals_per_hour: float,
    service_minutes: float,
    target_minutes: float,
    target_level: float = 0.8,
    max_counters: int = 500,
) -> int:
    """Fewest counters N with A < N and P(wait <= target) >= target_level; 0 with no arrivals.

    One pass of the Erlang B recurrence, O(max_counters); the service level rises with N, so the
    first N that meets the target is the answer. Same arithmetic as erlang_c, so erlang_c at the
    answer agrees exactly. target_level must be below 1: with any arrivals, P(wait > t) > 0 for
    every t, so 100 % is never reached. ValueError when more than max_counters would be needed.
    """
    rate = _minutes(N_("arrivals per hour"), arrivals_per_hour)
    service = _minutes(N_("service minutes"), service_minutes, positive=True)
    target = _minutes(N_("target minutes"), target_minutes)
    level = _minutes(N_("target level"), target_level)
    if level >= 1.0:
        raise EstimateInvalid(_("target level must be less than 1 (100 %)"))
    limit = _count(N_("max counters"), max_counters)
    if limit > MAX_COUNTERS:
        raise EstimateInvalid(_("max counters must be at most {limit}").format(limit=MAX_COUNTERS))
    a = rate * service / 60.0
    if a == 0.0:
        return 0
    b = 1.0
    for n in range(1, limit + 1):
        b = a * b / (n + a * b)
        if a < n and _service_level(n, a, _erlang_c(n, a, b), service, target) >= level:
            return n
    raise EstimateInvalid(_("more than {limit} counters would be needed").format(limit=limit))


def service_minutes_estimate(
    recent_minutes: Sequence[float],
    typical_minutes: float,
    alpha: float = 0.3,
    min_samples: int = 3,
) -> float:
    """Expected service minutes: an exponentially weighted mean of recent ones, seeded by typical.

    Rule: samples that are negative or not finite are skipped (they come from clocks, not users).
    With fewer than min_samples left, the answer is typical_minutes. Otherwise m = typical, then
    for each sample x, oldest first, m = alpha*x + (1 - alpha)*m. The typical time keeps weight
    (1 - alpha)^count: a few samples pull the estimate only part of the way, many outweigh it,
    and the newest sample always weighs most (alpha), so the estimate follows a slowing desk.
    """
    typical = _minutes(N_("typical minutes"), typical_minutes, positive=True)
    weight = _minutes(N_("alpha"), alpha, positive=True)
    if weight > 1.0:
        raise EstimateInvalid(_("alpha must be at most 1"))
    needed = _count(N_("min samples"), min_samples)
    samples = [float(x) for x in recent_minutes if _is_minutes(x)]
    if len(samples) < needed:
        return typical
    mean = typical
    for x in samples:
        mean = weight * x + (1.0 - weight) * mean
    return mean


def _is_minutes(x: object) -> bool:
    try:
        _minutes("sample", x)
    except EstimateInvalid:
        return False
    return True


def wait_for_position(
    ahead: int,
    counters: int,
    service_minutes: float,
    busy_remaining_minutes: Sequence[float] = (),
) -> float | None:
    """Minutes until a ticket with `ahead` tickets before it in the calling order is called.

    Deterministic simulation: each counter frees when its current ticket ends
    (busy_remaining_minutes, negatives clamped to 0; counters not listed are free now); the next
    ticket in order goes to the counter that frees first and keeps it service_minutes (>= 0).
    The answer is when the (ahead+1)-th ticket starts. A heap of free times: O(ahead * log N).
    None when counters == 0 (nobody serves the queue) or ahead > MAX_AHEAD (too far to estimate):
    the UI shows a dash for both.
    """
    waiting = _count(N_("tickets ahead"), ahead)
    n = _count(N_("counters"), counters)
    service = _minutes(N_("service minutes"), service_minutes)
    busy = list(busy_remaining_minutes)
    if len(busy) > n:
        raise EstimateInvalid(_("{busy} busy counters but only {counters} counters").format(busy=len(busy), counters=n))
    free_at = [max(0.0, _real(N_("remaining minutes"), x)) for x in busy] + [0.0] * (n - len(busy))
    if n == 0 or waiting > MAX_AHEAD:
        return None
    heapq.heapify(free_at)
    for _turn in range(waiting):
        heapq.heapreplace(free_at, free_at[0] + service)
    return free_at[0]

