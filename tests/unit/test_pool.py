"""Connections lent to worker threads (deskapp.db.pool): reused between calls, never when unclean,
and a kept PostgreSQL connection the server ended is replaced before anyone uses it."""
from __future__ import annotations

import threading

import psycopg

from deskapp.db import database, migrate, pool
from deskapp.db.database import db, is_postgres
from tests.conftest import PG_URL


def in_thread(fn):
    """fn() in a new thread inside borrowed(), as a screen's worker runs a core call; its result."""
    out: dict = {}

    def run() -> None:
        try:
            with pool.borrowed():
                out["value"] = fn()
        except Exception as exc:  # noqa: BLE001  handed to the test
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def backend_id() -> object:
    """What identifies the connection in use: the server process (PostgreSQL) or the connection object."""
    if is_postgres():
        return db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    return id(db.connection())


def setup(db_url) -> None:
    database.connect(db_url)
    migrate.migrate()
    database.close()


def test_the_next_thread_gets_the_connection_the_last_one_left(db_url) -> None:
    setup(db_url)
    first = in_thread(backend_id)
    assert pool.kept() == 1
    assert in_thread(backend_id) == first
    assert in_thread(lambda: db.execute_sql("SELECT count(*) FROM customer").fetchone()[0]) == 0
    database.close()
    assert pool.kept() == 0


def test_a_write_in_one_thread_is_seen_by_the_next(db_url) -> None:
    setup(db_url)
    in_thread(lambda: database.transaction(lambda: db.execute_sql(
        "INSERT INTO branch (code, name, timezone) VALUES ('B9', 'Nine', 'UTC')")))
    assert in_thread(lambda: db.execute_sql("SELECT name FROM branch WHERE code = 'B9'").fetchall()) == [("Nine",)]
    database.close()


def test_a_connection_left_inside_a_transaction_is_not_kept(db_url) -> None:
    setup(db_url)

    def leave_open() -> None:
        db.execute_sql("BEGIN")
        db.execute_sql("INSERT INTO branch (code, name, timezone) VALUES ('B8', 'Eight', 'UTC')")

    in_thread(leave_open)
    assert pool.kept() == 0
    # Closed, so its uncommitted row went with it.
    assert in_thread(lambda: db.execute_sql("SELECT count(*) FROM branch WHERE code = 'B8'").fetchone()[0]) == 0
    database.close()


def test_a_failing_call_gives_back_a_clean_connection(db_url) -> None:
    setup(db_url)
    try:
        in_thread(lambda: db.execute_sql("SELECT * FROM no_such_table"))
    except Exception as exc:  # noqa: BLE001
        assert "no_such_table" in str(exc)
    else:
        raise AssertionError("the bad query did not fail")
    assert in_thread(lambda: db.execute_sql("SELECT 1").fetchone()[0]) == 1
    database.close()


def test_a_kept_connection_the_server_ended_is_replaced_before_use(db_url) -> None:
    setup(db_url)
    if not is_postgres():
        return
    first = in_thread(backend_id)
    assert pool.kept() == 1
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    # A lone write (which the reconnect logic would not repeat) works on the replacement.
    in_thread(lambda: db.execute_sql("INSERT INTO branch (code, name, timezone) VALUES ('B7', 'Seven', 'UTC')"))
    assert in_thread(backend_id) != first
    assert in_thread(lambda: db.execute_sql("SELECT count(*) FROM branch WHERE code = 'B7'").fetchone()[0]) == 1
    database.close()


def test_kept_connections_of_a_database_no_longer_bound_are_closed(db_url, tmp_path) -> None:
    setup(db_url)
    in_thread(backend_id)
    assert pool.kept() == 1
    other = f"sqlite:///{tmp_path / 'other.db'}"
    database.connect(other)  # bound without closing the first: its kept connection is stale
    migrate.migrate()
    db.close()
    assert in_thread(lambda: db.execute_sql("SELECT count(*) FROM customer").fetchone()[0]) == 0
    assert pool.kept() == 1
    database.close()
