"""`deskapp report`: the crafted day of test_stats written as CSV and XLSX, read back and checked."""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from deskapp.core.stats import day_summaries, reports
from deskapp.db.models import SummaryDay
from tests.unit.test_cli_queue import deskapp, failed
from tests.unit.test_stats import DAY, crafted_day

TABLES = ["daily", "services", "counters", "staff", "hours", "feedback", "steps", "estimates", "estimates_last_shown",
          "offers",
          "offers_by_manager",
          "followups_on_time", "needs", "appointments", "pauses", "out_of_order"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_report_as_csv_files(ctx, clock, db_url, tmp_path):
    crafted_day(ctx, clock)
    out = tmp_path / "march.csv"
    result = deskapp(db_url, "report", "--from", "2026-03-09", "--to", "2026-03-10", "--out", str(out),
                     "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format"] == "csv" and list(data["tables"]) == TABLES
    assert [Path(p).name for p in data["files"]] == [f"march_{t}.csv" for t in TABLES]

    daily = read_csv(tmp_path / "march_daily.csv")
    # 2026-03-09 is before the branch's first recorded day: skipped (an empty day's cells: test_stats
    # and test_an_empty_period_writes_headers_and_empty_cells).
    assert [d["day"] for d in daily] == ["2026-03-10"]
    (day,) = daily
    assert (day["arrivals"], day["completed"], day["called"], day["no_shows"], day["walk_aways"]) == (
        "7", "4", "6", "1", "1")
    assert float(day["mean_wait_minutes"]) == 9.0 and float(day["p90_wait_minutes"]) == 15.0
    assert float(day["service_level"]) == 0.8333 and float(day["walk_away_rate"]) == 0.1429
    assert float(day["mean_service_minutes"]) == 8.4
    # A past day, read later: nobody closed a counter that day, so each was open from its opening
    # (the first call) to the midnight that ended the day: 1 from 10:05 (835 min), 2 from 10:06
    # (834), 3 from 10:12 (828), 4 from 10:25 (815) = 3312 min = 55.2 h.
    assert float(day["open_counter_hours"]) == 55.2
    assert float(day["throughput"]) == round(4 / 55.2, 2)

    services = {r["service"]: r for r in read_csv(tmp_path / "march_services.csv")}
    assert services["CASH"]["service_level"] == "0.75" and services["CASH"]["arrivals"] == "4"
    assert services["LOAN"]["arrivals"] == "0" and services["LOAN"]["mean_wait_minutes"] == ""
    staff = {r["login"]: r for r in read_csv(tmp_path / "march_staff.csv")}
    assert staff["ana"]["completed"] == "2" and staff["mehmet"]["completed"] == "0"
    hours = read_csv(tmp_path / "march_hours.csv")
    assert [(h["day"], h["hour"], h["arrivals"], h["called"], h["service_level"]) for h in hours] == [
        ("2026-03-10", "10:00", "7", "6", "0.8333")]
    feedback = {r["service"]: r for r in read_csv(tmp_path / "march_feedback.csv")}
    assert feedback["all"]["completed"] == "4" and feedback["all"]["responses"] == "0"
    assert feedback["all"]["response_rate"] == "0.0" and feedback["all"]["csat_pct"] == ""
    assert read_csv(tmp_path / "march_steps.csv") == []  # nobody was guided through a step


def test_the_report_as_a_workbook(ctx, clock, tmp_path):
    crafted_day(ctx, clock)
    out = tmp_path / "march.xlsx"
    written = reports.write(reports.build(ctx, DAY, DAY), out, "xlsx")
    assert written == [out]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == TABLES
    daily = list(book["daily"].iter_rows(values_only=True))
    header, row = daily[0], daily[1]
    assert header[:3] == ("day", "arrivals", "completed")
    values = dict(zip(header, row))
    assert values["arrivals"] == 7 and values["mean_wait_minutes"] == 9.0 and values["service_level"] == 0.8333
    assert book["daily"].cell(row=2, column=header.index("service_level") + 1).number_format == "0.0%"
    service_header = next(book["services"].iter_rows(values_only=True))
    services = {r[0]: dict(zip(service_header, r)) for r in book["services"].iter_rows(min_row=2, values_only=True)}
    assert services["INFO"]["walk_away_rate"] == 1.0
    assert services["LOAN"]["mean_wait_minutes"] is None  # an empty cell, never 0
    counters = [r for r in book["counters"].iter_rows(min_row=2, values_only=True)]
    assert [c[0] for c in counters] == ["1", "2", "3", "4"]


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-13-01", "--to", "2026-03-10"], "--from must be a date as YYYY-MM-DD"),
    (["--from", "2026-03-10", "--to", "tuesday"], "--to must be a date as YYYY-MM-DD"),
    (["--from", "2026-03-10", "--to", "2026-03-09"], "ends (2026-03-09) before it starts"),
])
def test_bad_dates_exit_2_with_a_clear_message(sqlite_url, tmp_path, args, message):
    result = deskapp(sqlite_url, "report", *args, "--out", str(tmp_path / "r.csv"), cwd=tmp_path)
    assert message in failed(result, 2)
    assert not list(tmp_path.glob("r_*.csv"))


def test_a_missing_folder_is_bad_input(sqlite_url, tmp_path):
    result = deskapp(sqlite_url, "report", "--from", "2026-03-10", "--to", "2026-03-10",
                     "--out", str(tmp_path / "nowhere" / "r.xlsx"), cwd=tmp_path)
    assert "no folder" in failed(result, 2)


