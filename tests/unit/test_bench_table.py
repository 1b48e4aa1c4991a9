"""bench/run_all.py's merging and table on fixed inputs (the benchmarks themselves are too slow for CI)."""
from __future__ import annotations

import datetime as dt

from bench import run_all

MACHINE = {"cpu": "Test CPU @ 2.0GHz", "cores": 2, "ram_gib": 7.8, "os": "Linux-6.1-x86_64", "python": "3.11.2",
           "postgresql": "PostgreSQL 15.20"}
WHEN = dt.datetime(2026, 3, 10, 7, 30, tzinfo=dt.UTC)

STARTUP = {"name": "startup", "baseline_ms": 600.0, "value_ms": 780.0, "ratio": 1.3, "runs": 10}
QUEUE = {"name": "queue",
         "sqlite": {"claims_per_s": 391.4, "raw_claims_per_s": 3312.0, "ratio": 0.118, "issued_per_s": 1094.2},
         "postgresql": {"claims_per_s": 190, "raw_claims_per_s": 1262, "ratio": 0.15, "issued_per_s": 469}}
SEARCH = [
    {"backend": "sqlite", "customers": 1_000_000,
     "search": {"deskapp_p50_ms": 8.04, "deskapp_p95_ms": 32.2, "raw_p50_ms": 3.0, "raw_p95_ms": 12.4,
                "ratio_p95": 2.6},
     "import": {"rows_per_s": 1221.0}, "raw_import": {"rows_per_s": 2974.0}},
]
RECEPTION = [
    {"backend": "sqlite", "customers": 1_000_000,
     "lookup": {"reception_p50_ms": 0.53, "reception_p95_ms": 8.15, "search_p50_ms": 0.45, "search_p95_ms": 8.12,
                "ratio_p95": 1.0037}},
]
STATS = {"refresh_history_ms": 41.25, "refresh_today_ms": 12.5, "refresh_ratio": 3.3, "report_year_s": 9.44,
         "tickets": 1_000_000}
MEMORY = {"name": "memory", "backend": "SQLite", "customers": 1_000_000, "tickets": 1_000_123, "peak_rss_mib": 140.2,
          "baseline_rss_mib": 33.0, "ratio": 4.25, "volume_build_s": 171.6, "volume_built_by": "bench/volume.py"}


def doc(**results):
    return run_all.merge(MACHINE, run_all.FULL, results, no_pg=None, when=WHEN)


def test_every_figure_beside_its_baseline_in_a_fixed_order():
    table = run_all.rows(doc(startup=STARTUP, queue=QUEUE, search=SEARCH, reception=RECEPTION, stats=STATS,
                             memory=MEMORY))
    by_figure = {row[0]: row[1:] for row in table}
    assert [row[0] for row in table] == [
        "start-up to a painted login screen",
        "customer search p50 / p95, 1,000,000 customers, SQLite",
        "customer search p50 / p95, 1,000,000 customers, PostgreSQL",
        "reception lookup p50 / p95, 1,000,000 customers, SQLite",
        "reception lookup p50 / p95, 1,000,000 customers, PostgreSQL",
        "claims per second, 8 desk processes, SQLite",
        "claims per second, 8 desk processes, PostgreSQL",
        "tickets issued per second, one process, SQLite",
        "tickets issued per second, one process, PostgreSQL",
        "CSV import, SQLite",
        "CSV import, PostgreSQL",
        "dashboard refresh, 1,000,000 historic tickets",
        "one-year report",
        "peak memory (RSS) of the TUI, 1,000,000 customers, 1,000,123 tickets",
        "building that volume (bench/volume.py)",
    ]
    assert by_figure["start-up to a painted login screen"] == (
        "780 ms", "600 ms (one-label Textual app)", "1.30", "<= 1.3")
    assert by_figure["customer search p50 / p95, 1,000,000 customers, SQLite"] == (
        "8.0 / 32.2 ms", "3.0 / 12.4 ms (raw SQL)", "2.60", "p95 <= 20 ms, ratio <= 2")
    assert by_figure["reception lookup p50 / p95, 1,000,000 customers, SQLite"] == (
        "0.5 / 8.2 ms", "0.5 / 8.1 ms (db/search.py, same queries)", "1.00", "p95 <= 20 ms, ratio about 1")
    assert by_figure["reception lookup p50 / p95, 1,000,000 customers, PostgreSQL"][0] == "not run: no postgresql result"
    assert by_figure["claims per second, 8 desk processes, SQLite"] == ("391", "3,312 (raw claim loop)", "0.12", ">= 0.5")
    assert by_figure["tickets issued per second, one process, PostgreSQL"] == ("469", "-", "-", "-")
    assert by_figure["CSV import, SQLite"] == ("1,221 rows/s", "2,974 rows/s (raw inserts)", "0.41", ">= 5,000 rows/s")
    assert by_figure["dashboard refresh, 1,000,000 historic tickets"] == (
        "41.2 ms", "12.5 ms (today's tickets only)", "3.30", "-")
    assert by_figure["one-year report"] == ("9.4 s", "-", "-", "-")
    summarised = run_all.rows(doc(stats={**STATS, "report_year_s": 1.5, "report_year_cold_s": 30.25,
                                         "report_year_today_only_s": 0.5}))
    assert {row[0]: row[1:] for row in summarised}["one-year report"] == (
        "1.5 s warm, 30.2 s cold", "0.5 s (today-only database)", "3.00", "warm <= 3 s")
    assert by_figure["peak memory (RSS) of the TUI, 1,000,000 customers, 1,000,123 tickets"] == (
        "140 MiB", "33 MiB (one-label Textual app)", "4.25", "-")
    assert by_figure["building that volume (bench/volume.py)"] == ("172 s", "-", "-", "a few minutes")


