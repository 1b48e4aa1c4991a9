"""deskapp through PgBouncer in transaction pooling mode: no session state across transactions.

In transaction mode a client's next transaction may run on another server connection, so a session
setting, a session advisory lock, a temporary table, LISTEN or a server-side prepared statement
would be lost or found by someone else. The queue's concurrency and connection-loss tests also run
through PgBouncer (tests/unit/test_queue_concurrency.py, tests/reliability/test_connection_loss.py,
fixture `any_db_url` / `pg_desk`); here: how deskapp connects, and a scan of its SQL.
"""
from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import pytest

from deskapp.config.load import load_config
from deskapp.core import queue as q
from deskapp.core.clock import FixedClock
from deskapp.core.startup import open_context
from deskapp.core.stats.integrity import check
from deskapp.db import database
from deskapp.db.database import DatabaseUnavailable
from tests.conftest import CONFIG, T0

ROOT = Path(__file__).resolve().parents[2]

# Session state a transaction-pooled connection cannot keep. SET LOCAL, pg_advisory_xact_lock and
# ON COMMIT DROP temporaries end with their transaction and are fine.
SESSION_STATE = [
    (re.compile(r"""["']\s*SET\s+(?!LOCAL\b)(?!.*\bWHERE\b)[a-z_]+\s*(=|TO\b)""", re.I), "a session SET"),
    (re.compile(r"pg_advisory_lock|pg_try_advisory_lock(?!_)|pg_advisory_unlock", re.I), "a session advisory lock"),
    (re.compile(r"CREATE\s+(TEMP|TEMPORARY)\s+TABLE(?![^\"']*ON COMMIT DROP)", re.I), "a temporary table"),
    (re.compile(r"""["']\s*(LISTEN|UNLISTEN|NOTIFY)\s"""), "LISTEN/NOTIFY"),  # SQL's capitals ("notify: sent" is a log line)
    (re.compile(r"""["']\s*(PREPARE|DECLARE)\s""", re.I), "a server-side prepared statement or cursor"),
    (re.compile(r"WITH\s+HOLD|withhold\s*=\s*True|prepare_threshold\s*=\s*\d", re.I), "state kept after a transaction"),
]


def test_no_session_state_in_deskapp_sql() -> None:
    found = []
    for path in sorted((ROOT / "deskapp").rglob("*.py")):
        if "migrations" in path.parts:
            continue  # run by `deskapp init` with the owner's direct URL, not by desks
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for pattern, what in SESSION_STATE:
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {what}: {line.strip()}")
    assert found == []


def test_a_desk_works_through_pgbouncer_without_server_side_prepares(bounced_url, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="deskapp"):
        ctx = open_context(load_config(CONFIG), bounced_url, FixedClock(T0))
    assert database.db.obj.pooler, "PgBouncer refused the startup options, so deskapp knows it is pooled"
    assert any("statement_timeout (30 s) is not applied" in r.getMessage() for r in caplog.records)
    assert database.db.connection().prepare_threshold is None
    # Two desks' threads share server connections through PgBouncer; psycopg would prepare each
    # statement after five runs on one and fail on the other ("prepared statement does not exist").
    for _ in range(12):
        q.issue(ctx, "CASH", with_estimate=False)
    errors: list[BaseException] = []

    def desk(counter: str, login: str) -> None:
        try:
            while q.call_next(ctx, counter, login) is not None:
                q.no_show(ctx, counter, by=login)
        except BaseException as exc:  # noqa: BLE001  asserted below
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=desk, args=args) for args in (("1", "ana"), ("2", "joao"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert check(ctx.branch_id) == []


def test_url_options_through_pgbouncer_are_refused_with_the_way_out(pgbouncer, bounced_url) -> None:
    url = bounced_url + "?options=-csearch_path%3Delsewhere"
    with pytest.raises(DatabaseUnavailable, match="refuses the URL's options.*connect_query"):
        database.connect(url)
