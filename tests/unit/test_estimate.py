"""deskapp.core.estimate: Erlang C against a published table and an exact textbook formula,
counters_needed against its definition, and the live wait estimate on worked examples."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskapp.core.queue.estimate import (
    MAX_AHEAD,
    EstimateInvalid,
    counters_needed,
    erlang_c,
    service_minutes_estimate,
    wait_for_position,
)


def reference_p_wait(n: int, a: Fraction) -> Fraction:
    """Textbook Erlang C, exact: (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! * N/(N-A)).

    An independent method: exact rationals and factorials, no Erlang B recurrence, no floats.
    """
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def reference_wait(n: int, a: Fraction, service: Fraction) -> Fraction:
    """Average wait of all arrivals (ASA): Wq = C * S / (N - A)."""
    return reference_p_wait(n, a) * service / (n - a)


# --- the published row ---------------------------------------------------------------------------


def test_published_row_100_calls_per_half_hour_3_minutes_14_agents() -> None:
    # The classic worked example: 100 calls per 30 minutes = 200/hour, 180 s handling, 14 agents,
    # target 20 s. Published: 10 Erlangs, P(wait) = 17.41 %, service level 88.84 %.
    s = erlang_c(14, 200, 3, target_minutes=1 / 3)
    assert s.traffic_erlangs == 10.0
    assert s.stable
    assert s.occupancy == pytest.approx(10 / 14)
    assert round(s.p_wait, 4) == 0.1741
    assert round(s.service_level, 4) == 0.8884
    # ASA = C * S / (N - A) = 0.174132 * 3 / (14 - 10) = 0.130599 minutes = 7.84 seconds.
    # (Not 0.087 minutes nor 10.4 seconds: neither follows from the formula for this row.)
    assert s.avg_wait_minutes == pytest.approx(float(reference_wait(14, Fraction(10), Fraction(3))))
    assert round(s.avg_wait_minutes, 6) == 0.130599
    assert round(s.avg_wait_minutes * 60, 1) == 7.8
    # And 14 is the fewest agents for 80 % in 20 s: 13 give 79.56 %.
    assert round(erlang_c(13, 200, 3, 1 / 3).service_level, 4) == 0.7956
    assert counters_needed(200, 3, 1 / 3, target_level=0.8) == 14


# --- independent rows (M/M/1, M/M/2, 30 counters) ------------------------------------------------


@pytest.mark.parametrize(
    ("counters", "per_hour", "service", "target", "p_wait", "wait", "level"),
    [
        # M/M/1: 12/hour, 3 min: rho = 0.6 = P(wait); Wq = rho / (mu - lambda) = 0.6 / (1/3 - 1/5).
        (1, 12, 3, 0.5, 0.6000, 4.5000, 0.4387),
        # M/M/2: A = 1.5, C = A^2 / (2 + A) = 2.25 / 3.5; Wq = C * 3 / 0.5.
        (2, 30, 3, 0.5, 0.6429, 3.8571, 0.4085),
        # 30 counters, 300/hour, 5 min: A = 25.
        (30, 300, 5, 0.5, 0.2499, 0.2499, 0.8484),
    ],
)
def test_independent_rows(
    counters: int,
    per_hour: int,
    service: int,
    target: float,
    p_wait: float,
    wait: float,
    level: float,
) -> None:
    a = Fraction(per_hour * service, 60)
    c = reference_p_wait(counters, a)
    s = erlang_c(counters, per_hour, service, target)
    assert s.p_wait == pytest.approx(float(c), rel=1e-12)
    wq = reference_wait(counters, a, Fraction(service))
    assert s.avg_wait_minutes == pytest.approx(float(wq), rel=1e-12)
    expected_level = 1 - float(c) * math.exp(-float(counters - a) * target / service)
    assert s.service_level == pytest.approx(expected_level, rel=1e-12)
    assert (round(s.p_wait, 4), round(s.avg_wait_minutes, 4), round(s.service_level, 4)) == (
        p_wait,
        wait,
        level,
    )


def test_mm1_closed_form() -> None:
    s = erlang_c(1, 12, 3)
    lam, mu = 12 / 60, 1 / 3  # per minute
    assert s.p_wait == pytest.approx(lam / mu)
    assert s.avg_wait_minutes == pytest.approx((lam / mu) / (mu - lam))


@pytest.mark.parametrize(("per_hour", "erlangs"), [(10_800, 900), (11_988, 999)])
def test_large_n_matches_exact_formula_without_overflow(per_hour: int, erlangs: int) -> None:
    s = erlang_c(1000, per_hour, 5, target_minutes=1)
    assert s.traffic_erlangs == erlangs
    assert s.p_wait == pytest.approx(float(reference_p_wait(1000, Fraction(erlangs))), rel=1e-9)
    assert all(math.isfinite(x) for x in (s.p_wait, s.avg_wait_minutes, s.service_level))


# (counters, A in 1/120 Erlang steps with A < counters): exact rationals for the reference.
stable_loads = st.integers(1, 40).flatmap(
    lambda n: st.tuples(st.just(n), st.integers(0, 120 * n - 1))
)


@settings(max_examples=80, deadline=None)
@given(load=stable_loads, half_minutes=st.integers(1, 120))
def test_matches_exact_formula(load: tuple[int, int], half_minutes: int) -> None:
    counters, a120 = load
    a, service = Fraction(a120, 120), Fraction(half_minutes, 2)
    s = erlang_c(counters, float(a * 60 / service), float(service))
    assert s.p_wait == pytest.approx(float(reference_p_wait(counters, a)), rel=1e-9, abs=1e-15)
    assert s.avg_wait_minutes == pytest.approx(
        float(reference_wait(counters, a, service)), rel=1e-9, abs=1e-15
    )


# --- invariants ----------------------------------------------------------------------------------

rates = st.floats(0, 3000)
services = st.floats(0.1, 60)
targets = st.floats(0, 30)


@given(counters=st.integers(0, 300), per_hour=rates, service=services, target=targets)
def test_figures_in_range(counters: int, per_hour: float, service: float, target: float) -> None:
    s = erlang_c(counters, per_hour, service, target)
    assert 0.0 <= s.p_wait <= 1.0
    assert 0.0 <= s.service_level <= 1.0
    assert s.stable == (s.traffic_erlangs < counters)
    if s.stable:
        assert s.avg_wait_minutes >= 0.0 and s.occupancy < 1.0
    json.dumps(s.as_dict(), allow_nan=False)


@given(per_hour=rates, service=services, target=targets)
def test_more_counters_never_worse(per_hour: float, service: float, target: float) -> None:
    first = math.floor(per_hour * service / 60) + 1  # the fewest counters that keep up
    rows = [erlang_c(n, per_hour, service, target) for n in range(first, first + 15)]
    for fewer, more in zip(rows, rows[1:]):
        assert more.p_wait <= fewer.p_wait + 1e-12
        assert more.service_level >= fewer.service_level - 1e-12
        assert more.avg_wait_minutes <= fewer.avg_wait_minutes + 1e-12


def test_unstable_when_traffic_reaches_counters() -> None:
    s = erlang_c(10, 200, 3, target_minutes=1)  # A = 10 = N
    assert (s.stable, s.p_wait, s.avg_wait_minutes, s.service_level) == (False, 1.0, None, 0.0)
    assert s.occupancy == 1.0
    assert erlang_c(10, 400, 3).service_level is None  # no target: no service level
    none = erlang_c(0, 200, 3, 1)
    assert (none.occupancy, none.stable, none.p_wait) == (None, False, 1.0)
    assert none.avg_wait_minutes is None
    d = json.loads(json.dumps(none.as_dict()))
    assert {"traffic_erlangs", "p_wait", "avg_wait_minutes", "service_level", "occupancy"} <= set(d)
    assert d["avg_wait_minutes"] is None and d["occupancy"] is None


def test_zero_arrivals_and_zero_target() -> None:
    s = erlang_c(3, 0, 5, target_minutes=2)
    assert (s.traffic_erlangs, s.p_wait, s.avg_wait_minutes, s.service_level, s.occupancy) == (
        0.0,
        0.0,
        0.0,
        1.0,
        0.0,
    )
    assert counters_needed(0, 5, 2) == 0
    # Target 0: "waits at most 0 minutes" is "does not wait", so the service level is 1 - P(wait).
    z = erlang_c(14, 200, 3, target_minutes=0)
    assert z.service_level == pytest.approx(1 - z.p_wait)
    # 80 % within 0 minutes needs P(wait) <= 0.2: 0.2853 with 13 counters, 0.1741 with 14.
    assert counters_needed(200, 3, 0, target_level=0.8) == 14


# --- counters_needed -----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    erlangs=st.floats(0.01, 400),
    service=st.floats(0.5, 60),
    target=st.floats(0, 30),
    level=st.floats(0, 0.99),
)
def test_counters_needed_is_the_fewest_that_meet_the_target(
    erlangs: float, service: float, target: float, level: float
) -> None:
    per_hour = erlangs * 60 / service
    n = counters_needed(per_hour, service, target, target_level=level)
    met = erlang_c(n, per_hour, service, target)
    assert met.stable and met.service_level >= level
    below = erlang_c(n - 1, per_hour, service, target)
    assert not (below.stable and below.service_level >= level)


def test_counters_needed_limits() -> None:
    with pytest.raises(EstimateInvalid, match="more than 500 counters would be needed"):
        counters_needed(10_000, 60, 1)
    assert counters_needed(9_000, 60, 1, max_counters=10_000) > 9_000  # A = 9000 Erlangs
    with pytest.raises(EstimateInvalid, match="target level must be less than 1"):
        counters_needed(200, 3, 1, target_level=1.0)


# --- input errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((14, 200, 0), "service minutes must be more than 0"),
        ((14, 200, -3), "service minutes must be more than 0"),
        ((14, -1, 3), "arrivals per hour must be 0 or more"),
        ((14, math.nan, 3), "arrivals per hour must be a finite number"),
        ((14, math.inf, 3), "arrivals per hour must be a finite number"),
        ((14, "200", 3), "arrivals per hour must be a number"),
        ((14.0, 200, 3), "counters must be a whole number"),
        ((True, 200, 3), "counters must be a whole number"),
        ((-1, 200, 3), "counters must be 0 or more"),
        ((10_001, 200, 3), "counters must be at most 10000"),
        ((14, 200, 3, -1), "target minutes must be 0 or more"),
        ((14, 200, 3, math.nan), "target minutes must be a finite number"),
    ],
)
def test_erlang_c_rejects_bad_input(args: tuple, message: str) -> None:
    with pytest.raises(EstimateInvalid, match=f"^{message}$"):
        erlang_c(*args)


def test_other_functions_reject_bad_input() -> None:
    with pytest.raises(EstimateInvalid, match="service minutes must be more than 0"):
        counters_needed(200, 0, 1)
    with pytest.raises(EstimateInvalid, match="target level must be 0 or more"):
        counters_needed(200, 3, 1, target_level=-0.1)
    with pytest.raises(EstimateInvalid, match="typical minutes must be more than 0"):
        service_minutes_estimate([], 0)
    with pytest.raises(EstimateInvalid, match="alpha must be at most 1"):
        service_minutes_estimate([], 5, alpha=1.5)
    with pytest.raises(EstimateInvalid, match="tickets ahead must be 0 or more"):
        wait_for_position(-1, 2, 5)
    with pytest.raises(EstimateInvalid, match="3 busy counters but only 2 counters"):
        wait_for_position(0, 2, 5, [1, 2, 3])
    with pytest.raises(EstimateInvalid, match="remaining minutes must be a finite number"):
        wait_for_position(0, 2, 5, [math.nan])


# --- service_minutes_estimate --------------------------------------------------------------------


def test_ewma_worked_examples() -> None:
    # Too few samples (2 < 3): the typical time.
    assert service_minutes_estimate([4, 6], typical_minutes=10) == 10
    # alpha 0.5, seeded at typical 10:
    # 0.5*4 + 0.5*10 = 7; 0.5*6 + 0.5*7 = 6.5; 0.5*8 + 0.5*6.5 = 7.25.
    assert service_minutes_estimate([4, 6, 8], 10, alpha=0.5) == pytest.approx(7.25)
    # alpha 0.3, typical 5, samples 2, 2, 2: typical keeps weight 0.7^3 = 0.343,
    # so 0.343*5 + 0.657*2 = 3.029.
    assert service_minutes_estimate([2, 2, 2], 5) == pytest.approx(3.029)
    # Order matters, the newest (last) weighs most:
    # [4, 8]: 0.5*4 + 0.5*10 = 7, then 0.5*8 + 0.5*7 = 7.5;  [8, 4]: 9, then 0.5*4 + 0.5*9 = 6.5.
    assert service_minutes_estimate([4, 8], 10, alpha=0.5, min_samples=2) == pytest.approx(7.5)
    assert service_minutes_estimate([8, 4], 10, alpha=0.5, min_samples=2) == pytest.approx(6.5)
    # Clock glitches are skipped and do not count as samples.
    assert service_minutes_estimate([4, -1, math.nan, 6], 10, alpha=0.5) == 10
    # alpha 1: the last sample alone.
    assert service_minutes_estimate([4, 6, 8], 10, alpha=1.0) == 8


@given(st.lists(st.floats(0, 120), max_size=30), st.floats(0.5, 60))
def test_ewma_stays_between_samples_and_typical(samples: list[float], typical: float) -> None:
    m = service_minutes_estimate(samples, typical)
    low, high = min([*samples, typical]), max([*samples, typical])
    assert low - 1e-9 <= m <= high + 1e-9


# --- wait_for_position ---------------------------------------------------------------------------


def test_wait_worked_examples() -> None:
    # Nobody ahead and a free counter: called now.
    assert wait_for_position(0, 1, 5) == 0.0
    # Nobody ahead, both counters busy for 4 and 7 more minutes: called when the first frees, at 4.
    assert wait_for_position(0, 2, 5, [4, 7]) == 4.0
    # 3 ahead, 2 free counters, 5 minutes each. Tickets 1 and 2 start at 0 (counters X, Y), ticket 3
    # at 5 (X frees), ours at 5 (Y frees): 5, not 10. Both counters serve, so 3 ahead is 1.5 rounds.
    assert wait_for_position(3, 2, 5) == 5.0
    # The same, but both counters are busy with 5 minutes to go: 1 and 2 start at 5, 3 at 10 (X),
    # ours at 10 (Y). This is the "10": one service time for the busy tickets, one for 1 and 2.
    assert wait_for_position(3, 2, 5, [5, 5]) == 10.0
    # Busy for 2 and 3: 1 starts at 2 (X to 7), 2 at 3 (Y to 8), 3 at 7 (X to 12), ours at 8 (Y).
    assert wait_for_position(3, 2, 5, [2, 3]) == 8.0
    # Counters far apart: X frees at 0, Y at 100. X takes 1 at 0, 2 at 5, 3 at 10; ours at 15.
    assert wait_for_position(3, 2, 5, [0, 100]) == 15.0
    # Overrun tickets (negative remaining) count as ending now; unlisted counters are free.
    assert wait_for_position(1, 3, 5, [-3, 4]) == 0.0
    assert wait_for_position(2, 3, 5, [-3, 4]) == 4.0


def test_wait_without_counters_or_beyond_the_cap() -> None:
    assert wait_for_position(0, 0, 5) is None
    assert wait_for_position(MAX_AHEAD, 1, 1) == MAX_AHEAD
    assert wait_for_position(MAX_AHEAD + 1, 1, 1) is None


@given(ahead=st.integers(0, 500), counters=st.integers(1, 20), service=st.floats(0, 60))
def test_wait_with_free_counters_is_whole_rounds(ahead: int, counters: int, service: float) -> None:
    # All counters free: they take tickets in rounds of N; ours starts after ahead // N rounds.
    expected = (ahead // counters) * service
    assert wait_for_position(ahead, counters, service) == pytest.approx(expected)


@given(
    ahead=st.integers(0, 200),
    service=st.floats(0.1, 30),
    busy=st.lists(st.floats(-10, 60), min_size=1, max_size=8),
)
def test_wait_grows_with_position(ahead: int, service: float, busy: list[float]) -> None:
    n = len(busy)
    now = wait_for_position(ahead, n, service, busy)
    later = wait_for_position(ahead + 1, n, service, busy)
    assert 0.0 <= now <= later <= now + service
