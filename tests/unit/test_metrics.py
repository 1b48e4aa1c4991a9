"""The metric definitions of DESIGN.md, checked against examples worked by hand."""
from __future__ import annotations

import pytest

from deskapp.core import metrics
from deskapp.tui.format import DASH, percent, score

# -- no data is None (a dash), never 0 ----------------------------------------------------------------

def test_no_answers_give_no_figure_and_a_dash_on_screen():
    assert metrics.csat_pct([]) is None
    assert metrics.nps([]) is None
    assert metrics.ces([]) is None
    assert metrics.response_rate(0, 0) is None
    assert percent(metrics.csat_pct([])) == DASH
    assert score(metrics.nps([]), digits=0, signed=True) == DASH
    assert score(metrics.ces([])) == DASH
    assert percent(metrics.response_rate(0, 0), fraction=True) == DASH


def test_questions_not_answered_are_left_out_not_counted_as_zero():
    assert metrics.csat_pct([None, None]) is None
    assert metrics.csat_pct([5, None]) == 100.0
    assert metrics.nps([None, 10]) == 100.0
    assert metrics.ces([None, 3, None, 5]) == 4.0


# -- CSAT -----------------------------------------------------------------------------------------------

def test_one_response():
    assert metrics.csat_pct([4]) == 100.0
    assert metrics.csat_pct([2]) == 0.0
    assert metrics.nps([10]) == 100.0
    assert metrics.nps([0]) == -100.0
    assert metrics.ces([6]) == 6.0
    assert metrics.response_rate(1, 1) == 1.0


def test_csat_3_is_not_satisfied():
    assert metrics.csat_pct([3]) == 0.0
    # 4 and 5 count; 1, 2 and 3 do not: 2 of 5.
    assert metrics.csat_pct([1, 2, 3, 4, 5]) == 40.0
    assert metrics.csat_counts([1, 2, 3, 4, 5]) == metrics.CsatCounts(satisfied=2, answers=5)


def test_csat_hand_worked_example():
    # 41 answers of 4-5 among 50: 82%.
    answers = [5] * 30 + [4] * 11 + [3] * 5 + [2] * 3 + [1]
    assert metrics.csat_pct(answers) == pytest.approx(82.0)


# -- NPS ------------------------------------------------------------------------------------------------

def test_all_passives_give_nps_zero():
    assert metrics.nps([7, 8, 7, 8]) == 0.0
    assert metrics.nps_counts([7, 8, 7, 8]) == metrics.NpsCounts(promoters=0, passives=4, detractors=0)


@pytest.mark.parametrize(
    "answer, group",
    [(0, "detractors"), (6, "detractors"), (7, "passives"), (8, "passives"), (9, "promoters"), (10, "promoters")],
)
def test_nps_boundaries_6_7_and_8_9(answer, group):
    counts = metrics.nps_counts([answer])
    assert getattr(counts, group) == 1
    assert counts.answers == 1


def test_nps_hand_worked_example():
    # 5 promoters (9, 10), 3 passives (7, 8), 2 detractors (6, 0) of 10: 50% - 20% = 30.
    assert metrics.nps([9, 10, 9, 10, 9, 7, 8, 7, 6, 0]) == pytest.approx(30.0)
    # 1 promoter, 2 detractors of 3: 33.3% - 66.7% = -33.3.
    assert metrics.nps([10, 3, 6]) == pytest.approx(-100 / 3)


# -- CES and rates --------------------------------------------------------------------------------------

def test_ces_is_the_mean_effort():
    assert metrics.ces([1, 2, 3, 7]) == pytest.approx(13 / 4)
    assert metrics.ces([7, 7]) == 7.0


def test_response_rate_is_responses_over_completed_tickets():
    assert metrics.response_rate(35, 100) == pytest.approx(0.35)
    assert metrics.response_rate(0, 12) == 0.0  # tickets, no answers: a real 0%, not "no data"


def test_queue_rates_divide_as_designed_and_refuse_impossible_counts():
    assert metrics.service_level(8, 10) == pytest.approx(0.8)
    assert metrics.no_show_rate(1, 20) == pytest.approx(0.05)
    assert metrics.walk_away_rate(0, 0) is None
    assert metrics.throughput(30, 7.5) == pytest.approx(4.0)
    assert metrics.throughput(0, 0) is None
    with pytest.raises(ValueError):
        metrics.rate(3, 2)
    with pytest.raises(ValueError):
        metrics.rate(-1, 2)


@pytest.mark.parametrize("bad", [0, 6, True, 2.5, "4"])
def test_answers_off_the_scale_are_refused(bad):
    with pytest.raises(ValueError, match="CSAT answers are whole numbers from 1 to 5"):
        metrics.csat_pct([4, bad])


# -- display --------------------------------------------------------------------------------------------

def test_display_formats():
    assert percent(82.0) == "82%"
    assert percent(0.35, fraction=True) == "35%"
    assert percent(0.0) == "0%"
    assert score(12.4, digits=0, signed=True) == "+12"
    assert score(-5.0, digits=0, signed=True) == "-5"
    assert score(0.0, digits=0, signed=True) == "0"
    assert score(2.44) == "2.4"
    assert score(3.25, digits=2) == "3.25"
