"""`make bench`: every benchmark in bench/, one table, each figure beside its same-run baseline.

Each benchmark is its own script (run alone for details); this runs them one after another, each
writing JSON into bench/results/, and prints the figures that matter together. Set
DESKAPP_TEST_PG_URL to include PostgreSQL; BENCH_CUSTOMERS to shrink the search corpus on a small
machine (default 1,000,000).
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def run(name: str, args: list[str]) -> dict | None:
    out = RESULTS / f"{name}.json"
    print(f"== {name}: {' '.join(args)}", flush=True)
    done = subprocess.run([sys.executable, *args, "--json", str(out)], cwd=ROOT)
    if done.returncode != 0 or not out.exists():
        print(f"   {name} failed (exit {done.returncode})", flush=True)
        return None
    return json.loads(out.read_text())


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    pg = os.environ.get("DESKAPP_TEST_PG_URL")
    customers = os.environ.get("BENCH_CUSTOMERS", "1000000")
    rows: list[tuple[str, str, str, str]] = []

    with tempfile.TemporaryDirectory() as folder:
        db = f"sqlite:///{folder}/startup.db"
        subprocess.run([sys.executable, "-m", "deskapp", "--db", db, "init"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        startup = run("startup", ["bench/startup.py", "--runs", "10", "--wait-for", "PIN", "--",
                                  sys.executable, "-m", "deskapp", "--db", db])
    if startup:
        rows.append(("start-up to login screen", f"{startup['value_ms']:.0f} ms",
                     f"{startup['baseline_ms']:.0f} ms (one-label app)", f"{startup['ratio']:.2f} (target <= 1.3)"))

    claims = run("queue", ["bench/queue_claims.py", *(["--pg", pg] if pg else [])])
    for backend, r in (claims or {}).items():
        if isinstance(r, dict):
            rows.append((f"claims/s, 8 desks, {backend}", f"{r['claims_per_s']}", f"{r['raw_claims_per_s']} (raw loop)",
                         f"{r['ratio']} (target >= 0.5)"))
            rows.append((f"tickets issued/s, {backend}", f"{r['issued_per_s']}", "-", "-"))

    search = run("search", ["bench/search.py", "--customers", customers, *(["--pg", pg] if pg else [])])
    for r in search or []:
        q, i, raw = r["search"], r["import"], r["raw_import"]
        rows.append((f"search p50/p95, {r['customers']:,} customers, {r['backend']}",
                     f"{q['deskapp_p50_ms']:.1f}/{q['deskapp_p95_ms']:.1f} ms",
                     f"{q['raw_p50_ms']:.1f}/{q['raw_p95_ms']:.1f} ms (raw SQL)", f"{q['ratio_p95']:.2f} (target <= 2)"))
        rows.append((f"import rows/s, {r['backend']}", f"{i['rows_per_s']:,.0f}",
                     f"{raw['rows_per_s']:,.0f} (raw insert)", "target >= 5,000/s"))

    print()
    print(f"Measured on {platform.node()}: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    width = max((len(r[0]) for r in rows), default=10)
    print(f"{'figure':<{width}}  {'deskapp':>14}  {'baseline':>30}  ratio")
    for name, value, baseline, ratio in rows:
        print(f"{name:<{width}}  {value:>14}  {baseline:>30}  {ratio}")
    (RESULTS / "summary.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
