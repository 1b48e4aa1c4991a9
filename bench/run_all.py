"""`make bench`: every benchmark in bench/, one table, each figure beside its same-run baseline.

Each benchmark is its own script (run alone for details); this runs them one after another, each
writing JSON into bench/results/, then merges them with a description of the machine into
bench/results/all.json and prints one table. A benchmark that fails or is missing is a row that
says "not run" and why; the others still run.

Environment: DESKAPP_TEST_PG_URL (PostgreSQL; default the local test server when it answers),
BENCH_CUSTOMERS (search, reception and memory corpus, default 1,000,000), BENCH_QUICK=1 (small sizes for a
smoke run; the figures then mean little).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
# Benchmarks write a database of their own on the test server, never `test` (the suite's, kept empty).
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/deskapp_bench"
BENCH_DB = "deskapp_bench"


@dataclass(frozen=True)
class Sizes:
    customers: int
    startup_runs: int
    claim_tickets: int
    import_rows: int
    days: int
    tickets: int
    today_tickets: int


FULL = Sizes(customers=1_000_000, startup_runs=10, claim_tickets=1600, import_rows=100_000, days=365,
             tickets=1_000_000, today_tickets=300)
QUICK = Sizes(customers=5_000, startup_runs=3, claim_tickets=200, import_rows=2_000, days=7,
              tickets=5_000, today_tickets=100)
# Without bench/volume.py the memory figure runs on `deskapp demo` data, which is slow to build: at most this.
DEMO_CUSTOMERS, DEMO_DAYS = 10_000, 3


def sizes_from_env(env: dict[str, str]) -> Sizes:
    base = QUICK if env.get("BENCH_QUICK") == "1" else FULL
    if env.get("BENCH_CUSTOMERS"):
        n = int(env["BENCH_CUSTOMERS"])
        base = Sizes(**{**base.__dict__, "customers": n, "tickets": n,
                        "import_rows": min(base.import_rows, max(n // 10, 1_000))})
    return base


# Running ------------------------------------------------------------------------------------------


def run(name: str, args: list[str], timeout: float | None = None) -> dict:
    """Run one benchmark script; its JSON, or {"not_run": reason}."""
    script = ROOT / args[0]
    if not script.exists():
        return {"not_run": f"{args[0]} is not in this checkout"}
    out = RESULTS / f"{name}.json"
    out.unlink(missing_ok=True)
    print(f"== {name}: {' '.join(args)}", flush=True)
    started = time.perf_counter()
    try:
        # --json right after the script: bench/startup.py passes everything after "--" to its target.
        done = subprocess.run([sys.executable, args[0], "--json", str(out), *args[1:]], cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"not_run": f"{args[0]} took longer than {timeout:.0f} s"}
    if done.returncode != 0 or not out.exists():
        return {"not_run": f"{args[0]} failed (exit {done.returncode}); run it alone to see why"}
    print(f"   {name} done in {time.perf_counter() - started:.0f} s", flush=True)
    return json.loads(out.read_text())


def _own_database(url: str) -> str:
    """The same server as `url`, database deskapp_bench: the test server's URL names `test`, which
    the benchmarks must never write into."""
    return urlunparse(urlparse(url)._replace(path=f"/{BENCH_DB}"))


def pg_url(env: dict[str, str]) -> tuple[str | None, str]:
    """The PostgreSQL URL to use and its server version, or None and why not."""
    url = env.get("DESKAPP_BENCH_PG_URL") or _own_database(env.get("DESKAPP_TEST_PG_URL") or DEFAULT_PG)
    try:
        import psycopg

        if urlparse(url).path.lstrip("/") == BENCH_DB:
            with psycopg.connect(urlunparse(urlparse(url)._replace(path="/postgres")), connect_timeout=3,
                                 autocommit=True) as admin:
                if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)).fetchone() is None:
                    admin.execute(f"CREATE DATABASE {BENCH_DB}")
        with psycopg.connect(url, connect_timeout=3) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
        return url, f"PostgreSQL {version.split()[0]}"
    except Exception as exc:  # noqa: BLE001  any failure means: no PostgreSQL rows this run
        return None, f"no PostgreSQL at {url}: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc}"


def machine(pg_version: str) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kib = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                    if line.startswith("MemTotal:")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem_kib / 1024 / 1024, 1),
            "os": platform.platform(), "python": platform.python_version(), "postgresql": pg_version}


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


STEPS = ("startup", "queue", "search", "reception", "stats", "memory")


def collect(env: dict[str, str], only: set[str] | None = None, previous: dict | None = None) -> dict:
    """Run the benchmarks (all, or `only` those, keeping `previous` results); the all.json document."""
    sizes = sizes_from_env(env)
    pg, pg_version = pg_url(env)
    pg_args = ["--pg", pg] if pg else []
    results: dict[str, dict] = dict(previous["results"]) if previous and only else {}
    wanted = only or set(STEPS)

    if "startup" in wanted:
        with tempfile.TemporaryDirectory(prefix="bench-all-") as folder:
            db = f"sqlite:///{folder}/startup.db"
            subprocess.run([sys.executable, "-m", "deskapp", "--db", db, "init"], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
            results["startup"] = run("startup", ["bench/startup.py", "--runs", str(sizes.startup_runs),
                                                 "--wait-for", "PIN", "--", sys.executable, "-m", "deskapp",
                                                 "--db", db])
    if "queue" in wanted:
        results["queue"] = run("queue", ["bench/queue_claims.py", "--tickets", str(sizes.claim_tickets), *pg_args])
    if "search" in wanted:
        results["search"] = run("search", ["bench/search.py", "--customers", str(sizes.customers),
                                           "--import-rows", str(sizes.import_rows), *pg_args])
    if "reception" in wanted:
        results["reception"] = run("reception", ["bench/reception.py", "--customers", str(sizes.customers), *pg_args])
    if "stats" in wanted:
        results["stats"] = run("stats", ["bench/stats.py"])
    if "memory" in wanted:
        customers, days = sizes.customers, sizes.days
        if not (ROOT / "bench" / "volume.py").exists():
            # The row then names the smaller volume it was measured on (counted in the database).
            customers, days = min(customers, DEMO_CUSTOMERS), min(days, DEMO_DAYS)
        results["memory"] = run("memory", ["bench/memory.py", "--customers", str(customers), "--days", str(days),
                                           "--tickets", str(sizes.tickets), "--today-tickets",
                                           str(sizes.today_tickets)])
    return merge(machine(pg_version), sizes, results, no_pg=None if pg else pg_version,
                 when=dt.datetime.now(dt.UTC))


# Merging and the table (pure functions, tested on fixed inputs) -----------------------------------


def merge(machine_info: dict, sizes: Sizes, results: dict[str, dict], *, no_pg: str | None,
          when: dt.datetime) -> dict:
    """One document: when, where, at which sizes, and each benchmark's own JSON (or why not run)."""
    return {"measured_at": when.strftime("%Y-%m-%d %H:%M UTC"), "machine": machine_info,
            "sizes": dict(sizes.__dict__), "quick": sizes == QUICK, "no_postgresql": no_pg,
            "results": results}


