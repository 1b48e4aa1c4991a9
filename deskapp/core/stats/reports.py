"""The supervisor's report over a period: plain tables, written as CSV files or one XLSX workbook.

Tables (each a header row and data rows): daily (summary per day), services, counters, staff,
hours (per branch-local hour), feedback (customer answers, overall and per service, via
deskapp.core.feedback.summary), steps (workflow step durations, deskapp.core.step_stats), and the
relationship manager's offers, offers_by_manager, followups_on_time and needs (deskapp.core.pipeline),
and estimates (the waits promised at issue against the waits had, per service and ALL;
deskapp.core.stats.accuracy defines the columns), and appointments (booked, checked in, late, no-shows,
started on time, per service and named staff member; deskapp.core.appointments.figures defines them),
and pauses (time paused per counter, staff member and reason; deskapp.core.stats.pauses), and
out_of_order (calls before the ticket's turn, in all, per reason and per staff member, with their share
of the calls; deskapp.core.stats.out_of_order).
A network report (deskapp.core.stats.network_report) puts a `branches` table first and a `branch`
column first in every other table.
Figures are those of deskapp.core.stats.period_sums; rates are fractions from 0 to 1 (formatted as
percentages in the workbook), minutes and hours are decimals rounded to 2 places. A figure with
no data is an empty cell. Every cell goes through deskapp.core.cells: text that a spreadsheet would
run as a formula (a name beginning with `=`, say) is written behind a single quote; numbers stay numbers.

CSV layout: one file per table, named after the output's stem: `--out june.csv` writes
june_daily.csv, june_services.csv, ... beside it. XLSX: one sheet per table, header row first.
"""
from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from deskapp.core.cells import cells
from deskapp.core.context import Context
from deskapp.core.stats import accuracy, day_summaries, period_sums
from deskapp.core.stats import figures as stats
from deskapp.core.stats.figures import ReportError
from deskapp.core.stats.steps import step_figures
from deskapp.i18n import _

FORMATS = ("csv", "xlsx")
RATE_COLUMNS = {"service_level", "no_show_rate", "walk_away_rate", "response_rate", "acceptance_rate",
                "on_time_rate", "range_coverage", "share_of_calls"}
APPOINTMENT_COLUMNS = ("service", "staff", "booked", "checked_in", "late", "no_shows", "started_on_time",
                       "no_show_rate", "on_time_rate")


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]


@dataclass(frozen=True)
class Report:
    since: dt.date
    until: dt.date
    total: stats.Figures | None  # None for a network report (its `branches` table has each branch's)
    tables: tuple[Table, ...]
    # What the figures are made of, for the network report's total row (same definitions, summed first):
    period: stats.PeriodStats | None = field(default=None, compare=False, repr=False)
    feedback_groups: tuple[dict, dict, dict] | None = field(default=None, compare=False, repr=False)


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


_FIGURE_COLUMNS = ("arrivals", "completed", "called", "no_shows", "walk_aways", "mean_wait_minutes",
                   "p90_wait_minutes", "service_level", "no_show_rate", "walk_away_rate", "mean_service_minutes")


def _figure_cells(f: stats.Figures) -> tuple:
    return (f.arrivals, f.completed, f.called, f.no_shows, f.walk_aways, _r(f.mean_wait_minutes),
            _r(f.p90_wait_minutes), _r(f.service_level, 4), _r(f.no_show_rate, 4), _r(f.walk_away_rate, 4),
            _r(f.mean_service_minutes))


def _feedback_table(ctx: Context, since: dt.date, until: dt.date, services: list[str],
                    groups: tuple[dict, dict, dict] | None) -> Table | None:
    try:
        from deskapp.core import feedback
    except ImportError:  # feedback not installed in this build: the report goes without it
        return None

    rows = []
    summaries = feedback.customer_summaries_by_service(ctx, since, until, groups=groups)
    for code in [None, *services]:
        s = summaries[code]
        rows.append((code or "all", s.counts.customer_responses, s.counts.completed, _r(s.response_rate, 4),
                     _r(s.csat_pct, 1), _r(s.nps, 1), _r(s.ces)))
    return Table("feedback", _("Feedback (customer answers)"),
                 ("service", "responses", "completed", "response_rate", "csat_pct", "nps", "ces"), tuple(rows))


