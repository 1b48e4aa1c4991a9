"""The nightly job: every closed day of every branch summarised before anyone asks for a report.

Day summaries are filled lazily (deskapp.core.stats.day_summaries: the first report over a period
summarises its closed days; the supervisor screen summarises the last week when it opens). A year of a
network imported, restored or run without supervisors would leave the first long report to summarise
everything while its user waits: `deskapp summaries`, run after closing (cron), does that work at night,
branch by branch, one transaction per day, with progress. Days already summarised and unchanged cost one
read per branch.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from deskapp.core.context import Context
from deskapp.core.stats import day_summaries, network


@dataclass(frozen=True)
class Summarised:
    branch: str
    since: dt.date
    until: dt.date  # the branch's last closed day (its yesterday)
    filled: int  # days summarised now (new, or changed since their summary)


def summarise(ctx: Context, branch_ids: list[int] | None, *, since: dt.date | None = None,
              progress: Callable[[float], None] | None = None) -> list[Summarised]:
    """Summarise every closed day of these branches (None: every branch) from `since` (default: each
    branch's first recorded day) to its yesterday; `progress` gets the fraction of branches done."""
    chosen = network.branches(branch_ids)
    done = []
    for n, b in enumerate(chosen):
        own = network.context_of(ctx, b.id, b.code, b.name, b.timezone)
        first = since or day_summaries.first_day(own)
        last = own.today() - dt.timedelta(days=1)

        def step(fraction: float, n: int = n) -> None:
            if progress is not None:
                progress((n + fraction) / len(chosen))

        filled = day_summaries.ensure(own, first, last, progress=step) if first <= last else 0
        done.append(Summarised(b.code, first, last, filled))
        step(1.0)
    return done