def test_an_empty_period_writes_headers_and_empty_cells(ctx, tmp_path):
    paths = reports.write(reports.build(ctx, DAY, DAY), tmp_path / "empty.csv", "csv")
    assert len(paths) == len(TABLES)
    (day,) = read_csv(tmp_path / "empty_daily.csv")
    assert day["arrivals"] == "0"
    assert all(day[c] == "" for c in ("mean_wait_minutes", "service_level", "no_show_rate", "throughput"))
    assert read_csv(tmp_path / "empty_counters.csv") == []
    assert dt.date.fromisoformat(day["day"]) == DAY


def test_step_durations_show_the_slow_steps(ctx, clock):
    """Workflow steps as the runner records them (one row per committed step), timed shown -> committed."""
    from deskapp.db.models import StepRecord

    crafted_day(ctx, clock)
    a001 = q_ticket(ctx, "A001")
    a002 = q_ticket(ctx, "A002")
    t = dt.datetime(2026, 3, 10, 10, 6)
    for ticket, identify, count, skipped in ((a001, 1, 3, False), (a002, 2, 5, True)):
        StepRecord.create(ticket=ticket, workflow="cash", step_id="identify", position=0, started_at=t,
                          committed_at=t + dt.timedelta(minutes=identify), outcome="done")
        StepRecord.create(ticket=ticket, workflow="cash", step_id="count", position=1, started_at=t,
                          committed_at=t + dt.timedelta(minutes=count), outcome="done")
        StepRecord.create(ticket=ticket, workflow="cash", step_id="receipt", position=2, started_at=t,
                          committed_at=t, outcome="skipped" if skipped else "done")
    table = {tb.name: tb for tb in reports.build(ctx, DAY, DAY).tables}["steps"]
    assert table.rows == (
        # workflow, step, position, worked, skipped, abandoned, mean, p90, amended
        ("cash", "identify", 0, 2, 0, 0, 1.5, 2.0, 0),
        ("cash", "count", 1, 2, 0, 0, 4.0, 5.0, 0),
        ("cash", "receipt", 2, 1, 1, 0, 0.0, 0.0, 0),
    )


def q_ticket(ctx, number: str) -> int:
    from deskapp.core import queue as q

    return q.find_today(ctx, number).id


def test_the_format_follows_the_suffix_and_the_text_shows_dashes(sqlite_url, tmp_path):
    result = deskapp(sqlite_url, "report", "--from", "2026-03-10", "--to", "2026-03-10",
                     "--out", str(tmp_path / "r.xlsx"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 arrivals, 0 completed" in result.stdout
    assert "mean wait -, p90 wait -, service level -" in result.stdout and "throughput -" in result.stdout
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames == TABLES


def test_a_period_reaching_back_before_the_first_recorded_day_answers_at_once(ctx, clock):
    crafted_day(ctx, clock)
    report = reports.build(ctx, dt.date(1, 1, 1), DAY)  # 739,954 days asked
    daily = next(t for t in report.tables if t.name == "daily")
    assert [row[0] for row in daily.rows] == [DAY.isoformat()]
    assert report.since == dt.date(1, 1, 1) and report.total.arrivals == 7
    # Nothing before the first recorded day was summarised.
    assert SummaryDay.select().where(SummaryDay.day < DAY).count() == 0
    # A period wholly before it answers too, empty.
    early = reports.build(ctx, dt.date(1, 1, 1), dt.date(1, 1, 5))
    assert early.total.arrivals == 0 and next(t for t in early.tables if t.name == "daily").rows == ()


def test_a_period_is_bounded_in_years_and_cannot_reach_far_ahead(ctx, clock):
    crafted_day(ctx, clock)
    with pytest.raises(reports.ReportError, match="more than a year from today"):
        reports.build(ctx, dt.date(9999, 12, 31), dt.date(9999, 12, 31))
    years = ctx.config.reports.max_years
    assert years == 5
    too_long = DAY + dt.timedelta(days=round(365.2425 * years))
    clock.set(dt.datetime(too_long.year, too_long.month, too_long.day, 12, 0))
    with pytest.raises(reports.ReportError, match=f"at most {years} years .*reports.max_years"):
        reports.build(ctx, dt.date(1, 1, 1), too_long)
    # One day less is allowed, counted from the first recorded day (building it would summarise five years).
    assert day_summaries.clip(ctx, dt.date(1, 1, 1), too_long - dt.timedelta(days=1)) == DAY


@pytest.mark.parametrize("since, until, message", [
    ("9999-12-31", "9999-12-31", "more than a year from today"),
    ("0001-01-01", "9999-12-31", "more than a year from today"),
])
def test_far_periods_exit_2_with_one_line_on_the_command_line(sqlite_url, tmp_path, since, until, message):
    result = deskapp(sqlite_url, "report", "--from", since, "--to", until, "--out", str(tmp_path / "r.csv"),
                     cwd=tmp_path)
    assert message in failed(result, 2)


def test_the_command_line_answers_a_period_from_year_one(sqlite_url, tmp_path):
    result = deskapp(sqlite_url, "report", "--from", "0001-01-01", "--to", dt.date.today().isoformat(),
                     "--out", str(tmp_path / "r.csv"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 arrivals" in result.stdout