def build(ctx: Context, since: dt.date, until: dt.date, *, relationship: bool = True) -> Report:
    """Every table of the report for the branch-local days since..until, both included
    (`relationship=False`: without the relationship manager's tables, which span the network)."""
    # Summed by the database (deskapp.core.stats.period_sums); closed days from their day summaries
    # (deskapp.core.stats.day_summaries, filled here first where missing), today from its tickets.
    # Days before the branch's first recorded day are skipped (a period from 0001-01-01 answers at
    # once); a period too long or too far ahead is refused (day_summaries.clip).
    asked = since
    since = min(day_summaries.clip(ctx, since, until), until)
    period, days = period_sums.period_tables(ctx, since, until)
    tables = [
        Table("daily", _("Daily summary"), ("day", *_FIGURE_COLUMNS, "open_counter_hours", "throughput"),
              tuple((d.day.isoformat(), *_figure_cells(d.figures), _r(d.figures.open_counter_hours),
                     _r(d.figures.throughput)) for d in days)),
        Table("services", _("Per service"), ("service", "name", "target_wait_minutes", *_FIGURE_COLUMNS),
              tuple((s.code, s.name, s.target_wait_minutes, *_figure_cells(s.figures)) for s in period.services)),
        Table("counters", _("Per counter"), ("counter", "name", "completed", "open_hours", "throughput",
                                          "mean_service_minutes"),
              tuple((c.code, c.name, c.completed, _r(c.open_hours), _r(c.throughput), _r(c.mean_service_minutes))
                    for c in period.counters)),
        Table("staff", _("Per staff member"), ("login", "name", "completed", "served", "mean_service_minutes"),
              tuple((s.login, s.name, s.completed, s.served, _r(s.mean_service_minutes)) for s in period.staff)),
        Table("hours", _("Per hour"), ("day", "hour", "arrivals", "completed", "mean_wait_minutes", "called",
                                    "service_level"),
              tuple((h.day.isoformat(), f"{h.hour:02d}:00", h.arrivals, h.completed, _r(h.mean_wait_minutes),
                     h.called, _r(h.service_level, 4))
                    for h in period_sums.hourly(ctx, since, until))),
    ]
    groups = _feedback_groups(ctx, since, until)
    feedback_table = _feedback_table(ctx, since, until, [s.code for s in period.services], groups)
    if feedback_table is not None:
        tables.append(feedback_table)
    tables.append(Table("steps", _("Workflow steps"), ("workflow", "step", "position", "worked", "skipped",
                                                    "abandoned", "mean_minutes", "p90_minutes", "amended"),
                        tuple((s.workflow, s.step_id, s.position, s.worked, s.skipped, s.abandoned,
                               _r(s.mean_minutes), _r(s.p90_minutes), s.amended)
                              for s in step_figures(ctx, since, until))))
    tables.append(_estimates_table(ctx, since, until))
    tables.append(_estimates_table(ctx, since, until, last_shown=True))
    if relationship:
        tables += _relationship_tables(ctx, since, until)
    tables.append(_appointments_table(ctx, since, until))
    tables.append(_pauses_table(ctx, since, until))
    tables.append(_out_of_order_table(ctx, since, until))
    return Report(asked, until, period.total, tuple(tables), period, groups)


def _feedback_groups(ctx: Context, since: dt.date, until: dt.date) -> tuple[dict, dict, dict] | None:
    """The customer answers' counts of the period (day summaries, today live); None without feedback."""
    try:
        from deskapp.core import feedback  # noqa: F401
    except ImportError:  # feedback not installed in this build
        return None
    from deskapp.core.stats import day_summaries

    return day_summaries.feedback_groups(ctx, since, until)


ESTIMATE_COLUMNS = ("service", "tickets", "mean_actual_minutes", "mean_estimate_minutes", "bias_minutes",
                    "mae_minutes", "baseline_mae_minutes", "range_coverage")


def _estimates_table(ctx: Context, since: dt.date, until: dt.date, *, last_shown: bool = False) -> Table:
    """The waits promised at issue (or, last_shown, the latest estimate shown before the call) against the
    waits had (definitions: deskapp.core.stats.accuracy)."""
    rows = tuple((code, a.tickets, _r(a.mean_actual), _r(a.mean_estimate), _r(a.bias), _r(a.mae),
                  _r(a.baseline_mae), _r(a.range_coverage, 4))
                 for code, a in accuracy.by_service(ctx, since, until, last_shown=last_shown))
    if last_shown:
        return Table("estimates_last_shown", _("Latest wait estimates shown against actual waits"), ESTIMATE_COLUMNS,
                     rows)
    return Table("estimates", _("Wait estimates against actual waits"), ESTIMATE_COLUMNS, rows)


def _appointments_table(ctx: Context, since: dt.date, until: dt.date) -> Table:
    from deskapp.core.appointments.figures import by_service_and_staff

    return Table("appointments", _("Appointments"), APPOINTMENT_COLUMNS,
                 tuple((f.service, f.staff, f.booked, f.checked_in, f.late, f.no_shows, f.started_on_time,
                        _r(f.no_show_rate, 4), _r(f.on_time_rate, 4)) for f in by_service_and_staff(ctx, since, until)))