TABLE_HEADER = ("figure", "deskapp", "baseline (same run)", "ratio", "target")


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _not_run(figure: str, why: str, target: str = "-") -> tuple[str, ...]:
    return (figure, f"not run: {why}", "-", "-", target)


def rows(doc: dict) -> list[tuple[str, ...]]:
    """The table's rows, always the same figures in the same order; missing ones say why."""
    res = doc["results"]
    sizes = doc["sizes"]
    no_pg = doc.get("no_postgresql")
    out: list[tuple[str, ...]] = []

    s = res.get("startup", {})
    figure = "start-up to a painted login screen"
    if "ratio" in s:
        out.append((figure, f"{s['value_ms']:.0f} ms", f"{s['baseline_ms']:.0f} ms (one-label Textual app)",
                    f"{s['ratio']:.2f}", "<= 1.3"))
    else:
        out.append(_not_run(figure, s.get("not_run", "no result"), "<= 1.3"))

    search = res.get("search", {})
    by_backend = {r["backend"]: r for r in search} if isinstance(search, list) else {}
    for backend, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        r = by_backend.get(backend)
        figure = f"customer search p50 / p95, {_n(r['customers'] if r else sizes['customers'])} customers, {name}"
        if r:
            q = r["search"]
            out.append((figure, f"{q['deskapp_p50_ms']:.1f} / {q['deskapp_p95_ms']:.1f} ms",
                        f"{q['raw_p50_ms']:.1f} / {q['raw_p95_ms']:.1f} ms (raw SQL)", f"{q['ratio_p95']:.2f}",
                        "p95 <= 20 ms, ratio <= 2"))
        else:
            out.append(_not_run(figure, _why(search, backend, no_pg), "p95 <= 20 ms, ratio <= 2"))

    reception = res.get("reception", {})
    lookups = {r["backend"]: r for r in reception} if isinstance(reception, list) else {}
    for backend, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        r = lookups.get(backend)
        figure = f"reception lookup p50 / p95, {_n(r['customers'] if r else sizes['customers'])} customers, {name}"
        target = "p95 <= 20 ms, ratio about 1"
        if r:
            q = r["lookup"]
            out.append((figure, f"{q['reception_p50_ms']:.1f} / {q['reception_p95_ms']:.1f} ms",
                        f"{q['search_p50_ms']:.1f} / {q['search_p95_ms']:.1f} ms (db/search.py, same queries)",
                        f"{q['ratio_p95']:.2f}", target))
        else:
            out.append(_not_run(figure, _why(reception, backend, no_pg), target))

    queue = res.get("queue", {})
    for backend, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        r = queue.get(backend)
        figure = f"claims per second, 8 desk processes, {name}"
        if isinstance(r, dict):
            out.append((figure, _n(r["claims_per_s"]), f"{_n(r['raw_claims_per_s'])} (raw claim loop)",
                        f"{r['ratio']:.2f}", ">= 0.5"))
        else:
            out.append(_not_run(figure, _why(queue, backend, no_pg), ">= 0.5"))
    for backend, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        r = queue.get(backend)
        figure = f"tickets issued per second, one process, {name}"
        out.append((figure, _n(r["issued_per_s"]), "-", "-", "-") if isinstance(r, dict)
                   else _not_run(figure, _why(queue, backend, no_pg)))

    for backend, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        r = by_backend.get(backend)
        figure = f"CSV import, {name}"
        out.append((figure, f"{_n(r['import']['rows_per_s'])} rows/s", f"{_n(r['raw_import']['rows_per_s'])} "
                    "rows/s (raw inserts)", f"{r['import']['rows_per_s'] / r['raw_import']['rows_per_s']:.2f}",
                    ">= 5,000 rows/s") if r else _not_run(figure, _why(search, backend, no_pg), ">= 5,000 rows/s"))

    st = res.get("stats", {})
    history = f"{_n(st['tickets'])} historic tickets" if "tickets" in st else "historic tickets"
    figure = f"dashboard refresh, {history}"
    out.append((figure, f"{st['refresh_history_ms']:.1f} ms", f"{st['refresh_today_ms']:.1f} ms (today's tickets only)",
                f"{st['refresh_ratio']:.2f}", "-") if "refresh_ratio" in st
               else _not_run(figure, st.get("not_run", "no result")))
    figure = "one-year report"
    if "report_year_cold_s" in st:  # warm (day summaries read) and cold (summarising the year first)
        out.append((figure, f"{st['report_year_s']:.1f} s warm, {st['report_year_cold_s']:.1f} s cold",
                    f"{st['report_year_today_only_s']:.1f} s (today-only database)",
                    f"{st['report_year_s'] / st['report_year_today_only_s']:.2f}", "warm <= 3 s"))
    else:
        out.append((figure, f"{st['report_year_s']:.1f} s", "-", "-", "-") if "report_year_s" in st
                   else _not_run(figure, st.get("not_run", "no result")))

    m = res.get("memory", {})
    figure = (f"peak memory (RSS) of the TUI, {_n(m['customers'])} customers, {_n(m['tickets'])} tickets"
              if "customers" in m else "peak memory (RSS) of the TUI")
    out.append((figure, f"{m['peak_rss_mib']:.0f} MiB", f"{m['baseline_rss_mib']:.0f} MiB (one-label Textual app)",
                f"{m['ratio']:.2f}", "-") if "peak_rss_mib" in m else _not_run(figure, m.get("not_run", "no result")))
    figure = "building that volume" + (f" ({m['volume_built_by']})" if m.get("volume_built_by") else "")
    out.append((figure, f"{m['volume_build_s']:.0f} s", "-", "-", "a few minutes") if m.get("volume_build_s") is not None
               else _not_run(figure, m.get("not_run", "volume reused, not built"), "a few minutes"))
    return out


