"""The network report (`deskapp report --network [--branches A,B]`): the branch report of every branch,
side by side, and a `branches` table comparing them.

Each branch's tables are those of deskapp.core.stats.reports.build for that branch (its own timezone's
days, its closed days from its day summaries, so a year of a 50-branch network reads 50 x 365 days of
small summary groups, not the tickets), with a `branch` column first. The relationship manager's
offers and needs span the network (customers are shared): they appear once, branch `ALL`; follow-ups
closed on time are per branch (where the follow-up was opened).

`branches`, one row per branch: arrivals, completed, mean and 90th-percentile wait, service level,
no-show rate (the period's figures, deskapp.core.stats.period_sums), CSAT % and NPS (customer answers,
the feedback table's `all` row), and follow-ups due in the period with those closed on time
(deskapp.core.relationship.pipeline.followups_on_time). Every figure is the branch report's own.
"""
from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Callable

from deskapp.core.context import Context
from deskapp.core.relationship import pipeline
from deskapp.core.relationship.pipeline import OnTime
from deskapp.core.stats import network, period_sums
from deskapp.core.stats.figures import ReportError
from deskapp.core.stats.reports import Report, Table, _r, _relationship_tables, build
from deskapp.i18n import _

BRANCH_COLUMNS = ("branch", "name", "arrivals", "completed", "mean_wait_minutes", "p90_wait_minutes",
                  "service_level", "no_show_rate", "csat_pct", "nps", "followups_due", "followups_on_time",
                  "on_time_rate")
NETWORK_WIDE = "ALL"  # i18n: not words


def branch_ids(codes: list[str] | None) -> list[int] | None:
    """The ids of the branches named by code (None: every branch); an unknown code is refused, naming it."""
    if codes is None:
        return None
    rows = {b.code: b.id for b in network.branches()}
    unknown = [c for c in codes if c not in rows]
    if unknown:
        raise ReportError(_("There is no branch {codes}; the branches are {branches}.").format(
            codes=", ".join(repr(c) for c in unknown), branches=", ".join(sorted(rows))))
    return [rows[c] for c in dict.fromkeys(codes)]


def build_network(ctx: Context, since: dt.date, until: dt.date, ids: list[int] | None = None, *,
                  progress: Callable[[int, int], None] | None = None) -> Report:
    """The network report over since..until for the branches `ids` (None: all), in branch code order."""
    chosen = network.branches(ids)
    if not chosen:
        raise ReportError(_("There is no branch to report on."))
    rows = []
    merged: dict[str, tuple[Table, list[tuple]]] = {}
    parts: list[tuple[Report, OnTime]] = []
    for n, b in enumerate(chosen):
        own = network.context_of(ctx, b.id, b.code, b.name, b.timezone)
        report = build(own, since, until, relationship=False)
        for table in report.tables:
            if table.name not in merged:
                merged[table.name] = (table, [])
            merged[table.name][1].extend((b.code, *row) for row in table.rows)
        t = report.total
        feedback = next((tb for tb in report.tables if tb.name == "feedback"), None)
        everyone = next((row for row in feedback.rows if row[0] == "all"), None) if feedback else None
        csat, nps = (everyone[4], everyone[5]) if everyone else (None, None)
        on_time = pipeline.followups_on_time(own, since, until, branch_id=b.id)
        every = on_time[-1]
        followups = pipeline_rows(b.code, on_time)
        merged.setdefault("followups_on_time", (Table("followups_on_time", _("Follow-ups closed on time"),
                                                      ("assignee", "name", "due", "closed_on_time", "on_time_rate"),
                                                      ()), []))[1].extend(followups)
        rows.append((b.code, b.name, t.arrivals, t.completed, _r(t.mean_wait_minutes), _r(t.p90_wait_minutes),
                     _r(t.service_level, 4), _r(t.no_show_rate, 4), csat, nps, every.due, every.on_time,
                     _r(every.rate, 4)))
        parts.append((report, every))
        if progress is not None:
            progress(n + 1, len(chosen))
    rows.append(total_row(parts))
    tables = [Table("branches", _("Branches compared"), BRANCH_COLUMNS, tuple(rows))]
    tables += [Table(t.name, t.title, ("branch", *t.columns), tuple(found)) for t, found in merged.values()]
    for table in _relationship_tables(ctx, since, until):
        if table.name != "followups_on_time":
            tables.append(Table(table.name, table.title, ("branch", *table.columns),
                                tuple((NETWORK_WIDE, *row) for row in table.rows)))
    return Report(since, until, None, tuple(tables))


def total_row(parts: list[tuple[Report, OnTime]]) -> tuple:
    """The `branches` table's last row, branch ALL: the branches' sums vectors, waits, customer answers and
    follow-ups added up first, then made into figures by the branch rows' own functions (period_sums.figures_of,
    feedback's customer_summary_of, OnTime.rate): the service level is every on-time call over every call,
    the p90 wait the 90th percentile of every wait, not the mean of the branches' figures."""
    width = max((len(r.period.sums) for r, _on_time in parts if r.period is not None), default=0)
    sums = [sum(r.period.sums[i] for r, _on_time in parts if r.period is not None and r.period.sums) for i in range(width)]
    waits = array("d")
    for r, _on_time in parts:
        if r.period is not None:
            waits.extend(r.period.waits)
    t = period_sums.figures_of(sums or None, waits)
    csat = nps = None
    groups = [r.feedback_groups for r, _on_time in parts if r.feedback_groups is not None]
    if groups:
        from deskapp.core.feedback.reporting import customer_summary_of

        merged: tuple[dict, dict, dict] = ({}, {}, {})
        for found in groups:
            for into, part in zip(merged, found):
                into.update(part)  # keyed by service id: no two branches share one
        summary = customer_summary_of(merged)
        csat, nps = _r(summary.csat_pct, 1), _r(summary.nps, 1)
    every = OnTime("all", _("All"), sum(o.due for _report, o in parts), sum(o.on_time for _report, o in parts))
    return (NETWORK_WIDE, _("Network"), t.arrivals, t.completed, _r(t.mean_wait_minutes), _r(t.p90_wait_minutes),
            _r(t.service_level, 4), _r(t.no_show_rate, 4), csat, nps, every.due, every.on_time, _r(every.rate, 4))


def pipeline_rows(code: str, found: tuple) -> list[tuple]:
    return [(code, f.login, f.name, f.due, f.on_time, _r(f.rate, 4)) for f in found]

