"""The screens' worker threads borrow a connection from the pool of the bound database.

Every database call from a screen runs in a new worker thread (deskapp.tui.work.call_core), and
Peewee connections belong to a thread. Opening one per call costs more than the query at a
million customers: a new SQLite connection starts with an empty page cache, a new PostgreSQL
connection is a new server process with cold catalog caches. So the databases made by
deskapp.db.database are Peewee's pooled ones (playhouse.pool): a thread's `close()` gives its
connection back, and the next thread's first statement takes an idle one.

Why playhouse.pool and not psycopg_pool: the pool has to live where Peewee keeps its per-thread
connection, or Peewee would still open and close its own; playhouse.pool is that (the database
object itself pools, and connect()/close() work as before), for SQLite as well as PostgreSQL,
with no new dependency. psycopg_pool serves PostgreSQL only and hands out connections through
its own context manager, so it would need a Peewee subclass that drives `_state` the way this
module used to, and SQLite would still need a pool of our own.

What the pool checks (deskapp.db.database sets its size): a PostgreSQL connection is asked a
trivial SELECT before it is handed out, so one the server ended while it waited (restart,
failover, pg_terminate_backend) is closed and replaced; a closed SQLite one is dropped too. A
connection given back inside a transaction is rolled back first, or closed when that fails, so
only idle connections wait in the pool. A connection that died during a call was already ended
there (PostgresDatabase.drop_connection) and never goes back. New SQLite connections get the
pragmas of deskapp.db.database.

A thread that uses the database must do so inside `borrowed()` (or Peewee's connection_context):
a connection a thread never closes stays checked out, counts against the pool's size, and is
not ended when the thread ends.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from deskapp.db.database import db


@contextmanager
def borrowed() -> Iterator[None]:
    """Inside the block the calling thread's first statement takes a pooled connection; on the
    way out it goes back to the pool (unless the thread already had one of its own)."""
    had_own = db.obj is not None and not db.is_closed()
    try:
        yield
    finally:
        if not had_own and db.obj is not None and not db.is_closed():
            db.close()