def _why(result, backend: str, no_pg: str | None) -> str:
    if isinstance(result, dict) and "not_run" in result:
        return result["not_run"]
    if backend == "postgresql" and no_pg:
        return no_pg
    return f"no {backend} result"


def format_table(doc: dict) -> str:
    """The Markdown table and a line about the machine, as the README shows them."""
    m = doc["machine"]
    lines = [f"Measured {doc['measured_at']} on {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, "
             f"{m['os']}, Python {m['python']}, {m['postgresql']}"
             + (" (BENCH_QUICK=1: smoke-run sizes)" if doc.get("quick") else ""), ""]
    table = [TABLE_HEADER, *rows(doc)]
    lines.append("| " + " | ".join(TABLE_HEADER) + " |")
    lines.append("| " + " | ".join("---" for _ in TABLE_HEADER) + " |")
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table[1:]]
    return "\n".join(lines)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help=f"comma-separated steps to run again ({', '.join(STEPS)}); "
                                                    "the others keep their figures from bench/results/all.json")
    args = parser.parse_args()
    only = {step.strip() for step in args.only.split(",") if step.strip()} or None
    unknown = (only or set()) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))} (steps: {', '.join(STEPS)})")
    RESULTS.mkdir(parents=True, exist_ok=True)
    previous_file = RESULTS / "all.json"
    previous = json.loads(previous_file.read_text()) if only and previous_file.exists() else None
    doc = collect(dict(os.environ), only, previous)
    (RESULTS / "all.json").write_text(json.dumps(doc, indent=2) + "\n")
    print()
    print(format_table(doc))
    print(f"\n(all figures: {RESULTS / 'all.json'})")


if __name__ == "__main__":
    main()