def test_a_missing_benchmark_is_a_row_that_says_why():
    no_stats = {"not_run": "bench/stats.py is not in this checkout"}
    document = run_all.merge(MACHINE, run_all.QUICK, {"startup": {"not_run": "bench/startup.py failed (exit 1)"},
                                                      "queue": {"name": "queue", "sqlite": QUEUE["sqlite"]},
                                                      "search": SEARCH, "stats": no_stats, "memory": MEMORY},
                             no_pg="no PostgreSQL at postgresql://x: refused", when=WHEN)
    by_figure = {row[0]: row[1:] for row in run_all.rows(document)}
    assert by_figure["start-up to a painted login screen"][0] == "not run: bench/startup.py failed (exit 1)"
    assert by_figure["claims per second, 8 desk processes, PostgreSQL"][0] == (
        "not run: no PostgreSQL at postgresql://x: refused")
    assert by_figure["customer search p50 / p95, 5,000 customers, PostgreSQL"][0].startswith("not run: no PostgreSQL")
    assert by_figure["reception lookup p50 / p95, 5,000 customers, SQLite"][0] == "not run: no sqlite result"
    assert by_figure["dashboard refresh, historic tickets"] == (
        "not run: bench/stats.py is not in this checkout", "-", "-", "-")
    assert by_figure["one-year report"][0] == "not run: bench/stats.py is not in this checkout"
    assert document["quick"] is True and document["sizes"]["customers"] == 5_000


def test_the_markdown_table_names_the_machine_and_escapes_pipes():
    text = run_all.format_table(doc(startup=STARTUP, queue=QUEUE, search=SEARCH, stats=STATS,
                                    memory={"not_run": "a | b"}))
    lines = text.splitlines()
    assert lines[0] == ("Measured 2026-03-10 07:30 UTC on Test CPU @ 2.0GHz, 2 cores, 7.8 GiB RAM, "
                        "Linux-6.1-x86_64, Python 3.11.2, PostgreSQL 15.20")
    assert lines[2] == "| figure | deskapp | baseline (same run) | ratio | target |"
    assert lines[3] == "| --- | --- | --- | --- | --- |"
    assert "| peak memory (RSS) of the TUI | not run: a \\| b | - | - | - |" in lines
    assert len(lines) == 4 + 15


def test_sizes_from_the_environment():
    assert run_all.sizes_from_env({}) == run_all.FULL
    assert run_all.sizes_from_env({"BENCH_QUICK": "1"}) == run_all.QUICK
    lowered = run_all.sizes_from_env({"BENCH_CUSTOMERS": "200000"})
    assert (lowered.customers, lowered.tickets, lowered.days, lowered.import_rows) == (200_000, 200_000, 365, 20_000)
