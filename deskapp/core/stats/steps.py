"""How long each workflow step takes: the process bottlenecks, from StepRecord rows.

A step's duration is from when it was shown (started_at) to when it was committed (committed_at).
Steps are read for the period's tickets through the (branch, day) index of Ticket. Only steps
that were done or approved have a duration that measures work; skipped and abandoned steps are
counted apart. A correction of a step (a later version with a reason, guide.amend_step) is counted in
`amended` and its time, from going back to it to saving the correction, in the step's durations: it
is time spent on that step. Versions written by re-evaluating after a correction (skipped, reopened)
are not work and count nowhere; a reopened step done again counts as worked.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from deskapp.core import metrics
from deskapp.core.context import Context
from deskapp.core.stats.figures import check_period, p90
from deskapp.db.models import StepRecord, Ticket

WORKED = ("done", "approved")


@dataclass(frozen=True)
class StepFigures:
    workflow: str
    step_id: str
    position: int
    worked: int  # done or approved
    skipped: int
    abandoned: int
    mean_minutes: float | None
    p90_minutes: float | None
    amended: int = 0  # corrections made after the step was done


def step_figures(ctx: Context, since: dt.date, until: dt.date) -> list[StepFigures]:
    """Per workflow and step, in workflow order; the slowest steps stand out by their mean and p90."""
    check_period(since, until)
    rows = (
        StepRecord.select(StepRecord.workflow, StepRecord.step_id, StepRecord.position, StepRecord.outcome,
                          StepRecord.started_at, StepRecord.committed_at, StepRecord.version, StepRecord.reason)
        .join(Ticket)
        .where((Ticket.branch == ctx.branch_id) & (Ticket.day >= since) & (Ticket.day <= until))
        .tuples()
    )
    durations: dict[tuple[str, str], list[float]] = defaultdict(list)
    outcomes: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    positions: dict[tuple[str, str], int] = {}
    for workflow, step_id, position, outcome, started, committed, version, reason in rows:
        key = (workflow, step_id)
        positions[key] = min(position, positions.get(key, position))
        corrected = version > 1 and reason is not None
        if corrected and outcome in WORKED:
            outcomes[key]["amended"] += 1
        elif not corrected:
            outcomes[key][outcome] += 1
        if outcome in WORKED and started is not None and committed is not None:
            durations[key].append((committed - started).total_seconds() / 60)
    result = []
    for key in sorted(positions, key=lambda k: (k[0], positions[k], k[1])):
        counts = outcomes[key]
        result.append(StepFigures(
            key[0], key[1], positions[key], sum(counts[o] for o in WORKED), counts["skipped"], counts["abandoned"],
            metrics.mean(durations[key]), p90(durations[key]), counts["amended"]))
    return result
