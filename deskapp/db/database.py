"""One database handle for the process, bound from a URL at start-up.

Models are declared against `db`, a DatabaseProxy; `connect(url)` builds the real database and
binds it. SQLite opens every transaction with BEGIN IMMEDIATE: a deferred transaction that later
writes fails with "database is locked" under load instead of waiting its turn.

Both databases are Peewee's pooled ones (playhouse.pool; why, in deskapp.db.pool): `close()` on a
thread gives its connection back to the pool instead of ending it, and the module's `close()`
ends the pool's idle connections.
"""
from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlparse

import peewee
from peewee import DatabaseProxy
from playhouse.pool import MaxConnectionsExceeded, PooledDatabase, PooledPostgresqlDatabase, PooledSqliteDatabase

from deskapp import logs
from deskapp.db import sqlite_file
from deskapp.errors import DeskappError
from deskapp.i18n import N_, _, ngettext
from deskapp.logs import log

db = DatabaseProxy()

T = TypeVar("T")  # i18n: not words

SQLITE_PRAGMAS = (
    ("busy_timeout", 10_000),  # first, so that switching to WAL waits as long as everything else
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("synchronous", "normal"),
)

# The pool of one process (one desk): at most POOL_SIZE connections open at once, in use or idle
# (idle ones are those the screens' workers gave back); a thread that finds them all in use waits
# up to POOL_WAIT seconds for one to come back. SQLite's own wait for a lock is the busy_timeout
# pragma (playhouse.pool takes the `timeout` argument for the pool's wait).
POOL_SIZE = 8
POOL_WAIT = 30


class DatabaseUnavailable(DeskappError):
    """The database cannot be reached or used; the message says why in plain words."""

    title = N_("Cannot continue")  # each raised error carries it in the language in effect when raised
    severity = "error"

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.title = _(type(self).title)


class DatabaseDamaged(DatabaseUnavailable):
    """The SQLite file is damaged (corrupted on disk): said in one line, never a traceback."""

    title = N_("Database damaged")


# SQLite's words for a file whose pages do not make sense (a disk fault, a copy made while it was written).
DAMAGE = ("database disk image is malformed", "file is not a database", "database corruption",  # i18n: not words
          "malformed database schema")  # i18n: not words


def damaged(exc: BaseException) -> bool:
    """Whether `exc` says the database file itself is damaged."""
    text = str(exc).lower()
    return any(marker in text for marker in DAMAGE)


def integrity_problem(conn: sqlite3.Connection) -> str | None:
    """SQLite's PRAGMA integrity_check: its first complaint (and how many more), or None when sound."""
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
    if rows == ["ok"]:
        return None
    first = " ".join(rows[0].split())
    if len(rows) == 1:
        return first
    return ngettext("{problem}; {n} more problem", "{problem}; {n} more problems", len(rows) - 1).format(
        problem=first, n=len(rows) - 1)


def file_problem() -> str | None:
    """The bound database's file damage (SQLite's PRAGMA integrity_check), or None; PostgreSQL
    keeps its own pages sound, so there it is always None."""
    if not isinstance(db.obj, peewee.SqliteDatabase):
        return None
    return integrity_problem(db.connection())


def damage_message(exc: BaseException) -> str:
    """What a damaged database means for the user, naming the file when it is SQLite's."""
    if isinstance(db.obj, peewee.SqliteDatabase):
        return _("The database file {file} is damaged ({problem}): stop the desks, keep the file for inspection "
                 "and restore the last good backup (deskapp restore).").format(file=db.obj.database,
                                                                               problem=first_line(exc))
    return _("The database file is damaged ({problem}): stop the desks, keep the file for inspection and restore "
             "the last good backup (deskapp restore).").format(problem=first_line(exc))


class ConnectionLost(peewee.OperationalError):
    """The server connection died while a change was being committed: it may or may not be saved.

    Not retried (a second run could apply the change twice); the connection is replaced, so the
    next action works. Raised with the words a user needs.
    """


