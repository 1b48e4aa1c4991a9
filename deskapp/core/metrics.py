"""The one definition of every figure in DESIGN.md's "Metric definitions" table.

Pure functions over answers and counts (stdlib only). A figure with no data is None, never 0:
screens show None as a dash (deskapp.tui.format). Nothing is rounded here; rounding is display.

Scales: CSAT answers 1-5 (4 and 5 are satisfied, 3 is not), NPS answers 0-10 (9-10 promoters,
7-8 passives, 0-6 detractors), CES answers 1-7 (higher means more effort). Answers that are None
(a question not asked or not answered) are left out of every figure.

Rates are fractions from 0 to 1 (`rate`); CSAT % is a percentage, 0 to 100, by its definition.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from deskapp.i18n import _

CSAT_SCALE = (1, 5)
NPS_SCALE = (0, 10)
CES_SCALE = (1, 7)
CSAT_SATISFIED_MIN = 4
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6


def rate(part: int, whole: int) -> float | None:
    """part / whole as a fraction; None when whole is 0 (nothing to divide by: no data)."""
    if part < 0 or whole < 0:
        raise ValueError(_("counts cannot be negative"))
    if part > whole:
        raise ValueError(_("a part ({part}) cannot exceed its whole ({whole})").format(part=part, whole=whole))
    return None if whole == 0 else part / whole


def mean(values: Iterable[float | None]) -> float | None:
    """The arithmetic mean of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _answers(answers: Iterable[int | None], scale: tuple[int, int], name: str) -> list[int]:
    low, high = scale
    present = [a for a in answers if a is not None]
    for a in present:
        if isinstance(a, bool) or not isinstance(a, int) or not low <= a <= high:
            raise ValueError(_("{name} answers are whole numbers from {low} to {high}, got {answer}").format(
                name=name, low=low, high=high, answer=repr(a)))
    return present


@dataclass(frozen=True)
class CsatCounts:
    satisfied: int  # answers of 4 or 5
    answers: int

    @property
    def pct(self) -> float | None:
        share = rate(self.satisfied, self.answers)
        return None if share is None else share * 100


@dataclass(frozen=True)
class NpsCounts:
    promoters: int  # 9-10
    passives: int  # 7-8
    detractors: int  # 0-6

    @property
    def answers(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        if self.answers == 0:
            return None
        return (self.promoters - self.detractors) * 100 / self.answers


def csat_counts(answers: Iterable[int | None]) -> CsatCounts:
    present = _answers(answers, CSAT_SCALE, "CSAT")  # i18n: not words
    return CsatCounts(sum(1 for a in present if a >= CSAT_SATISFIED_MIN), len(present))


def nps_counts(answers: Iterable[int | None]) -> NpsCounts:
    present = _answers(answers, NPS_SCALE, "NPS")  # i18n: not words
    promoters = sum(1 for a in present if a >= NPS_PROMOTER_MIN)
    detractors = sum(1 for a in present if a <= NPS_DETRACTOR_MAX)
    return NpsCounts(promoters, len(present) - promoters - detractors, detractors)


def _tally(tally: dict[int | None, int], scale: tuple[int, int], name: str) -> dict[int, int]:
    """Answers given as {answer: how many}, checked as _answers checks them; None answers left out."""
    _answers([a for a in tally if a is not None], scale, name)
    return {a: n for a, n in tally.items() if a is not None and n}


def csat_counts_of(tally: dict[int | None, int]) -> CsatCounts:
    """csat_counts of answers given as {answer: how many} (a report's year of answers, grouped)."""
    present = _tally(tally, CSAT_SCALE, "CSAT")  # i18n: not words
    return CsatCounts(sum(n for a, n in present.items() if a >= CSAT_SATISFIED_MIN), sum(present.values()))


def nps_counts_of(tally: dict[int | None, int]) -> NpsCounts:
    """nps_counts of answers given as {answer: how many}."""
    present = _tally(tally, NPS_SCALE, "NPS")  # i18n: not words
    promoters = sum(n for a, n in present.items() if a >= NPS_PROMOTER_MIN)
    detractors = sum(n for a, n in present.items() if a <= NPS_DETRACTOR_MAX)
    return NpsCounts(promoters, sum(present.values()) - promoters - detractors, detractors)


def ces_of(tally: dict[int | None, int]) -> float | None:
    """ces of answers given as {answer: how many}."""
    present = _tally(tally, CES_SCALE, "CES")  # i18n: not words
    answers = sum(present.values())
    return sum(a * n for a, n in present.items()) / answers if answers else None


def csat_pct(answers: Iterable[int | None]) -> float | None:
    """CSAT %: answers of 4 or 5 on the 1-5 scale, divided by all CSAT answers, times 100."""
    return csat_counts(answers).pct


def nps(answers: Iterable[int | None]) -> float | None:
    """NPS: % of answers 9-10 minus % of answers 0-6, on the 0-10 scale (from -100 to 100)."""
    return nps_counts(answers).score


def ces(answers: Iterable[int | None]) -> float | None:
    """CES: the mean of the 1-7 effort answers."""
    return mean(_answers(answers, CES_SCALE, "CES"))  # i18n: not words


def response_rate(responses: int, completed: int) -> float | None:
    """Feedback responses divided by completed tickets (a fraction)."""
    return rate(responses, completed)


# The queue's figures, here so that every screen and report divides the same way.

def service_level(on_time: int, called: int) -> float | None:
    """Called tickets whose wait <= the service's target, divided by all called tickets."""
    return rate(on_time, called)


def no_show_rate(no_shows: int, called: int) -> float | None:
    """No-shows divided by called tickets."""
    return rate(no_shows, called)


def walk_away_rate(cancelled_waiting: int, issued: int) -> float | None:
    """Tickets cancelled while waiting, divided by issued tickets."""
    return rate(cancelled_waiting, issued)


def throughput(completed: int, open_counter_hours: float) -> float | None:
    """Tickets completed per open counter-hour; None when no counter was open."""
    if completed < 0 or open_counter_hours < 0:
        raise ValueError(_("counts and hours cannot be negative"))
    return None if open_counter_hours == 0 else completed / open_counter_hours
