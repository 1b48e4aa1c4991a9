"""Where a refresh's time goes, statement by statement: how many each core function sends and how long they take.

    from bench.statement_profile import profiled
    with profiled() as seen:
        network.read_network(ctx, ids)
    print(seen.report())

Every statement goes through Peewee's execute_sql; this wraps it, fetches the rows there (so that SQLite's
lazy stepping is timed with its statement), and charges the time to the first deskapp function on the stack
outside deskapp/db. Python time between statements is the rest of the wall time (`python_ms`). A tool for
profiling by hand (bench/network_views.py --profile), not a benchmark figure.
"""
from __future__ import annotations

import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class _Rows:
    """A cursor already read: what Peewee asks of one after a SELECT."""

    def __init__(self, cursor) -> None:
        self.description = cursor.description
        self.rowcount = cursor.rowcount
        self.lastrowid = getattr(cursor, "lastrowid", None)
        self._rows = cursor.fetchall() if cursor.description else []
        self._at = 0

    def fetchone(self):
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchall(self):
        rest, self._at = self._rows[self._at:], len(self._rows)
        return rest

    def fetchmany(self, size=100):
        rest = self._rows[self._at:self._at + size]
        self._at += len(rest)
        return rest

    def __iter__(self):
        while (row := self.fetchone()) is not None:
            yield row

    def close(self) -> None:
        pass


@dataclass
class Seen:
    began: float = field(default_factory=time.perf_counter)
    ended: float | None = None
    statements: list[tuple[str, str, float]] = field(default_factory=list)  # (caller, sql, ms)

    @property
    def wall_ms(self) -> float:
        return ((self.ended or time.perf_counter()) - self.began) * 1000

    def report(self, top: int = 40) -> str:
        by: dict[str, list[float]] = defaultdict(list)
        for caller, _sql, ms in self.statements:
            by[caller].append(ms)
        sql_ms = sum(ms for *_x, ms in self.statements)
        lines = [f"{len(self.statements)} statements, {sql_ms:.1f} ms in them, wall {self.wall_ms:.1f} ms "
                 f"(python_ms {self.wall_ms - sql_ms:.1f})"]
        for caller, times in sorted(by.items(), key=lambda kv: -sum(kv[1]))[:top]:
            lines.append(f"  {sum(times):8.2f} ms {len(times):4d} x  {caller}")
        return "\n".join(lines)


def _caller() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if "/deskapp/" in name and "/deskapp/db/" not in name:
            return f"{Path(name).relative_to(ROOT)}:{frame.f_lineno} {frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


@contextmanager
def profiled():
    from deskapp.db import database

    seen = Seen()
    real = database.db.obj.execute_sql

    def execute_sql(sql, params=None):
        start = time.perf_counter()
        cursor = real(sql, params)
        rows = _Rows(cursor) if sql.lstrip()[:6].upper() in ("SELECT", "WITH R", "WITH ") else cursor
        seen.statements.append((_caller(), sql, (time.perf_counter() - start) * 1000))
        return rows

    database.db.obj.execute_sql = execute_sql
    try:
        yield seen
    finally:
        seen.ended = time.perf_counter()
        del database.db.obj.execute_sql
