"""Connections kept open between the screens' worker calls, lent to whichever thread runs next.

Every database call from a screen runs in a new worker thread (deskapp.tui.work.call_core), and
Peewee connections belong to a thread, so each call used to open a connection and close it. At
a million customers that costs more than the query: a new SQLite connection starts with an empty
page cache (every index page read again), a new PostgreSQL connection is a new server process
with cold catalog caches. `borrowed()` lends the calling thread a connection an earlier call left
idle and takes it back afterwards; at most KEEP wait, the rest are closed.

Only a clean connection is kept: open, outside any transaction (SQLite not in_transaction,
PostgreSQL idle). A PostgreSQL connection is asked a trivial SELECT before it is lent, since the
server may have ended it while it waited (restart, failover, pg_terminate_backend); a dead one is
closed and a new one opened, so the reconnect rules of deskapp.db.database see nothing new. A
connection that died during the call was already dropped there and is not kept. SQLite
connections are opened with check_same_thread=False and used by one thread at a time.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import peewee

from deskapp.db import database
from deskapp.db.database import db, is_postgres

KEEP = 4

_lock = threading.Lock()
_idle: list[tuple[peewee.Database, object]] = []  # (the database it belongs to, its raw connection)


@contextmanager
def borrowed() -> Iterator[None]:
    """The calling thread has a connection of the bound database inside the block."""
    database = db.obj
    if database is None or not database.is_closed():
        # Nothing bound (fails as before), or this thread has its own connection: use it as is.
        with db.connection_context():
            yield
        return
    conn = _take(database)
    if conn is None:
        database.connect()
    else:
        database._state.set_connection(conn)
    marker = object()  # a nested connection_context() must not close the lent connection on exit
    database._state.ctx.append(marker)
    try:
        yield
    finally:
        state = database._state
        if marker in state.ctx:
            state.ctx.remove(marker)
        conn = None if state.closed else state.conn
        if conn is not None and not state.ctx and _clean(database, conn):
            state.reset()  # this thread forgets it; the next call's thread takes it
            _give(database, conn)
        elif not state.ctx and not database.is_closed():
            database.close()


def discard_all() -> None:
    """Close every kept connection (the database is being closed or replaced)."""
    with _lock:
        kept = list(_idle)
        _idle.clear()
    for _, conn in kept:
        _close(conn)


def kept() -> int:
    """How many idle connections wait to be lent."""
    with _lock:
        return len(_idle)


def _take(database: peewee.Database):
    while True:
        stale = []
        with _lock:
            stale = [conn for owner, conn in _idle if owner is not database]
            _idle[:] = [entry for entry in _idle if entry[0] is database]
            conn = _idle.pop()[1] if _idle else None
        for old in stale:
            _close(old)
        if conn is None:
            return None
        if _alive(database, conn):
            return conn
        _close(conn)


def _give(database: peewee.Database, conn) -> None:
    with _lock:
        if len(_idle) < KEEP:
            _idle.append((database, conn))
            return
    _close(conn)


def _clean(database: peewee.Database, conn) -> bool:
    if is_postgres(database):
        import psycopg

        return not conn.closed and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    return not conn.in_transaction


def _alive(database: peewee.Database, conn) -> bool:
    if not is_postgres(database):
        return True
    try:
        conn.execute("SELECT 1").fetchall()
    except Exception:  # noqa: BLE001  any failure means: do not lend it
        return False
    return _clean(database, conn)


def _close(conn) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001  closing a dead connection only frees its socket
        pass


database._close_hooks.append(discard_all)  # database.close() also ends the kept connections