PAUSE_COLUMNS = ("counter", "name", "staff", "staff_name", "reason", "label", "pauses", "paused_minutes")


def _pauses_table(ctx: Context, since: dt.date, until: dt.date) -> Table:
    from deskapp.core.stats.pauses import paused_by_reason

    return Table("pauses", _("Time paused by reason"), PAUSE_COLUMNS,
                 tuple((f.counter, f.counter_name, f.login, f.staff_name, f.reason, f.label, f.pauses, _r(f.minutes))
                       for f in paused_by_reason(ctx, since, until)))


OUT_OF_ORDER_COLUMNS = ("by", "reason_or_staff", "staff_name", "out_of_order_calls", "calls", "share_of_calls")


def _out_of_order_table(ctx: Context, since: dt.date, until: dt.date) -> Table:
    from deskapp.core.stats.out_of_order import out_of_order_calls

    return Table("out_of_order", _("Calls out of the calling order"), OUT_OF_ORDER_COLUMNS,
                 tuple((r.by, r.key, r.name, r.out_of_order, r.calls, _r(r.share, 4))
                       for r in out_of_order_calls(ctx, since, until)))


def _relationship_tables(ctx: Context, since: dt.date, until: dt.date) -> list[Table]:
    """Offer acceptance per offer and per manager, follow-ups closed on time, needs met (core.pipeline)."""
    from deskapp.core.relationship import pipeline

    per_offer, per_manager = pipeline.offer_acceptance(ctx, since, until)
    columns = ("answered", "accepted", "declined", "acceptance_rate")
    return [
        Table("offers", _("Offer acceptance per offer"), ("offer", "title", *columns),
              tuple((a.key, a.label, a.answered, a.accepted, a.declined, _r(a.rate, 4)) for a in per_offer)),
        Table("offers_by_manager", _("Offer acceptance per manager"), ("manager", "name", *columns),
              tuple((a.key, a.label, a.answered, a.accepted, a.declined, _r(a.rate, 4)) for a in per_manager)),
        Table("followups_on_time", _("Follow-ups closed on time"), ("assignee", "name", "due", "closed_on_time",
                                                                 "on_time_rate"),
              tuple((f.login, f.name, f.due, f.on_time, _r(f.rate, 4)) for f in pipeline.followups_on_time(ctx, since, until))),
        Table("needs", _("Needs recorded and met"), ("category", "recorded", "met", "met_by_product",
                                                  "median_days_to_product"),
              tuple((n.category, n.recorded, n.met, n.met_by_product, _r(n.median_days_to_product))
                    for n in pipeline.needs_met(ctx, since, until))),
    ]


def csv_paths(out: Path, report: Report) -> dict[str, Path]:
    stem = out.with_suffix("") if out.suffix.lower() == ".csv" else out
    return {t.name: stem.parent / f"{stem.name}_{t.name}.csv" for t in report.tables}


def write_csv(report: Report, out: Path) -> list[Path]:
    """One CSV file per table (see the module doc); empty cells for no data."""
    paths = csv_paths(out, report)
    for table in report.tables:
        with paths[table.name].open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(cells(table.columns))
            writer.writerows(["" if v is None else v for v in cells(row)] for row in table.rows)
    return [paths[t.name] for t in report.tables]


def write_xlsx(report: Report, out: Path) -> list[Path]:
    """One workbook, one sheet per table with a header row; rates formatted as percentages."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
    except ImportError as exc:
        raise ReportError(_("XLSX reports need openpyxl: pip install 'deskapp[reports]'")) from exc
    book = Workbook()
    book.remove(book.active)
    for table in report.tables:
        sheet = book.create_sheet(table.name)
        sheet.append(cells(table.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(cells(row))  # None stays an empty cell
        for index, column in enumerate(table.columns, start=1):
            if column in RATE_COLUMNS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "0.0%"
        sheet.freeze_panes = "A2"  # i18n: not words
    book.save(out)
    return [out]


def write(report: Report, out: Path, fmt: str) -> list[Path]:
    if fmt not in FORMATS:
        raise ReportError(_("A report is written as {formats}, not '{fmt}'.").format(formats=" or ".join(FORMATS), fmt=fmt))
    if not out.parent.is_dir():
        raise ReportError(_("There is no folder {parent} to write the report in.").format(parent=out.parent))
    return write_csv(report, out) if fmt == "csv" else write_xlsx(report, out)
