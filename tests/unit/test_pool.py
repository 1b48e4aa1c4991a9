"""Connections lent to worker threads (deskapp.db.pool over playhouse.pool): reused between calls,
given back only when idle, a kept PostgreSQL connection the server ended is replaced before anyone
uses it, and database.close() ends them all."""
from __future__ import annotations

import sqlite3
import threading
import time

import psycopg

from deskapp.db import database, migrate, pool
from deskapp.db.database import db, is_postgres
from tests.conftest import PG_URL


def in_thread(fn):
    """fn() in a new thread inside borrowed(), as a screen's worker runs a core call; its result."""
    return in_threads(fn, 1)[0]


def in_threads(fn, n: int, *, together: bool = False) -> list:
    """fn() in n threads at once, each inside borrowed(); with `together`, each keeps its connection
    until all have one (so n connections are open at the same time). The results, in order."""
    out: list = [None] * n
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            with pool.borrowed():
                out[i] = fn()
                if together:
                    barrier.wait(timeout=30)
        except Exception as exc:  # noqa: BLE001  handed to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return out


def backend() -> object:
    """The connection in use: its server process id (PostgreSQL) or the driver's connection object."""
    if is_postgres():
        return db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    db.execute_sql("SELECT 1")
    return db.connection()


def ended(handle: object) -> bool:
    """Whether the connection `backend()` returned is gone (no server process / closed object)."""
    if isinstance(handle, int):
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            return admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (handle,)).fetchone()[0] == 0
    try:
        handle.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return True
    return False


def outside(db_url: str, sql: str):
    """The first value `sql` reads on a connection of its own, outside deskapp's pool."""
    if db_url.startswith("sqlite:///"):
        with sqlite3.connect(db_url[len("sqlite:///"):]) as conn:
            return conn.execute(sql).fetchone()[0]
    with psycopg.connect(db_url) as conn:
        return conn.execute(sql).fetchone()[0]


def setup(db_url) -> None:
    database.connect(db_url)
    migrate.migrate()
    database.close()


def test_the_next_thread_gets_the_connection_the_last_one_left(db_url) -> None:
    setup(db_url)
    first = in_thread(backend)
    assert in_thread(backend) == first
    assert in_thread(lambda: db.execute_sql("SELECT count(*) FROM customer").fetchone()[0]) == 0
    database.close()
    assert ended(first)


def test_close_ends_every_kept_connection(db_url) -> None:
    setup(db_url)
    handles = in_threads(backend, 3, together=True)
    assert len(set(handles)) == 3
    assert not any(ended(h) for h in handles)
    database.close()
    assert all(ended(h) for h in handles)


def test_a_write_in_one_thread_is_seen_by_the_next(db_url) -> None:
    setup(db_url)
    in_thread(lambda: database.transaction(lambda: db.execute_sql(
        "INSERT INTO branch (code, name, timezone) VALUES ('B9', 'Nine', 'UTC')")))
    assert in_thread(lambda: db.execute_sql("SELECT name FROM branch WHERE code = 'B9'").fetchall()) == [("Nine",)]
    database.close()


def test_a_connection_left_inside_a_transaction_comes_back_idle(db_url) -> None:
    setup(db_url)

    def leave_open() -> None:
        db.execute_sql("BEGIN")
        db.execute_sql("INSERT INTO branch (code, name, timezone) VALUES ('B8', 'Eight', 'UTC')")

    in_thread(leave_open)
    # Its uncommitted row is gone, and the next thread's transaction commits on its own: the
    # connection did not come back inside the abandoned transaction.
    assert in_thread(lambda: db.execute_sql("SELECT count(*) FROM branch WHERE code = 'B8'").fetchone()[0]) == 0
    in_thread(lambda: database.transaction(lambda: db.execute_sql(
        "INSERT INTO branch (code, name, timezone) VALUES ('B6', 'Six', 'UTC')")))
    assert outside(db_url, "SELECT count(*) FROM branch WHERE code = 'B6'") == 1
    assert outside(db_url, "SELECT count(*) FROM branch WHERE code = 'B8'") == 0
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
    first = in_thread(backend)
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    # A lone write (which the reconnect logic would not repeat) works on the replacement.
    in_thread(lambda: db.execute_sql("INSERT INTO branch (code, name, timezone) VALUES ('B7', 'Seven', 'UTC')"))
    assert in_thread(backend) != first
    assert in_thread(lambda: db.execute_sql("SELECT count(*) FROM branch WHERE code = 'B7'").fetchone()[0]) == 1
    database.close()


def test_after_a_server_restart_no_kept_connection_is_handed_out(db_url) -> None:
    setup(db_url)
    if not is_postgres():
        return
    kept = in_threads(backend, 3, together=True)
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        for pid in kept:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    # Every thread's first statement is a lone write: none of them may meet a dead connection.
    in_threads(lambda: db.execute_sql("INSERT INTO branch (code, name, timezone) VALUES "
                                      f"('T{threading.get_ident() % 10_000}', 'T', 'UTC')"), 3, together=True)
    assert not set(in_threads(backend, 3, together=True)) & set(kept)
    database.close()


def test_more_calls_at_once_than_the_pool_holds_wait_their_turn(db_url) -> None:
    setup(db_url)
    calls = database.POOL_SIZE + 4

    def slow() -> object:
        handle = backend()
        time.sleep(0.2)
        return handle

    handles = in_threads(slow, calls)
    assert len(set(handles)) <= database.POOL_SIZE
    database.close()


def test_every_sqlite_connection_of_the_pool_has_the_pragmas(db_url) -> None:
    setup(db_url)
    if is_postgres():
        return

    def pragmas() -> dict:
        return {name: db.execute_sql(f"PRAGMA {name}").fetchone()[0] for name, _ in database.SQLITE_PRAGMAS}

    expected = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000, "synchronous": 1}  # 1 = normal
    assert in_threads(pragmas, 3, together=True) == [expected] * 3
    database.close()


def test_kept_connections_of_a_database_no_longer_bound_are_closed(db_url, tmp_path) -> None:
    setup(db_url)
    first = in_thread(backend)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    database.connect(other)  # bound without closing the first: its kept connection is stale
    assert ended(first)
    migrate.migrate()
    db.close()
    assert in_thread(lambda: db.execute_sql("SELECT count(*) FROM customer").fetchone()[0]) == 0
    database.close()


def test_a_call_that_waits_too_long_for_a_connection_is_told_why(db_url, monkeypatch) -> None:
    monkeypatch.setattr(database, "POOL_SIZE", 2)
    monkeypatch.setattr(database, "POOL_WAIT", 1)
    setup(db_url)
    release = threading.Event()
    holding = threading.Barrier(3)

    def hold() -> None:
        with pool.borrowed():
            backend()
            holding.wait(timeout=30)
            release.wait(timeout=30)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for thread in holders:
        thread.start()
    holding.wait(timeout=30)
    try:
        in_thread(backend)
    except database.DatabaseUnavailable as exc:
        assert "all 2 database connections of this desk stayed busy for 1 seconds" in str(exc)
    else:
        raise AssertionError("a third connection was opened beyond the pool's size")
    finally:
        release.set()
        for thread in holders:
            thread.join()
    assert in_thread(lambda: db.execute_sql("SELECT 1").fetchone()[0]) == 1  # free again
    database.close()
