"""One database handle for the process, bound from a URL at start-up.

Models are declared against `db`, a DatabaseProxy; `connect(url)` builds the real database and
binds it. SQLite opens every transaction with BEGIN IMMEDIATE: a deferred transaction that later
writes fails with "database is locked" under load instead of waiting its turn.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlparse

import peewee
from peewee import DatabaseProxy

db = DatabaseProxy()

T = TypeVar("T")

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("busy_timeout", 10_000),
    ("synchronous", "normal"),
)


class DatabaseUnavailable(Exception):
    """The database cannot be reached or used; the message says why in plain words."""


def is_postgres(database: peewee.Database | None = None) -> bool:
    return isinstance(database or db.obj, peewee.PostgresqlDatabase)


def make_database(url: str) -> peewee.Database:
    """A Peewee database for a sqlite:///PATH or postgresql:// URL, not yet connected."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        if not path:
            raise DatabaseUnavailable(f"a SQLite URL needs a file: sqlite:///deskapp.db (got '{url}')")
        if path != ":memory:":
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder):
                raise DatabaseUnavailable(f"the folder for the database does not exist: {folder}")
        return peewee.SqliteDatabase(
            path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", check_same_thread=False, timeout=10
        )
    if parsed.scheme in ("postgresql", "postgres"):
        try:
            import psycopg  # noqa: F401  (checked here so the message can say what to install)
        except ImportError:
            raise DatabaseUnavailable(
                "PostgreSQL support is not installed: pip install 'deskapp[postgres]'"
            ) from None
        return peewee.PostgresqlDatabase("postgresql://" + url.split("://", 1)[1])
    raise DatabaseUnavailable(f"unsupported database URL '{url}': use sqlite:///PATH or postgresql://...")


def connect(url: str) -> peewee.Database:
    """Bind the models to the database at `url` and check it answers."""
    database = make_database(url)
    db.initialize(database)
    try:
        database.connect(reuse_if_open=True)
    except peewee.OperationalError as exc:
        raise DatabaseUnavailable(f"cannot open the database {redact(url)}: {first_line(exc)}") from None
    return database


def close() -> None:
    if db.obj is not None and not db.is_closed():
        db.close()


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _transient(exc: peewee.OperationalError | peewee.InterfaceError) -> bool:
    """Errors after which the whole transaction may safely run again."""
    text = str(exc).lower()
    return any(
        marker in text
        for marker in (
            "database is locked",
            "could not serialize",
            "deadlock detected",
            "server closed the connection",
            "terminating connection",
            "connection is closed",
            "the connection is lost",
            "consuming input failed",
            "connection already closed",
        )
    )


def transaction(work: Callable[[], T], *, attempts: int = 5) -> T:
    """Run `work` in one transaction, again from the start after a transient failure.

    Only whole transactions are retried, so nothing is half-applied or applied twice: a
    transaction that failed was rolled back by the database.
    """
    delay = 0.05
    for attempt in range(1, attempts + 1):
        try:
            with db.atomic():
                return work()
        except (peewee.OperationalError, peewee.InterfaceError) as exc:
            if attempt == attempts or not _transient(exc):
                raise
            if not db.is_closed() and is_postgres():
                # A dead PostgreSQL connection must be dropped before a new one is opened.
                try:
                    db.close()
                except Exception:  # noqa: BLE001  the connection is already gone
                    pass
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