CONNECTION_LOST = (
    "server closed the connection",  # i18n: not words
    "terminating connection",  # i18n: not words
    "connection is closed",  # i18n: not words
    "the connection is lost",  # i18n: not words
    "consuming input failed",  # i18n: not words
    "connection already closed",  # i18n: not words
    "could not receive data from server",  # i18n: not words
    "ssl connection has been closed",  # i18n: not words
)


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` says the database connection itself died (the server ended it or went away)."""
    text = str(exc).lower()
    return isinstance(exc, (peewee.OperationalError, peewee.InterfaceError)) and any(
        marker in text for marker in CONNECTION_LOST)


# What psycopg says when no server answers at the address (none listening, none reachable, or
# one that accepts but never answers within connect_timeout).
UNREACHABLE = ("timeout expired", "connection refused", "could not translate host name",  # i18n: not words
               "no route to host", "network is unreachable", "failed to resolve host",  # i18n: not words
               "name or service not known")  # i18n: not words


class _Pooled:
    """The pool's "all connections busy" (a ValueError) and a server that does not answer, in
    words a user understands."""

    address = ""  # HOST:PORT of a PostgreSQL server, for "Cannot reach the database at ..."
    connect_timeout = 0
    statement_timeout = 0
    url_options = ""  # PostgreSQL: the `options` the URL itself gives (not deskapp's statement timeout)

    def connect(self, reuse_if_open: bool = False) -> bool:
        try:
            return super().connect(reuse_if_open)  # type: ignore[misc]
        except peewee.OperationalError as exc:
            low = str(exc).lower()
            if self.address and any(marker in low for marker in UNREACHABLE):
                why = (ngettext("no answer within {n} second", "no answer within {n} seconds",
                                self.connect_timeout).format(n=self.connect_timeout) if "timeout" in low
                       else first_line(exc).rsplit(": ", 1)[-1].strip().rstrip(".").lower())
                raise DatabaseUnavailable(_("Cannot reach the database at {address} ({why}).").format(
                    address=self.address, why=why)) from None
            raise
        except MaxConnectionsExceeded:
            raise DatabaseUnavailable(
                _("all {n} database connections of this desk stayed busy for {seconds} seconds "
                  "(a long lock in the database?); try again").format(n=POOL_SIZE, seconds=POOL_WAIT)) from None


class SqliteDatabase(_Pooled, PooledSqliteDatabase):
    """A SQLite file; every new connection of the pool gets SQLITE_PRAGMAS."""


class PostgresDatabase(_Pooled, PooledPostgresqlDatabase):
    """PostgreSQL that survives a server-side end of its connection (restart, failover,
    pg_terminate_backend, an idle timeout).

    The pool asks an idle connection a trivial SELECT before it hands it out, so one the server
    ended while it waited is closed and replaced, and takes back only a connection whose state
    is known (one in a transaction is rolled back first).

    Peewee keeps a dead connection and fails every later statement with "the connection is
    closed"; here the dead connection is dropped at once, so the next statement connects anew.
    A read outside a transaction is repeated once on the new connection (reading twice changes
    nothing); anything inside a transaction or a write is not: `transaction()` re-runs a whole
    transaction, and a lone write is reported, never guessed at.
    """

    # Set once a server refused the `options` startup parameter: a transaction-pooling PgBouncer.
    pooler = False

    def _connect(self):
        try:
            conn = super()._connect()
        except Exception as exc:  # psycopg's error, before Peewee wraps it
            if self.pooler or "unsupported startup parameter: options" not in str(exc):  # i18n: not words
                raise
            self._behind_pooler()
            conn = super()._connect()
        # No server-side prepared statements: psycopg prepares a query it has run five times on
        # that server connection, and behind a transaction-pooling PgBouncer (1.18, Debian 12) the
        # next transaction may run on another server connection that never saw it ("prepared
        # statement _pg3_0 does not exist"). The hot statements are compiled to SQL text once per
        # process instead (deskapp.db.statements), which survives any pooler.
        conn.prepare_threshold = None
        return conn

    def _behind_pooler(self) -> None:
        """A pooler (PgBouncer in transaction mode) refused the startup `options`: it cannot give a
        setting to a session that is not ours. The statement timeout we add is dropped, with a warning
        saying where it belongs; options the URL itself asked for (a search_path) are refused."""
        if self.url_options:
            raise DatabaseUnavailable(
                _("the server at {address} (a connection pooler such as PgBouncer) refuses the URL's options "
                  "({options}); set them on the pooler's database entry (connect_query) or on the role "
                  "(ALTER ROLE ... SET) instead").format(address=self.address, options=self.url_options))
        self.pooler = True
        self.connect_params.pop("options", None)
        if self.statement_timeout:
            log.warning(
                "the database at %s is a connection pooler (PgBouncer?) that refuses per-connection settings: "
                "statement_timeout (%d s) is not applied by deskapp; set it on the desks' role "
                "(ALTER ROLE ... SET statement_timeout = '%ds') or as PgBouncer's query_timeout",
                self.address, self.statement_timeout, self.statement_timeout)

    def execute_sql(self, sql, params=None):
        try:
            return super().execute_sql(sql, params)
        except (peewee.OperationalError, peewee.InterfaceError) as exc:
            if "statement timeout" in str(exc):  # i18n: not words
                raise DatabaseUnavailable(
                    _("the database did not finish a step within {seconds} seconds (the database section's "
                      "statement_timeout) and stopped it; nothing of it was saved. Try again").format(
                        seconds=self.statement_timeout)) from None
            if not connection_lost(exc):
                raise
            if self.in_transaction():
                raise  # the transaction's own exit rolls back; transaction() then drops the connection
            self.drop_connection()
            if not _is_plain_read(sql):
                raise
            return super().execute_sql(sql, params)

    def drop_connection(self) -> None:
        """End a dead connection (never back to the pool), outside any transaction; the next
        statement takes another."""
        self.manual_close()


def _is_plain_read(sql: str) -> bool:
    head = sql.lstrip()[:6].upper()
    return head == "SELECT" and "FOR UPDATE" not in sql.upper()  # i18n: not words


def is_postgres(database: peewee.Database | None = None) -> bool:
    return isinstance(database or db.obj, peewee.PostgresqlDatabase)


def make_database(url: str, *, connect_timeout: int = 5, statement_timeout: int = 30,
                  group: str | None = None) -> peewee.Database:
    """A Peewee database for a sqlite:///PATH or postgresql:// URL, not yet connected.

    A SQLite file is created private (0600, or 0640 for `group`) or checked (deskapp.db.sqlite_file).
    For PostgreSQL, `connect_timeout` bounds the wait for a server to answer a new connection and
    `statement_timeout` (seconds, 0 for none) each statement; both are the `database` section's."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        if not path:
            raise DatabaseUnavailable(_("a SQLite URL needs a file: sqlite:///deskapp.db (got '{url}')").format(url=url))
        if path != ":memory:":
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder):
                raise DatabaseUnavailable(_("the folder for the database does not exist: {folder}").format(
                    folder=folder))
            sqlite_file.prepare(path, group)
        return SqliteDatabase(
            path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",  # i18n: not words
            check_same_thread=False,
            max_connections=POOL_SIZE, timeout=POOL_WAIT)
    if parsed.scheme in ("postgresql", "postgres"):
        try:
            import psycopg  # (imported here so the message can say what to install)
            import psycopg.conninfo
        except ImportError:
            raise DatabaseUnavailable(
                _("PostgreSQL support is not installed: pip install 'deskapp[postgres]'")
            ) from None
        conninfo = "postgresql://" + url.split("://", 1)[1]
        params: dict[str, object] = {"connect_timeout": connect_timeout}
        try:
            given = str(psycopg.conninfo.conninfo_to_dict(conninfo).get("options") or "")
        except psycopg.ProgrammingError as exc:
            raise DatabaseUnavailable(_("cannot read the database URL {url}: {problem}").format(
                url=redact(url), problem=first_line(exc))) from None
        if statement_timeout:
            # Added to the URL's own options (a search_path, say), which a plain keyword would replace.
            params["options"] = f"{given} -c statement_timeout={statement_timeout * 1000}".strip()  # i18n: not words
        database = PostgresDatabase(conninfo, max_connections=POOL_SIZE, timeout=POOL_WAIT, **params)
        try:
            port = parsed.port or 5432
        except ValueError:
            raise DatabaseUnavailable(_("the database URL {url} has no valid port").format(url=redact(url))) from None
        database.address = f"{parsed.hostname or 'localhost'}:{port}"
        database.connect_timeout = connect_timeout
        database.statement_timeout = statement_timeout
        database.url_options = given.strip()
        return database
    raise DatabaseUnavailable(_("unsupported database URL '{url}': use sqlite:///PATH or postgresql://...").format(
        url=url))


def connect(url: str, *, connect_timeout: int = 5, statement_timeout: int = 30,
            group: str | None = None) -> peewee.Database:
    """Bind the models to the database at `url` and check it answers (timeouts and group as make_database)."""
    database = make_database(url, connect_timeout=connect_timeout, statement_timeout=statement_timeout, group=group)
    previous = db.obj
    db.initialize(database)
    if isinstance(previous, PooledDatabase):
        previous.close_idle()  # bound no more: what it kept idle would never be used again
    try:
        database.connect(reuse_if_open=True)
    except peewee.OperationalError as exc:
        reason = storage_problem(exc) or first_line(exc)
        raise DatabaseUnavailable(_("cannot open the database {url}: {problem}").format(
            url=redact(url), problem=reason)) from None
    return database


def close() -> None:
    """End this thread's connection and every idle one the pool keeps for the screens' workers.

    A connection another thread is using at the moment is left to it (ending it would fail that
    thread's work); it goes back to the pool when that thread is done."""
    if db.obj is not None and not db.is_closed():
        db.close()  # back to the pool, ended just below
    if isinstance(db.obj, PooledDatabase):
        db.obj.close_idle()


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def storage_problem(exc: BaseException) -> str | None:
    """What a database file that cannot be written means for the user, or None for other failures.

    A full disk (or a file-size limit) shows up as "database or disk is full" or "disk I/O
    error" (SQLite) or "No space left on device" (PostgreSQL's server disk); a SQLite file,
    folder, -wal or -shm file without write permission as "attempt to write a readonly database".
    The failed transaction was rolled back, so nothing is half-saved; once space or permission
    returns, the next action works without a restart.
    """
    text = first_line(exc)
    low = text.lower()
    if "disk is full" in low or "disk i/o error" in low or "no space left on device" in low:  # i18n: not words
        return _("the disk holding the database is full or cannot be written ({problem}); nothing was saved. "
                 "Free some space, then try again").format(problem=text)
    if "readonly database" in low:  # i18n: not words
        return _("the database cannot be written: the file, its folder or its -wal/-shm files are read-only "
                 "({problem}); nothing was saved. Restore write permission, then try again").format(problem=text)
    return None


def _transient(exc: peewee.OperationalError | peewee.InterfaceError) -> bool:
    """Errors after which the whole transaction may safely run again."""
    text = str(exc).lower()
    return connection_lost(exc) or any(
        marker in text for marker in ("database is locked", "could not serialize", "deadlock detected"))  # i18n: not words


def _first_failure(exc: BaseException) -> BaseException:
    """The error that failed the transaction, not the ROLLBACK's complaint about it.

    When a COMMIT fails with an I/O error (a full disk), SQLite has already rolled the transaction
    back, and Peewee's own ROLLBACK then fails with "cannot rollback - no transaction is active",
    which would hide the real reason from the user.
    """
    seen = exc
    while "cannot rollback - no transaction is active" in str(seen):  # i18n: not words
        earlier = seen.__context__
        if earlier is None:
            return exc
        seen = earlier
    if seen is exc or not isinstance(seen, (peewee.OperationalError, peewee.InterfaceError)):
        return exc
    return seen


def transaction(work: Callable[[], T], *, attempts: int = 5) -> T:
    """Run `work` in one transaction, again from the start after a transient failure.

    Only whole transactions are retried, so nothing is half-applied or applied twice: a
    transaction that failed before its COMMIT was rolled back by the database. A connection
    lost during the COMMIT itself is different: the server may have committed just before it
    went, so running the work again could do it twice; that raises ConnectionLost instead.
    """
    delay = 0.05
    for attempt in range(1, attempts + 1):
        committing = False
        try:
            with logs.held(), db.atomic():  # action lines are written once the COMMIT succeeded
                result = work()
                committing = True
            return result
        except (peewee.OperationalError, peewee.InterfaceError) as caught:
            exc = _first_failure(caught)
            lost = connection_lost(exc)
            if lost and not db.is_closed() and hasattr(db.obj, "drop_connection"):
                db.obj.drop_connection()  # a new one is opened by the next statement
            if committing and lost:
                raise ConnectionLost(
                    _("The connection to the database was lost while saving, so it is not known whether "
                      "the change was saved; deskapp has reconnected: look before you repeat it.")
                ) from exc
            if attempt == attempts or not _transient(exc):
                if exc is caught:
                    raise
                raise exc from None
            log.warning("transaction retried (attempt %d of %d): %s", attempt + 1, attempts, first_line(exc))
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
